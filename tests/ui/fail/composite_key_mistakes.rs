use orm::prelude::*;

#[derive(Model)]
struct Task {
    id: i64,
    owner_id: Option<i64>,
}

// A misspelt key field, and a key field that is an `Option`.
#[derive(Model)]
#[model(primary_key(user_id, projcet_id))]
struct Membership {
    user_id: i64,
    project_id: i64,
}

#[derive(Model)]
#[model(primary_key(tenant, number))]
struct Invoice {
    tenant: String,
    number: Option<i64>,
}

// A has_many points at one column of this model: a composite key needs `source_key`.
#[derive(Model)]
#[has_many(Task, foreign_key = "owner_id")]
struct Owner {
    #[model(primary_key)]
    region: String,
    #[model(primary_key)]
    number: i64,
}

fn main() {}
