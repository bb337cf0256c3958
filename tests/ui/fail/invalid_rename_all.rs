use orm::prelude::*;

#[derive(Model)]
#[model(rename_all = "camelcase")]
struct Task {
    id: i64,
}

fn main() {}
