use orm::prelude::*;

#[derive(Model)]
#[has_many(Task, as = "jobs")]
#[has_many(Chore, as = "jobs")]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model)]
struct Chore {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
