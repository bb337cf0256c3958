use orm::prelude::*;

#[derive(Model)]
struct Document {
    #[model(version)]
    id: i64,
    #[model(version)]
    revision: Option<i32>,
    #[model(created_at, version)]
    created: i64,
}

#[derive(Model)]
struct Draft {
    id: i64,
    #[model(version)]
    version: i32,
    #[model(version)]
    lock: i64,
}

fn main() {}
