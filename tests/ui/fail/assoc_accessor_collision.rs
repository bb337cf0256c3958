use orm::prelude::*;

#[derive(Model)]
#[has_many(Picture)]
#[belongs_to(Picture, as = "picture")]
struct User {
    id: i64,
    picture_id: Option<i64>,
}

#[derive(Model)]
struct Picture {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
