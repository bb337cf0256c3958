use orm::prelude::*;

#[derive(Model)]
#[model(tabel = "people")]
struct Person {
    id: i64,
    #[model(primary_kay)]
    code: String,
}

fn main() {}
