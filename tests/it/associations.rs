//! belongs_to, has_one and has_many: the seed 003 scenarios and every accessor.

use orm::meta::AssociationKind;
use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::{is_postgres, quoted};

// Seed: `Player.belongsTo(Team)` adds `teamId` to players; `Coach.hasOne(Team)` adds `coachId`
// to teams.
#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Team)]
pub struct Player {
    pub id: i64,
    pub name: String,
    pub team_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Player)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub coach_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[has_one(Team)]
pub struct Coach {
    pub id: i64,
    pub name: String,
}

// Seed: `Person.hasOne(Person, {as: 'Father'})` adds `FatherId` to Person.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_one(Person, as = "father")]
#[belongs_to(Person, as = "mother")]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub father_id: Option<i64>,
    pub mother_id: Option<i64>,
}

// Seed: `User.belongsTo(Company, {foreignKey: 'fk_companyname', targetKey: 'name'})` and
// `Company.hasOne(User, {foreignKey: 'companyName', sourceKey: 'name'})`.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_one(Staff, foreign_key = "company_name", source_key = "name")]
pub struct Company {
    pub id: i64,
    #[model(unique)]
    pub name: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Company, foreign_key = "fk_companyname", target_key = "name")]
pub struct Staff {
    pub id: i64,
    pub login: String,
    pub fk_companyname: Option<String>,
    pub company_name: Option<String>,
}

// Seed "associating objects": `Project.hasMany(Task)`, `Task.belongsTo(Project)`.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Task)]
pub struct Project {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[belongs_to(Project)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub project_id: Option<i64>,
}

// `Project.hasMany(User, {as: 'Workers'})` with an explicit foreign key, and a NOT NULL one.
#[derive(Model, Debug, Clone, PartialEq)]
#[has_many(Chore, as = "workers", foreign_key = "uid", on_delete = "restrict", on_update = "no action")]
#[has_many(Duty)]
pub struct Crew {
    pub id: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Chore {
    pub id: i64,
    pub uid: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Duty {
    pub id: i64,
    pub label: String,
    pub crew_id: i64,
}

fn titles(tasks: &[Task]) -> Vec<&str> {
    let mut titles: Vec<&str> = tasks.iter().map(|t| t.title.as_str()).collect();
    titles.sort_unstable();
    titles
}

async fn task_links(db: &Db) -> Result<Vec<(String, Option<i64>)>, Error> {
    raw("SELECT title, project_id FROM tasks ORDER BY title").fetch::<(String, Option<i64>)>(db).await
}

on_all! {
    async fn belongs_to_get_set_and_create_follow_the_foreign_key(db: Db) -> TestResult {
        Schema::new().model::<Player>().sync(&db).await?;
        let reds = Team::build().name("Reds").create(&db).await?;
        let blues = Team::build().name("Blues").create(&db).await?;
        let mut ann = Player::build().name("Ann").create(&db).await?;
        assert_eq!(ann.get_team(&db).await?, None);

        ann.set_team(&db, &reds).await?;
        assert_eq!(ann.team_id, Some(reds.id), "the in-memory key follows");
        assert_eq!(ann.get_team(&db).await?, Some(reds.clone()));
        ann.set_team(&db, blues.id).await?;
        assert_eq!(raw("SELECT team_id FROM players").fetch::<(Option<i64>,)>(&db).await?, vec![(Some(blues.id),)]);
        ann.set_team(&db, None).await?;
        assert_eq!(ann.team_id, None);
        assert_eq!(raw("SELECT team_id FROM players").fetch::<(Option<i64>,)>(&db).await?, vec![(None,)]);

        let greens = ann.create_team(&db, Team::build().name("Greens")).await?;
        assert_eq!(ann.team_id, Some(greens.id));
        assert_eq!(Player::find_by_pk(&db, ann.id).await?.and_then(|p| p.team_id), Some(greens.id));

        let error = ann.set_team(&db, 9_999).await.unwrap_err();
        assert!(matches!(&error, Error::MissingKeys { keys, .. } if keys == &["9999"]), "{error:?}");
        assert_eq!(error.to_string(), "`Player.team`: no `Team` with key 9999");
        assert_eq!(ann.team_id, Some(greens.id), "a failed set changes nothing");
        Ok(())
    }
}

on_all! {
    async fn has_one_set_unlinks_the_previous_target(db: Db) -> TestResult {
        Schema::new().model::<Coach>().sync(&db).await?;
        let coach = Coach::build().name("Kim").create(&db).await?;
        let reds = Team::build().name("Reds").create(&db).await?;
        let blues = Team::build().name("Blues").create(&db).await?;
        assert_eq!(coach.get_team(&db).await?, None);
        coach.set_team(&db, &reds).await?;
        assert_eq!(coach.get_team(&db).await?.map(|t| t.name), Some("Reds".into()));
        coach.set_team(&db, blues.id).await?;
        let rows = raw("SELECT name, coach_id FROM teams ORDER BY name").fetch::<(String, Option<i64>)>(&db).await?;
        assert_eq!(rows, vec![("Blues".into(), Some(coach.id)), ("Reds".into(), None)]);
        coach.set_team(&db, None).await?;
        let rows = raw("SELECT coach_id FROM teams").fetch::<(Option<i64>,)>(&db).await?;
        assert_eq!(rows, vec![(None,), (None,)]);
        let created = coach.create_team(&db, Team::build().name("Greens")).await?;
        assert_eq!(created.coach_id, Some(coach.id));
        coach.set_team(&db, &reds).await?;
        assert_eq!(Team::find_by_pk(&db, created.id).await?.and_then(|t| t.coach_id), None);
        Ok(())
    }
}

on_all! {
    async fn person_set_father_and_get_father(db: Db) -> TestResult {
        // A self-association is not a dependency cycle.
        Schema::new().model::<Person>().sync(&db).await?;
        let son = Person::build().name("Son").create(&db).await?;
        let dad = Person::build().name("Dad").create(&db).await?;
        let mut kid = Person::build().name("Kid").create(&db).await?;
        son.set_father(&db, &dad).await?;
        assert_eq!(son.get_father(&db).await?.map(|p| p.name), Some("Dad".into()));
        // hasOne puts the key on the target: the father row carries `father_id`.
        assert_eq!(Person::find_by_pk(&db, dad.id).await?.and_then(|p| p.father_id), Some(son.id));
        kid.set_mother(&db, &dad).await?;
        assert_eq!(kid.get_mother(&db).await?.map(|p| p.id), Some(dad.id));
        Ok(())
    }
}

on_all! {
    async fn target_key_and_source_key_use_the_named_columns(db: Db) -> TestResult {
        Schema::new().model::<Company>().model::<Staff>().sync(&db).await?;
        let acme = Company::build().name("Acme").create(&db).await?;
        let mut sam = Staff::build().login("sam").create(&db).await?;
        sam.set_company(&db, &acme).await?;
        assert_eq!(sam.fk_companyname.as_deref(), Some("Acme"));
        assert_eq!(sam.get_company(&db).await?, Some(acme.clone()));
        let rows = raw("SELECT fk_companyname FROM staffs").fetch::<(Option<String>,)>(&db).await?;
        assert_eq!(rows, vec![(Some("Acme".into()),)]);

        acme.set_staff(&db, &sam).await?;
        assert_eq!(acme.get_staff(&db).await?.map(|s| s.login), Some("sam".into()));
        let rows = raw("SELECT company_name FROM staffs").fetch::<(Option<String>,)>(&db).await?;
        assert_eq!(rows, vec![(Some("Acme".into()),)]);
        Ok(())
    }
}

on_all! {
    async fn project_tasks_associating_objects_as_in_the_seed(db: Db) -> TestResult {
        Schema::new().model::<Project>().sync(&db).await?;
        let project = Project::build().title("Launch").create(&db).await?;
        let task1 = Task::build().title("task1").create(&db).await?;
        let task2 = Task::build().title("task2").create(&db).await?;

        project.set_tasks(&db, [&task1, &task2]).await?;
        assert_eq!(titles(&project.get_tasks(&db).await?), ["task1", "task2"]);
        let later = project.get_tasks(&db).filter(Task::id().gt(task1.id)).await?;
        assert_eq!(titles(&later), ["task2"]);

        // Remove the link to task1.
        project.set_tasks(&db, [&task2]).await?;
        assert_eq!(task_links(&db).await?, vec![("task1".into(), None), ("task2".into(), Some(project.id))]);
        // Remove all.
        project.set_tasks(&db, Vec::<&Task>::new()).await?;
        assert!(project.get_tasks(&db).await?.is_empty());
        // Add them back, then remove one directly.
        project.add_task(&db, &task1).await?;
        project.add_tasks(&db, [task2.id]).await?;
        assert_eq!(project.count_tasks(&db).await?, 2);
        project.remove_task(&db, &task1).await?;
        assert_eq!(task_links(&db).await?, vec![("task1".into(), None), ("task2".into(), Some(project.id))]);
        // And the other way round: task2.setProject(null).
        let mut task2 = Task::find_by_pk(&db, task2.id).await?.expect("task2");
        task2.set_project(&db, None).await?;
        assert_eq!(project.count_tasks(&db).await?, 0);
        Ok(())
    }
}

on_all! {
    async fn checking_associations_as_in_the_seed(db: Db) -> TestResult {
        Schema::new().model::<Project>().sync(&db).await?;
        let project = Project::build().title("p").create(&db).await?;
        let task1 = Task::build().title("t1").create(&db).await?;
        let task2 = Task::build().title("t2").create(&db).await?;
        assert!(!project.has_task(&db, &task1).await?);
        project.add_task(&db, &task1).await?;
        assert!(project.has_task(&db, &task1).await?);
        assert!(project.has_task(&db, task1.id).await?, "a bare key works too");
        project.set_tasks(&db, [&task1, &task2]).await?;
        assert!(project.has_tasks(&db, [&task1]).await?);
        assert!(project.has_tasks(&db, [&task1, &task2]).await?);
        project.remove_tasks(&db, [task2.id]).await?;
        assert!(!project.has_tasks(&db, [&task1, &task2]).await?, "true only if all are linked");
        assert_eq!(project.count_tasks(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn getter_filters_orders_and_pages(db: Db) -> TestResult {
        Schema::new().model::<Project>().sync(&db).await?;
        let project = Project::build().title("p").create(&db).await?;
        let other = Project::build().title("q").create(&db).await?;
        for title in ["a", "b", "c", "d"] {
            project.create_task(&db, Task::build().title(title)).await?;
        }
        other.create_task(&db, Task { id: 0, title: "z".into(), project_id: None }).await?;
        let page = project.get_tasks(&db).filter(Task::title().ne("a")).order_by(Task::title().desc()).limit(2).offset(1).await?;
        assert_eq!(page.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["c", "b"]);
        assert_eq!(other.get_tasks(&db).await?.len(), 1);
        assert_eq!(other.get_tasks(&db).await?[0].project_id, Some(other.id), "create sets the key");
        Ok(())
    }
}

on_all! {
    async fn plural_writes_with_a_missing_key_change_nothing(db: Db) -> TestResult {
        Schema::new().model::<Project>().sync(&db).await?;
        let project = Project::build().title("p").create(&db).await?;
        let task1 = Task::build().title("t1").create(&db).await?;
        let task2 = Task::build().title("t2").create(&db).await?;
        project.add_task(&db, &task1).await?;
        for error in [
            project.set_tasks(&db, [task2.id, 777, 778]).await.unwrap_err(),
            project.add_tasks(&db, [task2.id, 777, 778]).await.unwrap_err(),
            project.remove_tasks(&db, [task1.id, 777, 778]).await.unwrap_err(),
        ] {
            assert!(matches!(&error, Error::MissingKeys { keys, model: "Task", .. } if keys == &["777", "778"]), "{error:?}");
        }
        assert_eq!(task_links(&db).await?, vec![("t1".into(), Some(project.id)), ("t2".into(), None)]);
        Ok(())
    }
}

on_all! {
    /// `add_tasks` links every key given, a key given twice once; on PostgreSQL the target rows
    /// are locked in key order and linked in one statement after the source row's lock. A key
    /// that matches no row still fails the call and changes nothing, also next to a duplicate.
    async fn add_links_duplicates_once_and_locks_in_the_update(db: Db) -> TestResult {
        Schema::new().model::<Project>().sync(&db).await?;
        let project = Project::build().title("p").create(&db).await?;
        let task1 = Task::build().title("t1").create(&db).await?;
        let task2 = Task::build().title("t2").create(&db).await?;
        let task3 = Task::build().title("t3").create(&db).await?;

        db.record_statements(true);
        project.add_tasks(&db, [task2.id, task1.id, task2.id]).await?;
        let statements = db.take_statements();
        db.record_statements(false);
        assert_eq!(
            task_links(&db).await?,
            vec![("t1".into(), Some(project.id)), ("t2".into(), Some(project.id)), ("t3".into(), None)]
        );
        let writes: Vec<&String> =
            statements.iter().filter(|s| !matches!(s.as_str(), "BEGIN" | "COMMIT" | "ROLLBACK")).collect();
        if is_postgres(&db) {
            assert_eq!(writes.len(), 3, "source lock, the linking update, the check of the duplicate: {writes:#?}");
            assert!(writes[0].contains("\"projects\"") && writes[0].contains("FOR NO KEY UPDATE"), "{writes:#?}");
            assert!(
                writes[1].starts_with("UPDATE \"tasks\" SET")
                    && writes[1].contains("ORDER BY \"tasks\".\"id\" FOR NO KEY UPDATE) AS \"__orm_locked\""),
                "{writes:#?}"
            );
        }

        for keys in [vec![task3.id, 777, task3.id], vec![777, 777]] {
            let error = project.add_tasks(&db, keys).await.unwrap_err();
            assert!(matches!(&error, Error::MissingKeys { keys, model: "Task", .. } if keys == &["777"]), "{error:?}");
        }
        assert_eq!(task_links(&db).await?.last(), Some(&("t3".into(), None)));
        Ok(())
    }
}

on_all! {
    async fn set_that_fails_part_way_leaves_the_database_unchanged(db: Db) -> TestResult {
        Schema::new().model::<Crew>().sync(&db).await?;
        let crew = Crew::build().create(&db).await?;
        let other = Crew::build().create(&db).await?;
        crew.create_duty(&db, Duty::build().label("old")).await?;
        let new = other.create_duty(&db, Duty::build().label("new")).await?;
        db.record_statements(true);
        // `new` is linked first; unlinking `old` then violates NOT NULL; all is rolled back.
        let error = crew.set_duties(&db, [&new]).await.unwrap_err();
        assert!(matches!(error, Error::NotNullViolation { .. }), "{error:?}");
        let statements = db.take_statements();
        let unlink = quoted(&db, "UPDATE \"duties\" SET \"crew_id\"");
        assert!(statements.iter().any(|s| s.starts_with(&unlink)), "{statements:#?}");
        let rows = raw("SELECT label, crew_id FROM duties ORDER BY label").fetch::<(String, i64)>(&db).await?;
        assert_eq!(rows, vec![("new".into(), other.id), ("old".into(), crew.id)]);
        Ok(())
    }
}

on_all! {
    async fn aliased_has_many_with_an_explicit_foreign_key(db: Db) -> TestResult {
        Schema::new().model::<Crew>().sync(&db).await?;
        let crew = Crew::build().create(&db).await?;
        let a = Chore::build().create(&db).await?;
        let b = crew.create_worker(&db, Chore::build()).await?;
        crew.add_worker(&db, a.id).await?;
        assert_eq!(crew.count_workers(&db).await?, 2);
        assert!(crew.has_workers(&db, [&a, &b]).await?);
        crew.remove_worker(&db, &a).await?;
        assert_eq!(raw("SELECT id, uid FROM chores ORDER BY id").fetch::<(i64, Option<i64>)>(&db).await?, vec![(a.id, None), (b.id, Some(crew.id))]);
        Ok(())
    }
}

#[test]
fn association_metadata_describes_each_association() {
    let crew = Crew::associations();
    assert_eq!(crew.len(), 2);
    let workers = &crew[0];
    assert_eq!(workers.kind, AssociationKind::HasMany);
    assert_eq!((workers.singular, workers.plural, workers.is_aliased), ("worker", "workers", true));
    assert_eq!(workers.source_meta().name, "Crew");
    assert_eq!(workers.target_meta().name, "Chore");
    assert_eq!(workers.foreign_key, ["uid"]);
    assert!(workers.source_key.is_empty(), "the primary key");
    assert_eq!(workers.source_key_column().name, "id");
    assert_eq!(workers.on_delete, Some(orm::ReferentialAction::Restrict));
    assert!(!workers.is_self_association());
    assert_eq!(workers.accessor("add_many"), Some("add_workers"));
    assert_eq!(
        workers.accessors.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        [
            "get_workers",
            "count_workers",
            "has_worker",
            "has_workers",
            "set_workers",
            "add_worker",
            "add_workers",
            "remove_worker",
            "remove_workers",
            "create_worker"
        ]
    );
    assert!(std::ptr::eq(Crew::workers().meta(), workers));
    let duties = &crew[1];
    assert_eq!(
        (duties.singular, duties.plural, duties.is_aliased, duties.foreign_key),
        ("duty", "duties", false, &["crew_id"][..])
    );

    let father = &Person::associations()[0];
    assert_eq!((father.kind, father.foreign_key), (AssociationKind::HasOne, &["father_id"][..]));
    assert!(father.is_self_association());
    let mother = &Person::associations()[1];
    assert_eq!(
        (mother.kind, mother.foreign_key, mother.target_key),
        (AssociationKind::BelongsTo, &["mother_id"][..], &[][..])
    );
    let company = &Staff::associations()[0];
    assert_eq!((company.foreign_key, company.target_key), (&["fk_companyname"][..], &["name"][..]));
    assert_eq!(
        company.accessors.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        ["get_company", "set_company", "create_company"]
    );
}
