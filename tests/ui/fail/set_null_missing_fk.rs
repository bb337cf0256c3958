use orm::prelude::*;

// The foreign key is missing: one error, on the key, not a second on "set null".
#[derive(Model)]
#[has_many(Task, foreign_key = "owner_id", on_delete = "set null")]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
}

fn main() {}
