use orm::prelude::*;

#[derive(Model)]
struct Company {
    id: i64,
}

#[derive(Model)]
struct Employee {
    id: i64,
    #[model(references(model = Company, on_delete = "cascde"))]
    company_id: i64,
    #[model(references(model = Company, on_update = "explode"))]
    other_company_id: i64,
}

fn main() {}
