use orm::prelude::*;

#[derive(Model)]
#[has_many]
#[belongs_to(as = "team")]
struct User {
    id: i64,
}

fn main() {}
