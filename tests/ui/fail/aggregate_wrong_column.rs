use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    name: String,
    active: bool,
}

#[derive(Model)]
struct Task {
    id: i64,
}

fn main() {
    let _ = User::name().avg();
    // `sum` and `max` also name `Iterator` and `Ord` methods, so rustc lists the unmet bound.
    let _ = User::name().sum();
    let _ = User::active().max();
    let _ = User::find().select((User::id(), Task::id()));
    let _ = User::find().select(User::id()).group_by(Task::id());
}

fn shortcuts(db: Db) {
    let _ = User::find().sum(User::name(), &db);
    let _ = User::find().min(User::active(), &db);
}
