use orm::prelude::*;

#[derive(Model)]
struct Search {
    id: i64,
    find: String,
}

fn main() {}
