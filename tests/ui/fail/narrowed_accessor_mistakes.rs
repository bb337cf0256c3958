use orm::prelude::*;

#[derive(Model)]
#[has_many(Task)]
#[belongs_to_many(Project, through = "user_projects")]
struct User {
    id: i64,
}

#[derive(Model)]
struct Task {
    id: i64,
    done: bool,
    user_id: Option<i64>,
}

#[derive(Model)]
struct Project {
    id: i64,
    title: String,
}

async fn run(db: &Db, user: &User) -> orm::Result<()> {
    // A count's filter is on the target model.
    user.count_tasks(db).filter(Project::title().eq("x")).await?;
    // A join table has no join model to take values from.
    user.create_project(db, Project::build().title("x")).through(()).await?;
    Ok(())
}

fn main() {
    let _ = run;
}
