use orm::prelude::*;

#[derive(Model)]
#[has_many(Task, target_key = "id")]
#[belongs_to(Team, source_key = "id")]
#[has_one(Profile, foriegn_key = "owner")]
struct User {
    id: i64,
    team_id: Option<i64>,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model)]
struct Team {
    id: i64,
}

#[derive(Model)]
struct Profile {
    id: i64,
    user_id: Option<i64>,
}

fn main() {}
