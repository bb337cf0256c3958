use orm::prelude::*;

#[derive(Model)]
#[model(primary_key(tenant, number))]
struct Customer {
    tenant: String,
    number: i64,
}

// The second foreign-key field cannot hold the second key column (`i64`).
#[derive(Model)]
#[belongs_to(Customer, foreign_key(customer_tenant, customer_number))]
struct Invoice {
    id: i64,
    customer_tenant: Option<String>,
    customer_number: Option<String>,
}

fn main() {}
