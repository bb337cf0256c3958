use orm::prelude::*;

#[derive(Model)]
#[has_many(Task)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

fn main() {
    let _ = User::find().include(User::tasks()).select(User::id());
}
