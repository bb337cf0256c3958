//! The database handle, transactions, and the executor every operation takes first.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::Instrument;

use crate::dialect::Dialect;
use crate::driver::{Access, BoxFuture, Driver, RowSink, Statement, TransactionConnection};
use crate::error::{Error, Result};

/// Counts and, on request, records every statement run through a [`Db`] and its transactions,
/// with the server that ran it.
#[derive(Debug, Default)]
struct StatementLog {
    count: AtomicU64,
    recording: AtomicBool,
    recorded: Mutex<Vec<(String, Server)>>,
}

impl StatementLog {
    /// Counts a statement about to run.
    fn count(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Records an attempt to run `sql` on `server`, when recording.
    fn record(&self, sql: &str, server: Server) {
        if self.recording.load(Ordering::Relaxed)
            && let Ok(mut recorded) = self.recorded.lock()
        {
            recorded.push((sql.to_owned(), server));
        }
    }

    /// Counts and records a statement that runs on the primary.
    fn note(&self, sql: &str) {
        self.count();
        self.record(sql, Server::Primary);
    }
}

/// A server a statement ran on: the primary, or a read replica, numbered from 1 in the order
/// the replicas were given (`ConnectOptions::replicas` of `orm::postgres` or `orm::mariadb`).
///
/// [`Db::take_statements_with_server`] and the `server` field of each statement's tracing span
/// say which one ran each statement.
///
/// ```
/// use orm_core::db::Server;
/// assert_eq!(Server::Primary.to_string(), "primary");
/// assert_eq!(Server::Replica(2).to_string(), "replica 2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Server {
    /// The primary: every write, every transaction, and reads with nowhere else to go.
    Primary,
    /// The `n`th read replica, from 1.
    Replica(usize),
}

impl std::fmt::Display for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Server::Primary => f.write_str("primary"),
            Server::Replica(n) => write!(f, "replica {n}"),
        }
    }
}

/// How long a replica that failed to connect is skipped before a read tries it again.
pub const REPLICA_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The read replicas of a [`Db`], and where the next read starts.
struct Replicas {
    servers: Vec<Replica>,
    /// Round-robin: the replica the next read tries first (modulo their number).
    next: AtomicUsize,
    /// What `down_until` counts from.
    epoch: Instant,
}

struct Replica {
    driver: Arc<dyn Driver>,
    /// Milliseconds after `epoch` until which the replica is skipped; 0 while it is up.
    down_until: AtomicU64,
}

impl Replicas {
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX).max(1)
    }

    /// Whether a read may try replica `index`: it is up, or its pause is over. Of the reads
    /// that find the pause over, one probes it and the others keep skipping it.
    fn available(&self, index: usize) -> bool {
        let Some(replica) = self.servers.get(index) else { return false };
        let until = replica.down_until.load(Ordering::Relaxed);
        if until == 0 {
            return true;
        }
        let now = self.now();
        if now < until {
            return false;
        }
        let again = now.saturating_add(REPLICA_RETRY_AFTER.as_millis() as u64);
        replica.down_until.compare_exchange(until, again, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }

    fn mark_down(&self, index: usize) {
        if let Some(replica) = self.servers.get(index) {
            let until = self.now().saturating_add(REPLICA_RETRY_AFTER.as_millis() as u64);
            replica.down_until.store(until, Ordering::Relaxed);
        }
    }

    fn mark_up(&self, index: usize) {
        if let Some(replica) = self.servers.get(index)
            && replica.down_until.load(Ordering::Relaxed) != 0
        {
            replica.down_until.store(0, Ordering::Relaxed);
        }
    }
}

/// Where a handle sends the reads it may send to a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// To the replicas in turn ([`Db`]'s default).
    Balanced,
    /// To the primary ([`Db::primary`]).
    Primary,
    /// To replica `index` (from 0) first: the follow-up reads of a query that ran there.
    Replica(usize),
}

/// What a statement does with its rows.
enum Run<'s, 'r> {
    Execute,
    Fetch(&'s mut RowSink<'r>),
}

/// A handle to a database: a connection pool of one backend, and optionally pools on read
/// replicas of it. Cheap to clone.
///
/// Open one with `orm::sqlite::connect` or `orm::postgres::connect`. Every operation takes
/// `&db` (or `&mut tx`, see [`Tx`]) as its first argument.
///
/// # Read replicas
///
/// A handle opened with replicas (`orm::postgres::ConnectOptions::new(primary).replicas([…])`,
/// or [`Db::with_replicas`]) routes each statement:
/// - a statement that only reads ([`Access::Read`]: the `SELECT`s of queries, getters,
///   counts, aggregates and includes, and [`Raw::read_only`](crate::Raw::read_only)), run
///   outside a transaction, goes to a replica, in turn (round-robin). A replica that fails to
///   connect is skipped for [`REPLICA_RETRY_AFTER`] and the read tries the next one; when no
///   replica is up, the read goes to the primary;
/// - the follow-up queries of a query (its includes) go where the query went;
/// - everything else goes to the primary: writes (an `INSERT … RETURNING` too), every
///   multi-statement operation (it runs in a transaction), everything inside a transaction,
///   and every read through [`Db::primary`], the handle for reading your own writes.
#[derive(Clone)]
pub struct Db {
    driver: Arc<dyn Driver>,
    replicas: Option<Arc<Replicas>>,
    route: Route,
    log: Arc<StatementLog>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.driver.dialect().name())
            .field("replicas", &self.replica_count())
            .field("route", &self.route)
            .finish()
    }
}

impl Db {
    /// Wraps a backend's pool. Backend crates call this; users call their `connect`.
    pub fn from_driver(driver: impl Driver) -> Self {
        Db { driver: Arc::new(driver), replicas: None, route: Route::Balanced, log: Arc::default() }
    }

    /// This handle, with the pools of `replicas` as its read replicas (see [Read
    /// replicas](Db#read-replicas)), numbered from 1 in this order. Each replica handle gives
    /// its primary pool; its own replicas and statement log are not used. Backend crates call
    /// this from their connect options (`orm::postgres::ConnectOptions::replicas`); it is
    /// public so that any pools of one backend can be combined.
    ///
    /// The ORM does not replicate anything: the replicas must be copies of the primary kept
    /// up to date by the database (streaming replication on PostgreSQL).
    ///
    /// # Errors
    /// [`Error::Invalid`] when a replica's backend is not the primary's.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// use orm_core::{db::Server, raw};
    /// // Two unrelated in-memory databases, to show where each statement goes.
    /// let primary = orm::sqlite::connect("sqlite::memory:").await?;
    /// let replica = orm::sqlite::connect("sqlite::memory:").await?;
    /// raw("CREATE TABLE t (name TEXT)").execute(&primary).await?;
    /// raw("CREATE TABLE t (name TEXT)").execute(&replica).await?;
    /// raw("INSERT INTO t VALUES ('on the replica')").execute(&replica).await?;
    ///
    /// let db = primary.with_replicas([replica])?;
    /// db.record_statements(true);
    /// raw("INSERT INTO t VALUES ('on the primary')").execute(&db).await?;
    /// let read = raw("SELECT name FROM t").read_only().fetch::<(String,)>(&db).await?;
    /// assert_eq!(read, [("on the replica".to_owned(),)]);
    /// let mine = raw("SELECT name FROM t").read_only().fetch::<(String,)>(&db.primary()).await?;
    /// assert_eq!(mine, [("on the primary".to_owned(),)]);
    /// let servers: Vec<Server> = db.take_statements_with_server().into_iter().map(|(_, s)| s).collect();
    /// assert_eq!(servers, [Server::Primary, Server::Replica(1), Server::Primary]);
    /// # Ok(()) }
    /// ```
    pub fn with_replicas(mut self, replicas: impl IntoIterator<Item = Db>) -> Result<Self> {
        let servers: Vec<Replica> = replicas
            .into_iter()
            .map(|replica| Replica { driver: replica.driver, down_until: AtomicU64::new(0) })
            .collect();
        if let Some(other) = servers.iter().find(|r| r.driver.dialect().id() != self.driver.dialect().id()) {
            return Err(Error::Invalid(format!(
                "a read replica must use the primary's backend ({}), not {}",
                self.driver.dialect().name(),
                other.driver.dialect().name()
            )));
        }
        self.replicas = (!servers.is_empty())
            .then(|| Arc::new(Replicas { servers, next: AtomicUsize::new(0), epoch: Instant::now() }));
        Ok(self)
    }

    /// How many read replicas this handle has.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// let db = orm::sqlite::connect("sqlite::memory:").await?;
    /// assert_eq!(db.replica_count(), 0);
    /// # Ok(()) }
    /// ```
    pub fn replica_count(&self) -> usize {
        self.replicas.as_ref().map_or(0, |r| r.servers.len())
    }

    /// A handle on the same pools (and statement log) whose reads all go to the primary: pass
    /// `&db.primary()` to any operation, query, getter or include to read your own writes at
    /// once, without a replica's lag. Without replicas it is the same as `db`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let task = Task::build().title("fresh").hours(1).done(false).create(&db).await?;
    /// // A replica may not have the row yet; the primary has.
    /// let again = Task::find_by_pk(&db.primary(), task.id).await?;
    /// assert_eq!(again.map(|t| t.title), Some("fresh".to_owned()));
    /// # Ok(()) }
    /// ```
    pub fn primary(&self) -> Db {
        Db { route: Route::Primary, ..self.clone() }
    }

    /// A handle whose reads go where a read that ran on `server` went, for the follow-up
    /// reads of one query; `None` when this handle routes no read elsewhere anyway.
    fn following(&self, server: Server) -> Option<Db> {
        self.replicas.as_ref()?;
        let route = match server {
            Server::Primary => Route::Primary,
            Server::Replica(n) => Route::Replica(n.checked_sub(1)?),
        };
        (route != self.route).then(|| Db { route, ..self.clone() })
    }

    /// The replicas a statement may try, in order: from the round-robin's next one (or the
    /// one it follows) around to the one before it. None when it must go to the primary: it
    /// may write, or this handle reads the primary. Whether each is up is asked only when
    /// its turn comes, so that a replica's probe is claimed only by a read that makes it.
    fn read_order(&self, access: Access) -> impl Iterator<Item = usize> + use<> {
        let n = self.replicas.as_ref().filter(|_| access == Access::Read).map_or(0, |r| r.servers.len());
        let start = match (self.route, &self.replicas) {
            (Route::Balanced, Some(replicas)) if n > 0 => replicas.next.fetch_add(1, Ordering::Relaxed),
            (Route::Replica(index), _) => index,
            _ => 0,
        };
        let n = if self.route == Route::Primary { 0 } else { n };
        (0..n).map(move |i| (start + i) % n)
    }

    /// Runs a statement outside a transaction, on the server its access and this handle's
    /// route choose (see [Read replicas](Db#read-replicas)); returns the rows affected and the
    /// server that ran it, which is also recorded in `span`.
    async fn run(&self, statement: Statement, run: &mut Run<'_, '_>, span: &tracing::Span) -> (Result<u64>, Server) {
        if let Some(replicas) = &self.replicas {
            for index in self.read_order(statement.access) {
                let Some(replica) = replicas.servers.get(index).filter(|_| replicas.available(index)) else { continue };
                let server = Server::Replica(index + 1);
                self.log.record(&statement.sql, server);
                span.record("server", tracing::field::display(server));
                let mut delivered = false;
                let result = match run {
                    Run::Execute => replica.driver.execute(statement.clone()).await,
                    Run::Fetch(sink) => {
                        let mut counted = |row: &dyn crate::row::Row| {
                            delivered = true;
                            sink(row)
                        };
                        replica.driver.fetch(statement.clone(), &mut counted).await.map(|()| 0)
                    }
                };
                match result {
                    // Unreachable before any row came: nothing was read, so the next server
                    // can answer instead.
                    Err(error @ (Error::Connection { .. } | Error::ConnectionLost { .. })) if !delivered => {
                        replicas.mark_down(index);
                        tracing::warn!(%server, %error, "read replica unreachable; trying the next server");
                    }
                    result => {
                        if result.is_ok() {
                            replicas.mark_up(index);
                        }
                        return (result, server);
                    }
                }
            }
        }
        self.log.record(&statement.sql, Server::Primary);
        span.record("server", tracing::field::display(Server::Primary));
        let result = match run {
            Run::Execute => self.driver.execute(statement).await,
            Run::Fetch(sink) => self.driver.fetch(statement, sink).await.map(|()| 0),
        };
        (result, Server::Primary)
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

    /// Closes every pooled connection, on the primary and on every replica.
    pub async fn close(&self) {
        self.driver.close().await;
        for replica in self.replicas.iter().flat_map(|r| &r.servers) {
            replica.driver.close().await;
        }
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
        self.take_statements_with_server().into_iter().map(|(sql, _)| sql).collect()
    }

    /// Returns and clears the statements kept since [`Db::record_statements`] was turned on,
    /// each with the [`Server`] it was sent to. A read that failed over (its replica could not
    /// be reached) appears once for each server it tried, in order.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm_core::Result<()> {
    /// use orm_core::db::Server;
    /// let db = orm::sqlite::connect("sqlite::memory:").await?;
    /// db.record_statements(true);
    /// orm_core::raw("SELECT 1").read_only().fetch::<(i64,)>(&db).await?;
    /// // No replicas: the primary runs everything.
    /// assert_eq!(db.take_statements_with_server(), [("SELECT 1".to_owned(), Server::Primary)]);
    /// # Ok(()) }
    /// ```
    pub fn take_statements_with_server(&self) -> Vec<(String, Server)> {
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
        let statement = Statement::new(sql, Vec::new());
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

    /// Runs a statement and returns the number of rows it affected. On a [`Db`] with read
    /// replicas, a statement of [`Access::Read`] may run on a replica (see [Read
    /// replicas](Db#read-replicas)); inside a transaction, everything runs on its connection.
    pub async fn execute(&mut self, statement: Statement) -> Result<u64> {
        self.run(statement, &mut Run::Execute).await.map(|(affected, _)| affected)
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

    /// Runs a query and hands every row to `sink`. On a [`Db`] with read replicas, a
    /// statement of [`Access::Read`] may run on a replica (see [Read
    /// replicas](Db#read-replicas)); inside a transaction, everything runs on its connection.
    pub async fn fetch(&mut self, statement: Statement, sink: &mut RowSink<'_>) -> Result<()> {
        self.fetch_on(statement, sink).await.map(|_| ())
    }

    /// [`Executor::fetch`], returning the server that ran the query, for its follow-up reads
    /// (see [`Executor::following`]).
    pub(crate) async fn fetch_on(&mut self, statement: Statement, sink: &mut RowSink<'_>) -> Result<Server> {
        self.run(statement, &mut Run::Fetch(sink)).await.map(|(_, server)| server)
    }

    /// A handle that runs the follow-up reads of a query that ran on `server` there too (an
    /// include's batched queries run where its parent query ran); `None` when this executor
    /// would send them there anyway (a transaction, a handle without replicas).
    pub(crate) fn following(&self, server: Server) -> Option<Db> {
        match self {
            Executor::Db(db) => db.following(server),
            Executor::Tx(_) => None,
        }
    }

    /// Runs a statement in its span, which names the server that ran it.
    async fn run(&mut self, statement: Statement, run: &mut Run<'_, '_>) -> Result<(u64, Server)> {
        self.log().count();
        let span = tracing::debug_span!(
            "orm.statement",
            sql = %statement.sql,
            binds = statement.args.len(),
            server = tracing::field::Empty
        );
        let started = Instant::now();
        let (result, server) = match self {
            Executor::Db(db) => db.run(statement, run, &span).instrument(span.clone()).await,
            Executor::Tx(tx) => {
                tx.log.record(&statement.sql, Server::Primary);
                tx.settle(false).await?;
                span.record("server", tracing::field::display(Server::Primary));
                let connection = tx.connection()?;
                let result = match run {
                    Run::Execute => connection.execute(statement).instrument(span.clone()).await,
                    Run::Fetch(sink) => connection.fetch(statement, sink).instrument(span.clone()).await.map(|()| 0),
                };
                (result, Server::Primary)
            }
        };
        span.in_scope(|| tracing::debug!(elapsed_us = started.elapsed().as_micros() as u64, "statement done"));
        result.map(|affected| (affected, server))
    }

    /// Runs a statement with no bound values.
    pub async fn execute_sql(&mut self, sql: &str) -> Result<u64> {
        self.execute(Statement::new(sql, Vec::new())).await
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
