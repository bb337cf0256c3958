use orm::prelude::*;

#[derive(Model, Clone)]
#[belongs_to(User, as = "creator")]
struct Product {
    id: i64,
    title: String,
    creator_id: Option<i64>,
}

#[derive(Model, Clone)]
struct User {
    id: i64,
}

fn main() {
    let _ = Product::build().title("Chair").user(User::build());
}
