//! The sqlx driver (shared with PostgreSQL, see `orm_core::__sqlx_backend`), with SQLite's
//! error names.

use crate::dialect::SqliteDialect;

static DIALECT: SqliteDialect = SqliteDialect;

/// SQLite names `table.column` in the message of unique and not-null violations
/// ("UNIQUE constraint failed: users.email"), and nothing for foreign keys.
fn names(error: &(dyn sqlx::error::DatabaseError + 'static)) -> (Option<String>, Option<String>, Option<String>) {
    error
        .message()
        .split_once("constraint failed: ")
        .and_then(|(_, names)| names.split([',', ' ']).next())
        .and_then(|first| first.split_once('.'))
        .map_or((None, None, None), |(table, column)| (Some(table.to_owned()), None, Some(column.to_owned())))
}

/// SQLITE_BUSY and SQLITE_LOCKED (with their extended codes): another connection held the
/// lock past the busy timeout.
fn transient(code: &str) -> Option<orm_core::Transient> {
    let code: i64 = code.parse().ok()?;
    matches!(code & 0xff, 5 | 6).then_some(orm_core::Transient::Busy)
}

/// SQLite has no array parameters: its dialect never packs a list.
fn no_list_binds(
    _query: sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    _list: orm_core::value::ValueList,
) -> orm_core::Result<sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>> {
    Err(orm_core::Error::Unsupported { what: "binding an array".into(), backend: "sqlite" })
}

orm_core::__sqlx_backend! {
    database: sqlx::Sqlite,
    pool: sqlx::sqlite::SqlitePool,
    arguments: sqlx::sqlite::SqliteArguments,
    row: sqlx::sqlite::SqliteRow,
    dialect: DIALECT,
    backend: "sqlite",
    arrays: [],
    bind_list: no_list_binds,
    names: names,
    // Write units take the write lock up front: a deferred transaction that reads first
    // cannot wait for the lock when it upgrades to write, and fails with "database is locked"
    // at once instead of waiting out the busy timeout.
    transient: transient,
    begin: Some("BEGIN IMMEDIATE"),
}
