use orm::prelude::*;

#[derive(Model)]
struct Document {
    id: i64,
    #[model(version)]
    version: String,
}

#[derive(Model)]
struct Draft {
    id: i64,
    #[model(version, default = 1)]
    version: i16,
}

fn main() {}
