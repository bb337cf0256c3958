use orm::prelude::*;

#[derive(Model)]
struct Pair(i64, String);

#[derive(Model)]
enum Kind {
    A,
}

#[derive(Model)]
struct Generic<T> {
    id: i64,
    value: T,
}

fn main() {}
