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

orm_core::__sqlx_backend! {
    database: sqlx::Sqlite,
    pool: sqlx::sqlite::SqlitePool,
    arguments: sqlx::sqlite::SqliteArguments,
    row: sqlx::sqlite::SqliteRow,
    dialect: DIALECT,
    backend: "sqlite",
    arrays: [],
    names: names,
}
