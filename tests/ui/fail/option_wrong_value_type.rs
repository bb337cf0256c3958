use orm::prelude::*;

#[derive(Model)]
#[has_many(Task, constraints = "no", as = 5)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
