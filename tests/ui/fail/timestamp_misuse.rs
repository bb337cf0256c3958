use orm::prelude::*;

#[derive(Model)]
struct Event {
    id: i64,
    #[model(created_at)]
    created: i64,
    #[model(created_at, updated_at)]
    stamped: Option<String>,
}

fn main() {}
