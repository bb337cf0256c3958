//! The seeds' include examples: loading pictures and the profile picture of users in one
//! call, nested includes, filtered includes, required includes and per-parent limits. Every
//! include level is one batched query, whatever the number of parents.
//!
//! Run it with `cargo run --example eager_loading`.

// Generated code must stay clean under pedantic lints in user crates: CI checks it here.
#![warn(clippy::pedantic)]

use orm::prelude::*;

#[derive(Model, Debug, Clone)]
#[has_many(Picture)]
#[belongs_to(Picture, as = "profile_picture", constraints = false)]
#[belongs_to_many(Project, through = UserProject)]
struct User {
    id: i64,
    name: String,
    profile_picture_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
struct Picture {
    id: i64,
    format: String,
    user_id: Option<i64>,
}

#[derive(Model, Debug, Clone)]
#[has_many(Task)]
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

#[derive(Model, Debug, Clone)]
struct Task {
    id: i64,
    title: String,
    project_id: Option<i64>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let db = orm::sqlite::connect("sqlite::memory:").await?;
    Schema::new().model::<User>().sync(&db).await?;

    let homework = Project::build().name("homework").create(&db).await?;
    let dinner = Project::build().name("dinner").create(&db).await?;
    for title in ["read", "write", "revise"] {
        homework.create_task(&db, Task::build().title(title)).await?;
    }
    dinner.create_task(&db, Task::build().title("shop")).await?;
    for name in ["jan", "kim", "lee"] {
        let mut user = User::build().name(name).create(&db).await?;
        if name != "lee" {
            user.create_picture(&db, Picture::build().format("png")).await?;
            let face = user.create_picture(&db, Picture::build().format("jpg")).await?;
            user.set_profile_picture(&db, &face).await?;
            user.add_project(&db, &homework).through(UserProject::build().started(name == "jan")).await?;
        }
    }

    db.record_statements(true);
    // Seed: include: [{ model: Picture }, { model: Picture, as: 'ProfilePicture' }]
    let users = User::find().include(User::pictures()).include(User::profile_picture()).all(&db).await?;
    println!("Users with their pictures and profile picture ({} statements):", db.take_statements().len());
    for user in &users {
        let formats: Vec<&str> = user.pictures().iter().map(|p| p.format.as_str()).collect();
        println!(
            "  {:4} pictures {:?}, profile picture {:?}",
            user.name,
            formats,
            user.profile_picture().map(|p| p.id)
        );
    }

    // Nested include, a filter on the join row, a required include, and each project's two
    // first tasks (a per-parent limit).
    let started = User::find()
        .include(
            User::projects()
                .through_filter(UserProject::started().eq(true))
                .include(Project::tasks().order_by(Task::title().asc()).limit(2))
                .required(),
        )
        .all(&db)
        .await?;
    println!("\nUsers who started a project ({} statements):", db.take_statements().len());
    for user in &started {
        for (project, join) in user.projects() {
            let tasks: Vec<&str> = project.tasks().iter().map(|t| t.title.as_str()).collect();
            println!("  {} -> {} (started: {}), first tasks {:?}", user.name, project.name, join.started, tasks);
        }
    }

    // Reading an association the query did not include does not compile:
    //     started[0].pictures();
    //     error[E0277]: `User.pictures` was not loaded by this query
    //     = note: add `.include(User::pictures())` to the query that produced this row
    Ok(())
}
