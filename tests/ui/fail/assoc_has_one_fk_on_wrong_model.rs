use orm::prelude::*;

// The foreign key of a has_one put on the source instead of the target.
#[derive(Model)]
#[has_one(Profile)]
struct User {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model)]
struct Profile {
    id: i64,
    bio: String,
}

fn main() {}
