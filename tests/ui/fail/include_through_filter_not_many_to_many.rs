use orm::prelude::*;

#[derive(Model, Clone)]
#[has_many(Task)]
struct User {
    id: i64,
}

#[derive(Model, Clone)]
struct Task {
    id: i64,
    user_id: Option<i64>,
    done: bool,
}

fn main() {
    let _ = User::find().include(User::tasks().through_filter(Task::done().eq(true)));
}
