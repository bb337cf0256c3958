use orm::prelude::*;

#[derive(Model)]
struct Company {
    id: i64,
}

#[derive(Model)]
struct Employee {
    id: i64,
    #[model(references(model = Company))]
    company_id: String,
}

fn main() {}
