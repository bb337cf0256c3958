use orm::prelude::*;

#[derive(Model)]
struct Task {
    id: i64,
}

#[derive(Model)]
struct User {
    id: i64,
    name: String,
}

fn main() {
    let _ = Task::find().filter(User::name().eq("ann"));
}
