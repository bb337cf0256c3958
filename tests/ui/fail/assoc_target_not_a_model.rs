use orm::prelude::*;

struct Team {
    _id: i64,
}

#[derive(Model)]
#[belongs_to(Team)]
struct Player {
    id: i64,
    team_id: Option<i64>,
}

fn main() {}
