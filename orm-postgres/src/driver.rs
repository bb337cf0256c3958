//! The sqlx driver (shared with SQLite, see `orm_core::__sqlx_backend`), with PostgreSQL's
//! error names and array binds.

use orm_core::value::ValueList;

use crate::dialect::PostgresDialect;

static DIALECT: PostgresDialect = PostgresDialect;

/// PostgreSQL reports the table, constraint and column of a violation in fields of its own.
fn names(error: &(dyn sqlx::error::DatabaseError + 'static)) -> (Option<String>, Option<String>, Option<String>) {
    error
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .map(|pg| (pg.table().map(str::to_owned), pg.constraint().map(str::to_owned), pg.column().map(str::to_owned)))
        .unwrap_or((None, None, None))
}

/// PostgreSQL's SQLSTATEs of failures that a retry may overcome.
fn transient(code: &str) -> Option<orm_core::Transient> {
    use orm_core::Transient;
    match code {
        "40P01" => Some(Transient::Deadlock),
        "40001" => Some(Transient::SerializationFailure),
        // lock_not_available (`lock_timeout`, `NOWAIT`)
        "55P03" => Some(Transient::Busy),
        // admin_shutdown (`pg_terminate_backend`), crash_shutdown, cannot_connect_now, and the
        // connection_exception class
        "57P01" | "57P02" | "57P03" => Some(Transient::ConnectionLost),
        code if code.starts_with("08") => Some(Transient::ConnectionLost),
        _ => None,
    }
}

type PgQuery = sqlx::query::Query<'static, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds a list of one type as one typed array parameter (`= ANY($1)`).
fn bind_list(query: PgQuery, list: ValueList) -> orm_core::Result<PgQuery> {
    Ok(match list {
        ValueList::Bool(v) => query.bind(v),
        ValueList::SmallInt(v) => query.bind(v),
        ValueList::Integer(v) => query.bind(v),
        ValueList::BigInt(v) => query.bind(v),
        ValueList::Real(v) => query.bind(v),
        ValueList::Double(v) => query.bind(v),
        ValueList::Text(v) => query.bind(v),
        ValueList::Bytes(v) => query.bind(v),
        #[cfg(feature = "chrono")]
        ValueList::TimestampTz(v) => query.bind(v),
        #[cfg(feature = "chrono")]
        ValueList::Timestamp(v) => query.bind(v),
        #[cfg(feature = "chrono")]
        ValueList::Date(v) => query.bind(v),
        #[cfg(feature = "chrono")]
        ValueList::Time(v) => query.bind(v),
        #[allow(unreachable_patterns)]
        other => {
            return Err(orm_core::Error::Unsupported { what: format!("binding {other:?}"), backend: "postgres" });
        }
    })
}

orm_core::__sqlx_backend! {
    database: sqlx::Postgres,
    pool: sqlx::postgres::PgPool,
    arguments: sqlx::postgres::PgArguments,
    row: sqlx::postgres::PgRow,
    dialect: DIALECT,
    backend: "postgres",
    arrays: [IntegerArray, BigIntArray, TextArray],
    bind_list: bind_list,
    names: names,
    transient: transient,
    begin: None,
}
