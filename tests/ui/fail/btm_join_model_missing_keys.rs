use orm::prelude::*;

#[derive(Model)]
#[belongs_to_many(Project, through = UserProject)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Project {
    id: i64,
}

#[derive(Model)]
struct UserProject {
    id: i64,
    user_id: i64,
    started: bool,
}

fn main() {}
