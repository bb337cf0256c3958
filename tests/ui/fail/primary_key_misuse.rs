use orm::prelude::*;

#[derive(Model)]
struct Ticket {
    #[model(primary_key)]
    code: String,
    #[model(primary_key)]
    number: i64,
}

#[derive(Model)]
struct Stub {
    id: Option<i64>,
}

fn main() {}
