use orm::prelude::*;

#[derive(Model, Clone)]
#[belongs_to(User)]
struct Product {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model, Clone)]
struct User {
    id: i64,
}

#[derive(Model, Clone)]
struct Address {
    id: i64,
}

fn main() {
    let _ = Product::build().user(Address::build());
}
