use orm::prelude::*;

#[derive(Model)]
#[has_many(Picture)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Picture {
    id: i64,
    user_id: Option<i64>,
}

#[derive(Model)]
struct Tag {
    id: i64,
}

async fn run(db: &Db) -> orm::Result<()> {
    // The model instead of its association handle.
    let _users = User::find().include(Picture).all(db).await?;
    // An association `User` does not declare.
    let _users = User::find().include(User::tags()).all(db).await?;
    Ok(())
}

fn main() {}
