//! Runs one test body on every backend: a fresh in-memory SQLite database, and a fresh
//! PostgreSQL schema (dropped afterwards) when `ORM_TEST_POSTGRES_URL` is set.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use orm::Db;

/// What a test body returns: any error fails the test with its message.
pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Instantiates `async fn name(db: Db) -> TestResult { … }` once per backend, as
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both {
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
    let db = orm::postgres::ConnectOptions::new(&url)
        .search_path(&schema)
        .max_connections(4)
        .connect()
        .await
        .expect("connects to the test schema");
    let outcome = tokio::spawn(body(db.clone())).await;
    db.close().await;
    orm::raw(format!("DROP SCHEMA \"{schema}\" CASCADE")).execute(&admin).await.expect("drops the test schema");
    admin.close().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(error)) => panic!("test failed on postgres: {error}\n{error:?}"),
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
