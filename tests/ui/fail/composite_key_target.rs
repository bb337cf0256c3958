use orm::prelude::*;

#[derive(Model)]
#[model(primary_key(region, number))]
struct Office {
    region: String,
    number: i64,
}

#[derive(Model)]
struct Person {
    id: i64,
}

// The join table would point at one column of Office, whose key has two.
#[derive(Model)]
#[belongs_to_many(Office, through = "person_offices")]
struct Employee {
    id: i64,
}

fn main() {}
