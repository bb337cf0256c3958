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
    dialect: &'static dyn Dialect,
}

impl SqlBuilder {
    /// An empty statement for `dialect`.
    pub fn new(dialect: &'static dyn Dialect) -> Self {
        SqlBuilder { sql: String::with_capacity(128), args: Vec::new(), placeholders: 0, dialect }
    }

    /// Starts from already built (cached) text, e.g. a `SELECT … FROM …` prefix.
    pub fn with_prefix(dialect: &'static dyn Dialect, prefix: &str) -> Self {
        let mut sql = String::with_capacity(prefix.len() + 64);
        sql.push_str(prefix);
        SqlBuilder { sql, args: Vec::new(), placeholders: 0, dialect }
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

    /// How many placeholders are written so far.
    pub fn placeholder_count(&self) -> usize {
        self.placeholders
    }

    /// Appends `LIMIT`/`OFFSET`.
    pub fn limit_offset(&mut self, limit: Option<u64>, offset: Option<u64>) -> &mut Self {
        self.dialect.push_limit_offset(&mut self.sql, limit, offset);
        self
    }

    /// Appends `expr IN (…)` (or `NOT IN`) for `values`: one array parameter where the backend
    /// binds arrays, a placeholder list otherwise. An empty list is constant false (true when
    /// negated), as SQL forbids `IN ()`.
    pub fn in_list(&mut self, qualifier: &str, column: &str, values: Vec<Value>, negated: bool) -> &mut Self {
        if values.is_empty() {
            return self.push(if negated { "1 = 1" } else { "1 = 0" });
        }
        self.qualified(qualifier, column);
        if self.dialect.supports_array_binds()
            && let Some(array) = Value::pack_array(&values)
        {
            self.push(if negated { " <> ALL(" } else { " = ANY(" }).bind(array).push(")");
            return self;
        }
        // A long list on a backend without arrays (SQLite): one JSON array parameter. Past a
        // few thousand placeholders SQLite 3.51 also plans the list badly (a scan of the
        // other table with a probe per row), and the text would differ for every length.
        if (values.len() > LONG_LIST || self.placeholders + values.len() > self.dialect.max_binds())
            && let Some(array) = json_array(&values)
        {
            self.push(if negated {
                " NOT IN (SELECT value FROM json_each("
            } else {
                " IN (SELECT value FROM json_each("
            });
            self.bind(Value::Text(Some(array))).push("))");
            return self;
        }
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
    pub fn finish(self) -> Statement {
        Statement { sql: self.sql.into(), args: self.args }
    }
}

/// How many values an `IN (…)` list binds one by one before it becomes one JSON array.
const LONG_LIST: usize = 500;

/// The values as a JSON array, when they are all integers, floats, booleans or text.
fn json_array(values: &[Value]) -> Option<String> {
    use std::fmt::Write;
    let mut json = String::with_capacity(values.len() * 8 + 2);
    json.push('[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        match value {
            Value::SmallInt(Some(v)) => drop(write!(json, "{v}")),
            Value::Integer(Some(v)) => drop(write!(json, "{v}")),
            Value::BigInt(Some(v)) => drop(write!(json, "{v}")),
            Value::Double(Some(v)) if v.is_finite() => drop(write!(json, "{v}")),
            Value::Bool(Some(v)) => json.push_str(if *v { "1" } else { "0" }),
            Value::Text(Some(text)) => {
                json.push('"');
                for c in text.chars() {
                    match c {
                        '"' => json.push_str("\\\""),
                        '\\' => json.push_str("\\\\"),
                        c if u32::from(c) < 0x20 => drop(write!(json, "\\u{:04x}", u32::from(c))),
                        c => json.push(c),
                    }
                }
                json.push('"');
            }
            _ => return None,
        }
    }
    json.push(']');
    Some(json)
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
            Arc::<str>::from(builder.sql)
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
