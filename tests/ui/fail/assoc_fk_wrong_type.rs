use orm::prelude::*;

#[derive(Model)]
#[has_many(Task)]
struct User {
    id: i64,
}

#[derive(Model)]
#[belongs_to(User)]
struct Task {
    id: i64,
    user_id: Option<String>,
}

fn main() {}
