use orm::prelude::*;

#[derive(Model)]
#[has_many(Task, on_delete = "set_nul", on_update = "cascades")]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
