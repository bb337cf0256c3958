//! The quickstart: two models on an in-memory `SQLite` database, no set-up needed.
//!
//! Run it with `cargo run --example quickstart`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
}

#[derive(Model, Debug, Clone)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub done: bool,
    #[model(references(model = User))]
    pub user_id: i64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let db = orm::sqlite::connect("sqlite::memory:").await?;

    let schema = Schema::new().model::<User>().model::<Task>();
    println!("Schema, in foreign-key order:");
    for statement in schema.ddl(&db)? {
        println!("  {statement}");
    }
    schema.sync(&db).await?;

    let ann = User::build().name("Ann").email("ann@example.com").create(&db).await?;
    let bob = User::create(&db, User { id: 0, name: "Bob".into(), email: None }).await?;
    println!("\nCreated {ann:?}\nCreated {bob:?}");

    for (title, user) in [("Write the docs", &ann), ("Ship it", &ann), ("Review", &bob)] {
        Task::build().title(title).done(false).user_id(user.id).create(&db).await?;
    }

    let mut first = Task::find().filter(Task::user_id().eq(ann.id)).order_by(Task::id().asc()).one(&db).await?;
    if let Some(task) = first.as_mut() {
        task.done = true;
        task.save(&db).await?;
        println!("\nMarked done: {task:?}");
    }

    let open = Task::find().filter(Task::done().eq(false)).order_by(Task::title().asc()).all(&db).await?;
    println!("\nOpen tasks:");
    for task in &open {
        println!("  #{} {} (user {})", task.id, task.title, task.user_id);
    }

    let renamed =
        User::update().set(User::email(), "bob@example.com").filter(User::email().is_null()).exec(&db).await?;
    println!("\nGave {renamed} user(s) without an email one");

    // Deleting a user cascades to their tasks: the foreign key is NOT NULL.
    bob.destroy(&db).await?;
    println!(
        "Deleted Bob: {} user(s) and {} task(s) remain",
        User::find().count(&db).await?,
        Task::find().count(&db).await?
    );
    Ok(())
}
