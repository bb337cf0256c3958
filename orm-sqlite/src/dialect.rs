use orm_core::{Dialect, SqlType};

/// How SQLite spells SQL.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn id(&self) -> usize {
        0
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn push_placeholder(&self, sql: &mut String, _n: usize) {
        sql.push('?');
    }

    fn column_type(&self, ty: SqlType) -> &'static str {
        // Declared types are chosen so that sqlx's type checks accept what is read back.
        match ty {
            SqlType::Bool => "BOOLEAN",
            SqlType::SmallInt | SqlType::Integer | SqlType::BigInt => "INTEGER",
            SqlType::Real | SqlType::Double => "REAL",
            SqlType::Text => "TEXT",
            SqlType::Bytes => "BLOB",
            SqlType::TimestampTz | SqlType::Timestamp => "DATETIME",
            SqlType::Date => "DATE",
            SqlType::Time => "TIME",
            _ => "BLOB",
        }
    }

    fn generated_key_column(&self, _ty: SqlType) -> &'static str {
        // Exactly `INTEGER PRIMARY KEY` makes the column an alias of the rowid.
        "INTEGER PRIMARY KEY"
    }

    fn max_binds(&self) -> usize {
        // SQLITE_MAX_VARIABLE_NUMBER since 3.32.
        32_766
    }

    fn supports_array_binds(&self) -> bool {
        false
    }

    fn push_limit_offset(&self, sql: &mut String, limit: Option<u64>, offset: Option<u64>) {
        use std::fmt::Write;
        // SQLite accepts OFFSET only after a LIMIT; -1 means none.
        match (limit, offset) {
            (Some(limit), Some(offset)) => drop(write!(sql, " LIMIT {limit} OFFSET {offset}")),
            (Some(limit), None) => drop(write!(sql, " LIMIT {limit}")),
            (None, Some(offset)) => drop(write!(sql, " LIMIT -1 OFFSET {offset}")),
            (None, None) => {}
        }
    }
}
