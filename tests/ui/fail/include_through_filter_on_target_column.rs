use orm::prelude::*;

#[derive(Model, Clone)]
#[belongs_to_many(Project, through(model = Membership))]
struct User {
    id: i64,
}

#[derive(Model, Clone)]
struct Project {
    id: i64,
    name: String,
}

#[derive(Model, Clone)]
struct Membership {
    id: i64,
    user_id: i64,
    project_id: i64,
    role: String,
}

fn main() {
    // `through_filter` takes the join model's columns (`Membership::…`), not the target's.
    let _ = User::find().include(User::projects().through_filter(Project::name().eq("a")));
}
