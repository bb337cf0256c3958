use orm::prelude::*;

#[derive(Model)]
#[has_many(Task, as = "name")]
struct User {
    id: i64,
    name: String,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
