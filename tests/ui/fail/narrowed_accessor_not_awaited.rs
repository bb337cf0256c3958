#![deny(unused_must_use)]
use orm::prelude::*;

#[derive(Model)]
#[model(hooks)]
#[has_many(Task)]
#[belongs_to_many(Project, through = UserProject)]
struct User {
    id: i64,
}

#[orm::hooks]
impl User {}

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

#[derive(Model)]
struct UserProject {
    id: i64,
    user_id: i64,
    project_id: i64,
    role: String,
}

fn forgotten(db: &Db, user: &User) {
    // Each is built and never run: a warning, an error here.
    user.count_tasks(db).filter(Task::done().eq(true));
    user.count_projects(db).through_filter(UserProject::role().eq("lead"));
    user.create_project(db, Project::build().title("x")).through(UserProject::build().role("lead"));
    User::delete().with_hooks();
}

fn main() {
    let _ = forgotten;
}
