use orm::prelude::*;

#[derive(Model)]
struct User<'a> {
    id: i64,
    name: &'a str,
}

fn main() {}
