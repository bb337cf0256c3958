//! `Model::delete().filter(…).with_hooks()`, Sequelize's `individualHooks: true`: every matching
//! row is destroyed through the ORM with its hooked cascades, in one unit, its rows loaded
//! set-wise (one `SELECT` per association and level, never one per row).

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;

// Folders hold docs (a hooked cascade) and child folders (a hooked self-cascade); docs hold
// notes through the database's own cascade, whose hooks must not run.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
#[has_many(Doc, on_delete = "cascade", hooks = true)]
#[has_many(
    Folder,
    as(singular = "child", plural = "children"),
    foreign_key = "parent_id",
    on_delete = "cascade",
    hooks = true
)]
pub struct Folder {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
#[has_many(Note, on_delete = "cascade")]
pub struct Doc {
    pub id: i64,
    pub name: String,
    pub folder_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
pub struct Note {
    pub id: i64,
    pub name: String,
    pub doc_id: Option<i64>,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub text: String,
}

async fn event(tx: &mut orm::Tx, text: String) -> orm::Result<()> {
    raw("INSERT INTO events (text) VALUES (?)").bind(text).execute(tx).await.map(drop)
}

#[orm::hooks]
impl Folder {
    async fn before_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        if self.name == "refuse" {
            return Err(Error::Invalid("folder refuse is kept".into()));
        }
        event(tx, format!("before folder {}", self.name)).await
    }
    async fn after_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        event(tx, format!("after folder {}", self.name)).await
    }
}

#[orm::hooks]
impl Doc {
    async fn before_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        event(tx, format!("before doc {}", self.name)).await
    }
    async fn after_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        if self.name == "stuck" {
            return Err(Error::Invalid("doc stuck cannot go".into()));
        }
        event(tx, format!("after doc {}", self.name)).await
    }
}

#[orm::hooks]
impl Note {
    async fn before_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        event(tx, format!("before note {}", self.name)).await
    }
}

fn schema() -> Schema {
    Schema::new().model::<Folder>().model::<Doc>().model::<Note>().model::<Event>()
}

async fn events(db: &Db) -> orm::Result<Vec<String>> {
    Ok(raw("SELECT text FROM events ORDER BY id").fetch::<(String,)>(db).await?.into_iter().map(|(t,)| t).collect())
}

async fn names(db: &Db, table: &str) -> orm::Result<Vec<String>> {
    let rows = raw(format!("SELECT name FROM {table} ORDER BY id")).fetch::<(String,)>(db).await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Folders `a` (docs a1 and a2 with a note each), `b` (doc b0, child folder b1 with doc b1d),
/// and `c` (doc c1), each doc `per_doc` notes.
async fn some_folders(db: &Db, docs_per_folder: usize) -> orm::Result<()> {
    schema().sync(db).await?;
    let docs = |prefix: &str| {
        (1..=docs_per_folder)
            .map(|i| Doc::build().name(format!("{prefix}{i}")).notes([Note::build().name(format!("{prefix}{i}n"))]))
            .collect::<Vec<_>>()
    };
    Folder::build().name("a").docs(docs("a")).create(db).await?;
    let b = Folder::build().name("b").docs([Doc::build().name("b0")]).create(db).await?;
    Folder::build().name("b1").parent_id(b.id).docs([Doc::build().name("b1d")]).create(db).await?;
    Folder::build().name("c").docs([Doc::build().name("c1")]).create(db).await?;
    Ok(())
}

on_all! {
    async fn delete_with_hooks_destroys_each_matching_row_and_its_hooked_cascades(db: Db) -> TestResult {
        some_folders(&db, 2).await?;
        let deleted = Folder::delete().filter(Folder::name().is_in(["a", "b"])).with_hooks().exec(&db).await?;
        assert_eq!(deleted, 2, "the matching rows");
        assert_eq!(
            events(&db).await?,
            [
                // Level by level: the matching rows in key order, then their dependents as
                // loaded (docs, then child folders), then theirs.
                "before folder a",
                "before folder b",
                "before doc a1",
                "before doc a2",
                "before doc b0",
                "before folder b1",
                "before doc b1d",
                // Deleted from the deepest level up; each row's after hook once it is gone.
                "after doc b1d",
                "after doc a1",
                "after doc a2",
                "after doc b0",
                "after folder b1",
                "after folder a",
                "after folder b",
            ],
            "no note hook runs: notes go by the database's cascade"
        );
        assert_eq!(names(&db, "folders").await?, ["c"]);
        assert_eq!(names(&db, "docs").await?, ["c1"]);
        assert_eq!(names(&db, "notes").await?, Vec::<String>::new());
        Ok(())
    }
}

/// The statements of a `with_hooks` delete of folders `a` and `b`, without the hooks' own
/// inserts.
async fn statements_of_a_hooked_delete(db: &Db) -> orm::Result<Vec<String>> {
    db.record_statements(true);
    Folder::delete().filter(Folder::name().is_in(["a", "b"])).with_hooks().exec(db).await?;
    let statements = db.take_statements();
    db.record_statements(false);
    Ok(statements.into_iter().filter(|s| !s.starts_with("INSERT INTO")).collect())
}

on_all! {
    async fn delete_with_hooks_loads_each_level_set_wise(db: Db) -> TestResult {
        some_folders(&db, 2).await?;
        let few = statements_of_a_hooked_delete(&db).await?;
        let kinds: Vec<&str> = few.iter().map(|s| s.split_whitespace().next().unwrap_or("")).collect();
        // The matching folders; level 1: docs and children of a and b; level 2: docs and
        // children of b1 (a1, a2 and b0 have no hooked cascade). Then one DELETE per table and
        // level: b1d; a1, a2, b0 and b1; a and b.
        assert_eq!(kinds, ["SELECT", "SELECT", "SELECT", "SELECT", "SELECT", "DELETE", "DELETE", "DELETE", "DELETE"], "{few:#?}");

        // Fifty times the docs: the same statements.
        for table in ["events", "notes", "docs", "folders"] {
            raw(format!("DELETE FROM {table}")).execute(&db).await?;
        }
        some_folders_again(&db, 100).await?;
        let many = statements_of_a_hooked_delete(&db).await?;
        assert_eq!(many.len(), few.len(), "{many:#?}");
        assert_eq!(events(&db).await?.len(), 2 * (3 + 102), "every row's two hooks ran");
        Ok(())
    }
}

/// [`some_folders`] on a synced schema.
async fn some_folders_again(db: &Db, docs_per_folder: usize) -> orm::Result<()> {
    let docs = (1..=docs_per_folder).map(|i| Doc::build().name(format!("a{i}")));
    Folder::build().name("a").docs(docs.collect::<Vec<_>>()).create(db).await?;
    let b = Folder::build().name("b").docs([Doc::build().name("b0")]).create(db).await?;
    Folder::build().name("b1").parent_id(b.id).docs([Doc::build().name("b1d")]).create(db).await?;
    Ok(())
}

on_all! {
    async fn delete_without_with_hooks_stays_one_statement_and_runs_no_hook(db: Db) -> TestResult {
        some_folders(&db, 2).await?;
        db.record_statements(true);
        let deleted = Folder::delete().filter(Folder::name().eq("a")).exec(&db).await?;
        let statements = db.take_statements();
        assert_eq!(deleted, 1);
        assert_eq!(statements.len(), 1, "{statements:#?}");
        assert!(statements[0].starts_with("DELETE FROM"), "{}", statements[0]);
        assert_eq!(events(&db).await?, Vec::<String>::new(), "no hook runs, as Sequelize without individualHooks");
        assert_eq!(names(&db, "docs").await?, ["b0", "b1d", "c1"], "the database's cascade removed a's docs");
        // A model without hooks or hooked cascades: `with_hooks` has nothing to run, so it is
        // the same single DELETE.
        db.take_statements();
        assert_eq!(Event::delete().with_hooks().exec(&db).await?, 0);
        assert_eq!(db.take_statements().len(), 1);
        // Nothing matches: one SELECT, nothing else, 0.
        assert_eq!(Folder::delete().filter(Folder::name().eq("nobody")).with_hooks().exec(&db).await?, 0);
        assert_eq!(db.take_statements().len(), 1);
        Ok(())
    }
}

on_all! {
    async fn delete_with_hooks_ends_on_cycles(db: Db) -> TestResult {
        schema().sync(&db).await?;
        // x and y are each other's parent; z is its own.
        let x = Folder::build().name("x").create(&db).await?;
        let mut y = Folder::build().name("y").parent_id(x.id).create(&db).await?;
        let mut x = x;
        x.parent_id = Some(y.id);
        x.save(&db).await?;
        y.parent_id = Some(x.id);
        let mut z = Folder::build().name("z").create(&db).await?;
        z.parent_id = Some(z.id);
        z.save(&db).await?;
        Folder::build().name("kept").create(&db).await?;
        let deleted = Folder::delete().filter(Folder::name().is_in(["x", "z"])).with_hooks().exec(&db).await?;
        assert_eq!(deleted, 2);
        assert_eq!(
            events(&db).await?,
            ["before folder x", "before folder z", "before folder y", "after folder y", "after folder x", "after folder z"],
            "each row's hooks run once"
        );
        assert_eq!(names(&db, "folders").await?, ["kept"]);
        Ok(())
    }
}

/// Every row of the folder tables and the hooks' events.
async fn snapshot(db: &Db) -> orm::Result<[Vec<String>; 4]> {
    Ok([names(db, "folders").await?, names(db, "docs").await?, names(db, "notes").await?, events(db).await?])
}

on_all! {
    async fn a_failing_hook_in_a_bulk_delete_leaves_every_row(db: Db) -> TestResult {
        some_folders(&db, 2).await?;
        Folder::build().name("refuse").create(&db).await?;
        let before = snapshot(&db).await?;
        // A before hook fails after other rows' hooks ran.
        let error = Folder::delete().filter(Folder::name().ne("c")).with_hooks().exec(&db).await.unwrap_err();
        assert_eq!(error.to_string(), "folder refuse is kept");
        assert!(matches!(error, Error::Invalid(_)));
        assert_eq!(snapshot(&db).await?, before, "nothing deleted, no hook's write kept");
        // An after hook fails once deletes ran.
        let c = Folder::find().filter(Folder::name().eq("c")).one(&db).await?.ok_or("c")?;
        c.create_doc(&db, Doc::build().name("stuck")).await?;
        let before = snapshot(&db).await?;
        let error = Folder::delete().filter(Folder::name().eq("c")).with_hooks().exec(&db).await.unwrap_err();
        assert_eq!(error.to_string(), "doc stuck cannot go");
        assert_eq!(snapshot(&db).await?, before);
        // Inside a caller's transaction: its savepoint rolls back, the transaction goes on.
        let mut tx = db.begin().await?;
        let failed = Folder::delete().filter(Folder::name().eq("refuse")).with_hooks().exec(&mut tx).await;
        assert!(matches!(failed, Err(Error::Invalid(_))), "{failed:?}");
        assert_eq!(Folder::delete().filter(Folder::name().eq("a")).with_hooks().exec(&mut tx).await?, 1);
        tx.commit().await?;
        assert_eq!(names(&db, "folders").await?, ["b", "b1", "c", "refuse"]);
        Ok(())
    }
}
