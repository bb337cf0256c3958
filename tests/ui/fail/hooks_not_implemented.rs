use orm::prelude::*;

#[derive(Model)]
#[model(hooks)]
struct Profile {
    id: i64,
}

fn main() {}
