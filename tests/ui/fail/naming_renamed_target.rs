use orm::prelude::*;

// Seed 003: Project named task/tasks gives `get_tasks`/`add_task`.
#[derive(Model)]
#[model(name(singular = "task", plural = "tasks"))]
struct Project {
    id: i64,
}

#[derive(Model)]
#[belongs_to_many(Project, through = "user_tasks")]
struct User {
    id: i64,
}

fn main() {}
