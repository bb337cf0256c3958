//! The backends a differential test runs on: a fresh in-memory SQLite database, a fresh
//! PostgreSQL schema when `ORM_TEST_POSTGRES_URL` is set and a fresh MariaDB database when
//! `ORM_TEST_MARIADB_URL` is set (both dropped afterwards). proptest runs its cases
//! synchronously, so the databases live on a runtime of their own.

use orm::Db;

/// How many cases a property runs: `PROPTEST_CASES` when set, `default` otherwise.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One database under test.
pub struct Backend {
    /// `"sqlite"`, `"postgres"` or `"mariadb"` (the dialect's name).
    pub name: &'static str,
    /// The handle.
    pub db: Db,
}

/// Every backend of one test, with the runtime their futures run on.
pub struct Backends {
    pub runtime: tokio::runtime::Runtime,
    pub all: Vec<Backend>,
    /// What to drop afterwards: the admin connection and the statement dropping the schema or
    /// database made for this test.
    #[cfg_attr(not(any(feature = "postgres", feature = "mariadb")), allow(dead_code))]
    cleanup: Vec<(Db, String)>,
}

impl Backends {
    /// Opens SQLite, and PostgreSQL and MariaDB when configured (see `tests/it/support.rs` for
    /// the rules).
    pub fn open() -> Backends {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let sqlite = runtime.block_on(orm::sqlite::connect("sqlite::memory:")).expect("in-memory SQLite opens");
        let all = vec![Backend { name: "sqlite", db: sqlite }];
        // Built first, so that a panic opening MariaDB still drops the PostgreSQL schema.
        let mut backends = Backends { runtime, all, cleanup: Vec::new() };
        let postgres = backends.runtime.block_on(open_postgres(&mut backends.all));
        backends.cleanup.extend(postgres);
        let mariadb = backends.runtime.block_on(open_mariadb(&mut backends.all));
        backends.cleanup.extend(mariadb);
        backends
    }

    /// Runs a future on the test's runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl Drop for Backends {
    fn drop(&mut self) {
        let all = std::mem::take(&mut self.all);
        let cleanup = std::mem::take(&mut self.cleanup);
        self.runtime.block_on(async move {
            for backend in all {
                backend.db.close().await;
            }
            for (admin, drop) in cleanup {
                let _ = orm::raw(drop).execute(&admin).await;
                admin.close().await;
            }
        });
    }
}

/// The PostgreSQL and MariaDB rules of the integration tests (`tests/it/support.rs`): a fresh
/// schema or database per test, skipped with a notice unless `ORM_REQUIRE_POSTGRES=1` or
/// `ORM_REQUIRE_MARIADB=1`.
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "../it/support.rs"]
mod shared;

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_all: &mut Vec<Backend>) -> Option<(Db, String)> {
    assert!(
        !std::env::var("ORM_REQUIRE_POSTGRES").is_ok_and(|v| v == "1"),
        "ORM_REQUIRE_POSTGRES=1 but the `postgres` feature is off"
    );
    eprintln!("notice: postgres differential run skipped: build with `--all-features` to run it");
    None
}

#[cfg(feature = "postgres")]
async fn open_postgres(all: &mut Vec<Backend>) -> Option<(Db, String)> {
    let (admin, url, schema) = shared::postgres_schema().await?;
    let db = orm::postgres::ConnectOptions::new(&url)
        .search_path(&schema)
        .max_connections(4)
        .connect()
        .await
        .expect("connects to the test schema");
    all.push(Backend { name: "postgres", db });
    Some((admin, format!("DROP SCHEMA \"{schema}\" CASCADE")))
}

#[cfg(not(feature = "mariadb"))]
async fn open_mariadb(_all: &mut Vec<Backend>) -> Option<(Db, String)> {
    assert!(
        !std::env::var("ORM_REQUIRE_MARIADB").is_ok_and(|v| v == "1"),
        "ORM_REQUIRE_MARIADB=1 but the `mariadb` feature is off"
    );
    eprintln!("notice: mariadb differential run skipped: build with `--all-features` to run it");
    None
}

#[cfg(feature = "mariadb")]
async fn open_mariadb(all: &mut Vec<Backend>) -> Option<(Db, String)> {
    let (admin, url, database) = shared::mariadb_database().await?;
    let db = orm::mariadb::ConnectOptions::new(&url)
        .max_connections(4)
        .connect()
        .await
        .expect("connects to the test database");
    all.push(Backend { name: "mariadb", db });
    Some((admin, format!("DROP DATABASE \"{database}\"")))
}

/// A write's error, as the differential tests compare it across backends and with the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    MissingKeys { association: String, model: String, keys: Vec<String> },
    ForeignKey,
    Unique,
    NotNull,
    NotFound(String),
    Other(String),
}

/// Classifies an error for comparison (missing keys sorted).
pub fn failure(error: orm::Error) -> Failure {
    use orm::Error;
    match error {
        Error::MissingKeys { association, model, mut keys } => {
            keys.sort();
            Failure::MissingKeys { association, model: model.to_owned(), keys }
        }
        Error::ForeignKeyViolation { .. } => Failure::ForeignKey,
        Error::UniqueViolation { .. } => Failure::Unique,
        Error::NotNullViolation { .. } => Failure::NotNull,
        Error::NotFound { model } => Failure::NotFound(model.to_owned()),
        other => Failure::Other(format!("{other} ({other:?})")),
    }
}

/// What a model predicts for one write: this outcome, or one of these errors and no change.
#[derive(Clone, Debug)]
pub enum Expect<O> {
    Ok(O),
    Fail(Vec<Failure>),
}

impl<O: PartialEq> Expect<O> {
    /// Whether the backend's result is what the model predicts.
    pub fn accepts(&self, got: &Result<O, Failure>) -> bool {
        match (self, got) {
            (Expect::Ok(want), Ok(got)) => want == got,
            (Expect::Fail(kinds), Err(got)) => kinds.contains(got),
            _ => false,
        }
    }
}

/// The first backend whose result differs from the first backend's, described as
/// `a returned … but b returned …`; `None` when every backend agrees.
pub fn disagreement<T: std::fmt::Debug + PartialEq>(results: &[(&str, T)]) -> Option<String> {
    let (first, rest) = results.split_first()?;
    let other = rest.iter().find(|r| r.1 != first.1)?;
    Some(format!("{} returned {:?} but {} returned {:?}", first.0, first.1, other.0, other.1))
}
