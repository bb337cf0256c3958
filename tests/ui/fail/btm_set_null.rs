use orm::prelude::*;

#[derive(Model)]
#[belongs_to_many(Project, through = "user_projects", on_delete = "set null", on_update = "set_null")]
struct User {
    id: i64,
}

#[derive(Model)]
struct Project {
    id: i64,
}

fn main() {}
