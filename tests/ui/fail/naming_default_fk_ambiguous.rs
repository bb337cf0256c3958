use orm::prelude::*;

#[derive(Model)]
struct Company {
    #[model(primary_key)]
    uuid: String,
}

// Two fields could be the key; the default is `company_uuid`, after Company's key.
#[derive(Model)]
#[belongs_to(Company)]
struct Employee {
    id: i64,
    company_name: String,
    company_uuid: Option<String>,
}

fn main() {}
