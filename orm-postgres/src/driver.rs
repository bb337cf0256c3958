//! PostgreSQL's part of the shared sqlx driver (`orm_sqlx`): its error names, transient
//! SQLSTATEs and array binds.

use orm_core::Value;
use orm_core::value::ValueList;
use orm_sqlx::{Backend, Names, Query};

use crate::dialect::PostgresDialect;

static DIALECT: PostgresDialect = PostgresDialect;

/// PostgreSQL on sqlx.
pub(crate) struct Postgres;

/// The driver of a PostgreSQL pool.
pub(crate) type SqlxDriver = orm_sqlx::SqlxDriver<Postgres>;

impl Backend for Postgres {
    type Db = sqlx::Postgres;
    const NAME: &'static str = "postgres";

    fn dialect() -> &'static dyn orm_core::Dialect {
        &DIALECT
    }

    fn rows_affected(result: &sqlx::postgres::PgQueryResult) -> u64 {
        result.rows_affected()
    }

    /// PostgreSQL reports the table, constraint and column of a violation in fields of its own.
    fn names(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Names {
        error
            .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .map(|pg| {
                (pg.table().map(str::to_owned), pg.constraint().map(str::to_owned), pg.column().map(str::to_owned))
            })
            .unwrap_or((None, None, None))
    }

    /// PostgreSQL's SQLSTATEs of failures that a retry may overcome.
    fn transient(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Option<orm_core::Transient> {
        use orm_core::Transient;
        match error.code()?.as_ref() {
            "40P01" => Some(Transient::Deadlock),
            "40001" => Some(Transient::SerializationFailure),
            // lock_not_available (`lock_timeout`, `NOWAIT`)
            "55P03" => Some(Transient::Busy),
            // admin_shutdown (`pg_terminate_backend`), crash_shutdown, cannot_connect_now, and
            // the connection_exception class
            "57P01" | "57P02" | "57P03" => Some(Transient::ConnectionLost),
            code if code.starts_with("08") => Some(Transient::ConnectionLost),
            _ => None,
        }
    }

    #[cfg(feature = "decimal")]
    fn get_decimal(row: &sqlx::postgres::PgRow, index: usize) -> sqlx::Result<Option<rust_decimal::Decimal>> {
        sqlx::Row::try_get(row, index)
    }

    /// Binds arrays and lists as one typed array parameter (`= ANY($1)`), and decimals.
    fn bind_array(query: Query<sqlx::Postgres>, value: Value) -> orm_core::Result<Query<sqlx::Postgres>> {
        Ok(match value {
            Value::IntegerArray(v) => query.bind(v),
            Value::BigIntArray(v) => query.bind(v),
            Value::TextArray(v) => query.bind(v),
            Value::List(list) => bind_list(query, *list)?,
            #[cfg(feature = "decimal")]
            Value::Decimal(v) => query.bind(v),
            other => {
                return Err(orm_core::Error::Unsupported { what: format!("binding {other:?}"), backend: "postgres" });
            }
        })
    }
}

/// Binds a list of one type as one typed array parameter.
fn bind_list(query: Query<sqlx::Postgres>, list: ValueList) -> orm_core::Result<Query<sqlx::Postgres>> {
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
        #[cfg(feature = "uuid")]
        ValueList::Uuid(v) => query.bind(v),
        #[cfg(feature = "decimal")]
        ValueList::Decimal(v) => query.bind(v),
        // `jsonb[]`: `= ANY` compares documents as `jsonb`, as `=` does.
        #[cfg(feature = "json")]
        ValueList::Json(v) => query.bind(v.into_iter().map(|d| d.map(|d| sqlx::types::Json(*d))).collect::<Vec<_>>()),
        #[allow(unreachable_patterns)]
        other => {
            return Err(orm_core::Error::Unsupported { what: format!("binding {other:?}"), backend: "postgres" });
        }
    })
}

pub(crate) use orm_sqlx::connection_error;
