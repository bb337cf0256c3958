use orm::prelude::*;

#[derive(Model)]
struct Team {
    #[model(primary_key)]
    code: String,
}

// The default foreign key is `team_code`, after Team's primary key.
#[derive(Model)]
#[belongs_to(Team)]
struct Player {
    id: i64,
}

fn main() {}
