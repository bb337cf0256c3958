//! The database handle, transactions, and the executor every operation takes first.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tracing::Instrument;

use crate::dialect::Dialect;
use crate::driver::{BoxFuture, Driver, RowSink, Statement, TransactionConnection};
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

    pub(crate) fn driver(&self) -> Arc<dyn Driver> {
        self.driver.clone()
    }

    /// Opens a transaction. Dropping it without [`Tx::commit`] rolls it back.
    pub async fn begin(&self) -> Result<Tx> {
        let connection = self.driver.begin().await?;
        Ok(Tx {
            connection: Some(connection),
            dialect: self.dialect(),
            log: self.log.clone(),
            savepoints: 0,
            abandoned: None,
            unreleased: None,
        })
    }

    /// Runs `work` in a transaction: commits when it returns `Ok`, rolls back when it returns
    /// an error (or is dropped).
    ///
    /// ```
    /// # async fn demo(db: orm_core::Db) -> orm_core::Result<()> {
    /// let answer = db.transaction(|tx| Box::pin(async move {
    ///     orm_core::raw("SELECT 1").execute(tx).await?;
    ///     Ok(42)
    /// })).await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction<T, F>(&self, work: F) -> Result<T>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T>>,
    {
        self.attempt(work).await.map_err(|(error, _)| error)
    }

    /// One attempt of [`Db::transaction`]; an error says whether the commit itself failed.
    async fn attempt<T, F>(&self, work: F) -> std::result::Result<T, (Error, bool)>
    where
        F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<T>>,
    {
        let mut tx = self.begin().await.map_err(|error| (error, false))?;
        match work(&mut tx).await {
            Ok(value) => tx.commit().await.map(|()| value).map_err(|error| (error, true)),
            Err(error) => {
                let _ = tx.rollback().await;
                Err((error, false))
            }
        }
    }

    /// Runs `work` in a transaction like [`Db::transaction`], and runs it again, in a new
    /// transaction, when it fails with a retryable error ([`Error::is_retryable`]: a deadlock,
    /// a serialization failure, a busy lock or a lost connection), up to `attempts` times in
    /// all, waiting a little longer (and a random part longer) before each new attempt. The
    /// last error is returned. A failure of the commit itself is never retried: whether it
    /// took effect is unknown.
    ///
    /// `work` may run more than once, so it must not have effects outside the transaction
    /// that it cannot repeat.
    ///
    /// ```
    /// # async fn demo(db: orm_core::Db) -> orm_core::Result<()> {
    /// db.transaction_with_retry(5, |tx| Box::pin(async move {
    ///     orm_core::raw("SELECT 1").execute(tx).await
    /// })).await?;
    /// # Ok(()) }
    /// ```
    pub async fn transaction_with_retry<T, F>(&self, attempts: u32, mut work: F) -> Result<T>
    where
        F: for<'t> FnMut(&'t mut Tx) -> BoxFuture<'t, Result<T>>,
    {
        let mut attempt = 1;
        loop {
            match self.attempt(&mut work).await {
                Err((error, false)) if error.is_retryable() && attempt < attempts => {
                    // 5, 10, 20 … ms (at most 320), half of it random, so that the callers
                    // that collided do not meet again.
                    let base = 5u64 << attempt.min(6);
                    let pause = base / 2 + jitter() % (base / 2 + 1);
                    tracing::debug!(attempt, %error, pause_ms = pause, "retrying a transaction");
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                    attempt += 1;
                }
                result => return result.map_err(|(error, _)| error),
            }
        }
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
    /// How many savepoints were opened, to number each one once.
    savepoints: usize,
    /// The outermost savepoint of a unit that failed or was dropped before it finished: rolled
    /// back to (and released) before the transaction runs anything else or commits.
    abandoned: Option<usize>,
    /// The oldest savepoint of a unit that succeeded and is not released yet. Releasing it
    /// (which releases every later one) waits for the next statement; a commit needs none.
    /// A unit's success is then final the moment it is seen, with no statement in between
    /// that a cancellation could cut.
    unreleased: Option<usize>,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").field("backend", &self.dialect.name()).finish()
    }
}

impl Tx {
    /// Commits the transaction. The work of an ORM operation that was cancelled inside it (its
    /// future dropped before it finished) is rolled back first, so it is never committed.
    pub async fn commit(mut self) -> Result<()> {
        self.settle(true).await?;
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

    /// Settles the savepoints of finished units before the next statement: rolls back to the
    /// savepoint of a unit that failed or was dropped part way, and releases it (which also
    /// discards every later savepoint); then releases the savepoints of units that succeeded.
    /// Each mark is cleared only once its statements ran, so a drop of this future part way
    /// leaves them to the next statement. If a statement fails the transaction cannot be
    /// trusted: its connection is dropped (which rolls everything back) and every later
    /// statement and the commit fail.
    async fn settle(&mut self, committing: bool) -> Result<()> {
        if self.abandoned.is_none() && (committing || self.unreleased.is_none()) {
            return Ok(());
        }
        // Boxed, so that every statement's future does not carry the rare path's state.
        self.settle_savepoints(committing).await
    }

    fn settle_savepoints(&mut self, committing: bool) -> BoxFuture<'_, Result<()>> {
        Box::pin(self.settle_now(committing))
    }

    async fn settle_now(&mut self, committing: bool) -> Result<()> {
        if let Some(abandoned) = self.abandoned {
            self.savepoint_statement("ROLLBACK TO SAVEPOINT ", abandoned).await?;
            self.savepoint_statement("RELEASE SAVEPOINT ", abandoned).await?;
            self.abandoned = None;
            if self.unreleased.is_some_and(|unreleased| unreleased >= abandoned) {
                self.unreleased = None;
            }
        }
        // A commit releases every savepoint itself.
        if let Some(unreleased) = self.unreleased.filter(|_| !committing) {
            self.savepoint_statement("RELEASE SAVEPOINT ", unreleased).await?;
            self.unreleased = None;
        }
        Ok(())
    }

    async fn savepoint_statement(&mut self, verb: &str, number: usize) -> Result<()> {
        let mut sql = String::from(verb);
        self.dialect.push_identifier(&mut sql, &savepoint_name(number));
        self.log.note(&sql);
        let statement = Statement { sql: sql.into(), args: Vec::new() };
        if let Err(error) = self.connection()?.execute(statement).await {
            self.connection = None;
            return Err(error);
        }
        Ok(())
    }

    /// Opens a savepoint with a number not used before in this transaction.
    async fn savepoint(&mut self) -> Result<usize> {
        self.savepoints += 1;
        let number = self.savepoints;
        let mut sql = String::from("SAVEPOINT ");
        self.dialect.push_identifier(&mut sql, &savepoint_name(number));
        Executor::Tx(self).execute_sql(&sql).await?;
        Ok(number)
    }
}

fn savepoint_name(number: usize) -> String {
    format!("orm_savepoint_{number}")
}

fn closed() -> Error {
    Error::Invalid(
        "the transaction was already committed or rolled back, or was lost: its connection failed, or an operation cancelled inside it could not be rolled back, so nothing of it is kept"
            .into(),
    )
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
            Executor::Tx(tx) => {
                tx.settle(false).await?;
                tx.connection()?.execute(statement).instrument(span.clone()).await
            }
        };
        span.in_scope(|| tracing::debug!(elapsed_us = started.elapsed().as_micros() as u64, "statement done"));
        result
    }

    /// Runs a `SELECT COUNT(*) …` and returns the count (0 when it returns no row).
    pub async fn fetch_count(&mut self, statement: Statement) -> Result<i64> {
        let mut count = 0;
        self.fetch(statement, &mut |row| {
            count = row.get_i64(0)?.unwrap_or(0);
            Ok(())
        })
        .await?;
        Ok(count)
    }

    /// Runs a query and hands every row to `sink`.
    pub async fn fetch(&mut self, statement: Statement, sink: &mut RowSink<'_>) -> Result<()> {
        self.log().note(&statement.sql);
        let span = tracing::debug_span!("orm.statement", sql = %statement.sql, binds = statement.args.len());
        let started = Instant::now();
        let result = match self {
            Executor::Db(db) => db.driver.fetch(statement, sink).instrument(span.clone()).await,
            Executor::Tx(tx) => {
                tx.settle(false).await?;
                tx.connection()?.fetch(statement, sink).instrument(span.clone()).await
            }
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
///
/// A unit dropped before it finishes (its future cancelled, by a timeout say) leaves nothing
/// behind either: its own transaction rolls back as the connection goes back to the pool, and
/// a savepoint is rolled back to and released before the caller's transaction runs anything
/// else or commits.
#[derive(Debug)]
pub struct Atomic<'a> {
    scope: Scope<'a>,
}

#[derive(Debug)]
enum Scope<'a> {
    /// A transaction opened for this unit (`None` once finished).
    Own(Option<Tx>),
    /// A savepoint in the caller's transaction (by number), open until finished.
    Nested { tx: &'a mut Tx, savepoint: usize, open: bool },
}

impl<'a> Atomic<'a> {
    /// Starts the unit on `executor`.
    pub async fn begin(executor: Executor<'a>) -> Result<Atomic<'a>> {
        let scope = match executor {
            Executor::Db(db) => Scope::Own(Some(db.begin().await?)),
            Executor::Tx(tx) => {
                let savepoint = tx.savepoint().await?;
                Scope::Nested { tx, savepoint, open: true }
            }
        };
        Ok(Atomic { scope })
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
    ///
    /// # Panics
    /// Never: a unit is only reachable until [`Atomic::finish`] consumes it.
    #[allow(clippy::expect_used)]
    pub fn tx(&mut self) -> &mut Tx {
        match &mut self.scope {
            Scope::Own(tx) => tx.as_mut().expect("an unfinished unit holds its transaction"),
            Scope::Nested { tx, .. } => tx,
        }
    }

    /// The executor the unit's statements run on.
    pub fn executor(&mut self) -> Executor<'_> {
        Executor::Tx(self.tx())
    }

    /// Ends the unit: commits (or releases the savepoint) when `result` is `Ok`, rolls back
    /// otherwise, and returns `result`.
    pub async fn finish<T>(mut self, result: Result<T>) -> Result<T> {
        match &mut self.scope {
            Scope::Own(tx) => match (tx.take(), result) {
                (Some(tx), Ok(value)) => tx.commit().await.map(|()| value),
                (Some(tx), Err(error)) => {
                    // The original error matters more than a failed rollback; dropping the
                    // connection rolls back anyway.
                    let _ = tx.rollback().await;
                    Err(error)
                }
                (None, result) => result.and(Err(closed())),
            },
            Scope::Nested { tx, savepoint, open } => {
                *open = false;
                match result {
                    // Final at once: the release waits for the transaction's next statement
                    // (see `Tx::settle`), so no cancellation can fall between success and
                    // its record.
                    Ok(value) => {
                        tx.unreleased = Some(tx.unreleased.map_or(*savepoint, |u| u.min(*savepoint)));
                        Ok(value)
                    }
                    // Rolled back now; should that be cut short, `abandoned` keeps it due.
                    // Should the rollback itself fail, the caller's transaction is lost (its
                    // connection dropped): unless the unit's error already says so, that is
                    // the error to report, not one that invites a retry inside it (a stale
                    // row, a unique violation that `find_or_create` would look past).
                    Err(error) => {
                        tx.abandoned = Some(tx.abandoned.map_or(*savepoint, |a| a.min(*savepoint)));
                        match tx.settle(false).await {
                            Err(lost) if !matches!(error, Error::ConnectionLost { .. }) => Err(lost),
                            _ => Err(error),
                        }
                    }
                }
            }
        }
    }
}

impl Drop for Atomic<'_> {
    fn drop(&mut self) {
        // Dropped before `finish` ended it: its work must not reach the caller's commit. The
        // outermost unfinished unit has the lowest number, and rolling back to it discards the
        // inner ones.
        if let Scope::Nested { tx, savepoint, open: true } = &mut self.scope {
            tx.abandoned = Some(tx.abandoned.map_or(*savepoint, |a| a.min(*savepoint)));
        }
    }
}

/// A number that differs between calls, threads and processes: std's randomly seeded hasher.
fn jitter() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    hasher.finish()
}
