use orm::prelude::*;

struct Company {
    _id: i64,
}

#[derive(Model)]
struct Employee {
    id: i64,
    #[model(references(model = Company))]
    company_id: i64,
}

fn main() {}
