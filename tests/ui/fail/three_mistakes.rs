use orm::prelude::*;

#[derive(Model)]
#[model(tabel = "people")]
#[has_many(Task, on_delete = "explode")]
#[belongs_to(Team, as = "Squad")]
struct Person {
    id: i64,
    squad_id: Option<i64>,
}

#[derive(Model)]
struct Task {
    id: i64,
    person_id: Option<i64>,
}

#[derive(Model)]
struct Team {
    id: i64,
}

fn main() {}
