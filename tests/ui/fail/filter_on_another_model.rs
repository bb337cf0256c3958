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
    let _ = Task::find().order_by(User::name().asc());
}
