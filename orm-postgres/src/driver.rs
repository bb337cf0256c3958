//! The sqlx driver (shared with SQLite, see `orm_core::__sqlx_backend`), with PostgreSQL's
//! error names and array binds.

use crate::dialect::PostgresDialect;

static DIALECT: PostgresDialect = PostgresDialect;

/// PostgreSQL reports the table, constraint and column of a violation in fields of its own.
fn names(error: &(dyn sqlx::error::DatabaseError + 'static)) -> (Option<String>, Option<String>, Option<String>) {
    error
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .map(|pg| (pg.table().map(str::to_owned), pg.constraint().map(str::to_owned), pg.column().map(str::to_owned)))
        .unwrap_or((None, None, None))
}

orm_core::__sqlx_backend! {
    database: sqlx::Postgres,
    pool: sqlx::postgres::PgPool,
    arguments: sqlx::postgres::PgArguments,
    row: sqlx::postgres::PgRow,
    dialect: DIALECT,
    backend: "postgres",
    arrays: [IntegerArray, BigIntArray, TextArray],
    names: names,
}
