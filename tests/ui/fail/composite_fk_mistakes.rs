use orm::prelude::*;

#[derive(Model)]
#[model(primary_key(tenant, number))]
struct Customer {
    tenant: String,
    number: i64,
}

// A has_many whose foreign key names fewer fields than the key it points at.
#[derive(Model)]
#[model(primary_key(tenant, number))]
#[has_many(Invoice, foreign_key(customer_tenant))]
struct Account {
    tenant: String,
    number: i64,
}

// belongs_to with a foreign key of two fields and a target_key of one.
#[derive(Model)]
#[belongs_to(Customer, foreign_key(customer_tenant, customer_number), target_key = "tenant")]
struct Invoice {
    id: i64,
    customer_tenant: Option<String>,
    customer_number: Option<i64>,
}

// A belongs_to_many links one-column keys.
#[derive(Model)]
#[belongs_to_many(Customer, through = "customer_tags", target_key(tenant, number))]
struct Tag {
    id: i64,
}

fn main() {}
