use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    name: String,
    age: Option<i32>,
}

async fn bump(db: &Db, user: &mut User) -> orm::Result<()> {
    user.increment(db, User::name(), 1).await?;
    User::update().decrement(User::name(), "a".to_owned()).exec(db).await?;
    user.increment(db, User::age(), Some(1)).await?;
    Ok(())
}

fn main() {}
