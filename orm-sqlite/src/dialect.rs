use orm_core::dialect::{AggregateFunction, push_aggregate_call, push_standard_aggregate};
use orm_core::sql::SqlBuilder;
use orm_core::{Dialect, SqlType, Value};

use crate::json_list::json_list;

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
            // sqlx stores a UUID as its 16 bytes and JSON as text.
            SqlType::Uuid => "BLOB",
            SqlType::Json => "TEXT",
            // SQLite has no exact decimal, and NUMERIC affinity rounds to 15 digits: a decimal
            // is kept exactly as its normalized text, compared as a number by a collation the
            // backend registers on each connection.
            SqlType::Decimal => "TEXT COLLATE orm_decimal",
        }
    }

    fn push_aggregate(
        &self,
        b: &mut SqlBuilder,
        function: AggregateFunction,
        column: Option<(&str, &str)>,
        input: SqlType,
    ) {
        match (function, input) {
            // `MIN`/`MAX` pick by the column's collation, but their result has none: `HAVING
            // MAX(amount) > ?` and `ORDER BY MAX(amount)` would compare text ("10" < "9").
            (AggregateFunction::Min | AggregateFunction::Max, SqlType::Decimal) => {
                push_aggregate_call(b, function, column);
                b.push(" COLLATE orm_decimal");
            }
            _ => push_standard_aggregate(b, function, column, input),
        }
    }

    fn generated_key_column(&self, _ty: SqlType) -> &'static str {
        // Exactly `INTEGER PRIMARY KEY` makes the column an alias of the rowid.
        "INTEGER PRIMARY KEY"
    }

    fn push_exists_end(&self, b: &mut SqlBuilder) {
        // `LIMIT 1` keeps SQLite (3.51) from rewriting the EXISTS into a join, which returns a
        // parent once per child under LIMIT/OFFSET.
        b.push(" LIMIT 1)");
    }

    fn checks_integer_range(&self, ty: SqlType) -> bool {
        matches!(ty, SqlType::SmallInt | SqlType::Integer)
    }

    fn default_key_value(&self) -> &'static str {
        // NULL into an `INTEGER PRIMARY KEY` (a rowid alias) takes the next rowid.
        "NULL"
    }

    fn max_binds(&self) -> usize {
        // SQLITE_MAX_VARIABLE_NUMBER since 3.32.
        32_766
    }

    fn supports_array_binds(&self) -> bool {
        false
    }

    fn push_in_values(&self, b: &mut SqlBuilder, values: Vec<Value>, negated: bool) {
        // A long list: one JSON array parameter. Past a few thousand placeholders SQLite 3.51
        // also plans the list badly (a scan of the other table with a probe per row), the text
        // would differ for every length, and past 32,766 it cannot be bound at all.
        if (values.len() > LONG_LIST || b.placeholder_count() + values.len() > self.max_binds())
            && let Some((json, element)) = json_list(&values)
        {
            b.push(if negated { " NOT IN (SELECT " } else { " IN (SELECT " });
            b.push(element).push(" FROM json_each(").bind(Value::Text(Some(json))).push("))");
            return;
        }
        b.placeholder_list(values, negated);
    }

    fn push_like(&self, b: &mut SqlBuilder, column: (&str, &str), pattern: String, case_insensitive: bool) {
        b.qualified(column.0, column.1);
        if case_insensitive {
            // SQLite's LIKE folds ASCII letters only (PostgreSQL's ILIKE folds all of Unicode).
            b.push(" LIKE ").bind(Value::Text(Some(pattern))).push(" ESCAPE '\\'");
        } else {
            // LIKE is case-insensitive on SQLite; GLOB is case-sensitive, so the pattern is
            // translated to GLOB's syntax.
            b.push(" GLOB ").bind(Value::Text(Some(like_to_glob(&pattern))));
        }
    }

    fn push_order_term(&self, b: &mut SqlBuilder, column: (&str, &str), descending: bool, nullable: bool) {
        b.qualified(column.0, column.1).push(if descending { " DESC" } else { " ASC" });
        if nullable {
            // SQLite sorts NULL as the smallest value; PostgreSQL as the largest.
            b.push(if descending { " NULLS FIRST" } else { " NULLS LAST" });
        }
    }

    fn push_order_expression(
        &self,
        b: &mut SqlBuilder,
        expression: &dyn Fn(&mut SqlBuilder),
        descending: bool,
        nullable: bool,
    ) {
        expression(b);
        b.push(if descending { " DESC" } else { " ASC" });
        if nullable {
            // As `push_order_term`: NULL sorts as the largest value.
            b.push(if descending { " NULLS FIRST" } else { " NULLS LAST" });
        }
    }

    fn nan_refusal(&self) -> Option<&'static str> {
        Some("SQLite stores a NaN float as NULL; store NULL (an `Option` field) or a sentinel value instead")
    }

    fn push_add(&self, b: &mut SqlBuilder, column: &str, amount: Value, subtract: bool) {
        // SQLite turns a 64-bit sum that overflows into a float, which would then be stored in
        // the INTEGER column. A sum that would overflow takes the other branch, whose `abs()` of
        // the smallest integer raises "integer overflow" instead. (The 16- and 32-bit columns
        // the ORM creates have a CHECK of their range, which fails the statement.) The bound
        // is computed here, so the comparison itself cannot overflow; it reads the column, so
        // SQLite cannot evaluate the error branch once up front as a constant.
        let Value::BigInt(Some(delta)) = amount else {
            b.identifier(column).push(if subtract { " - " } else { " + " }).bind(amount);
            return;
        };
        let overflows = match (subtract, delta.signum()) {
            (_, 0) => None,
            (false, 1) => Some((" > ", i64::MAX - delta)),
            (false, _) => Some((" < ", i64::MIN - delta)),
            (true, 1) => Some((" < ", i64::MIN + delta)),
            (true, _) => Some((" > ", i64::MAX + delta)),
        };
        let Some((comparison, bound)) = overflows else {
            b.identifier(column).push(" + ").bind(amount);
            return;
        };
        b.push("CASE WHEN ").identifier(column).push(comparison).bind(Value::BigInt(Some(bound)));
        b.push(" THEN abs(-9223372036854775807 - 1 + 0 * ").identifier(column).push(") ELSE ");
        b.identifier(column).push(if subtract { " - " } else { " + " }).bind(amount).push(" END");
    }

    fn push_limit_offset(&self, b: &mut SqlBuilder, limit: Option<u64>, offset: Option<u64>) {
        // SQLite accepts OFFSET only after a LIMIT; -1 means none.
        orm_core::dialect::push_limit_before_offset(b, limit, offset, "-1");
    }
}

/// How many values an `IN (…)` list binds one by one before it becomes one JSON array.
const LONG_LIST: usize = 500;

/// A `LIKE` pattern (`%`, `_`, `\` escapes) as the equivalent `GLOB` pattern, where `*`, `?`
/// and `[` are special and a bracketed character is literal.
fn like_to_glob(pattern: &str) -> String {
    let mut glob = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        let literal = match c {
            '%' => {
                glob.push('*');
                continue;
            }
            '_' => {
                glob.push('?');
                continue;
            }
            '\\' => chars.next().unwrap_or('\\'),
            c => c,
        };
        match literal {
            '*' | '?' | '[' => {
                glob.push('[');
                glob.push(literal);
                glob.push(']');
            }
            c => glob.push(c),
        }
    }
    glob
}

#[cfg(test)]
mod tests {
    use super::like_to_glob;

    #[test]
    fn like_patterns_become_glob_patterns() {
        assert_eq!(like_to_glob("a%b_c"), "a*b?c");
        assert_eq!(like_to_glob(r"100\%"), "100%");
        assert_eq!(like_to_glob(r"a\_b"), "a_b");
        assert_eq!(like_to_glob(r"a\\b"), r"a\b");
        assert_eq!(like_to_glob("*?[x]"), "[*][?][[]x]");
        assert_eq!(like_to_glob(r"end\"), r"end\");
    }
}
