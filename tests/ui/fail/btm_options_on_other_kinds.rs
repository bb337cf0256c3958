use orm::prelude::*;

#[derive(Model)]
#[has_many(Task, through = "user_tasks", other_key = "task_id")]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
