//! Building statement text and binds in one pass, for one dialect. This is the one place where
//! SQL text is assembled: identifiers are always quoted, values always bound.

use std::sync::{Arc, OnceLock};

use crate::dialect::Dialect;
use crate::driver::Statement;
use crate::value::Value;

/// Accumulates SQL text and the values bound to it.
pub struct SqlBuilder {
    sql: String,
    args: Vec<Value>,
    placeholders: usize,
    aliases: usize,
    /// A numbered derived table is correlated with an outer row somewhere in the statement.
    correlated_numbering: bool,
    dialect: &'static dyn Dialect,
}

impl SqlBuilder {
    /// An empty statement for `dialect`.
    pub fn new(dialect: &'static dyn Dialect) -> Self {
        SqlBuilder {
            sql: String::with_capacity(128),
            args: Vec::new(),
            placeholders: 0,
            aliases: 0,
            correlated_numbering: false,
            dialect,
        }
    }

    /// Starts from already built (cached) text, e.g. a `SELECT … FROM …` prefix.
    pub fn with_prefix(dialect: &'static dyn Dialect, prefix: &str) -> Self {
        let mut sql = String::with_capacity(prefix.len() + 64);
        sql.push_str(prefix);
        SqlBuilder { sql, args: Vec::new(), placeholders: 0, aliases: 0, correlated_numbering: false, dialect }
    }

    /// The dialect being written.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    /// Appends raw SQL keywords or punctuation (never user data).
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a quoted identifier.
    pub fn identifier(&mut self, name: &str) -> &mut Self {
        self.dialect.push_identifier(&mut self.sql, name);
        self
    }

    /// Appends `"qualifier"."column"`.
    pub fn qualified(&mut self, qualifier: &str, column: &str) -> &mut Self {
        self.identifier(qualifier).push(".").identifier(column)
    }

    /// Appends a placeholder and binds `value` to it.
    pub fn bind(&mut self, value: Value) -> &mut Self {
        self.args.push(value);
        self.placeholder()
    }

    /// Appends a placeholder whose value is supplied when the (cached) text is run.
    pub fn placeholder(&mut self) -> &mut Self {
        self.placeholders += 1;
        self.dialect.push_placeholder(&mut self.sql, self.placeholders);
        self
    }

    /// A number no other subquery of this statement has: nested `EXISTS` subqueries name
    /// their tables with it, so that an inner alias never hides an outer one (a
    /// self-association reads one table at every level).
    pub(crate) fn next_alias(&mut self) -> usize {
        self.aliases += 1;
        self.aliases - 1
    }

    /// Records that the statement correlates a numbered derived table (`ROW_NUMBER()` over
    /// the targets of every parent) with an outer row, so that [`finish`](Self::finish) puts
    /// the dialect's [`correlated_numbering_prefix`](Dialect::correlated_numbering_prefix)
    /// before it.
    pub(crate) fn note_correlated_numbering(&mut self) {
        self.correlated_numbering = true;
    }

    /// How many placeholders are written so far.
    pub fn placeholder_count(&self) -> usize {
        self.placeholders
    }

    /// Appends `INSERT INTO "table" ("a", "b") VALUES ` (the rows follow, see
    /// [`values_rows`](Self::values_rows)).
    pub fn insert_into<'c>(&mut self, table: &str, columns: impl IntoIterator<Item = &'c str>) -> &mut Self {
        self.insert_columns(table, columns).push(" VALUES ")
    }

    /// Appends `INSERT INTO "table" ("a", "b")` and the rows, as the dialect writes many rows
    /// (see [`Dialect::push_insert_rows`]: `VALUES (?, ?), …`, or one array per column on
    /// PostgreSQL). Every row has a value for each column, in order; `rows` is not empty.
    pub fn insert_rows<'c>(
        &mut self,
        table: &str,
        columns: impl IntoIterator<Item = &'c str>,
        rows: Vec<Vec<Value>>,
    ) -> &mut Self {
        self.insert_columns(table, columns);
        self.dialect.push_insert_rows(self, rows);
        self
    }

    fn insert_columns<'c>(&mut self, table: &str, columns: impl IntoIterator<Item = &'c str>) -> &mut Self {
        self.push("INSERT INTO ").identifier(table).push(" (");
        for (i, column) in columns.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.identifier(column);
        }
        self.push(")")
    }

    /// Appends `(?, ?), (?, ?)`, binding each row's values.
    pub fn values_rows(&mut self, rows: impl IntoIterator<Item = Vec<Value>>) -> &mut Self {
        for (i, row) in rows.into_iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            for (j, value) in row.into_iter().enumerate() {
                if j > 0 {
                    self.push(", ");
                }
                self.bind(value);
            }
            self.push(")");
        }
        self
    }

    /// Appends `UPDATE "table" SET ` (the assignments follow).
    pub fn update_set(&mut self, table: &str) -> &mut Self {
        self.push("UPDATE ").identifier(table).push(" SET ")
    }

    /// Appends `DELETE FROM "table"` (a ` WHERE` may follow).
    pub fn delete_from(&mut self, table: &str) -> &mut Self {
        self.push("DELETE FROM ").identifier(table)
    }

    /// Appends `INSERT INTO "table"` with no column list, for a row of default values (see
    /// [`Dialect::push_default_values`]).
    pub fn insert_defaults(&mut self, table: &str) -> &mut Self {
        self.push("INSERT INTO ").identifier(table);
        self.dialect.push_default_values(self);
        self
    }

    /// Appends the clause that returns the inserted rows' `columns`, after an `INSERT`.
    pub fn returning(&mut self, columns: &[crate::meta::ColumnMeta]) -> &mut Self {
        self.dialect.push_returning(self, columns);
        self
    }

    /// Appends, after an `INSERT … VALUES`, what skips a row conflicting on the unique key
    /// `target` and still raises every other error.
    pub fn skip_conflict(&mut self, target: &[&str]) -> &mut Self {
        self.dialect.push_skip_conflict(self, target);
        self
    }

    /// Appends, after an `INSERT … VALUES` of one row, what updates the row conflicting on the
    /// unique key `target` instead (see
    /// [`Dialect::push_upsert`]).
    pub fn upsert(&mut self, table: &str, target: &[&str], update: &[&str], bump: Option<&str>) -> &mut Self {
        self.dialect.push_upsert(self, table, target, update, bump);
        self
    }

    /// Appends `"column" = <column moved by amount>`, an assignment of an `UPDATE … SET` (see
    /// [`Dialect::push_add`]).
    pub fn add_assignment(&mut self, column: &str, amount: Value, subtract: bool) -> &mut Self {
        self.identifier(column).push(" = ");
        self.dialect.push_add(self, column, amount, subtract);
        self
    }

    /// Appends `SELECT COUNT(*) FROM "table"`.
    pub fn count_from(&mut self, table: &str) -> &mut Self {
        self.push("SELECT COUNT(*) FROM ").identifier(table)
    }

    /// Appends `LIMIT`/`OFFSET`.
    pub fn limit_offset(&mut self, limit: Option<u64>, offset: Option<u64>) -> &mut Self {
        self.dialect.push_limit_offset(self, limit, offset);
        self
    }

    /// Appends `expr IN (…)` (or `NOT IN`) for `values`, as the dialect spells a list of that
    /// length and type (one array parameter on PostgreSQL). An empty list is constant false
    /// (true when negated), as SQL forbids `IN ()`.
    pub fn in_list(&mut self, qualifier: &str, column: &str, values: Vec<Value>, negated: bool) -> &mut Self {
        if values.is_empty() {
            return self.push(if negated { "1 = 1" } else { "1 = 0" });
        }
        self.qualified(qualifier, column);
        self.dialect.push_in_values(self, values, negated);
        self
    }

    /// [`in_list`](Self::in_list) over borrowed values (see [`Dialect::push_in_slice`]).
    pub fn in_slice(&mut self, qualifier: &str, column: &str, values: &[Value], negated: bool) -> &mut Self {
        if values.is_empty() {
            return self.push(if negated { "1 = 1" } else { "1 = 0" });
        }
        self.qualified(qualifier, column);
        self.dialect.push_in_slice(self, values, negated);
        self
    }

    /// Appends ` IN (?, ?, …)` (or ` NOT IN`) with one placeholder per value.
    pub fn placeholder_list(&mut self, values: Vec<Value>, negated: bool) -> &mut Self {
        self.push(if negated { " NOT IN (" } else { " IN (" });
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }

    /// The text written so far.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Finishes the statement.
    pub fn finish(mut self) -> Statement {
        let args = std::mem::take(&mut self.args);
        Statement::new(self.into_text(), args)
    }

    /// Finishes a statement that only reads ([`Access::Read`](crate::driver::Access::Read)):
    /// outside a transaction it may run on a read replica. Only for a `SELECT` whose result
    /// goes back to the caller and decides no write.
    pub fn finish_read(mut self) -> Statement {
        let args = std::mem::take(&mut self.args);
        Statement::read(self.into_text(), args)
    }

    /// The statement's text, with what the dialect puts before it.
    fn into_text(self) -> String {
        match self.dialect.correlated_numbering_prefix().filter(|_| self.correlated_numbering) {
            Some(prefix) => {
                let mut sql = String::with_capacity(prefix.len() + self.sql.len());
                sql.push_str(prefix);
                sql.push_str(&self.sql);
                sql
            }
            None => self.sql,
        }
    }
}

/// A statement text shared across calls, built once per backend on first use.
pub struct CachedSql {
    slots: [OnceLock<Arc<str>>; 4],
}

impl CachedSql {
    /// An empty cache, for a `static`.
    #[allow(clippy::declare_interior_mutable_const)]
    pub const fn new() -> Self {
        const EMPTY: OnceLock<Arc<str>> = OnceLock::new();
        CachedSql { slots: [EMPTY; 4] }
    }

    /// The text for `dialect`, built by `build` the first time.
    pub fn get(&self, dialect: &'static dyn Dialect, build: impl FnOnce(&mut SqlBuilder)) -> Arc<str> {
        let build_text = || {
            let mut builder = SqlBuilder::new(dialect);
            build(&mut builder);
            Arc::<str>::from(builder.into_text())
        };
        match self.slots.get(dialect.id()) {
            Some(slot) => slot.get_or_init(build_text).clone(),
            None => build_text(),
        }
    }
}

impl std::fmt::Debug for CachedSql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedSql").finish_non_exhaustive()
    }
}

impl Default for CachedSql {
    fn default() -> Self {
        Self::new()
    }
}
