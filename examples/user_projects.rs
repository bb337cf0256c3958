//! The seeds' `UserProjects` example: users and projects linked through a join model with a
//! `started` attribute.
//!
//! Run it with `cargo run --example user_projects`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[belongs_to_many(Project, through = UserProject)]
struct User {
    id: i64,
    name: String,
}

#[derive(Model, Debug, Clone)]
#[belongs_to_many(User, through = UserProject)]
struct Project {
    id: i64,
    name: String,
}

#[derive(Model, Debug, Clone)]
struct UserProject {
    id: i64,
    user_id: i64,
    project_id: i64,
    #[model(default = false)]
    started: bool,
}

async fn show(db: &Db, user: &User) -> orm::Result<()> {
    let projects = user.get_projects(db).order_by(Project::name().asc()).await?;
    let listed: Vec<String> =
        projects.iter().map(|(p, join)| format!("{} (started: {})", p.name, join.started)).collect();
    println!("  {} -> [{}]", user.name, listed.join(", "));
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let db = orm::sqlite::connect("sqlite::memory:").await?;
    let schema = Schema::new().model::<User>();
    println!("Tables, the join table last:");
    for statement in schema.ddl(&db)?.iter().filter(|s| s.starts_with("CREATE TABLE")) {
        println!("  {statement}");
    }
    schema.sync(&db).await?;

    let jan = User::build().name("jan").create(&db).await?;
    let homework = Project::build().name("homework").create(&db).await?;
    let makedinner = Project::build().name("makedinner").create(&db).await?;
    let doshopping = Project::build().name("doshopping").create(&db).await?;

    println!("\njan.addProject(homework, {{ started: false }})");
    jan.add_project(&db, &homework).through(UserProject::build().started(false)).await?;
    show(&db, &jan).await?;

    println!("jan.setProjects([makedinner, doshopping], {{ started: true }})");
    jan.set_projects(&db, [&makedinner, &doshopping]).through(UserProject::build().started(true)).await?;
    show(&db, &jan).await?;

    println!("p1 carries started: true; setProjects([p1, p2], {{ started: false }})");
    jan.set_projects(&db, [&homework, &makedinner])
        .through(UserProject::build().started(false))
        .through_for(&homework, UserProject::build().started(true))
        .await?;
    show(&db, &jan).await?;

    let started = jan.get_projects(&db).through_filter(UserProject::started().eq(true)).targets_only().await?;
    println!(
        "\nStarted projects only (a filter on the join row): {:?}",
        started.iter().map(|p| &p.name).collect::<Vec<_>>()
    );
    println!(
        "homework's users: {:?}",
        homework.get_users(&db).targets_only().await?.iter().map(|u| &u.name).collect::<Vec<_>>()
    );
    println!("jan has doshopping: {}", jan.has_project(&db, &doshopping).await?);
    Ok(())
}
