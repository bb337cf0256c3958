//! Eager loading: typed, nested, filtered, batched.

use orm::prelude::*;
use orm::raw;

use crate::on_all;
use crate::support::{is_mariadb, is_postgres};

#[derive(Model, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[has_many(Picture)]
#[belongs_to(Picture, as = "profile_picture", constraints = false)]
#[has_many(Task)]
#[has_one(Profile)]
#[belongs_to_many(Project, through = UserProject)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub profile_picture_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Picture {
    pub id: i64,
    pub url: String,
    pub user_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[belongs_to(User)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub done: bool,
    pub user_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Profile {
    pub id: i64,
    pub bio: String,
    pub user_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[belongs_to_many(Tag, through = "project_tags")]
pub struct Project {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UserProject {
    pub id: i64,
    pub user_id: i64,
    pub project_id: i64,
    #[model(default = false)]
    pub started: bool,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[belongs_to(User, as = "owner")]
pub struct Tag {
    pub id: i64,
    pub label: String,
    pub owner_id: Option<i64>,
}

/// ann: 2 pictures (profile = the second), 3 tasks, a profile, projects alpha (started) and
/// beta; alpha is tagged red (owned by bob) and blue. bob: nothing but a task. cid: nothing.
async fn seed(db: &Db) -> Result<(User, User, User), orm::Error> {
    Schema::new().model::<User>().sync(db).await?;
    let mut ann = User::build().name("ann").create(db).await?;
    let bob = User::build().name("bob").create(db).await?;
    let cid = User::build().name("cid").create(db).await?;
    ann.create_picture(db, Picture::build().url("a1.png")).await?;
    let face = ann.create_picture(db, Picture::build().url("a2.png")).await?;
    ann.set_profile_picture(db, &face).await?;
    for (title, done) in [("t1", true), ("t2", false), ("t3", false)] {
        ann.create_task(db, Task::build().title(title).done(done)).await?;
    }
    bob.create_task(db, Task::build().title("b1").done(false)).await?;
    ann.create_profile(db, Profile::build().bio("hi")).await?;
    let alpha = Project::build().name("alpha").create(db).await?;
    let beta = Project::build().name("beta").create(db).await?;
    ann.add_project(db, &alpha).through(UserProject::build().started(true)).await?;
    ann.add_project(db, &beta).await?;
    let red = Tag::build().label("red").owner_id(bob.id).create(db).await?;
    let blue = Tag::build().label("blue").create(db).await?;
    alpha.add_tags(db, [&red, &blue]).await?;
    Ok((ann, bob, cid))
}

on_all! {
    async fn single_include_loads_each_parents_children(db: Db) -> TestResult {
        let (ann, bob, cid) = seed(&db).await?;
        let users = User::find().include(User::tasks()).order_by(User::id().asc()).all(&db).await?;
        assert_eq!(users.len(), 3);
        let titles = |u: &UserWith<_>| -> Vec<String> { u.tasks().iter().map(|t: &Task| t.title.clone()).collect() };
        assert_eq!((users[0].id, titles(&users[0])), (ann.id, vec!["t1".into(), "t2".into(), "t3".into()]));
        assert_eq!((users[1].id, titles(&users[1])), (bob.id, vec!["b1".into()]));
        assert_eq!((users[2].name.as_str(), users[2].tasks().len()), ("cid", 0));
        assert_eq!(users[2].row(), &cid);
        Ok(())
    }
}

on_all! {
    async fn several_includes_with_two_aliases_of_one_target(db: Db) -> TestResult {
        let (ann, ..) = seed(&db).await?;
        let users = User::find()
            .filter(User::id().eq(ann.id))
            .include(User::pictures())
            .include(User::profile_picture())
            .include(User::profile())
            .all(&db)
            .await?;
        let user = &users[0];
        let urls: Vec<&str> = user.pictures().iter().map(|p| p.url.as_str()).collect();
        assert_eq!(urls, ["a1.png", "a2.png"]);
        assert_eq!(user.profile_picture().map(|p| p.url.as_str()), Some("a2.png"));
        assert_eq!(user.profile().map(|p| p.bio.as_str()), Some("hi"));
        Ok(())
    }
}

on_all! {
    async fn three_level_nested_include(db: Db) -> TestResult {
        let (ann, bob, _) = seed(&db).await?;
        let users = User::find()
            .filter(User::id().eq(ann.id))
            .include(User::projects().include(Project::tags().include(Tag::owner())))
            .all(&db)
            .await?;
        let projects = users[0].projects();
        assert_eq!(projects.len(), 2);
        let (alpha, join) = projects.iter().find(|(p, _)| p.name == "alpha").expect("alpha");
        assert!(join.started && join.user_id == ann.id);
        let mut tags: Vec<(&str, Option<&str>)> =
            alpha.tags().iter().map(|t| (t.label.as_str(), t.owner().map(|o| o.name.as_str()))).collect();
        tags.sort_unstable();
        assert_eq!(tags, [("blue", None), ("red", Some("bob"))]);
        let beta = projects.iter().find(|(p, _)| p.name == "beta").expect("beta");
        assert!(beta.0.tags().is_empty() && !beta.1.started);
        assert_eq!(alpha.tags()[0].owner().map(|o| o.id).into_iter().chain([bob.id]).count(), 2);
        Ok(())
    }
}

on_all! {
    async fn include_filter_order_and_required(db: Db) -> TestResult {
        let (ann, bob, _) = seed(&db).await?;
        let users = User::find()
            .include(User::tasks().filter(Task::done().eq(false)).order_by(Task::title().desc()))
            .order_by(User::id().asc())
            .all(&db)
            .await?;
        let open: Vec<&str> = users[0].tasks().iter().map(|t| t.title.as_str()).collect();
        assert_eq!(open, ["t3", "t2"]);
        assert_eq!(users.len(), 3, "not required: users without open tasks stay");
        // required: only parents with a matching child; paging counts only those.
        let with_open = User::find()
            .include(User::tasks().filter(Task::done().eq(false)).required())
            .order_by(User::id().asc())
            .all(&db)
            .await?;
        assert_eq!(with_open.iter().map(|u| u.id).collect::<Vec<_>>(), [ann.id, bob.id]);
        // ann has three tasks: the parent must still count once for paging.
        let second = User::find().include(User::tasks().required()).order_by(User::id().asc()).offset(1).limit(1).all(&db).await?;
        assert_eq!(second.iter().map(|u| u.id).collect::<Vec<_>>(), [bob.id]);
        assert_eq!(User::find().include(User::profile().required()).count(&db).await?, 1);
        // A required include nested under a required include: paging counts kept parents only.
        let dan = User::build().name("dan").create(&db).await?;
        let beta = Project::find().filter(Project::name().eq("beta")).one(&db).await?.expect("beta");
        dan.add_project(&db, &beta).await?;
        let tagged = User::find()
            .include(User::projects().required().include(Project::tags().required()))
            .order_by(User::id().desc())
            .limit(1)
            .all(&db)
            .await?;
        assert_eq!(tagged.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["ann"], "dan's project has no tag");
        dan.destroy(&db).await?;
        let done_only = User::find().include(User::tasks().filter(Task::title().eq("b1")).required()).all(&db).await?;
        assert_eq!(done_only.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["bob"]);
        Ok(())
    }
}

on_all! {
    async fn per_parent_limit_takes_each_parents_newest(db: Db) -> TestResult {
        let (ann, bob, _) = seed(&db).await?;
        let users = User::find()
            .include(User::tasks().order_by(Task::id().desc()).limit(2))
            .order_by(User::id().asc())
            .all(&db)
            .await?;
        assert_eq!(users[0].id, ann.id);
        assert_eq!(users[0].tasks().iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["t3", "t2"]);
        assert_eq!((users[1].id, users[1].tasks().len()), (bob.id, 1));
        Ok(())
    }
}

on_all! {
    async fn belongs_to_many_include_with_join_rows_and_through_filter(db: Db) -> TestResult {
        let (ann, ..) = seed(&db).await?;
        let users = User::find().filter(User::id().eq(ann.id)).include(User::projects().through_filter(UserProject::started().eq(true))).all(&db).await?;
        let started: Vec<(&str, bool)> = users[0].projects().iter().map(|(p, j)| (p.name.as_str(), j.started)).collect();
        assert_eq!(started, [("alpha", true)], "through_filter really filters");
        let tagged = Project::find().include(Project::tags().filter(Tag::label().eq("red")).required()).all(&db).await?;
        assert_eq!(tagged.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["alpha"]);
        Ok(())
    }
}

on_all! {
    async fn belongs_to_include_shares_one_parent_among_children(db: Db) -> TestResult {
        let (ann, bob, _) = seed(&db).await?;
        let tasks = Task::find().include(Task::user()).order_by(Task::id().asc()).all(&db).await?;
        let owners: Vec<i64> = tasks.iter().map(|t| t.user().map_or(0, |u| u.id)).collect();
        assert_eq!(owners, [ann.id, ann.id, ann.id, bob.id]);
        Ok(())
    }
}

on_all! {
    async fn getters_take_includes_too(db: Db) -> TestResult {
        let (ann, bob, _) = seed(&db).await?;
        let projects = ann.get_projects(&db).order_by(Project::name().asc()).include(Project::tags().include(Tag::owner())).await?;
        let (alpha, join) = &projects[0];
        assert!(join.started);
        let owners: Vec<Option<&str>> = alpha.tags().iter().map(|t| t.owner().map(|o| o.name.as_str())).collect();
        assert_eq!(owners.len(), 2);
        assert!(owners.contains(&Some("bob")) && owners.contains(&None));
        let plain = ann.get_projects(&db).targets_only().include(Project::tags()).await?;
        assert_eq!(plain.iter().map(|p| p.tags().len()).sum::<usize>(), 2);
        let tasks = bob.get_tasks(&db).include(Task::user()).await?;
        assert_eq!(tasks[0].user().map(|u| u.id), Some(bob.id));
        let narrowed = ann.get_tasks(&db).filter(Task::done().eq(false)).include(Task::user()).await?;
        assert!(narrowed.len() == 2 && narrowed.iter().all(|t| t.user().map(|u| u.id) == Some(ann.id)));
        Ok(())
    }
}

async fn seed_many(db: &Db, users: usize) -> Result<(), orm::Error> {
    Schema::new().model::<User>().sync(db).await?;
    // 1..=users: MariaDB stops recursive CTEs at 1,000 iterations (`max_recursive_iterations`),
    // so there the sequence engine's table generates them.
    let numbers = if is_mariadb(db) {
        format!("SELECT seq AS i FROM seq_1_to_{users}")
    } else {
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {users}) SELECT i FROM n")
    };
    raw(format!("INSERT INTO users (name) SELECT 'u' FROM ({numbers}) AS numbers")).execute(db).await?;
    raw(format!("INSERT INTO tasks (title, done, user_id) SELECT 't', FALSE, i FROM ({numbers}) AS numbers"))
        .execute(db)
        .await?;
    Ok(())
}

on_all! {
    async fn one_statement_per_include_level_for_5_and_5000_parents(db: Db) -> TestResult {
        seed_many(&db, 5_000).await?;
        for parents in [5, 5_000] {
            db.record_statements(true);
            let users = User::find()
                .filter(User::id().le(parents as i64))
                .include(User::tasks().include(Task::user()))
                .include(User::profile())
                .all(&db)
                .await?;
            let statements = db.take_statements();
            db.record_statements(false);
            assert_eq!(users.len(), parents);
            assert!(users.iter().all(|u| u.tasks().len() == 1 && u.tasks()[0].user().map(|o| o.id) == Some(u.id)));
            // parents + tasks + tasks' users + profiles; SQLite's and MariaDB's 5,000 keys fit
            // one IN list of placeholders.
            assert_eq!(statements.len(), 4, "{parents} parents: {:#?}", statements.iter().map(|s| &s[..60.min(s.len())]).collect::<Vec<_>>());
            if is_postgres(&db) {
                assert!(statements[1].contains("= ANY($1)"), "{}", statements[1]);
            }
            if is_mariadb(&db) {
                // Each include statement binds its `parents` keys as placeholders.
                let list = format!(" IN ({}) ", vec!["?"; parents].join(", "));
                for statement in &statements[1..] {
                    assert!(statement.contains(&list), "{}", &statement[..200.min(statement.len())]);
                }
            }
        }
        Ok(())
    }
}

on_all! {
    async fn a_hundred_thousand_parents_load_without_hitting_bind_limits(db: Db) -> TestResult {
        seed_many(&db, 100_000).await?;
        db.record_statements(true);
        let users = User::find().include(User::tasks()).all(&db).await?;
        let statements = db.take_statements();
        assert_eq!(users.len(), 100_000);
        assert!(users.iter().all(|u| u.tasks().len() == 1));
        // PostgreSQL binds one array; SQLite splits 100,000 keys under its 32,766-variable limit,
        // MariaDB under the 65,535 parameters its protocol carries, less 256 kept free for what
        // an ad-hoc statement binds after a list.
        let expected = if is_postgres(&db) {
            2
        } else if is_mariadb(&db) {
            1 + 100_000usize.div_ceil(65_535 - 256)
        } else {
            1 + 100_000usize.div_ceil(32_766 - 1)
        };
        assert_eq!(statements.len(), expected, "{:#?}", statements.iter().map(|s| &s[..100.min(s.len())]).collect::<Vec<_>>());
        if is_mariadb(&db) {
            // Every key is bound exactly once, as a placeholder of an IN list.
            let placeholders: usize = statements[1..].iter().map(|s| s.matches('?').count()).sum();
            assert_eq!(placeholders, 100_000);
            assert!(statements[1..].iter().all(|s| s.contains("`tasks`.`user_id` IN (?, ?")), "{:?}", &statements[1][..150]);
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
on_all! {
    async fn a_loaded_row_serialises_like_sequelize_to_json(db: Db) -> TestResult {
        let (ann, bob, _) = seed(&db).await?;
        let users = User::find()
            .filter(User::id().eq(ann.id))
            .include(User::profile_picture())
            .include(User::profile())
            .include(User::projects().order_by(Project::name().asc()).include(Project::tags().order_by(Tag::label().asc()).include(Tag::owner())))
            .all(&db)
            .await?;
        let json = serde_json::to_value(&users[0])?;
        let expected = serde_json::json!({
            "id": ann.id, "name": "ann", "profile_picture_id": ann.profile_picture_id,
            "profile_picture": { "id": 2, "url": "a2.png", "user_id": ann.id },
            "profile": { "id": 1, "bio": "hi", "user_id": ann.id },
            "projects": [
                {
                    "id": 1, "name": "alpha",
                    "tags": [
                        { "id": 2, "label": "blue", "owner_id": null, "owner": null },
                        { "id": 1, "label": "red", "owner_id": bob.id,
                          "owner": { "id": bob.id, "name": "bob", "profile_picture_id": null } }
                    ],
                    "UserProject": { "id": 1, "user_id": ann.id, "project_id": 1, "started": true }
                },
                {
                    "id": 2, "name": "beta", "tags": [],
                    "UserProject": { "id": 2, "user_id": ann.id, "project_id": 2, "started": false }
                }
            ]
        });
        assert_eq!(json, expected);
        let cid = User::find().filter(User::name().eq("cid")).include(User::profile()).include(User::tasks()).all(&db).await?;
        assert_eq!(serde_json::to_value(&cid[0])?, serde_json::json!({ "id": 3, "name": "cid", "profile_picture_id": null, "tasks": [], "profile": null }));
        Ok(())
    }
}
