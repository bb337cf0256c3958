//! SQLite's part of the shared sqlx driver (`orm_sqlx`): its error names and busy codes.

use orm_sqlx::{Backend, Names};

use crate::dialect::SqliteDialect;

static DIALECT: SqliteDialect = SqliteDialect;

/// SQLite on sqlx.
pub(crate) struct Sqlite;

/// The driver of a SQLite pool.
pub(crate) type SqlxDriver = orm_sqlx::SqlxDriver<Sqlite>;

impl Backend for Sqlite {
    type Db = sqlx::Sqlite;
    const NAME: &'static str = "sqlite";
    // Write units take the write lock up front: a deferred transaction that reads first
    // cannot wait for the lock when it upgrades to write, and fails with "database is locked"
    // at once instead of waiting out the busy timeout.
    const BEGIN: Option<&'static str> = Some("BEGIN IMMEDIATE");

    fn dialect() -> &'static dyn orm_core::Dialect {
        &DIALECT
    }

    fn rows_affected(result: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    /// SQLite names `table.column` in the message of unique and not-null violations
    /// ("UNIQUE constraint failed: users.email"), and nothing for foreign keys.
    fn names(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Names {
        error
            .message()
            .split_once("constraint failed: ")
            .and_then(|(_, names)| names.split([',', ' ']).next())
            .and_then(|first| first.split_once('.'))
            .map_or((None, None, None), |(table, column)| (Some(table.to_owned()), None, Some(column.to_owned())))
    }

    /// SQLITE_BUSY and SQLITE_LOCKED (with their extended codes): another connection held the
    /// lock past the busy timeout.
    fn transient(error: &(dyn sqlx::error::DatabaseError + 'static)) -> Option<orm_core::Transient> {
        let code: i64 = error.code()?.parse().ok()?;
        matches!(code & 0xff, 5 | 6).then_some(orm_core::Transient::Busy)
    }

    /// A decimal is bound as its normalized text (`1.50` as `1.5`), so that equal decimals are
    /// equal text.
    fn bind_array(
        query: orm_sqlx::Query<sqlx::Sqlite>,
        value: orm_core::Value,
    ) -> orm_core::Result<orm_sqlx::Query<sqlx::Sqlite>> {
        match value {
            #[cfg(feature = "decimal")]
            orm_core::Value::Decimal(v) => Ok(query.bind(v.map(|v| crate::decimal::text(&v)))),
            other => {
                let _ = query;
                Err(orm_core::Error::Unsupported { what: format!("binding {other:?}"), backend: "sqlite" })
            }
        }
    }

    /// A decimal comes back in the storage class SQLite chose: an integer, a real or text.
    #[cfg(feature = "decimal")]
    fn get_decimal(row: &sqlx::sqlite::SqliteRow, index: usize) -> sqlx::Result<Option<rust_decimal::Decimal>> {
        crate::decimal::read(row, index)
    }
}

pub(crate) use orm_sqlx::connection_error;
