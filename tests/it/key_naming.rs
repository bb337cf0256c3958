//! The seed's naming rules for keys, each with its seed example: default foreign keys follow
//! the primary key of the model they point at (never `source_key`/`target_key`), and a target
//! that renames itself names the association and its join column. The cases that can only be
//! compile errors are in `tests/ui/fail/naming_*.rs`.

use orm::prelude::*;

use crate::on_all;

/// Seed 003: a Company keyed by `uuid`.
#[derive(Model, Debug, Clone)]
pub struct Company {
    #[model(primary_key)]
    pub uuid: String,
    pub name: String,
}

/// `belongs_to(Company)` defaults to `company_uuid`.
#[derive(Model, Debug, Clone)]
#[belongs_to(Company)]
pub struct Employee {
    pub id: i64,
    pub company_uuid: Option<String>,
}

/// The same in camelCase: the column is `companyUuid`.
#[derive(Model, Debug, Clone)]
#[model(rename_all = "camelCase")]
#[belongs_to(Company, as = "employer")]
pub struct Contractor {
    pub id: i64,
    pub employer_uuid: Option<String>,
}

/// Seed 000: `A.belongsTo(B, { targetKey: 'name' })` adds `tableBId`, not `tableBName`.
#[derive(Model, Debug, Clone)]
#[model(table = "table_b")]
pub struct TableB {
    pub id: i64,
    #[model(unique)]
    pub name: String,
}

#[derive(Model, Debug, Clone)]
#[model(table = "table_a", rename_all = "camelCase")]
#[belongs_to(TableB, target_key = "name")]
pub struct TableA {
    pub id: i64,
    pub table_b_id: Option<String>,
}

/// has_many defaults to `{source}_{source's primary key}` whatever `source_key` is.
#[derive(Model, Debug, Clone)]
#[has_many(Badge, source_key = "handle")]
pub struct Member {
    pub id: i64,
    #[model(unique)]
    pub handle: String,
}

#[derive(Model, Debug, Clone)]
pub struct Badge {
    pub id: i64,
    pub member_id: Option<String>,
}

/// Seed 003: `User.belongsToMany(Project)` with Project named task/tasks gives get/set/add
/// Tasks and the join column `taskId`. A derive cannot read Project's attributes, so the alias
/// is written (leaving it out is a compile error that says `as = "tasks"`); the join column
/// still follows Project's own name.
#[derive(Model, Debug, Clone)]
#[model(name(singular = "task", plural = "tasks"))]
pub struct Project {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone)]
#[model(rename_all = "camelCase")]
#[belongs_to_many(Project, through = "user_tasks", as = "tasks")]
pub struct Person {
    pub id: i64,
    pub name: String,
}

/// A join model: its default target column is the field `task_id`.
#[derive(Model, Debug, Clone)]
#[belongs_to_many(Project, through = Assignment, as = "tasks")]
pub struct Worker {
    pub id: i64,
}

#[derive(Model, Debug, Clone)]
pub struct Assignment {
    pub id: i64,
    pub worker_id: i64,
    pub task_id: i64,
    pub hours: Option<i32>,
}

fn association<M: Model>(alias: &str) -> &'static orm::meta::AssociationMeta {
    M::associations().iter().find(|a| a.singular == alias || a.plural == alias).expect("association exists")
}

#[test]
fn default_foreign_keys_follow_the_primary_key_they_point_at() {
    let employee = association::<Employee>("company");
    assert_eq!(employee.foreign_key, ["company_uuid"]);
    assert_eq!(employee.foreign_key_column().name, "company_uuid");
    let contractor = association::<Contractor>("employer");
    assert_eq!(contractor.foreign_key, ["employer_uuid"]);
    assert_eq!(contractor.foreign_key_column().name, "employerUuid");
    let a = association::<TableA>("table_b");
    assert_eq!(a.foreign_key, ["table_b_id"]);
    assert_eq!(a.foreign_key_column().name, "tableBId");
    assert_eq!(a.referenced_column().name, "name");
    let member = association::<Member>("badges");
    assert_eq!(member.foreign_key, ["member_id"]);
    assert_eq!(member.source_key_column().name, "handle");
}

#[test]
fn a_renamed_target_names_the_join_column() {
    let person = association::<Person>("tasks");
    assert_eq!((person.singular, person.plural), ("task", "tasks"));
    assert_eq!(person.join_source_column().0, "personId");
    assert_eq!(person.join_target_column().0, "taskId");
    assert_eq!(person.accessor("get"), Some("get_tasks"));
    assert_eq!(person.accessor("add"), Some("add_task"));
    let worker = association::<Worker>("tasks");
    assert_eq!(worker.other_key, Some("task_id"));
    assert_eq!(worker.join_target_column().0, "task_id");
}

on_all! {
    async fn a_foreign_key_named_after_a_text_primary_key_links_rows(db: Db) -> TestResult {
        Schema::new().model::<Company>().model::<Employee>().model::<Contractor>().sync(&db).await?;
        let acme = Company::create(&db, Company { uuid: "c-1".into(), name: "Acme".into() }).await?;
        let mut ann = Employee::create(&db, Employee { id: 0, company_uuid: None }).await?;
        ann.set_company(&db, &acme).await?;
        assert_eq!(ann.company_uuid.as_deref(), Some("c-1"));
        let found = Employee::find_by_pk(&db, ann.id).await?.expect("ann exists");
        assert_eq!(found.get_company(&db).await?.map(|c| c.name), Some("Acme".to_owned()));
        let mut bob = Contractor::create(&db, Contractor { id: 0, employer_uuid: None }).await?;
        bob.set_employer(&db, "c-1").await?;
        let stored: Vec<(Option<String>,)> =
            orm::raw("SELECT \"employerUuid\" FROM contractors").fetch(&db).await?;
        assert_eq!(stored, vec![(Some("c-1".to_owned()),)]);
        Ok(())
    }
}

on_all! {
    async fn target_key_keeps_the_default_foreign_key_name(db: Db) -> TestResult {
        Schema::new().model::<TableB>().model::<TableA>().sync(&db).await?;
        let b = TableB::create(&db, TableB { id: 0, name: "bee".into() }).await?;
        let mut a = TableA::create(&db, TableA { id: 0, table_b_id: None }).await?;
        a.set_table_b(&db, &b).await?;
        let stored: Vec<(Option<String>,)> = orm::raw("SELECT \"tableBId\" FROM table_a").fetch(&db).await?;
        assert_eq!(stored, vec![(Some("bee".to_owned()),)]);
        assert_eq!(a.get_table_b(&db).await?.map(|b| b.id), Some(b.id));
        Ok(())
    }
}

on_all! {
    async fn has_many_names_its_key_after_the_primary_key_not_the_source_key(db: Db) -> TestResult {
        Schema::new().model::<Member>().model::<Badge>().sync(&db).await?;
        let ann = Member::create(&db, Member { id: 0, handle: "ann".into() }).await?;
        ann.create_badge(&db, Badge { id: 0, member_id: None }).await?;
        let stored: Vec<(Option<String>,)> = orm::raw("SELECT member_id FROM badges").fetch(&db).await?;
        assert_eq!(stored, vec![(Some("ann".to_owned()),)]);
        assert_eq!(ann.count_badges(&db).await?, 1);
        Ok(())
    }
}

on_all! {
    async fn a_renamed_target_gives_its_join_column_and_accessors(db: Db) -> TestResult {
        Schema::new().model::<Person>().model::<Worker>().sync(&db).await?;
        let alpha = Project::create(&db, Project { id: 0, title: "alpha".into() }).await?;
        let beta = Project::create(&db, Project { id: 0, title: "beta".into() }).await?;
        let jan = Person::create(&db, Person { id: 0, name: "Jan".into() }).await?;
        jan.set_tasks(&db, [&alpha, &beta]).await?;
        jan.remove_task(&db, &alpha).await?;
        let linked: Vec<(i64, i64)> =
            orm::raw("SELECT \"personId\", \"taskId\" FROM user_tasks").fetch(&db).await?;
        assert_eq!(linked, vec![(jan.id, beta.id)]);
        assert_eq!(jan.get_tasks(&db).await?.into_iter().map(|p| p.title).collect::<Vec<_>>(), ["beta"]);

        let wes = Worker::create(&db, Worker { id: 0 }).await?;
        wes.add_task(&db, &alpha).await?;
        let rows = Assignment::find().all(&db).await?;
        assert_eq!(rows.iter().map(|r| (r.worker_id, r.task_id)).collect::<Vec<_>>(), [(wes.id, alpha.id)]);
        Ok(())
    }
}
