//! Read replicas on real PostgreSQL streaming replicas: where each statement lands, told by the
//! server itself (`inet_server_port()`, `pg_is_in_recovery()`), by the statement recorder and
//! by the tracing spans.

use std::time::{Duration, Instant};

use orm::prelude::*;
use orm::{Db, Server, raw};

use crate::cluster::Cluster;
use crate::spans;

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

/// The port of the server that ran a read-only statement through `db`.
async fn port(db: &Db) -> i32 {
    raw("SELECT inet_server_port()").read_only().fetch::<(i32,)>(db).await.unwrap()[0].0
}

/// Whether the server that ran a read-only statement through `executor` is a standby.
async fn in_recovery<'e>(executor: impl orm::IntoExecutor<'e>) -> bool {
    raw("SELECT pg_is_in_recovery()").read_only().fetch::<(bool,)>(executor).await.unwrap()[0].0
}

fn servers(recorded: &[(String, Server)]) -> Vec<Server> {
    recorded.iter().map(|(_, server)| *server).collect()
}

async fn connect(cluster: &Cluster, replicas: usize) -> Db {
    orm::postgres::ConnectOptions::new(cluster.url(0))
        .replicas((1..=replicas).map(|i| cluster.url(i)))
        .max_connections(2)
        .replica_timeout(Duration::from_millis(500))
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn reads_go_to_the_replicas_and_everything_else_to_the_primary() {
    spans::install();
    let Some(cluster) = Cluster::start(2) else { return };
    let db = connect(&cluster, 2).await;
    assert_eq!(db.replica_count(), 2);

    // Writes: DDL, INSERT … RETURNING (a fetch that writes), UPDATE … RETURNING, a bulk
    // update. On a replica each would fail ("cannot execute … in a read-only transaction").
    Schema::new().model::<Author>().model::<Book>().sync(&db).await.unwrap();
    db.record_statements(true);
    let ann = Author::build().name("Ann").create(&db).await.unwrap();
    let mut first = Book::build().title("First").pages(100).author_id(Some(ann.id)).create(&db).await.unwrap();
    first.increment(&db, Book::pages(), 1).await.unwrap();
    assert_eq!(first.pages, 101);
    Book::build().title("Second").pages(50).author_id(Some(ann.id)).create(&db).await.unwrap();
    Book::update().set(Book::pages(), 60).filter(Book::title().eq("Second")).exec(&db).await.unwrap();
    let writes = db.take_statements_with_server();
    assert_eq!(writes.len(), 5, "{writes:?}");
    assert!(servers(&writes).iter().all(|s| *s == Server::Primary), "{writes:?}");
    cluster.catch_up().await;

    // Plain reads go to a standby, in turn: both replicas answer, never the primary.
    assert!(in_recovery(&db).await, "a read outside a transaction runs on a replica");
    assert!(!in_recovery(&db.primary()).await, "`db.primary()` reads the primary");
    let ports: Vec<i32> = {
        let mut ports = Vec::new();
        for _ in 0..4 {
            ports.push(port(&db).await);
        }
        ports
    };
    let (r1, r2) = (cluster.port(1), cluster.port(2));
    assert!(ports.iter().all(|p| *p == r1 || *p == r2), "{ports:?}");
    assert_eq!(ports.iter().filter(|p| **p == r1).count(), 2, "round-robin over both replicas: {ports:?}");
    // A hand-written statement not declared read-only may write: the primary runs it.
    let (primary_port,) = raw("SELECT inet_server_port()").fetch::<(i32,)>(&db).await.unwrap()[0];
    assert_eq!(primary_port, cluster.port(0));
    db.take_statements();

    // A query and its include's batched query run on the same replica, each time.
    for _ in 0..2 {
        let authors = Author::find().include(Author::books()).all(&db).await.unwrap();
        assert_eq!(authors.len(), 1);
        assert_eq!(authors[0].books().len(), 2);
        let recorded = db.take_statements_with_server();
        assert_eq!(recorded.len(), 2, "{recorded:?}");
        assert!(matches!(recorded[0].1, Server::Replica(_)), "{recorded:?}");
        assert_eq!(recorded[1].1, recorded[0].1, "the include follows its query: {recorded:?}");
    }
    // A getter is a read too, and its includes… it has none here; a narrowed getter, a count,
    // an aggregate, a page and a projection all read a replica.
    let books = ann.get_books(&db).await.unwrap();
    assert_eq!(books.len(), 2);
    let long = ann.get_books(&db).filter(Book::pages().gt(80)).await.unwrap();
    assert_eq!(long.len(), 1);
    assert_eq!(ann.count_books(&db).await.unwrap(), 2);
    assert_eq!(Book::find().count(&db).await.unwrap(), 2);
    assert_eq!(Book::find().aggregate(Book::pages().sum(), &db).await.unwrap(), Some(161));
    let (page, total) = Book::find().limit(1).find_and_count(&db).await.unwrap();
    assert_eq!((page.len(), total), (1, 2));
    assert_eq!(Book::find().select(Book::title()).all(&db).await.unwrap().len(), 2);
    assert!(Book::find_by_pk(&db, first.id).await.unwrap().is_some());
    let reads = db.take_statements_with_server();
    assert_eq!(reads.len(), 8, "{reads:?}");
    assert!(servers(&reads).iter().all(|s| matches!(s, Server::Replica(_))), "{reads:?}");

    // Inside a transaction everything runs on its connection, on the primary.
    let in_tx = db
        .transaction(|tx| {
            Box::pin(async move {
                let authors = Author::find().include(Author::books()).all(&mut *tx).await?;
                Ok((in_recovery(&mut *tx).await, authors.len()))
            })
        })
        .await
        .unwrap();
    assert_eq!(in_tx, (false, 1), "a transaction runs on the primary");
    let recorded = db.take_statements_with_server();
    assert_eq!(recorded.len(), 3, "{recorded:?}");
    assert!(servers(&recorded).iter().all(|s| *s == Server::Primary), "{recorded:?}");

    // A multi-statement unit of work (`set_books`) runs in a transaction on the primary.
    let bob = Author::build().name("Bob").create(&db).await.unwrap();
    bob.set_books(&db, [first.id]).await.unwrap();
    let recorded = db.take_statements_with_server();
    assert!(recorded.len() > 2, "{recorded:?}");
    assert!(servers(&recorded).iter().all(|s| *s == Server::Primary), "{recorded:?}");

    // `reload` reads the primary: it asks for the row as it is now.
    first.reload(&db).await.unwrap();
    assert_eq!(first.author_id, Some(bob.id));
    assert_eq!(servers(&db.take_statements_with_server()), [Server::Primary]);

    // Read your own writes: with replay paused on both replicas, a row just written is not on
    // them, but `db.primary()` (and everything it includes) sees it at once.
    for i in 1..=2 {
        let replica = orm::postgres::connect(&cluster.url(i)).await.unwrap();
        raw("SELECT pg_wal_replay_pause()").execute(&replica).await.unwrap();
        replica.close().await;
    }
    let cat = Author::build().name("Cat").create(&db).await.unwrap();
    Book::build().title("Third").pages(10).author_id(Some(cat.id)).create(&db).await.unwrap();
    for _ in 0..2 {
        assert!(Author::find_by_pk(&db, cat.id).await.unwrap().is_none(), "the replicas lag behind");
    }
    let mine =
        Author::find().filter(Author::id().eq(cat.id)).include(Author::books()).all(&db.primary()).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].books().len(), 1, "the include follows its query to the primary");
    assert_eq!(cat.get_books(&db.primary()).await.unwrap().len(), 1);
    let recorded = db.take_statements_with_server();
    assert_eq!(
        servers(&recorded[recorded.len() - 3..]),
        [Server::Primary, Server::Primary, Server::Primary],
        "{recorded:?}"
    );
    for i in 1..=2 {
        let replica = orm::postgres::connect(&cluster.url(i)).await.unwrap();
        raw("SELECT pg_wal_replay_resume()").execute(&replica).await.unwrap();
        replica.close().await;
    }
    cluster.catch_up().await;
    assert!(Author::find_by_pk(&db, cat.id).await.unwrap().is_some(), "the replicas caught up");

    // Each statement's tracing span names the server that ran it.
    raw("SELECT 'span marker' AS replica_read").read_only().fetch::<(String,)>(&db).await.unwrap();
    raw("SELECT 'span marker' AS primary_read").fetch::<(String,)>(&db).await.unwrap();
    let read = spans::servers_of("AS replica_read");
    assert_eq!(read.len(), 1);
    assert!(read[0].starts_with("replica "), "{read:?}");
    assert_eq!(spans::servers_of("AS primary_read"), ["primary"]);

    db.close().await;
}

#[tokio::test]
async fn a_replica_that_goes_down_is_skipped() {
    spans::install();
    let Some(mut cluster) = Cluster::start(2) else { return };
    let db = connect(&cluster, 2).await;
    let (primary, r1, r2) = (cluster.port(0), cluster.port(1), cluster.port(2));
    // Both replicas serve reads, and each pool holds an open connection.
    let mut ports = vec![port(&db).await, port(&db).await];
    ports.sort();
    assert_eq!(ports, [r1.min(r2), r1.max(r2)]);

    // Replica 1 crashes: every read still succeeds, on replica 2. The read that finds it down
    // tries it (and the recorder shows that try), then goes on; later reads skip it at once.
    cluster.stop(1);
    db.record_statements(true);
    let started = Instant::now();
    for _ in 0..6 {
        assert_eq!(port(&db).await, r2);
    }
    let elapsed = started.elapsed();
    let recorded = servers(&db.take_statements_with_server());
    assert_eq!(recorded.iter().filter(|s| **s == Server::Replica(1)).count(), 1, "{recorded:?}");
    assert_eq!(recorded.iter().filter(|s| **s == Server::Replica(2)).count(), 6, "{recorded:?}");
    // One replica timeout (0.5 s) at most, not one per read.
    assert!(elapsed < Duration::from_secs(3), "six reads took {elapsed:?}");
    // The ORM's own queries keep working too.
    Schema::new().model::<Author>().model::<Book>().sync(&db).await.unwrap();
    Author::build().name("Ann").create(&db).await.unwrap();
    cluster.catch_up().await;
    assert_eq!(Author::find().all(&db).await.unwrap().len(), 1);
    let recorded = db.take_statements_with_server();
    assert_eq!(recorded.last().map(|(_, s)| *s), Some(Server::Replica(2)), "{recorded:?}");

    // Both replicas down: reads go to the primary, after one try of each replica whose pause
    // is over.
    cluster.stop(2);
    for _ in 0..3 {
        assert_eq!(port(&db).await, primary);
    }
    assert_eq!(Author::find().all(&db).await.unwrap().len(), 1);
    let recorded = servers(&db.take_statements_with_server());
    assert_eq!(recorded.iter().filter(|s| **s == Server::Primary).count(), 4, "{recorded:?}");
    assert!(recorded.len() <= 4 + 2, "a down replica is tried at most once per pause: {recorded:?}");
    db.close().await;
}
