use orm::prelude::*;

#[derive(Model)]
struct Company {
    #[model(primary_key)]
    uuid: String,
}

// Seed 003: a Company keyed by `uuid` gives `company_uuid`, not `company_id`.
#[derive(Model)]
#[belongs_to(Company)]
struct Employee {
    id: i64,
    company_id: Option<String>,
}

fn main() {}
