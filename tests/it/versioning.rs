//! Optimistic locking (`#[model(version)]`, Sequelize's `version: true`): `save` and `destroy`
//! of a copy loaded before someone else's write fail with `Error::StaleRow` and change
//! nothing, every write bumps the version, hooks still run and are rolled back with the unit,
//! and of racing saves of one row exactly one wins.

use std::time::Duration;

use orm::prelude::*;
use orm::{Error, raw};

use crate::on_all;
use crate::support::{is_sqlite, quoted};

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Document {
    pub id: i64,
    pub title: String,
    pub views: i32,
    #[model(version)]
    pub version: i32,
}

// A hooked cascade of versioned rows: every hook writes a journal entry in the unit.
#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
#[has_many(Page, on_delete = "cascade", hooks = true)]
pub struct Book {
    pub id: i64,
    pub title: String,
    #[model(version)]
    pub lock: i64,
}

#[derive(Model, Debug, Clone, PartialEq)]
#[model(hooks)]
pub struct Page {
    pub id: i64,
    pub text: String,
    pub book_id: Option<i64>,
    #[model(version)]
    pub version: i32,
}

#[derive(Model, Debug, Clone, PartialEq)]
pub struct Journal {
    pub id: i64,
    pub event: String,
}

async fn journal(tx: &mut orm::Tx, event: String) -> orm::Result<()> {
    raw("INSERT INTO journals (event) VALUES (?)").bind(event).execute(tx).await.map(drop)
}

impl orm::Hooks for Book {
    async fn before_update(&mut self, tx: &mut orm::Tx) -> orm::Result<()> {
        journal(tx, format!("update book {}", self.title)).await
    }
    async fn before_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        journal(tx, format!("destroy book {}", self.title)).await
    }
}

impl orm::Hooks for Page {
    async fn before_destroy(&self, tx: &mut orm::Tx) -> orm::Result<()> {
        journal(tx, format!("destroy page {}", self.text)).await
    }
}

async fn setup(db: &Db) -> Result<Document, Error> {
    Schema::new().model::<Document>().model::<Book>().model::<Journal>().sync(db).await?;
    Document::build().title("draft").views(0).create(db).await
}

async fn documents(db: &Db) -> Result<Vec<(i64, String, i32, i32)>, Error> {
    raw("SELECT id, title, views, version FROM documents ORDER BY id").fetch(db).await
}

fn is_stale(error: &Error, version: i64) -> bool {
    matches!(error, Error::StaleRow { model: "Document", version: v, .. } if *v == version)
}

on_all! {
    async fn create_stores_the_given_version_and_a_builder_starts_at_zero(db: Db) -> TestResult {
        let draft = setup(&db).await?;
        assert_eq!(draft.version, 0, "Sequelize starts at 0");
        let given = Document::create(&db, Document { id: 0, title: "t".into(), views: 0, version: 7 }).await?;
        assert_eq!(given.version, 7);
        assert_eq!(documents(&db).await?, vec![(draft.id, "draft".into(), 0, 0), (given.id, "t".into(), 0, 7)]);
        Ok(())
    }
}

on_all! {
    async fn save_checks_the_version_and_bumps_it_in_the_row_and_in_memory(db: Db) -> TestResult {
        let mut draft = setup(&db).await?;
        draft.title = "first".into();
        db.record_statements(true);
        draft.save(&db).await?;
        let statements = db.take_statements();
        let expected = r#"UPDATE "documents" SET "title" = ?, "views" = ?, "version" = "version" + 1 WHERE "documents"."id" = ? AND "documents"."version" = ?"#;
        assert_eq!(statements, vec![numbered(&db, &quoted(&db, expected))]);
        assert_eq!(draft.version, 1);
        draft.title = "second".into();
        draft.save(&db).await?;
        assert_eq!(documents(&db).await?, vec![(draft.id, "second".into(), 0, 2)]);
        assert_eq!(draft.version, 2);
        Ok(())
    }
}

/// `sql` with each `?` spelt as `db` spells placeholders (`$1`, `$2`, … on PostgreSQL).
fn numbered(db: &Db, sql: &str) -> String {
    if !crate::support::is_postgres(db) {
        return sql.to_owned();
    }
    let mut out = String::new();
    for (n, part) in sql.split('?').enumerate() {
        if n > 0 {
            out.push_str(&format!("${n}"));
        }
        out.push_str(part);
    }
    out
}

on_all! {
    async fn save_of_a_stale_copy_is_stale_row_and_writes_nothing(db: Db) -> TestResult {
        let draft = setup(&db).await?;
        let (mut mine, mut theirs) = (draft.clone(), draft.clone());
        theirs.title = "theirs".into();
        theirs.save(&db).await?;
        mine.title = "mine".into();
        mine.views = 5;
        let error = mine.save(&db).await.unwrap_err();
        assert!(is_stale(&error, 0), "{error:?}");
        assert!(error.to_string().contains("reload"), "the message says what to do: {error}");
        assert_eq!(mine.version, 0, "the copy keeps its version");
        assert_eq!(documents(&db).await?, vec![(draft.id, "theirs".into(), 0, 1)]);
        // Reload and retry, as the error says; inside a transaction, which stays usable.
        let mut tx = db.begin().await?;
        let error = mine.save(&mut tx).await.unwrap_err();
        assert!(is_stale(&error, 0), "{error:?}");
        mine.reload(&mut tx).await?;
        mine.title = "mine".into();
        mine.save(&mut tx).await?;
        tx.commit().await?;
        assert_eq!(documents(&db).await?, vec![(draft.id, "mine".into(), 0, 2)]);
        Ok(())
    }
}

on_all! {
    async fn save_of_a_deleted_versioned_row_is_not_found(db: Db) -> TestResult {
        let mut draft = setup(&db).await?;
        draft.clone().destroy(&db).await?;
        let error = draft.save(&db).await.unwrap_err();
        assert!(matches!(error, Error::NotFound { model: "Document" }), "{error:?}");
        Ok(())
    }
}

on_all! {
    async fn destroy_of_a_stale_copy_is_stale_row_and_keeps_the_row(db: Db) -> TestResult {
        let draft = setup(&db).await?;
        let mut theirs = draft.clone();
        theirs.views = 1;
        theirs.save(&db).await?;
        let error = draft.destroy(&db).await.unwrap_err();
        assert!(is_stale(&error, 0), "unlike Sequelize, which silently deletes nothing: {error:?}");
        assert_eq!(documents(&db).await?, vec![(draft.id, "draft".into(), 1, 1)]);
        theirs.destroy(&db).await?;
        assert_eq!(documents(&db).await?, vec![]);
        theirs.destroy(&db).await?; // already gone: nothing to delete, as without a version
        Ok(())
    }
}

on_all! {
    async fn bulk_update_and_increment_bump_the_version(db: Db) -> TestResult {
        let mut draft = setup(&db).await?;
        let loaded = draft.clone();
        Document::update().set(Document::title(), "bulk").exec(&db).await?;
        Document::update().increment(Document::views(), 2).exec(&db).await?;
        draft.increment(&db, Document::views(), 1).await?;
        assert_eq!((draft.views, draft.version), (3, 3), "refreshed with the bumped version");
        let error = loaded.destroy(&db).await.unwrap_err();
        assert!(is_stale(&error, 0), "a bulk change makes loaded copies stale: {error:?}");
        // Setting the version explicitly is the caller's word: no bump on top.
        Document::update().set(Document::version(), 10).exec(&db).await?;
        assert_eq!(documents(&db).await?, vec![(draft.id, "bulk".into(), 3, 10)]);
        Ok(())
    }
}

async fn journals(db: &Db) -> Result<Vec<String>, Error> {
    Ok(raw("SELECT event FROM journals ORDER BY id").fetch::<(String,)>(db).await?.into_iter().map(|r| r.0).collect())
}

on_all! {
    async fn hooks_run_and_a_stale_row_rolls_them_back(db: Db) -> TestResult {
        setup(&db).await?;
        let book = Book::build().title("b").pages([Page::build().text("p1"), Page::build().text("p2")]).create(&db).await?;
        let book = Book::find_by_pk(&db, book.id).await?.expect("created");
        let (mut mine, mut theirs) = (book.clone(), book.clone());
        theirs.title = "theirs".into();
        theirs.save(&db).await?;
        assert_eq!(journals(&db).await?, vec!["update book theirs"]);
        mine.title = "mine".into();
        let error = mine.save(&db).await.unwrap_err();
        assert!(matches!(error, Error::StaleRow { model: "Book", version: 0, .. }), "{error:?}");
        let error = book.destroy(&db).await.unwrap_err();
        assert!(matches!(error, Error::StaleRow { model: "Book", version: 0, .. }), "{error:?}");
        assert_eq!(journals(&db).await?, vec!["update book theirs"], "the failed units' hooks were rolled back");
        assert_eq!(Page::find().count(&db).await?, 2, "the cascade was rolled back");
        // The fresh copy destroys the book and its pages through the ORM.
        theirs.destroy(&db).await?;
        assert_eq!(Page::find().count(&db).await?, 0);
        assert_eq!(journals(&db).await?.len(), 4);
        Ok(())
    }
}

on_all! {
    // Racing saves of copies of one row: on PostgreSQL and MariaDB a real race (each waits on
    // the row lock of the one before, then finds the version moved on); serial on SQLite.
    async fn racing_saves_of_one_row_end_with_exactly_one_winner(db: Db) -> TestResult {
        let draft = setup(&db).await?;
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (db, mut copy) = (db.clone(), draft.clone());
                tokio::spawn(async move {
                    copy.title = format!("copy {i}");
                    copy.views = i;
                    copy.save(&db).await.map(|()| i)
                })
            })
            .collect();
        let mut winners = Vec::new();
        for handle in handles {
            match handle.await? {
                Ok(i) => winners.push(i),
                Err(error) => assert!(is_stale(&error, 0), "a loser is stale: {error:?}"),
            }
        }
        let [winner] = winners[..] else { panic!("exactly one save wins: {winners:?}") };
        assert_eq!(documents(&db).await?, vec![(draft.id, format!("copy {winner}"), winner, 1)]);
        Ok(())
    }
}

on_all! {
    async fn a_save_waiting_on_the_row_lock_is_stale_once_the_holder_commits(db: Db) -> TestResult {
        if is_sqlite(&db) {
            return Ok(()); // one connection in memory: nothing can wait on a lock
        }
        let draft = setup(&db).await?;
        let (mut first, mut second) = (draft.clone(), draft.clone());
        let mut tx = db.begin().await?;
        first.title = "first".into();
        first.save(&mut tx).await?;
        let waiting = tokio::spawn({
            let db = db.clone();
            async move {
                second.title = "second".into();
                second.save(&db).await
            }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "the second save waits for the first's row lock");
        tx.commit().await?;
        let error = waiting.await?.unwrap_err();
        assert!(is_stale(&error, 0), "{error:?}");
        assert_eq!(documents(&db).await?, vec![(draft.id, "first".into(), 0, 1)]);
        Ok(())
    }
}
