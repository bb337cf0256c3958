use orm::prelude::*;

#[derive(Model, Clone)]
#[has_many(Task)]
#[has_many(Badge)]
struct User {
    id: i64,
}

#[derive(Model, Clone)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model, Clone)]
struct Badge {
    id: i64,
    user_id: Option<i64>,
}

fn main() {
    let _ = User::find().include(User::tasks().include(User::badges()));
}
