use orm::prelude::*;

#[derive(Model)]
#[has_one(Profile, hooks = true)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Profile {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
