use orm::prelude::*;

#[derive(Model)]
#[has_many(Person, as = "sheep")]
struct Farm {
    id: i64,
}

#[derive(Model)]
struct Person {
    id: i64,
    farm_id: Option<i64>,
}

fn main() {}
