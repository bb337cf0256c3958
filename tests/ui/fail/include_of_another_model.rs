use orm::prelude::*;

#[derive(Model, Clone)]
#[has_many(Task)]
struct User {
    id: i64,
}

#[derive(Model, Clone)]
#[has_many(Note)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model, Clone)]
struct Note {
    id: i64,
    task_id: Option<i64>,
}

fn main() {
    let _ = User::find().include(Task::notes());
}
