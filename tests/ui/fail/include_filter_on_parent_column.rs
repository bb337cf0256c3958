use orm::prelude::*;

#[derive(Model, Clone)]
#[has_many(Task)]
struct User {
    id: i64,
    name: String,
}

#[derive(Model, Clone)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {
    // An include's filter and order take the target's columns (`Task::…`), not the parent's.
    let _ = User::find().include(User::tasks().filter(User::name().eq("a")));
    let _ = User::find().include(User::tasks().order_by(User::name().asc()));
}
