//! What the driver asks of a sqlx database, gathered in one trait with one blanket
//! implementation: every sqlx database that binds and reads the ORM's value types, and runs
//! statements on its pool and connections, is one. The bounds are written once, here.

use futures_util::stream::BoxStream;
use orm_core::Value;
use orm_core::driver::BoxFuture;
use sqlx::{Database, Decode, Encode, Executor, Row as _, Type};
use sqlx_core::database::HasStatementCache;

use crate::{On, Query};

/// A value type a database binds and reads (as an `Option`, for NULL).
pub trait Scalar<DB: Database>: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + 'static {}

impl<DB: Database, T> Scalar<DB> for T where
    T: for<'q> Encode<'q, DB> + for<'r> Decode<'r, DB> + Type<DB> + Send + 'static
{
}

/// A sqlx database the driver runs on.
pub trait SqlxDatabase: Database + HasStatementCache + ChronoScalars + UuidScalars + JsonScalars {
    /// Binds a scalar value; gives the query and value back for anything else (an array).
    #[allow(clippy::result_large_err)]
    fn bind(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)>;
    /// Runs a statement.
    fn execute<'a>(on: On<'a, Self>, query: Query<Self>) -> BoxFuture<'a, sqlx::Result<Self::QueryResult>>;
    /// Streams a query's rows.
    fn fetch<'a>(on: On<'a, Self>, query: Query<Self>) -> BoxStream<'a, sqlx::Result<Self::Row>>;
    /// Reads a boolean.
    fn get_bool(row: &Self::Row, index: usize) -> sqlx::Result<Option<bool>>;
    /// Reads a 16-bit integer.
    fn get_i16(row: &Self::Row, index: usize) -> sqlx::Result<Option<i16>>;
    /// Reads a 32-bit integer.
    fn get_i32(row: &Self::Row, index: usize) -> sqlx::Result<Option<i32>>;
    /// Reads a 64-bit integer.
    fn get_i64(row: &Self::Row, index: usize) -> sqlx::Result<Option<i64>>;
    /// Reads a 32-bit float.
    fn get_f32(row: &Self::Row, index: usize) -> sqlx::Result<Option<f32>>;
    /// Reads a 64-bit float.
    fn get_f64(row: &Self::Row, index: usize) -> sqlx::Result<Option<f64>>;
    /// Reads text.
    fn get_string(row: &Self::Row, index: usize) -> sqlx::Result<Option<String>>;
    /// Reads bytes.
    fn get_bytes(row: &Self::Row, index: usize) -> sqlx::Result<Option<Vec<u8>>>;
}

impl<DB> SqlxDatabase for DB
where
    DB: Database + HasStatementCache + ChronoScalars + UuidScalars + JsonScalars,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    Option<bool>: Scalar<DB>,
    Option<i16>: Scalar<DB>,
    Option<i32>: Scalar<DB>,
    Option<i64>: Scalar<DB>,
    Option<f32>: Scalar<DB>,
    Option<f64>: Scalar<DB>,
    Option<String>: Scalar<DB>,
    Option<Vec<u8>>: Scalar<DB>,
{
    fn bind(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)> {
        Ok(match value {
            Value::Bool(v) => query.bind(v),
            Value::SmallInt(v) => query.bind(v),
            Value::Integer(v) => query.bind(v),
            Value::BigInt(v) => query.bind(v),
            Value::Real(v) => query.bind(v),
            Value::Double(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::Bytes(v) => query.bind(v),
            other => {
                let (query, other) = match DB::bind_chrono(query, other) {
                    Ok(query) => return Ok(query),
                    Err(unbound) => unbound,
                };
                let (query, other) = match DB::bind_uuid(query, other) {
                    Ok(query) => return Ok(query),
                    Err(unbound) => unbound,
                };
                return DB::bind_json(query, other);
            }
        })
    }

    fn execute<'a>(on: On<'a, Self>, query: Query<Self>) -> BoxFuture<'a, sqlx::Result<Self::QueryResult>> {
        match on {
            On::Pool(pool) => pool.execute(query),
            On::Connection(connection) => connection.execute(query),
        }
    }

    fn fetch<'a>(on: On<'a, Self>, query: Query<Self>) -> BoxStream<'a, sqlx::Result<Self::Row>> {
        match on {
            On::Pool(pool) => pool.fetch(query),
            On::Connection(connection) => connection.fetch(query),
        }
    }

    fn get_bool(row: &Self::Row, index: usize) -> sqlx::Result<Option<bool>> {
        row.try_get(index)
    }
    fn get_i16(row: &Self::Row, index: usize) -> sqlx::Result<Option<i16>> {
        row.try_get(index)
    }
    fn get_i32(row: &Self::Row, index: usize) -> sqlx::Result<Option<i32>> {
        row.try_get(index)
    }
    fn get_i64(row: &Self::Row, index: usize) -> sqlx::Result<Option<i64>> {
        row.try_get(index)
    }
    fn get_f32(row: &Self::Row, index: usize) -> sqlx::Result<Option<f32>> {
        row.try_get(index)
    }
    fn get_f64(row: &Self::Row, index: usize) -> sqlx::Result<Option<f64>> {
        row.try_get(index)
    }
    fn get_string(row: &Self::Row, index: usize) -> sqlx::Result<Option<String>> {
        row.try_get(index)
    }
    fn get_bytes(row: &Self::Row, index: usize) -> sqlx::Result<Option<Vec<u8>>> {
        row.try_get(index)
    }
}

/// The chrono types, bound and read when this crate's `chrono` feature is on (a separate
/// trait, so that the feature decides its bounds).
pub trait ChronoScalars: Database {
    /// Binds a chrono value; gives the query and value back for anything else.
    #[allow(clippy::result_large_err)]
    fn bind_chrono(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)>;
    /// Reads a timestamp with time zone.
    #[cfg(feature = "chrono")]
    fn get_timestamptz(row: &Self::Row, index: usize) -> sqlx::Result<Option<chrono::DateTime<chrono::Utc>>>;
    /// Reads a timestamp without time zone.
    #[cfg(feature = "chrono")]
    fn get_timestamp(row: &Self::Row, index: usize) -> sqlx::Result<Option<chrono::NaiveDateTime>>;
    /// Reads a date.
    #[cfg(feature = "chrono")]
    fn get_date(row: &Self::Row, index: usize) -> sqlx::Result<Option<chrono::NaiveDate>>;
    /// Reads a time of day.
    #[cfg(feature = "chrono")]
    fn get_time(row: &Self::Row, index: usize) -> sqlx::Result<Option<chrono::NaiveTime>>;
}

#[cfg(not(feature = "chrono"))]
impl<DB: Database> ChronoScalars for DB {
    fn bind_chrono(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)> {
        Err((query, value))
    }
}

#[cfg(feature = "chrono")]
impl<DB> ChronoScalars for DB
where
    DB: Database,
    usize: sqlx::ColumnIndex<DB::Row>,
    Option<chrono::DateTime<chrono::Utc>>: Scalar<DB>,
    Option<chrono::NaiveDateTime>: Scalar<DB>,
    Option<chrono::NaiveDate>: Scalar<DB>,
    Option<chrono::NaiveTime>: Scalar<DB>,
{
    fn bind_chrono(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)> {
        Ok(match value {
            Value::TimestampTz(v) => query.bind(v),
            Value::Timestamp(v) => query.bind(v),
            Value::Date(v) => query.bind(v),
            Value::Time(v) => query.bind(v),
            other => return Err((query, other)),
        })
    }
    fn get_timestamptz(row: &Self::Row, index: usize) -> sqlx::Result<Option<chrono::DateTime<chrono::Utc>>> {
        row.try_get(index)
    }
    fn get_timestamp(row: &Self::Row, index: usize) -> sqlx::Result<Option<chrono::NaiveDateTime>> {
        row.try_get(index)
    }
    fn get_date(row: &Self::Row, index: usize) -> sqlx::Result<Option<chrono::NaiveDate>> {
        row.try_get(index)
    }
    fn get_time(row: &Self::Row, index: usize) -> sqlx::Result<Option<chrono::NaiveTime>> {
        row.try_get(index)
    }
}

/// `uuid::Uuid`, bound and read when this crate's `uuid` feature is on.
pub trait UuidScalars: Database {
    /// Binds a UUID; gives the query and value back for anything else.
    #[allow(clippy::result_large_err)]
    fn bind_uuid(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)>;
    /// Reads a UUID.
    #[cfg(feature = "uuid")]
    fn get_uuid(row: &Self::Row, index: usize) -> sqlx::Result<Option<uuid::Uuid>>;
}

#[cfg(not(feature = "uuid"))]
impl<DB: Database> UuidScalars for DB {
    fn bind_uuid(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)> {
        Err((query, value))
    }
}

#[cfg(feature = "uuid")]
impl<DB> UuidScalars for DB
where
    DB: Database,
    usize: sqlx::ColumnIndex<DB::Row>,
    Option<uuid::Uuid>: Scalar<DB>,
{
    fn bind_uuid(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)> {
        match value {
            Value::Uuid(v) => Ok(query.bind(v)),
            other => Err((query, other)),
        }
    }
    fn get_uuid(row: &Self::Row, index: usize) -> sqlx::Result<Option<uuid::Uuid>> {
        row.try_get(index)
    }
}

/// JSON documents (`serde_json::Value`), bound and read when this crate's `json` feature is on:
/// through sqlx's `Json`, which each database stores in its own JSON type.
pub trait JsonScalars: Database {
    /// Binds a JSON document; gives the query and value back for anything else.
    #[allow(clippy::result_large_err)]
    fn bind_json(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)>;
    /// Reads a JSON document.
    #[cfg(feature = "json")]
    fn get_json(row: &Self::Row, index: usize) -> sqlx::Result<Option<serde_json::Value>>;
}

#[cfg(not(feature = "json"))]
impl<DB: Database> JsonScalars for DB {
    fn bind_json(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)> {
        Err((query, value))
    }
}

#[cfg(feature = "json")]
impl<DB> JsonScalars for DB
where
    DB: Database,
    usize: sqlx::ColumnIndex<DB::Row>,
    Option<sqlx::types::Json<serde_json::Value>>: Scalar<DB>,
{
    fn bind_json(query: Query<Self>, value: Value) -> Result<Query<Self>, (Query<Self>, Value)> {
        match value {
            Value::Json(v) => Ok(query.bind(v.map(|v| sqlx::types::Json(*v)))),
            other => Err((query, other)),
        }
    }
    fn get_json(row: &Self::Row, index: usize) -> sqlx::Result<Option<serde_json::Value>> {
        row.try_get::<Option<sqlx::types::Json<serde_json::Value>>, _>(index).map(|v| v.map(|json| json.0))
    }
}
