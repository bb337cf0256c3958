use orm::prelude::*;

#[derive(Model, Clone)]
#[has_many(Task)]
#[has_one(Profile)]
struct User {
    id: i64,
}

#[derive(Model, Clone)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model, Clone)]
struct Profile {
    id: i64,
    user_id: Option<i64>,
}

async fn run(db: &Db) -> orm::Result<()> {
    let users = User::find().include(User::tasks()).all(db).await?;
    let _tasks = users[0].tasks();
    let _profile = users[0].profile();
    Ok(())
}

fn main() {
    let _ = run;
}
