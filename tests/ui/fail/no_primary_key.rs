use orm::prelude::*;

#[derive(Model)]
struct Tag {
    name: String,
}

fn main() {}
