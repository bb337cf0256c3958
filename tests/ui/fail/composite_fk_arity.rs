use orm::prelude::*;

#[derive(Model)]
#[model(primary_key(tenant, number))]
struct Customer {
    tenant: String,
    number: i64,
}

// Customer's key has two columns; this foreign key names three.
#[derive(Model)]
#[belongs_to(Customer, foreign_key(customer_tenant, customer_number, customer_extra))]
struct Invoice {
    id: i64,
    customer_tenant: Option<String>,
    customer_number: Option<i64>,
    customer_extra: Option<i64>,
}

fn main() {}
