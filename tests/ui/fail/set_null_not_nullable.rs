use orm::prelude::*;

#[derive(Model)]
#[has_many(Task, on_delete = "set null")]
#[has_one(Profile, on_update = "set null")]
struct User {
    id: i64,
}

#[derive(Model)]
#[belongs_to(User, on_delete = "SET NULL")]
struct Task {
    id: i64,
    user_id: i64,
}

#[derive(Model)]
struct Profile {
    id: i64,
    user_id: i64,
}

#[derive(Model)]
struct Invoice {
    id: i64,
    #[model(references(model = User, on_delete = "set null"))]
    user_id: i64,
}

fn main() {}
