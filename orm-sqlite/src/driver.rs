use futures_util::TryStreamExt;
use orm_core::driver::{BoxFuture, Connection, Driver, RowSink, Statement, TransactionConnection};
use orm_core::{Dialect, Error, Result, Value};
use sqlx::sqlite::{SqliteArguments, SqlitePool};
use sqlx::{AssertSqlSafe, Sqlite, Transaction};

use crate::dialect::SqliteDialect;
use crate::row::SqliteRowRef;

type Query = sqlx::query::Query<'static, Sqlite, SqliteArguments>;

static DIALECT: SqliteDialect = SqliteDialect;

pub(crate) struct SqliteDriver {
    pool: SqlitePool,
}

impl SqliteDriver {
    pub(crate) fn new(pool: SqlitePool) -> Self {
        SqliteDriver { pool }
    }
}

/// Builds the sqlx query: the one audited place where ORM-built SQL is handed to sqlx. Its
/// identifiers were quoted and its values are bound here, never spliced.
fn prepare(statement: Statement) -> Result<Query> {
    let mut query = sqlx::query(AssertSqlSafe(statement.sql));
    for value in statement.args {
        query = match value {
            Value::Bool(v) => query.bind(v),
            Value::SmallInt(v) => query.bind(v),
            Value::Integer(v) => query.bind(v),
            Value::BigInt(v) => query.bind(v),
            Value::Real(v) => query.bind(v),
            Value::Double(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Bytes(v) => query.bind(v),
            #[cfg(feature = "chrono")]
            Value::TimestampTz(v) => query.bind(v),
            #[cfg(feature = "chrono")]
            Value::Timestamp(v) => query.bind(v),
            #[cfg(feature = "chrono")]
            Value::Date(v) => query.bind(v),
            #[cfg(feature = "chrono")]
            Value::Time(v) => query.bind(v),
            other => {
                return Err(Error::Unsupported { what: format!("binding {other:?}"), backend: "sqlite" });
            }
        };
    }
    Ok(query)
}

async fn execute_on<'c, E>(executor: E, statement: Statement) -> Result<u64>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let query = prepare(statement)?;
    let done = query.execute(executor).await.map_err(database_error)?;
    Ok(done.rows_affected())
}

async fn fetch_on<'c, E>(executor: E, statement: Statement, sink: &mut RowSink<'_>) -> Result<()>
where
    E: sqlx::Executor<'c, Database = Sqlite>,
{
    let query = prepare(statement)?;
    let mut rows = query.fetch(executor);
    while let Some(row) = rows.try_next().await.map_err(database_error)? {
        sink(&SqliteRowRef(&row))?;
    }
    Ok(())
}

impl Driver for SqliteDriver {
    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn execute(&self, statement: Statement) -> BoxFuture<'_, Result<u64>> {
        Box::pin(execute_on(&self.pool, statement))
    }

    fn fetch<'a>(&'a self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>> {
        Box::pin(fetch_on(&self.pool, statement, sink))
    }

    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn TransactionConnection>>> {
        Box::pin(async move {
            let tx = self.pool.begin().await.map_err(database_error)?;
            Ok(Box::new(SqliteTx(tx)) as Box<dyn TransactionConnection>)
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.pool.close())
    }
}

struct SqliteTx(Transaction<'static, Sqlite>);

impl Connection for SqliteTx {
    fn execute(&mut self, statement: Statement) -> BoxFuture<'_, Result<u64>> {
        Box::pin(execute_on(&mut *self.0, statement))
    }

    fn fetch<'a>(&'a mut self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>> {
        Box::pin(fetch_on(&mut *self.0, statement, sink))
    }
}

impl TransactionConnection for SqliteTx {
    fn commit(self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move { self.0.commit().await.map_err(database_error) })
    }

    fn rollback(self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move { self.0.rollback().await.map_err(database_error) })
    }
}

pub(crate) fn connection_error(error: sqlx::Error) -> Error {
    Error::Connection { source: Box::new(error) }
}

/// Classifies SQLite's constraint errors. SQLite names `table.column` in the message of unique
/// and not-null violations ("UNIQUE constraint failed: users.email") and nothing for foreign
/// keys.
fn database_error(error: sqlx::Error) -> Error {
    let sqlx::Error::Database(db_error) = &error else {
        return match error {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => {
                connection_error(error)
            }
            other => Error::Database { source: Box::new(other) },
        };
    };
    let kind = db_error.kind();
    let (table, column) = db_error
        .message()
        .split_once("constraint failed: ")
        .and_then(|(_, names)| names.split([',', ' ']).next())
        .and_then(|first| first.split_once('.'))
        .map(|(t, c)| (Some(t.to_owned()), Some(c.to_owned())))
        .unwrap_or((None, None));
    match kind {
        sqlx::error::ErrorKind::UniqueViolation => {
            Error::UniqueViolation { table, constraint: None, column, source: Box::new(error) }
        }
        sqlx::error::ErrorKind::ForeignKeyViolation => {
            Error::ForeignKeyViolation { table, constraint: None, column, source: Box::new(error) }
        }
        sqlx::error::ErrorKind::NotNullViolation => Error::NotNullViolation { table, column, source: Box::new(error) },
        _ => Error::Database { source: Box::new(error) },
    }
}
