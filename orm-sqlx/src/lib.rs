//! The driver every shipped backend builds on sqlx, written once and generic over sqlx's
//! [`Database`]: binding, streaming rows, transactions, row reading and error classification.
//!
//! A backend crate supplies what differs in a [`Backend`] implementation (its dialect, error
//! names, transient error codes, the rows-affected count, array binds) and opens its pool; this
//! crate's own features (`chrono`) decide which value types it binds and reads, so they are
//! evaluated here, not in the crate that uses it.
//!
//! Not meant to be used directly: the `orm` crate's backends use it.
#![warn(missing_docs)]

mod scalars;

use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::TryStreamExt as _;
use orm_core::driver::{
    BoxFuture, Connection, Driver, HeldBy, RowSink, Statement, TransactionConnection, TransactionHolders,
};
use orm_core::{Dialect, Error, Result, Transient, Value};
use sqlx::pool::PoolConnection;
use sqlx::{Column as _, Connection as _, Database, Pool, Row as _, SqlSafeStr};
use sqlx_core::transaction::TransactionManager as _;

pub use scalars::{ChronoScalars, JsonScalars, Scalar, SqlxDatabase, UuidScalars};

/// A query being bound, with its arguments owned.
pub type Query<DB> = sqlx::query::Query<'static, DB, <DB as Database>::Arguments>;

/// The table, constraint and column a database error names, where it names them.
pub type Names = (Option<String>, Option<String>, Option<String>);

/// What one backend adds to the shared driver.
pub trait Backend: Send + Sync + 'static {
    /// sqlx's database type.
    type Db: SqlxDatabase;
    /// The backend's name, for messages.
    const NAME: &'static str;
    /// Whether a transaction's statements must run to their end even when the caller drops
    /// them: sqlx's MySQL driver cannot skip the rest of an abandoned result, so the
    /// connection, and the caller's transaction, would be unusable after a cancelled unit.
    /// (SQLite's and PostgreSQL's drivers recover by themselves.)
    const FINISH_DROPPED_STATEMENTS: bool = false;
    /// The statement that opens a transaction, when not the driver's default `BEGIN`.
    const BEGIN: Option<&'static str> = None;
    /// How the backend spells SQL.
    fn dialect() -> &'static dyn Dialect;
    /// The rows a statement affected (or, where the backend counts only changed rows by
    /// default, the rows it matched).
    fn rows_affected(result: &<Self::Db as Database>::QueryResult) -> u64;
    /// The table, constraint and column named by a constraint violation.
    fn names(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Names;
    /// The transient failure a database error stands for (a deadlock, a lock wait that timed
    /// out, a connection the server ended), if it is one.
    fn transient(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Option<Transient>;
    /// Classifies an error the shared rules left as [`Error::Database`], knowing the statement
    /// that raised it.
    fn classify(error: Error, sql: &str) -> Error {
        let _ = sql;
        error
    }
    /// Reads an exact decimal (feature `decimal`): each database stores it its own way.
    #[cfg(feature = "decimal")]
    fn get_decimal(row: &<Self::Db as Database>::Row, index: usize) -> sqlx::Result<Option<rust_decimal::Decimal>> {
        let _ = (row, index);
        Err(sqlx::Error::Decode(format!("the `{}` backend was built without its `decimal` feature", Self::NAME).into()))
    }
    /// Binds a value the shared binder does not (an array, a list, a decimal), where the
    /// backend has it.
    fn bind_array(query: Query<Self::Db>, value: Value) -> Result<Query<Self::Db>> {
        let _ = query;
        Err(Error::Unsupported { what: format!("binding {value:?}"), backend: Self::NAME })
    }
}

/// A backend's [`Driver`] over a sqlx pool.
pub struct SqlxDriver<B: Backend> {
    pool: Pool<B::Db>,
    holders: Option<Arc<TransactionHolders>>,
    /// The statement opening every transaction, behind a transaction-pooling proxy.
    pooled: Option<Arc<str>>,
    backend: PhantomData<B>,
}

impl<B: Backend> SqlxDriver<B> {
    /// A driver over `pool`.
    pub fn new(pool: Pool<B::Db>) -> Self {
        SqlxDriver { pool, holders: None, pooled: None, backend: PhantomData }
    }

    /// A driver over a pool of one connection: a task that holds it in a transaction and asks
    /// the pool for another would wait forever, so it gives up after a short wait instead.
    pub fn single_connection(pool: Pool<B::Db>) -> Self {
        SqlxDriver { pool, holders: Some(Arc::default()), pooled: None, backend: PhantomData }
    }

    /// A driver over a pool whose connections reach the server through a transaction-pooling
    /// proxy (PgBouncer's `pool_mode = transaction`), which hands each *transaction* to any of
    /// its server connections:
    /// - statements are never prepared under a name (sqlx's persistent statements), since the
    ///   next transaction may run on a server connection that lacks the name, or on one where
    ///   another client already used it;
    /// - a statement run outside a transaction runs in one of its own, since sqlx parses an
    ///   unnamed statement and binds it in two round trips, and between them the proxy could
    ///   hand the server connection (and its unnamed statement) to another client;
    /// - every transaction opens with `begin` (one simple query: `BEGIN` and the session's
    ///   settings as `SET LOCAL`), since settings of the connection itself would stay on a
    ///   server connection that other clients then use.
    pub fn transaction_pooled(pool: Pool<B::Db>, begin: String) -> Self {
        SqlxDriver { pool, holders: None, pooled: Some(begin.into()), backend: PhantomData }
    }

    /// Whether statements may be prepared under a name and cached by sqlx.
    fn persistent(&self) -> bool {
        self.pooled.is_none()
    }

    /// A connection the pool has idle, with the check its acquire makes (a ping, unless the
    /// pool was built without `test_before_acquire`); `None` when none is idle now or the one
    /// taken is dead (it is closed, and the caller waits in the pool's queue as usual). Not
    /// where an abandoned statement cannot be skipped ([`Backend::FINISH_DROPPED_STATEMENTS`]):
    /// sqlx's MySQL ping, cancelled between its request and its answer, would leave the answer
    /// to be read as the next statement's.
    async fn idle_connection(&self) -> Option<PoolConnection<B::Db>> {
        if B::FINISH_DROPPED_STATEMENTS {
            return None;
        }
        let mut connection = self.pool.try_acquire()?;
        if self.pool.options().get_test_before_acquire() && connection.ping().await.is_err() {
            connection.close_on_drop();
            return None;
        }
        Some(connection)
    }

    /// Boxes `work`, which needs a pooled connection; on a single-connection pool, with the
    /// wait of [`TransactionHolders::wait_for_pool`] around it. (Chosen when boxing, so that
    /// the common future carries no timer.)
    fn on_pool<'a, T: 'a>(&'a self, work: impl Future<Output = Result<T>> + Send + 'a) -> BoxFuture<'a, Result<T>> {
        match &self.holders {
            Some(holders) => Box::pin(holders.wait_for_pool(work)),
            None => Box::pin(work),
        }
    }
}

/// Builds the sqlx query: the one audited place where ORM-built SQL is handed to sqlx. Its
/// identifiers were quoted and its values are bound here, never spliced.
fn prepare<B: Backend>(statement: Statement, persistent: bool) -> Result<Query<B::Db>> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(statement.sql)).persistent(persistent);
    for value in statement.args {
        if let Value::Real(Some(v)) = value {
            check_nan::<B>(f64::from(v))?;
        }
        if let Value::Double(Some(v)) = value {
            check_nan::<B>(v)?;
        }
        if let Value::Unencodable(reason) = value {
            return Err(Error::Unencodable(reason.into()));
        }
        query = match B::Db::bind(query, value) {
            Ok(query) => query,
            Err((query, value)) => B::bind_array(query, value)?,
        };
    }
    Ok(query)
}

/// A NaN where the backend cannot store one (SQLite would store NULL) is an error, before
/// anything runs.
fn check_nan<B: Backend>(value: f64) -> Result<()> {
    if value.is_nan()
        && let Some(reason) = B::dialect().nan_refusal()
    {
        return Err(Error::UnrepresentableValue { what: "NaN", reason, backend: B::NAME });
    }
    Ok(())
}

async fn execute_on<B: Backend>(on: On<'_, B::Db>, statement: Statement, persistent: bool) -> Result<u64> {
    let sql = statement.sql.clone();
    let query = prepare::<B>(statement, persistent)?;
    let done = B::Db::execute(on, query).await.map_err(|error| statement_error::<B>(error, &sql))?;
    Ok(B::rows_affected(&done))
}

async fn fetch_on<B: Backend>(
    on: On<'_, B::Db>,
    statement: Statement,
    persistent: bool,
    sink: &mut RowSink<'_>,
) -> Result<()> {
    let sql = statement.sql.clone();
    let query = prepare::<B>(statement, persistent)?;
    let mut rows = B::Db::fetch(on, query);
    while let Some(row) = rows.try_next().await.map_err(|error| statement_error::<B>(error, &sql))? {
        sink(&RowRef::<B>(&row, PhantomData))?;
    }
    Ok(())
}

/// Where a statement runs: the pool, or one connection (a transaction's).
pub enum On<'a, DB: Database> {
    /// A pooled connection.
    Pool(&'a Pool<DB>),
    /// A connection held by a transaction.
    Connection(&'a mut DB::Connection),
}

impl<B: Backend> Driver for SqlxDriver<B> {
    fn dialect(&self) -> &'static dyn Dialect {
        B::dialect()
    }

    fn execute(&self, statement: Statement) -> BoxFuture<'_, Result<u64>> {
        if self.pooled.is_some() {
            // On an error the dropped transaction queues its rollback: like a failed
            // autocommit statement, it leaves nothing behind.
            return Box::pin(async move {
                let mut tx = self.begin().await?;
                let affected = tx.execute(statement).await?;
                tx.commit().await?;
                Ok(affected)
            });
        }
        self.on_pool(execute_on::<B>(On::Pool(&self.pool), statement, true))
    }

    fn fetch<'a>(&'a self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>> {
        if self.pooled.is_some() {
            return Box::pin(async move {
                let mut tx = self.begin().await?;
                tx.fetch(statement, sink).await?;
                tx.commit().await
            });
        }
        self.on_pool(fetch_on::<B>(On::Pool(&self.pool), statement, true, sink))
    }

    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn TransactionConnection>>> {
        Box::pin(async move {
            // An idle connection is taken without the pool's acquire future, which (with the
            // connect it may run) is several kilobytes that would be boxed on every `begin`.
            let mut connection = match self.idle_connection().await {
                Some(connection) => connection,
                None => self.on_pool(async move { self.pool.acquire().await.map_err(database_error::<B>) }).await?,
            };
            // The pooled opening statement was built by the backend from quoted names.
            let statement = match &self.pooled {
                Some(begin) => Some(sqlx::AssertSqlSafe(Arc::clone(begin)).into_sql_str()),
                None => B::BEGIN.map(SqlSafeStr::into_sql_str),
            };
            Manager::<B>::begin(&mut *connection, statement).await.map_err(database_error::<B>)?;
            let held = self.holders.as_ref().map(TransactionHolders::hold);
            Ok(Box::new(SqlxTx::<B> {
                connection: Some(connection),
                running: None,
                persistent: self.persistent(),
                open: true,
                broken: false,
                _held: held,
            }) as Box<dyn TransactionConnection>)
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.pool.close())
    }
}

/// sqlx's transaction manager of the backend's database.
type Manager<B> = <<B as Backend>::Db as Database>::TransactionManager;

/// A transaction on a pooled connection. Not sqlx's `Transaction`, for backends whose driver
/// cannot skip the rest of an abandoned result ([`Backend::FINISH_DROPPED_STATEMENTS`], sqlx's
/// MySQL driver): there each statement runs in a task of its own, which finishes it even when
/// the caller drops the future (a cancelled unit), and the transaction's next statement waits
/// for it, so the caller's transaction goes on as on the other backends. A connection that lost
/// its server is closed, not handed back to a pool whose check of it would wait forever.
struct SqlxTx<B: Backend> {
    /// `None` while a statement's task holds it.
    connection: Option<PoolConnection<B::Db>>,
    /// The task of a statement whose caller stopped waiting; it gives the connection back.
    running: Option<tokio::task::JoinHandle<Finished<B>>>,
    /// Whether statements may be prepared under a name ([`SqlxDriver::transaction_pooled`]).
    persistent: bool,
    /// Not yet committed or rolled back.
    open: bool,
    /// A statement lost the connection.
    broken: bool,
    _held: Option<HeldBy>,
}

/// What a statement's task hands back: the connection (which queues a rollback if no one
/// takes it back, because the transaction was dropped meanwhile) and the outcome.
struct Finished<B: Backend> {
    connection: Unclaimed<B>,
    outcome: Result<Outcome<B::Db>>,
}

/// A statement's outcome, read in its task.
enum Outcome<DB: Database> {
    Affected(u64),
    Rows(Vec<DB::Row>),
}

/// A connection on its way back from a statement's task.
struct Unclaimed<B: Backend>(Option<PoolConnection<B::Db>>);

impl<B: Backend> Drop for Unclaimed<B> {
    fn drop(&mut self) {
        if let Some(connection) = &mut self.0 {
            Manager::<B>::start_rollback(&mut **connection);
        }
    }
}

impl<B: Backend> SqlxTx<B> {
    /// The connection, once a statement still running for a dropped caller has finished.
    async fn connection(&mut self) -> Result<&mut PoolConnection<B::Db>> {
        if let Some(running) = &mut self.running {
            let finished = running.await;
            self.running = None;
            match finished {
                Ok(mut finished) => self.connection = finished.connection.0.take(),
                Err(error) => return Err(Error::ConnectionLost { source: Box::new(error) }),
            }
        }
        self.connection
            .as_mut()
            .ok_or_else(|| Error::ConnectionLost { source: "the transaction's connection is gone".into() })
    }

    /// Runs one statement; on a backend that must finish it, in a task of its own.
    async fn run(&mut self, statement: Statement, rows: bool) -> Result<Outcome<B::Db>> {
        let persistent = self.persistent;
        let connection = self.connection().await?;
        if !B::FINISH_DROPPED_STATEMENTS {
            let on = On::Connection(&mut **connection);
            return if rows {
                fetch_rows::<B>(on, statement, persistent).await
            } else {
                execute_on::<B>(on, statement, persistent).await.map(Outcome::Affected)
            };
        }
        let mut connection = self
            .connection
            .take()
            .ok_or_else(|| Error::ConnectionLost { source: "the transaction's connection is gone".into() })?;
        let running = self.running.insert(tokio::spawn(async move {
            let on = On::Connection(&mut *connection);
            let outcome = if rows {
                fetch_rows::<B>(on, statement, persistent).await
            } else {
                execute_on::<B>(on, statement, persistent).await.map(Outcome::Affected)
            };
            Finished { connection: Unclaimed(Some(connection)), outcome }
        }));
        let finished = running.await;
        self.running = None;
        let mut finished = finished.map_err(|error| Error::ConnectionLost { source: Box::new(error) })?;
        self.connection = finished.connection.0.take();
        self.broken |= matches!(finished.outcome, Err(Error::ConnectionLost { .. }));
        finished.outcome
    }
}

/// Reads a statement's rows, to hand them to the caller's sink after its task.
async fn fetch_rows<B: Backend>(on: On<'_, B::Db>, statement: Statement, persistent: bool) -> Result<Outcome<B::Db>> {
    let sql = statement.sql.clone();
    let query = prepare::<B>(statement, persistent)?;
    let rows = B::Db::fetch(on, query).try_collect().await;
    rows.map(Outcome::Rows).map_err(|error| statement_error::<B>(error, &sql))
}

impl<B: Backend> Connection for SqlxTx<B> {
    fn execute(&mut self, statement: Statement) -> BoxFuture<'_, Result<u64>> {
        Box::pin(async move {
            match self.run(statement, false).await? {
                Outcome::Affected(count) => Ok(count),
                Outcome::Rows(_) => Ok(0),
            }
        })
    }

    fn fetch<'a>(&'a mut self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if !B::FINISH_DROPPED_STATEMENTS {
                let persistent = self.persistent;
                let connection = self.connection().await?;
                return fetch_on::<B>(On::Connection(&mut **connection), statement, persistent, sink).await;
            }
            if let Outcome::Rows(rows) = self.run(statement, true).await? {
                for row in &rows {
                    sink(&RowRef::<B>(row, PhantomData))?;
                }
            }
            Ok(())
        })
    }
}

impl<B: Backend> TransactionConnection for SqlxTx<B> {
    fn commit(mut self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            let connection = self.connection().await?;
            Manager::<B>::commit(&mut **connection).await.map_err(database_error::<B>)?;
            self.open = false;
            Ok(())
        })
    }

    fn rollback(mut self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            let connection = self.connection().await?;
            Manager::<B>::rollback(&mut **connection).await.map_err(database_error::<B>)?;
            self.open = false;
            Ok(())
        })
    }
}

impl<B: Backend> Drop for SqlxTx<B> {
    fn drop(&mut self) {
        // A statement's task still holding the connection queues the rollback itself when
        // no one takes the connection back.
        let Some(connection) = &mut self.connection else { return };
        if self.broken && B::FINISH_DROPPED_STATEMENTS {
            connection.close_on_drop();
        } else if self.open {
            // As sqlx's `Transaction` does: the rollback is sent before the connection's next
            // use, so it goes back to the pool at once.
            Manager::<B>::start_rollback(&mut **connection);
        }
    }
}

/// How long a read waits for a connection to a read replica, by default, before it counts
/// the replica as down and tries the next server. Short, because sqlx retries a refused
/// connection until the pool's acquire timeout (30 s by default) runs out: a replica that is
/// down would otherwise hold each read that long.
pub const REPLICA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Opens the primary's pool on `primary` and a pool on each of `replicas`, which connects on
/// first use and waits `replica_timeout` at most for a connection, and joins them into one
/// [`Db`](orm_core::Db) (see [`Db::with_replicas`](orm_core::Db::with_replicas)): what a
/// backend's `ConnectOptions::connect` does, with its connect and pool options (every pool
/// gets the same) and how it wraps a pool into a handle.
pub async fn connect_with_replicas<DB: Database>(
    primary: &str,
    replicas: &[String],
    replica_timeout: std::time::Duration,
    connect_options: impl Fn(&str) -> Result<<DB::Connection as sqlx::Connection>::Options>,
    pool_options: impl Fn() -> sqlx::pool::PoolOptions<DB>,
    handle: impl Fn(Pool<DB>) -> orm_core::Db,
) -> Result<orm_core::Db> {
    let pool = pool_options().connect_with(connect_options(primary)?).await.map_err(connection_error)?;
    let replicas = replicas
        .iter()
        .map(|url| {
            let options = connect_options(url)?;
            Ok(handle(pool_options().acquire_timeout(replica_timeout).connect_lazy_with(options)))
        })
        .collect::<Result<Vec<_>>>()?;
    handle(pool).with_replicas(replicas)
}

/// The error for a pool that cannot be opened.
pub fn connection_error(error: sqlx::Error) -> Error {
    Error::Connection { source: Box::new(error) }
}

/// Classifies a sqlx error: lost connections, transient failures by the backend's codes, and
/// constraint violations with the table, constraint and column [`Backend::names`] reads.
fn database_error<B: Backend>(error: sqlx::Error) -> Error {
    let sqlx::Error::Database(db_error) = &error else {
        return match error {
            // The driver refuses a statement with more parameters than the protocol carries
            // before sending it: the connection is fine and a retry would fail the same way.
            sqlx::Error::Protocol(ref message) if message.contains("too many arguments") => {
                Error::Database { source: Box::new(error) }
            }
            sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => {
                Error::ConnectionLost { source: Box::new(error) }
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => connection_error(error),
            other => Error::Database { source: Box::new(other) },
        };
    };
    if let Some(kind) = B::transient(db_error.as_ref()) {
        return Error::transient(kind, Box::new(error));
    }
    let kind = db_error.kind();
    let (table, constraint, column) = B::names(db_error.as_ref());
    match kind {
        sqlx::error::ErrorKind::UniqueViolation => {
            Error::UniqueViolation { table, constraint, column, source: Box::new(error) }
        }
        sqlx::error::ErrorKind::ForeignKeyViolation => {
            Error::ForeignKeyViolation { table, constraint, column, source: Box::new(error) }
        }
        sqlx::error::ErrorKind::NotNullViolation => Error::NotNullViolation { table, column, source: Box::new(error) },
        _ => Error::Database { source: Box::new(error) },
    }
}

/// Classifies the error of the statement `sql`: the shared rules, the backend's own
/// ([`Backend::classify`]) and the table the statement wrote.
fn statement_error<B: Backend>(error: sqlx::Error, sql: &str) -> Error {
    with_table(B::classify(database_error::<B>(error), sql), sql)
}

/// Names the table a write addressed (`INSERT INTO t`, `UPDATE t`, `DELETE FROM t`) in a
/// constraint violation whose database error did not (MariaDB names only the key or column).
fn with_table(mut error: Error, sql: &str) -> Error {
    if let Error::UniqueViolation { table, .. } | Error::NotNullViolation { table, .. } = &mut error
        && table.is_none()
    {
        *table = written_table(sql);
    }
    error
}

/// The table a single-table write statement names first, unquoted.
fn written_table(sql: &str) -> Option<String> {
    // A prefix setting the statement's options (MariaDB's `SET STATEMENT … FOR`) names no table.
    let sql = sql.trim_start();
    let sql = match sql.strip_prefix("SET STATEMENT ") {
        Some(rest) => &rest[rest.find(" FOR ")? + " FOR ".len()..],
        None => sql,
    };
    let rest = ["INSERT INTO ", "UPDATE "].iter().find_map(|verb| sql.strip_prefix(verb))?;
    let (quote, rest) = match rest.chars().next()? {
        quote @ ('"' | '`') => (Some(quote), &rest[1..]),
        _ => (None, rest),
    };
    let name = match quote {
        Some(quote) => {
            let doubled = format!("{quote}{quote}");
            let mut name = String::new();
            let mut rest = rest;
            loop {
                if let Some(tail) = rest.strip_prefix(doubled.as_str()) {
                    name.push(quote);
                    rest = tail;
                } else if rest.starts_with(quote) {
                    break name;
                } else {
                    let c = rest.chars().next()?;
                    name.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        None => rest.split(|c: char| c.is_whitespace() || c == '(').next()?.to_owned(),
    };
    (!name.is_empty()).then_some(name)
}

/// A typed column reader of [`SqlxDatabase`].
type Getter<DB, T> = fn(&<DB as Database>::Row, usize) -> sqlx::Result<Option<T>>;

/// A borrowed row, read by the generated decoders.
struct RowRef<'r, B: Backend>(&'r <B::Db as Database>::Row, PhantomData<B>);

impl<B: Backend> RowRef<'_, B> {
    fn read<T>(&self, index: usize, get: Getter<B::Db, T>) -> Result<Option<T>> {
        get(self.0, index).map_err(|error| Error::Decode {
            column: orm_core::row::Row::column_name(self, index).to_owned(),
            source: Box::new(error),
        })
    }
}

impl<B: Backend> orm_core::row::Row for RowRef<'_, B> {
    fn column_name(&self, index: usize) -> &str {
        self.0.columns().get(index).map_or("?", |c| c.name())
    }
    fn get_bool(&self, index: usize) -> Result<Option<bool>> {
        self.read(index, B::Db::get_bool)
    }
    fn get_i16(&self, index: usize) -> Result<Option<i16>> {
        self.read(index, B::Db::get_i16)
    }
    fn get_i32(&self, index: usize) -> Result<Option<i32>> {
        self.read(index, B::Db::get_i32)
    }
    fn get_i64(&self, index: usize) -> Result<Option<i64>> {
        self.read(index, B::Db::get_i64)
    }
    fn get_f32(&self, index: usize) -> Result<Option<f32>> {
        self.read(index, B::Db::get_f32)
    }
    fn get_f64(&self, index: usize) -> Result<Option<f64>> {
        self.read(index, B::Db::get_f64)
    }
    fn get_string(&self, index: usize) -> Result<Option<String>> {
        self.read(index, B::Db::get_string)
    }
    fn get_bytes(&self, index: usize) -> Result<Option<Vec<u8>>> {
        self.read(index, B::Db::get_bytes)
    }
    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, index: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.read(index, B::Db::get_timestamptz)
    }
    #[cfg(feature = "chrono")]
    fn get_timestamp(&self, index: usize) -> Result<Option<chrono::NaiveDateTime>> {
        self.read(index, B::Db::get_timestamp)
    }
    #[cfg(feature = "chrono")]
    fn get_date(&self, index: usize) -> Result<Option<chrono::NaiveDate>> {
        self.read(index, B::Db::get_date)
    }
    #[cfg(feature = "chrono")]
    fn get_time(&self, index: usize) -> Result<Option<chrono::NaiveTime>> {
        self.read(index, B::Db::get_time)
    }
    #[cfg(feature = "uuid")]
    fn get_uuid(&self, index: usize) -> Result<Option<uuid::Uuid>> {
        self.read(index, B::Db::get_uuid)
    }
    #[cfg(feature = "json")]
    fn get_json(&self, index: usize) -> Result<Option<serde_json::Value>> {
        self.read(index, B::Db::get_json)
    }
    #[cfg(feature = "decimal")]
    fn get_decimal(&self, index: usize) -> Result<Option<rust_decimal::Decimal>> {
        self.read(index, B::get_decimal)
    }
}

#[cfg(test)]
mod tests {
    use super::written_table;

    #[test]
    fn the_written_table_is_read_from_the_statement() {
        assert_eq!(written_table("INSERT INTO `members` (`email`) VALUES (?)").as_deref(), Some("members"));
        assert_eq!(written_table("INSERT INTO \"odd\"\"name\" DEFAULT VALUES").as_deref(), Some("odd\"name"));
        assert_eq!(written_table("UPDATE clubs SET title = ?").as_deref(), Some("clubs"));
        assert_eq!(written_table("INSERT INTO `a``b`(x) VALUES (1)").as_deref(), Some("a`b"));
        assert_eq!(written_table("SELECT 1"), None);
        let prefixed = "SET STATEMENT optimizer_switch = 'split_materialized=off' FOR UPDATE `tasks` SET `done` = ?";
        assert_eq!(written_table(prefixed).as_deref(), Some("tasks"));
    }
}
