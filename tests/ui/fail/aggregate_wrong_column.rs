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
    // An aggregate's column is checked where the aggregate is used: selected, compared in
    // `having`, ordered by, or run alone.
    let _ = User::find().select(User::name().avg());
    let _ = User::find().select((User::id(), User::name().sum()));
    let _ = User::find().select(User::id()).group_by(User::id()).having(User::active().max().gt(true));
    let _ = User::find().select(User::id()).group_by(User::id()).order_by(User::name().sum().desc());
    let _ = User::find().select((User::id(), Task::id()));
    let _ = User::find().select(User::id()).group_by(Task::id());
}

fn shortcuts(db: Db) {
    let _ = User::find().aggregate(User::name().avg(), &db);
    let _ = User::find().aggregate(Task::id().count(), &db);
    let _ = User::find().sum(User::name(), &db);
    let _ = User::find().min(User::active(), &db);
}

fn projection_orders() {
    let _ = User::find().select(User::id()).order_by(Task::id().asc());
    let _ = User::find().select(User::id()).group_by(User::id()).order_by(orm::count_all::<Task>().desc());
}
