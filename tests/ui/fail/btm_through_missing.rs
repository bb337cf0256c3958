use orm::prelude::*;

#[derive(Model)]
#[belongs_to_many(Project)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Project {
    id: i64,
}

fn main() {}
