use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    #[model(unique)]
    email: String,
}

#[derive(Model)]
struct Team {
    id: i64,
    #[model(unique)]
    email: String,
}

async fn upsert(db: &Db, user: User) -> orm::Result<User> {
    User::upsert(user).on_conflict(Team::email()).exec(db).await
}

fn main() {}
