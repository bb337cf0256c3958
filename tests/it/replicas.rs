//! Read-replica routing, on every backend: the test's own database stands in for its replicas,
//! so the statement recorder tells where each statement was sent (the servers themselves are
//! asked in `tests/scale`, against real PostgreSQL replicas).

use orm::prelude::*;
use orm::{Server, raw};

use crate::on_all;

#[derive(Model, Debug, Clone)]
#[has_many(Book)]
pub struct Author {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone)]
pub struct Book {
    pub id: i64,
    pub title: String,
    pub pages: i64,
    pub author_id: Option<i64>,
}

/// The servers the statements recorded since the last call were sent to.
fn sent(db: &Db) -> Vec<Server> {
    db.take_statements_with_server().into_iter().map(|(_, server)| server).collect()
}

const R1: Server = Server::Replica(1);
const R2: Server = Server::Replica(2);
const P: Server = Server::Primary;

on_all! {
    async fn each_statement_goes_where_what_it_does_allows(db: Db) -> TestResult {
        let db = db.clone().with_replicas([db])?;
        db.record_statements(true);
        Schema::new().model::<Author>().model::<Book>().sync(&db).await?;
        assert!(sent(&db).iter().all(|s| *s == P));

        // Writes, those that return rows too (INSERT/UPDATE … RETURNING), run on the primary.
        let ann = Author::build().name("Ann").create(&db).await?;
        assert_eq!(sent(&db), [P]);
        let mut book = Book::build().title("One").pages(10).author_id(Some(ann.id)).create(&db).await?;
        Book::build().title("Two").pages(20).author_id(Some(ann.id)).create(&db).await?;
        db.take_statements();
        book.increment(&db, Book::pages(), 1).await?;
        assert!(sent(&db).iter().all(|s| *s == P));
        Book::update().set(Book::title(), "Uno").filter(Book::id().eq(book.id)).exec(&db).await?;
        book.reload(&db).await?;
        assert_eq!((book.title.as_str(), book.pages), ("Uno", 11));
        assert_eq!(sent(&db), [P, P], "a bulk update and a reload");
        ann.set_books(&db, [book.id]).await?;
        let unit = sent(&db);
        assert!(unit.len() > 1 && unit.iter().all(|s| *s == P), "a unit of work: {unit:?}");

        // Reads go to the replica; an include's query follows its parent's.
        assert_eq!(Author::find().all(&db).await?.len(), 1);
        assert_eq!(sent(&db), [R1]);
        let with_books = Author::find().include(Author::books()).all(&db).await?;
        assert_eq!(with_books[0].books().len(), 1);
        assert_eq!(sent(&db), [R1, R1]);
        assert!(Book::find_by_pk(&db, book.id).await?.is_some());
        assert_eq!(Book::find().count(&db).await?, 2);
        assert_eq!(Book::find().aggregate(Book::pages().sum(), &db).await?, Some(31));
        assert_eq!(Book::find().select(Book::title()).all(&db).await?.len(), 2);
        let (_, total) = Book::find().limit(1).find_and_count(&db).await?;
        assert_eq!(total, 2);
        assert_eq!(ann.get_books(&db).await?.len(), 1);
        assert_eq!(ann.count_books(&db).await?, 1);
        assert!(ann.has_book(&db, book.id).await?);
        assert_eq!(sent(&db), [R1; 8]);

        // Hand-written SQL runs on the primary unless declared read-only.
        raw(r#"SELECT COUNT(*) FROM "books""#).fetch::<(i64,)>(&db).await?;
        raw(r#"SELECT COUNT(*) FROM "books""#).read_only().fetch::<(i64,)>(&db).await?;
        assert_eq!(sent(&db), [P, R1]);

        // `db.primary()` reads the primary, includes too; a transaction runs there, reads and
        // locking reads alike.
        Author::find().include(Author::books()).all(&db.primary()).await?;
        assert_eq!(ann.get_books(&db.primary()).await?.len(), 1);
        assert_eq!(sent(&db), [P, P, P]);
        let mut tx = db.begin().await?;
        Author::find().include(Author::books()).all(&mut tx).await?;
        Book::find().for_update().all(&mut tx).await?;
        raw(r#"SELECT COUNT(*) FROM "books""#).read_only().fetch::<(i64,)>(&mut tx).await?;
        tx.commit().await?;
        assert_eq!(sent(&db), [P, P, P, P]);
        Ok(())
    }
}

on_all! {
    async fn reads_take_the_replicas_in_turn_and_includes_follow(db: Db) -> TestResult {
        Schema::new().model::<Author>().model::<Book>().sync(&db).await?;
        let ann = Author::build().name("Ann").create(&db).await?;
        Book::build().title("One").pages(1).author_id(Some(ann.id)).create(&db).await?;
        let db = db.clone().with_replicas([db.clone(), db])?;
        assert_eq!(db.replica_count(), 2);
        db.record_statements(true);
        for _ in 0..2 {
            Author::find().include(Author::books()).all(&db).await?;
        }
        assert_eq!(sent(&db), [R1, R1, R2, R2]);
        for _ in 0..3 {
            raw(r#"SELECT COUNT(*) FROM "books""#).read_only().fetch::<(i64,)>(&db).await?;
        }
        assert_eq!(sent(&db), [R1, R2, R1]);
        Ok(())
    }
}

/// A replica whose pool is closed fails to connect: reads skip it, and with no replica up
/// they go to the primary.
#[tokio::test]
async fn reads_skip_a_replica_that_is_down() -> crate::support::TestResult {
    let primary = orm::sqlite::connect("sqlite::memory:").await?;
    let down = orm::sqlite::connect("sqlite::memory:").await?;
    let up = orm::sqlite::connect("sqlite::memory:").await?;
    for (db, name) in [(&primary, "primary"), (&up, "replica 2")] {
        raw("CREATE TABLE t (name TEXT)").execute(db).await?;
        raw("INSERT INTO t VALUES (?)").bind(name.to_owned()).execute(db).await?;
    }
    down.close().await;
    let db = primary.with_replicas([down, up.clone()])?;
    db.record_statements(true);
    let read = || async { raw("SELECT name FROM t").read_only().fetch::<(String,)>(&db).await };
    for _ in 0..3 {
        assert_eq!(read().await?, [("replica 2".to_owned(),)]);
    }
    // Replica 1 was tried once, found down, and then skipped.
    assert_eq!(sent(&db), [R1, R2, R2, R2]);
    up.close().await;
    assert_eq!(read().await?, [("primary".to_owned(),)]);
    assert_eq!(sent(&db), [R2, P]);
    assert_eq!(read().await?, [("primary".to_owned(),)]);
    assert_eq!(sent(&db), [P]);
    Ok(())
}

/// A replica must speak the primary's SQL: one of another backend is refused.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn a_replica_of_another_backend_is_refused() {
    let Some((admin, _, schema)) = crate::support::postgres_schema().await else { return };
    let sqlite = orm::sqlite::connect("sqlite::memory:").await.unwrap();
    let error = sqlite.with_replicas([admin.clone()]).unwrap_err();
    assert_eq!(error.to_string(), "a read replica must use the primary's backend (sqlite), not postgres");
    raw(format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(&admin).await.unwrap();
    admin.close().await;
}

/// MariaDB offers the same option: here the "replica" is the same server (no MariaDB replica
/// is started), so only where each statement was sent is checked.
#[cfg(feature = "mariadb")]
#[tokio::test]
async fn mariadb_connect_options_take_replicas() {
    let Some((admin, url, database)) = crate::support::mariadb_database().await else { return };
    let db = orm::mariadb::ConnectOptions::new(&url).replicas([&url]).max_connections(2).connect().await.unwrap();
    assert_eq!(db.replica_count(), 1);
    db.record_statements(true);
    Schema::new().model::<Author>().model::<Book>().sync(&db).await.unwrap();
    Author::build().name("Ann").create(&db).await.unwrap();
    assert!(sent(&db).iter().all(|s| *s == P));
    assert_eq!(Author::find().all(&db).await.unwrap().len(), 1);
    assert_eq!(Author::find().all(&db.primary()).await.unwrap().len(), 1);
    assert_eq!(sent(&db), [R1, P]);
    db.close().await;
    raw(format!("DROP DATABASE \"{database}\"")).execute(&admin).await.unwrap();
    admin.close().await;
}
