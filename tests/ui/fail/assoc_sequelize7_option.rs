use orm::prelude::*;

#[derive(Model)]
#[belongs_to(Company, foreign_key_constraints = false)]
#[has_many(Task, foreign_key_constraints = false)]
struct User {
    id: i64,
    company_id: Option<i64>,
    #[model(references(model = Company, foreign_key_constraints = false))]
    employer_id: Option<i64>,
}

#[derive(Model)]
struct Company {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
