//! Runs one test body on every backend: a fresh in-memory SQLite database, a fresh PostgreSQL
//! schema when `ORM_TEST_POSTGRES_URL` is set and a fresh MariaDB database when
//! `ORM_TEST_MARIADB_URL` is set (both dropped afterwards), and, with `ORM_TEST_PGBOUNCER=1`,
//! a fresh PostgreSQL schema reached through a PgBouncer in transaction-pooling mode that the
//! tests start themselves (see `pgbouncer`).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use orm::Db;

// Beside this file, for the crates that include it by path.
#[path = "pgbouncer.rs"]
pub mod pgbouncer;

/// What a test body returns: any error fails the test with its message.
pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Instantiates `async fn name(db: Db) -> TestResult { … }` once per backend, as
/// `name::sqlite`, `name::postgres`, `name::mariadb` and `name::pgbouncer` (PostgreSQL through
/// a transaction-pooling PgBouncer).
#[macro_export]
macro_rules! on_all {
    ($(#[$meta:meta])* async fn $name:ident($db:ident : Db) -> TestResult $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: ::orm::Db) -> $crate::support::TestResult $body

            #[tokio::test]
            async fn sqlite() {
                $crate::support::run_sqlite(body).await;
            }

            #[tokio::test]
            async fn postgres() {
                $crate::support::run_postgres(body).await;
            }

            #[tokio::test]
            async fn mariadb() {
                $crate::support::run_mariadb(body).await;
            }

            #[tokio::test]
            async fn pgbouncer() {
                $crate::support::run_pgbouncer(module_path!(), body).await;
            }
        }
    };
}

pub async fn run_sqlite<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut,
    Fut: Future<Output = TestResult>,
{
    let db = orm::sqlite::connect("sqlite::memory:").await.expect("in-memory SQLite opens");
    if let Err(error) = body(db).await {
        panic!("test failed on sqlite: {error}\n{error:?}");
    }
}

fn require_postgres() -> bool {
    std::env::var("ORM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

#[cfg(not(feature = "postgres"))]
pub async fn run_postgres<F, Fut>(_body: F)
where
    F: FnOnce(Db) -> Fut + Send + 'static,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    assert!(!require_postgres(), "ORM_REQUIRE_POSTGRES=1 but the `postgres` feature is off");
    eprintln!("notice: postgres test skipped: build with `--all-features` to run it");
}

#[cfg(feature = "postgres")]
pub async fn run_postgres<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut + Send + 'static,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    let Some((admin, url, schema)) = postgres_schema().await else { return };
    let options = orm::postgres::ConnectOptions::new(&url);
    run_in_schema("postgres", admin, options, schema, body).await;
}

#[cfg(not(feature = "postgres"))]
pub async fn run_pgbouncer<F, Fut>(_test: &str, _body: F)
where
    F: FnOnce(Db) -> Fut + Send + 'static,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    assert!(!pgbouncer::required(), "ORM_REQUIRE_PGBOUNCER=1 but the `postgres` feature is off");
    eprintln!("notice: pgbouncer test skipped: build with `--all-features` to run it");
}

/// Runs `body` (of the test module `test`) on a fresh schema reached through the test
/// PgBouncer (transaction pooling), connected with `transaction_pooling()`: the schema is set
/// per transaction, so all tests share the pooler's few server connections to one database.
#[cfg(feature = "postgres")]
pub async fn run_pgbouncer<F, Fut>(test: &str, body: F)
where
    F: FnOnce(Db) -> Fut + Send + 'static,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    if !pgbouncer::selected(test) {
        return;
    }
    let Some(pooler_url) = pgbouncer::url() else { return };
    let Some((admin, _, schema)) = postgres_schema().await else {
        panic!("ORM_TEST_PGBOUNCER=1 needs ORM_TEST_POSTGRES_URL and its server");
    };
    let options = orm::postgres::ConnectOptions::new(&pooler_url).transaction_pooling();
    run_in_schema("pgbouncer", admin, options, schema, body).await;
}

/// Runs `body` on a pool of `options` in `schema`, then drops the schema through `admin`.
#[cfg(feature = "postgres")]
async fn run_in_schema<F, Fut>(
    backend: &str,
    admin: Db,
    options: orm::postgres::ConnectOptions,
    schema: String,
    body: F,
) where
    F: FnOnce(Db) -> Fut + Send + 'static,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    let db = options.search_path(&schema).max_connections(4).connect().await.expect("connects to the test schema");
    let outcome = tokio::spawn(body(db.clone())).await;
    if tokio::time::timeout(std::time::Duration::from_secs(30), db.close()).await.is_err() {
        panic!("the pool did not close within 30 s after the body ended with {outcome:?}");
    }
    orm::raw(format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(&admin).await.expect("drops the test schema");
    admin.close().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("test failed on {backend}: {error}\n{error:?}"),
        Err(join) => std::panic::resume_unwind(join.into_panic()),
    }
}

/// Connects to `ORM_TEST_POSTGRES_URL` and creates a schema no other test uses. Without the
/// variable, or when the server cannot be reached, the test is skipped with a notice, unless
/// `ORM_REQUIRE_POSTGRES=1` makes that a failure.
#[cfg(feature = "postgres")]
pub async fn postgres_schema() -> Option<(Db, String, String)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let Ok(url) = std::env::var("ORM_TEST_POSTGRES_URL") else {
        assert!(!require_postgres(), "ORM_REQUIRE_POSTGRES=1 but ORM_TEST_POSTGRES_URL is not set");
        eprintln!("notice: postgres test skipped: ORM_TEST_POSTGRES_URL is not set");
        return None;
    };
    let admin = match orm::postgres::ConnectOptions::new(&url).max_connections(1).connect().await {
        Ok(admin) => admin,
        Err(error) if !require_postgres() => {
            eprintln!("notice: postgres test skipped: cannot connect to {url}: {error}");
            return None;
        }
        Err(error) => panic!("ORM_REQUIRE_POSTGRES=1 but {url} is unreachable: {error}"),
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let schema = format!("orm_test_{}_{}_{}", std::process::id(), nanos, NEXT.fetch_add(1, Ordering::Relaxed));
    orm::raw(format!("CREATE SCHEMA \"{schema}\"")).execute(&admin).await.expect("creates a test schema");
    Some((admin, url, schema))
}

/// The SQL of each backend differs; tests that compare statement text ask which one runs.
pub fn is_postgres(db: &Db) -> bool {
    db.dialect().name() == "postgres"
}

/// Whether `db` is MariaDB.
pub fn is_mariadb(db: &Db) -> bool {
    db.dialect().name() == "mariadb"
}

fn require_mariadb() -> bool {
    std::env::var("ORM_REQUIRE_MARIADB").is_ok_and(|v| v == "1")
}

#[cfg(not(feature = "mariadb"))]
pub async fn run_mariadb<F, Fut>(_body: F)
where
    F: FnOnce(Db) -> Fut + Send + 'static,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    assert!(!require_mariadb(), "ORM_REQUIRE_MARIADB=1 but the `mariadb` feature is off");
    eprintln!("notice: mariadb test skipped: build with `--all-features` to run it");
}

#[cfg(feature = "mariadb")]
pub async fn run_mariadb<F, Fut>(body: F)
where
    F: FnOnce(Db) -> Fut + Send + 'static,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    let Some((admin, url, database)) = mariadb_database().await else { return };
    let db = orm::mariadb::ConnectOptions::new(&url)
        .max_connections(4)
        .connect()
        .await
        .expect("connects to the test database");
    let outcome = tokio::spawn(body(db.clone())).await;
    // A connection that never comes back to the pool must not hide the body's outcome.
    if tokio::time::timeout(std::time::Duration::from_secs(30), db.close()).await.is_err() {
        panic!("the pool did not close within 30 s after the body ended with {outcome:?}");
    }
    orm::raw(format!("DROP DATABASE \"{database}\"")).execute(&admin).await.expect("drops the test database");
    admin.close().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("test failed on mariadb: {error}\n{error:?}"),
        Err(join) => std::panic::resume_unwind(join.into_panic()),
    }
}

/// Connects to `ORM_TEST_MARIADB_URL` and creates a database no other test uses; returns the
/// admin connection, the URL of the new database and its name. Skipped (with a notice) as
/// [`postgres_schema`] is, unless `ORM_REQUIRE_MARIADB=1`.
#[cfg(feature = "mariadb")]
pub async fn mariadb_database() -> Option<(Db, String, String)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let Ok(url) = std::env::var("ORM_TEST_MARIADB_URL") else {
        assert!(!require_mariadb(), "ORM_REQUIRE_MARIADB=1 but ORM_TEST_MARIADB_URL is not set");
        eprintln!("notice: mariadb test skipped: ORM_TEST_MARIADB_URL is not set");
        return None;
    };
    let admin = match orm::mariadb::ConnectOptions::new(&url).max_connections(1).connect().await {
        Ok(admin) => admin,
        Err(error) if !require_mariadb() => {
            eprintln!("notice: mariadb test skipped: cannot connect to {url}: {error}");
            return None;
        }
        Err(error) => panic!("ORM_REQUIRE_MARIADB=1 but {url} is unreachable: {error}"),
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let database = format!("orm_test_{}_{}_{}", std::process::id(), nanos, NEXT.fetch_add(1, Ordering::Relaxed));
    orm::raw(format!("CREATE DATABASE \"{database}\"")).execute(&admin).await.expect("creates a test database");
    // `mysql://user@host:port/db?options`: the same URL with the new database.
    let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(base, query)| (base, Some(query)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = base[authority_end..].find('/').map_or(base, |i| &base[..authority_end + i]);
    let mut database_url = format!("{server}/{database}");
    if let Some(query) = query {
        database_url.push('?');
        database_url.push_str(query);
    }
    Some((admin, database_url, database))
}

/// Whether `db` is SQLite (the one backend whose pool, in memory, is a single connection).
pub fn is_sqlite(db: &Db) -> bool {
    db.dialect().name() == "sqlite"
}

/// Statement text written with double-quoted identifiers, as `db`'s dialect quotes them
/// (backticks on MariaDB).
pub fn quoted(db: &Db, sql: &str) -> String {
    if is_mariadb(db) { sql.replace('"', "`") } else { sql.to_owned() }
}
