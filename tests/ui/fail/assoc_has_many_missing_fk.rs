use orm::prelude::*;

#[derive(Model)]
#[has_many(Task)]
#[has_many(Task, as = "reviews", foreign_key = "reviewer")]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
