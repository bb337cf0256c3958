use orm::prelude::*;

#[derive(Model)]
#[belongs_to_many(Project, through = Membership)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Project {
    id: i64,
}

struct Membership {
    _user_id: i64,
    _project_id: i64,
}

fn main() {}
