use orm::prelude::*;

#[derive(Model)]
#[has_many(Task)]
#[belongs_to_many(Tag, through = "project_tags")]
struct Project {
    id: i64,
}

#[derive(Model)]
#[belongs_to(Project)]
struct Task {
    id: i64,
    project_id: Option<i64>,
}

#[derive(Model)]
struct Tag {
    id: i64,
}

async fn run(db: &Db, project: &Project, task: &mut Task, tag: &Tag) -> orm::Result<()> {
    // A `Tag` is not a `Task`: one error each, on the argument.
    project.add_task(db, tag).await?;
    project.add_tag(db, task).await?;
    project.remove_tasks(db, [tag]).await?;
    task.set_project(db, "one").await?;
    Ok(())
}

fn main() {
    let _ = run;
}
