use orm::prelude::*;

#[derive(Model)]
#[has_many(Task)]
#[belongs_to_many(Task, as = "tasks", through = "assignments")]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
