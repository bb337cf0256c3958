use orm::prelude::*;

#[derive(Model)]
struct Team {
    id: i64,
}

#[derive(Model)]
#[belongs_to(Team, as = "rival", foreign_key = "rival_team")]
struct Player {
    id: i64,
}

fn main() {}
