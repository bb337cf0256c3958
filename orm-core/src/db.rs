//! The database handle, transactions, and the executor every operation takes first.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tracing::Instrument;

use crate::dialect::Dialect;
use crate::driver::{Driver, RowSink, Statement, TransactionConnection};
use crate::error::{Error, Result};

/// Counts and, on request, records every statement run through a [`Db`] and its transactions.
#[derive(Debug, Default)]
struct StatementLog {
    count: AtomicU64,
    recording: AtomicBool,
    recorded: Mutex<Vec<String>>,
}

impl StatementLog {
    fn note(&self, sql: &str) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if self.recording.load(Ordering::Relaxed)
            && let Ok(mut recorded) = self.recorded.lock()
        {
            recorded.push(sql.to_owned());
        }
    }
}

/// A handle to a database: a connection pool of one backend. Cheap to clone.
///
/// Open one with `orm::sqlite::connect` or `orm::postgres::connect`. Every operation takes
/// `&db` (or `&mut tx`, see [`Tx`]) as its first argument.
#[derive(Clone)]
pub struct Db {
    driver: Arc<dyn Driver>,
    log: Arc<StatementLog>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.driver.dialect().name()).finish()
    }
}

impl Db {
    /// Wraps a backend's pool. Backend crates call this; users call their `connect`.
    pub fn from_driver(driver: impl Driver) -> Self {
        Db { driver: Arc::new(driver), log: Arc::default() }
    }

    /// How this database spells SQL.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.driver.dialect()
    }

    /// Opens a transaction. Dropping it without [`Tx::commit`] rolls it back.
    pub async fn begin(&self) -> Result<Tx> {
        let connection = self.driver.begin().await?;
        Ok(Tx { connection: Some(connection), dialect: self.dialect(), log: self.log.clone(), savepoints: 0 })
    }

    /// Closes every pooled connection.
    pub async fn close(&self) {
        self.driver.close().await;
    }

    /// How many statements have run through this handle and its transactions so far.
    pub fn statement_count(&self) -> u64 {
        self.log.count.load(Ordering::Relaxed)
    }

    /// Starts (or stops) keeping the SQL text of every statement, for tests and debugging.
    pub fn record_statements(&self, on: bool) {
        self.log.recording.store(on, Ordering::Relaxed);
    }

    /// Returns and clears the statements kept since [`Db::record_statements`] was turned on.
    pub fn take_statements(&self) -> Vec<String> {
        self.log.recorded.lock().map(|mut recorded| std::mem::take(&mut *recorded)).unwrap_or_default()
    }
}

/// An open transaction. Pass `&mut tx` wherever an operation takes an executor.
///
/// Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    connection: Option<Box<dyn TransactionConnection>>,
    dialect: &'static dyn Dialect,
    log: Arc<StatementLog>,
    savepoints: usize,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").field("backend", &self.dialect.name()).finish()
    }
}

impl Tx {
    /// Commits the transaction.
    pub async fn commit(mut self) -> Result<()> {
        match self.connection.take() {
            Some(connection) => connection.commit().await,
            None => Err(closed()),
        }
    }

    /// Rolls the transaction back.
    pub async fn rollback(mut self) -> Result<()> {
        match self.connection.take() {
            Some(connection) => connection.rollback().await,
            None => Err(closed()),
        }
    }

    /// How this database spells SQL.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    fn connection(&mut self) -> Result<&mut Box<dyn TransactionConnection>> {
        self.connection.as_mut().ok_or_else(closed)
    }
}

fn closed() -> Error {
    Error::Invalid("the transaction was already committed or rolled back".into())
}

/// Where a statement runs: on the pool or inside a transaction.
///
/// Operations take `impl IntoExecutor`, so callers pass `&db` or `&mut tx`.
#[derive(Debug)]
pub enum Executor<'a> {
    /// On a pooled connection.
    Db(&'a Db),
    /// Inside a transaction.
    Tx(&'a mut Tx),
}

/// Converts `&Db` and `&mut Tx` into an [`Executor`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a database handle or a transaction",
    label = "expected `&Db` or `&mut Tx`",
    note = "pass `&db` (an `orm::Db`) or `&mut tx` (an `orm::Tx` from `db.begin().await?`)"
)]
pub trait IntoExecutor<'a>: Send {
    /// Performs the conversion.
    fn into_executor(self) -> Executor<'a>;
}

impl<'a> IntoExecutor<'a> for &'a Db {
    fn into_executor(self) -> Executor<'a> {
        Executor::Db(self)
    }
}

impl<'a> IntoExecutor<'a> for &'a mut Tx {
    fn into_executor(self) -> Executor<'a> {
        Executor::Tx(self)
    }
}

impl<'a> IntoExecutor<'a> for Executor<'a> {
    fn into_executor(self) -> Executor<'a> {
        self
    }
}

impl<'a> Executor<'a> {
    /// How this database spells SQL.
    pub fn dialect(&self) -> &'static dyn Dialect {
        match self {
            Executor::Db(db) => db.dialect(),
            Executor::Tx(tx) => tx.dialect,
        }
    }

    /// Reborrows the executor for one more statement.
    pub fn reborrow(&mut self) -> Executor<'_> {
        match self {
            Executor::Db(db) => Executor::Db(db),
            Executor::Tx(tx) => Executor::Tx(tx),
        }
    }

    fn log(&self) -> &StatementLog {
        match self {
            Executor::Db(db) => &db.log,
            Executor::Tx(tx) => &tx.log,
        }
    }

    /// Runs a statement and returns the number of rows it affected.
    pub async fn execute(&mut self, statement: Statement) -> Result<u64> {
        self.log().note(&statement.sql);
        let span = tracing::debug_span!("orm.statement", sql = %statement.sql, binds = statement.args.len());
        let started = Instant::now();
        let result = match self {
            Executor::Db(db) => db.driver.execute(statement).instrument(span.clone()).await,
            Executor::Tx(tx) => tx.connection()?.execute(statement).instrument(span.clone()).await,
        };
        span.in_scope(|| tracing::debug!(elapsed_us = started.elapsed().as_micros() as u64, "statement done"));
        result
    }

    /// Runs a query and hands every row to `sink`.
    pub async fn fetch(&mut self, statement: Statement, sink: &mut RowSink<'_>) -> Result<()> {
        self.log().note(&statement.sql);
        let span = tracing::debug_span!("orm.statement", sql = %statement.sql, binds = statement.args.len());
        let started = Instant::now();
        let result = match self {
            Executor::Db(db) => db.driver.fetch(statement, sink).instrument(span.clone()).await,
            Executor::Tx(tx) => tx.connection()?.fetch(statement, sink).instrument(span.clone()).await,
        };
        span.in_scope(|| tracing::debug!(elapsed_us = started.elapsed().as_micros() as u64, "statement done"));
        result
    }

    /// Runs a statement with no bound values.
    pub async fn execute_sql(&mut self, sql: &str) -> Result<u64> {
        self.execute(Statement { sql: sql.into(), args: Vec::new() }).await
    }
}

/// An all-or-nothing unit of work: its own transaction when started on the pool, a savepoint
/// inside the caller's transaction otherwise. Multi-statement operations run in one, so that a
/// failure part way leaves nothing behind.
#[derive(Debug)]
pub enum Atomic<'a> {
    /// A transaction opened for this unit.
    Own(Tx),
    /// A savepoint in the caller's transaction.
    Nested(&'a mut Tx, String),
}

impl<'a> Atomic<'a> {
    /// Starts the unit on `executor`.
    pub async fn begin(executor: Executor<'a>) -> Result<Atomic<'a>> {
        match executor {
            Executor::Db(db) => Ok(Atomic::Own(db.begin().await?)),
            Executor::Tx(tx) => {
                tx.savepoints += 1;
                let name = format!("orm_savepoint_{}", tx.savepoints);
                let mut sql = String::from("SAVEPOINT ");
                tx.dialect.push_identifier(&mut sql, &name);
                Executor::Tx(tx).execute_sql(&sql).await?;
                Ok(Atomic::Nested(tx, name))
            }
        }
    }

    /// Runs `work` as one unit: begins it, runs it, and commits (or releases the savepoint)
    /// when it succeeds, rolls back otherwise. `work` owns what it captures.
    pub async fn run<T: Send>(
        executor: Executor<'a>,
        work: impl for<'t> FnOnce(&'t mut Atomic<'a>) -> crate::driver::BoxFuture<'t, Result<T>> + Send,
    ) -> Result<T> {
        let mut atomic = Atomic::begin(executor).await?;
        let result = work(&mut atomic).await;
        atomic.finish(result).await
    }

    /// The transaction the unit runs in.
    pub fn tx(&mut self) -> &mut Tx {
        match self {
            Atomic::Own(tx) => tx,
            Atomic::Nested(tx, _) => tx,
        }
    }

    /// The executor the unit's statements run on.
    pub fn executor(&mut self) -> Executor<'_> {
        match self {
            Atomic::Own(tx) => Executor::Tx(tx),
            Atomic::Nested(tx, _) => Executor::Tx(tx),
        }
    }

    /// Ends the unit: commits (or releases the savepoint) when `result` is `Ok`, rolls back
    /// otherwise, and returns `result`.
    pub async fn finish<T>(self, result: Result<T>) -> Result<T> {
        match (self, result) {
            (Atomic::Own(tx), Ok(value)) => tx.commit().await.map(|()| value),
            (Atomic::Own(tx), Err(error)) => {
                // The original error matters more than a failed rollback; dropping the
                // connection rolls back anyway.
                let _ = tx.rollback().await;
                Err(error)
            }
            (Atomic::Nested(tx, name), result) => {
                let mut sql =
                    String::from(if result.is_ok() { "RELEASE SAVEPOINT " } else { "ROLLBACK TO SAVEPOINT " });
                tx.dialect.push_identifier(&mut sql, &name);
                let ended = Executor::Tx(&mut *tx).execute_sql(&sql).await;
                tx.savepoints -= 1;
                match result {
                    Ok(value) => ended.map(|_| value),
                    Err(error) => Err(error),
                }
            }
        }
    }
}
