use orm::prelude::*;

#[derive(Model)]
#[model(table = " ")]
struct User {
    id: i64,
    #[model(column = "")]
    name: String,
}

fn main() {}
