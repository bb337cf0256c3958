use orm::prelude::*;

#[derive(Model)]
#[model(rename_all = "camelCase")]
struct User {
    id: i64,
    user_id: i64,
    #[model(column = "userId")]
    owner: i64,
}

fn main() {}
