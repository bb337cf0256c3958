//! The quickstart: a user with workers (tasks) on an in-memory `SQLite` database, no set-up
//! needed. It declares the association once and uses what the derive generated from it:
//! accessors, an include, a nested create.
//!
//! Run it with `cargo run --example quickstart`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[has_many(Task, as = "workers", foreign_key = "uid")] // Sequelize: User.hasMany(Task, { as: 'workers', foreignKey: 'uid' })
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
    pub uid: Option<i64>, // the foreign key the association names: NULL when nobody works on it
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

    // Nested create: a user and her tasks, one transaction, one INSERT per table.
    db.record_statements(true);
    let ann = User::build()
        .name("Ann")
        .email("ann@example.com")
        .workers([Task::build().title("Write the docs").done(false), Task::build().title("Ship it").done(false)])
        .create_nested(&db)
        .await?;
    println!("\nCreated {} with {} workers' tasks:", ann.name, ann.workers().len());
    print_statements(&db);

    // The accessors the association generated.
    let bob = User::build().name("Bob").create(&db).await?;
    let review = Task::build().title("Review").done(false).create(&db).await?;
    bob.add_worker(&db, &review).await?;
    println!("\nbob.add_worker(&review): Bob works on {:?}", titles(&bob.get_workers(&db).await?));
    println!("bob.has_worker(&review): {}", bob.has_worker(&db, &review).await?);
    let ann_tasks = ann.get_workers(&db).await?;
    println!("ann.has_workers(&ann's tasks): {}", ann.has_workers(&db, &ann_tasks).await?);
    println!("ann.has_workers(&[review]): {}", ann.has_workers(&db, [&review]).await?);

    // Ann finishes her first task; count what is left.
    let mut first = ann_tasks[0].clone();
    first.done = true;
    first.save(&db).await?;
    println!("Ann's open tasks: {}", ann.count_workers(&db).filter(Task::done().eq(false)).await?);
    print_statements(&db);

    // Eager loading: every user with their open tasks, in two statements, whatever the number of users.
    let users = User::find()
        .include(User::workers().filter(Task::done().eq(false)).order_by(Task::title().asc()))
        .order_by(User::name().asc())
        .all(&db)
        .await?;
    println!("\nUsers with their open tasks:");
    for user in &users {
        println!("  {}: {:?}", user.name, titles(user.workers()));
    }
    print_statements(&db);

    // Delete Bob: his task stays, unassigned (ON DELETE SET NULL); Ann takes it by its key.
    db.record_statements(false);
    bob.destroy(&db).await?;
    let unassigned = Task::find().filter(Task::uid().is_null()).count(&db).await?;
    println!("\nDeleted Bob: {} user(s) and {unassigned} unassigned task(s) remain", User::find().count(&db).await?);
    ann.add_worker(&db, review.id).await?;
    println!("ann.add_worker(review.id): Ann works on {:?}", titles(&ann.get_workers(&db).await?));
    Ok(())
}

fn titles(tasks: &[Task]) -> Vec<&str> {
    tasks.iter().map(|task| task.title.as_str()).collect()
}

fn print_statements(db: &Db) {
    for statement in db.take_statements() {
        println!("    SQL: {statement}");
    }
}
