use orm::prelude::*;

#[derive(Model)]
#[belongs_to(Picture)]
#[belongs_to(Picture)]
struct User {
    id: i64,
    picture_id: Option<i64>,
}

#[derive(Model)]
struct Picture {
    id: i64,
}

fn main() {}
