use orm::prelude::*;

#[derive(Model, Clone)]
#[has_many(Task)]
struct User {
    id: i64,
}

// Not `Clone`: an included target must be.
#[derive(Model)]
struct Task {
    id: i64,
    user_id: Option<i64>,
}

async fn run(db: &Db) -> orm::Result<()> {
    let _users = User::find().include(User::tasks()).all(db).await?;
    Ok(())
}

fn main() {
    let _ = run;
}
