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
    user_id: Option<i64>,
}

#[derive(Model)]
struct Project {
    id: i64,
}

// A getter (or a count, or a belongs_to_many write) is a future: iterating it, or `?` on
// it, without `.await`.
async fn iterate(db: &Db, user: &User) -> orm::Result<()> {
    for _task in user.get_tasks(db) {}
    let _tasks = user.get_tasks(db)?;
    let _projects = user.get_projects(db).filter(Project::id().gt(1))?;
    let _count = user.count_tasks(db)? + 1;
    user.add_project(db, 1)?;
    Ok(())
}

fn main() {
    let _ = iterate;
}
