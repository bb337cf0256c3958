//! Hand-written SQL, still with bound values and typed rows:
//! `orm::raw("SELECT id, name FROM users WHERE id = ?").bind(1_i64).fetch::<(i64, String)>(&db)`.

use crate::db::IntoExecutor;
use crate::driver::{Access, Statement};
use crate::error::Result;
use crate::row::Row;
use crate::sql::SqlBuilder;
use crate::value::{SqlValue, Value};

/// Starts a hand-written statement, portable across backends: write `?` for each bound value
/// and `"name"` for a quoted identifier on every backend; they are rewritten to the backend's
/// placeholder (`$1` on PostgreSQL) and quoting (`` `name` `` on MariaDB). A `?` inside a
/// quoted string or identifier is left alone.
pub fn raw(sql: impl Into<String>) -> Raw {
    Raw { sql: sql.into(), args: Vec::new(), access: Access::Write }
}

/// A hand-written statement and its bound values.
#[derive(Debug, Clone)]
#[must_use]
pub struct Raw {
    sql: String,
    args: Vec<Value>,
    access: Access,
}

impl Raw {
    /// Binds the next `?`.
    pub fn bind(mut self, value: impl SqlValue) -> Self {
        self.args.push(value.into_value());
        self
    }

    /// Declares that the statement only reads: outside a transaction, a [`Db`](crate::Db) with
    /// read replicas runs it on one (see [Read replicas](crate::Db#read-replicas)). Without
    /// it, a hand-written statement runs on the primary, as the ORM cannot tell what it does
    /// (`SELECT nextval(…)` writes). Inside a transaction it changes nothing.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # let db = orm::sqlite::connect("sqlite::memory:").await?;
    /// let rows = orm::raw("SELECT 1 + ?").bind(1_i64).read_only().fetch::<(i64,)>(&db).await?;
    /// assert_eq!(rows, [(2,)]);
    /// # Ok(()) }
    /// ```
    pub fn read_only(mut self) -> Self {
        self.access = Access::Read;
        self
    }

    /// Rewrites each `?` outside quotes to the backend's placeholder and each `"identifier"`
    /// to the backend's quoting (`""` inside it stands for one `"`); text in single quotes is
    /// left alone.
    fn statement(self, b: &mut SqlBuilder) -> Statement {
        let sql = self.sql.as_str();
        let mut start = 0;
        let mut chars = sql.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '\'' => {
                    for (_, c) in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                    }
                }
                '"' => {
                    let mut identifier = String::new();
                    let mut end = sql.len();
                    while let Some((j, c)) = chars.next() {
                        if c != '"' {
                            identifier.push(c);
                        } else if chars.next_if(|&(_, c)| c == '"').is_some() {
                            identifier.push('"');
                        } else {
                            end = j + 1;
                            break;
                        }
                    }
                    b.push(&sql[start..i]).identifier(&identifier);
                    start = end;
                }
                '?' => {
                    b.push(&sql[start..i]).placeholder();
                    start = i + 1;
                }
                _ => {}
            }
        }
        b.push(&sql[start..]);
        Statement { sql: b.sql().into(), args: self.args, access: self.access }
    }

    /// Runs the statement and returns the number of rows affected.
    pub async fn execute<'e>(self, db: impl IntoExecutor<'e>) -> Result<u64> {
        let mut executor = db.into_executor();
        let statement = self.statement(&mut SqlBuilder::new(executor.dialect()));
        executor.execute(statement).await
    }

    /// Runs the query and decodes every row into `T`, a tuple of column types.
    pub async fn fetch<'e, T: FromRow>(self, db: impl IntoExecutor<'e>) -> Result<Vec<T>> {
        let mut executor = db.into_executor();
        let statement = self.statement(&mut SqlBuilder::new(executor.dialect()));
        let mut rows = Vec::new();
        executor
            .fetch(statement, &mut |row| {
                rows.push(T::from_row(row)?);
                Ok(())
            })
            .await?;
        Ok(rows)
    }
}

/// A row type for [`Raw::fetch`]: a tuple of column types, read left to right.
pub trait FromRow: Sized + Send {
    /// Reads the row.
    fn from_row(row: &dyn Row) -> Result<Self>;
}

macro_rules! tuple_from_row {
    ($($name:ident $index:tt),+) => {
        impl<$($name: SqlValue),+> FromRow for ($($name,)+) {
            fn from_row(row: &dyn Row) -> Result<Self> {
                Ok(($($name::decode(row, $index)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

#[cfg(test)]
mod tests {
    use super::raw;
    use crate::dialect::Dialect;
    use crate::sql::SqlBuilder;
    use crate::value::{SqlType, Value};

    /// Backticks and numbered placeholders, to see both rewrites.
    struct Backticks;

    impl Dialect for Backticks {
        fn id(&self) -> usize {
            3
        }
        fn name(&self) -> &'static str {
            "test"
        }
        fn push_placeholder(&self, sql: &mut String, n: usize) {
            sql.push_str(&format!("${n}"));
        }
        fn push_identifier(&self, sql: &mut String, identifier: &str) {
            crate::dialect::push_quoted(sql, identifier, '`');
        }
        fn column_type(&self, _ty: SqlType) -> &'static str {
            "T"
        }
        fn generated_key_column(&self, _ty: SqlType) -> &'static str {
            "K"
        }
        fn max_binds(&self) -> usize {
            10
        }
        fn supports_array_binds(&self) -> bool {
            false
        }
        fn push_like(&self, _b: &mut SqlBuilder, _column: (&str, &str), _pattern: String, _ci: bool) {}
    }

    static DIALECT: Backticks = Backticks;

    fn rewritten(sql: &str) -> String {
        let statement = raw(sql).bind(1_i64).statement(&mut SqlBuilder::new(&DIALECT));
        assert_eq!(statement.args, vec![Value::BigInt(Some(1))]);
        statement.sql.to_string()
    }

    #[test]
    fn placeholders_and_quoted_identifiers_follow_the_dialect() {
        assert_eq!(rewritten(r#"SELECT "a" FROM "order" WHERE x = ?"#), "SELECT `a` FROM `order` WHERE x = $1");
        // `""` inside an identifier is one `"`; a `?` inside quotes is not a placeholder.
        assert_eq!(rewritten(r#"SELECT "say ""hi""?" WHERE '?' <> ?"#), "SELECT `say \"hi\"?` WHERE '?' <> $1");
        assert_eq!(
            rewritten("SELECT x FROM t WHERE y = ? AND z = 'it''s'"),
            "SELECT x FROM t WHERE y = $1 AND z = 'it''s'"
        );
    }
}
