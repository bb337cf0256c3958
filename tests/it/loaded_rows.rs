//! Eager-loaded rows (`ProjectWith<…>`, what `find().include(…)` returns) stand in for their
//! model everywhere: as accessor arguments and receivers, edited through `DerefMut` and saved,
//! destroyed, compared. Lazy getters return their rows in key order unless ordered.

use orm::prelude::*;

use crate::on_all;

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Task)]
#[has_many(Task, as = "open_tasks", scope(status = "open"))]
#[has_many(Step)]
#[belongs_to_many(Tag, through = "project_tags")]
pub struct Project {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Project)]
#[belongs_to_many(Tag, through = "task_tags")]
pub struct Task {
    pub id: i64,
    pub title: String,
    #[model(default = "open")]
    pub status: String,
    #[model(default = 0)]
    pub rank: i32,
    pub project_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to_many(Project, through = "project_tags")]
pub struct Tag {
    pub id: i64,
    pub name: String,
}

/// A composite-key target: its getter orders by every key column.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Step {
    #[model(primary_key)]
    pub part: i64,
    #[model(primary_key)]
    pub no: i64,
    pub project_id: Option<i64>,
}

fn schema() -> Schema {
    Schema::new().model::<Project>().model::<Task>().model::<Tag>().model::<Step>()
}

/// The ids of the tasks linked to project `id`, by the database.
async fn task_ids_of(db: &Db, id: i64) -> orm::Result<Vec<i64>> {
    let tasks = Task::find().filter(Task::project_id().eq(id)).order_by(Task::id().asc()).all(db).await?;
    Ok(tasks.into_iter().map(|t| t.id).collect())
}

async fn tag_ids_of(db: &Db, project: &Project) -> orm::Result<Vec<i64>> {
    Ok(project.get_tags(db).order_by(Tag::id().asc()).await?.into_iter().map(|t| t.id).collect())
}

on_all! {
    async fn loaded_rows_are_accepted_by_every_accessor(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let project = Project::build().title("p").create(&db).await?;
        for title in ["a", "b", "c"] {
            Task::build().title(title).create(&db).await?;
        }
        for name in ["x", "y", "z"] {
            Tag::build().name(name).create(&db).await?;
        }
        let tasks = Task::find().include(Task::tags()).order_by(Task::id().asc()).all(&db).await?;
        let ids: Vec<i64> = tasks.iter().map(|t| t.id).collect();

        // has_many: singular and plural, by reference, slice, array, Vec and value.
        project.add_task(&db, &tasks[0]).await?;
        assert_eq!(task_ids_of(&db, project.id).await?, ids[..1]);
        project.add_tasks(&db, &tasks[1..]).await?;
        assert_eq!(task_ids_of(&db, project.id).await?, ids);
        assert!(project.has_task(&db, &tasks[2]).await?);
        assert!(project.has_tasks(&db, [&tasks[0], &tasks[1]]).await?);
        project.remove_task(&db, &tasks[0]).await?;
        assert_eq!(task_ids_of(&db, project.id).await?, ids[1..]);
        assert!(!project.has_task(&db, tasks[0].clone()).await?);
        project.remove_tasks(&db, vec![&tasks[1]]).await?;
        assert_eq!(task_ids_of(&db, project.id).await?, ids[2..]);
        project.set_tasks(&db, tasks.clone()).await?;
        assert_eq!(task_ids_of(&db, project.id).await?, ids);
        project.set_tasks(&db, [&tasks[1]]).await?;
        assert_eq!(task_ids_of(&db, project.id).await?, ids[1..2]);

        // A loaded source as the receiver of the lazy accessors, and as the argument of a
        // singular setter (by reference and by value).
        let loaded = Project::find().include(Project::tasks()).one(&db).await?.expect("the project exists");
        assert_eq!(loaded.tasks().len(), 1);
        assert_eq!(loaded.count_tasks(&db).await?, 1);
        let created = loaded.create_task(&db, Task::build().title("d")).await?;
        assert_eq!(created.project_id, Some(project.id));
        assert_eq!(loaded.get_tasks(&db).await?.len(), 2);
        let mut task = Task::find_by_pk(&db, ids[0]).await?.expect("task a exists");
        task.set_project(&db, &loaded).await?;
        assert_eq!(Task::find_by_pk(&db, ids[0]).await?.and_then(|t| t.project_id), Some(project.id));
        task.set_project(&db, None).await?;
        task.set_project(&db, loaded.clone()).await?;
        assert_eq!(Task::find_by_pk(&db, ids[0]).await?.and_then(|t| t.project_id), Some(project.id));
        let mut loaded_task = Task::find().include(Task::project()).filter(Task::id().eq(ids[2])).one(&db).await?.expect("c");
        loaded_task.set_project(&db, &loaded).await?;
        assert_eq!(Task::find_by_pk(&db, ids[2]).await?.and_then(|t| t.project_id), Some(project.id));

        // belongs_to_many: loaded targets through the join table, from a loaded source.
        let tags = Tag::find().include(Tag::projects()).order_by(Tag::id().asc()).all(&db).await?;
        let tag_ids: Vec<i64> = tags.iter().map(|t| t.id).collect();
        loaded.add_tag(&db, &tags[0]).await?;
        loaded.add_tags(&db, [&tags[1], &tags[2]]).await?;
        assert_eq!(tag_ids_of(&db, &project).await?, tag_ids);
        assert!(loaded.has_tag(&db, &tags[1]).await?);
        assert!(loaded.has_tags(&db, &tags).await?);
        loaded.remove_tag(&db, &tags[1]).await?;
        assert!(!project.has_tag(&db, tags[1].clone()).await?);
        loaded.remove_tags(&db, &tags[2..]).await?;
        assert_eq!(tag_ids_of(&db, &project).await?, tag_ids[..1]);
        loaded.set_tags(&db, tags.clone()).await?;
        assert_eq!(tag_ids_of(&db, &project).await?, tag_ids);
        // And a loaded target linking back to a loaded source.
        let loaded_tag = Tag::find().include(Tag::projects()).filter(Tag::id().eq(tag_ids[0])).one(&db).await?.expect("x");
        loaded_tag.remove_project(&db, &loaded).await?;
        assert_eq!(tag_ids_of(&db, &project).await?, tag_ids[1..]);

        // A loaded row compares with its plain row through `Deref`.
        let plain = Project::find_by_pk(&db, project.id).await?.expect("the project exists");
        assert_eq!(*loaded, plain);
        Ok(())
    }
}

on_all! {
    async fn a_loaded_row_is_edited_saved_and_destroyed(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let project = Project::build().title("old").create(&db).await?;
        project.create_task(&db, Task::build().title("a")).await?;
        project.create_task(&db, Task::build().title("b")).await?;

        let mut loaded = Project::find().include(Project::tasks()).one(&db).await?.expect("the project exists");
        loaded.title = "new".into();
        loaded.save(&db).await?;
        let stored = Project::find_by_pk(&db, project.id).await?.expect("the project exists");
        assert_eq!(stored.title, "new");
        assert_eq!(stored, *loaded);
        // The loaded associations are still there, as they were read.
        let titles: Vec<&str> = loaded.tasks().iter().map(|t| t.title.as_str()).collect();
        assert_eq!(titles, ["a", "b"]);
        // `into_row` keeps the edit.
        assert_eq!(loaded.clone().into_row(), stored);

        loaded.destroy(&db).await?;
        assert!(Project::find_by_pk(&db, project.id).await?.is_none());
        assert_eq!(Task::find().count(&db).await?, 2, "the tasks stay (unlinked)");
        Ok(())
    }
}

on_all! {
    async fn lazy_getters_return_rows_in_key_order(db: Db) -> TestResult {
        schema().sync(&db).await?;
        let project = Project::build().id(1).title("p").create(&db).await?;
        // Inserted against key order, then updated: the physical order differs from it.
        for (id, status, rank) in [(50, "open", 1), (40, "done", 2), (30, "open", 1), (20, "open", 2), (10, "done", 1)] {
            Task::build().id(id).title(format!("t{id}")).status(status).rank(rank).project_id(1).create(&db).await?;
        }
        for id in [50, 30] {
            let mut task = Task::find_by_pk(&db, id).await?.expect("inserted");
            task.title = format!("t{id}'");
            task.save(&db).await?;
        }
        let ids = |rows: Vec<Task>| rows.into_iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(ids(project.get_tasks(&db).await?), [10, 20, 30, 40, 50]);
        assert_eq!(ids(project.get_open_tasks(&db).await?), [20, 30, 50], "with a scope");
        assert_eq!(ids(project.get_tasks(&db).filter(Task::rank().eq(1)).await?), [10, 30, 50], "narrowed");
        // The user's order first, the key breaking ties.
        assert_eq!(ids(project.get_tasks(&db).order_by(Task::rank().desc()).await?), [20, 40, 10, 30, 50]);
        assert_eq!(ids(project.get_tasks(&db).order_by(Task::rank().asc()).limit(2).await?), [10, 30]);
        let loaded = project.get_tasks(&db).include(Task::tags()).await?;
        assert_eq!(loaded.iter().map(|t| t.id).collect::<Vec<_>>(), [10, 20, 30, 40, 50], "with an include");

        // belongs_to_many: targets inserted and linked against key order.
        for (id, name) in [(3, "m"), (1, "m"), (2, "a"), (4, "z")] {
            Tag::build().id(id).name(name).create(&db).await?;
        }
        for id in [3, 1, 4, 2] {
            project.add_tag(&db, id).await?;
        }
        let mut renamed = Tag::find_by_pk(&db, 3).await?.expect("inserted");
        renamed.name = "m".into();
        renamed.save(&db).await?;
        let tag_ids = |rows: Vec<Tag>| rows.into_iter().map(|t| t.id).collect::<Vec<_>>();
        assert_eq!(tag_ids(project.get_tags(&db).await?), [1, 2, 3, 4]);
        assert_eq!(tag_ids(project.get_tags(&db).order_by(Tag::name().asc()).await?), [2, 1, 3, 4]);
        assert_eq!(tag_ids(project.get_tags(&db).order_by(Tag::name().desc()).await?), [4, 1, 3, 2]);

        // A composite key: every key column, in key order.
        for (part, no) in [(2, 1), (1, 2), (2, 0), (1, 1)] {
            Step::build().part(part).no(no).project_id(1).create(&db).await?;
        }
        let steps: Vec<(i64, i64)> = project.get_steps(&db).await?.into_iter().map(|s| (s.part, s.no)).collect();
        assert_eq!(steps, [(1, 1), (1, 2), (2, 0), (2, 1)]);
        Ok(())
    }
}
