use orm::prelude::*;

// The key given twice: by the struct's list and by a field's marker.
#[derive(Model)]
#[model(primary_key(code, number))]
struct Ticket {
    #[model(primary_key)]
    code: String,
    number: i64,
}

#[derive(Model)]
struct Stub {
    id: Option<i64>,
}

fn main() {}
