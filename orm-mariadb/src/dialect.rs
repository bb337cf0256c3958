use orm_core::dialect::{AggregateFunction, LockMode, push_aggregate_call};
use orm_core::sql::SqlBuilder;
use orm_core::{Dialect, SqlType, Value};

use crate::json_list::{JsonColumn, json_column, json_rows};

/// How MariaDB (10.5 or later) spells SQL.
#[derive(Debug, Clone, Copy, Default)]
pub struct MariaDbDialect;

/// What a skip-conflict insert appends; its error is classified by the statement's text.
pub(crate) const SKIP_CONFLICT: &str = " ON DUPLICATE KEY UPDATE ";

/// Text columns compare byte by byte, as on the other backends: case-sensitively (MariaDB's
/// default collations fold case in `=` and `LIKE`) and with trailing spaces significant (a
/// `PAD SPACE` collation such as `utf8mb4_bin` finds `'a'` equal to `'a '`).
const TEXT: &str = "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin";
/// Text in a key: InnoDB indexes `VARCHAR`, not `LONGTEXT`; 191 characters of utf8mb4 keep a
/// four-column key under its 3,072-byte limit.
const KEY_TEXT: &str = "VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin";
/// The prepared-statement protocol counts parameters in a u16.
const PROTOCOL_BINDS: usize = 65_535;
/// Placeholders kept free for what a statement binds after a list (later filters, `HAVING`,
/// paging): a list that would leave fewer goes through `JSON_TABLE`. Writers that chunk keys
/// under [`Dialect::max_binds`] fill statements up to exactly this margin, so their lists stay
/// placeholders.
const AFTER_LIST: usize = 256;

impl Dialect for MariaDbDialect {
    fn id(&self) -> usize {
        2
    }

    fn name(&self) -> &'static str {
        "mariadb"
    }

    fn push_placeholder(&self, sql: &mut String, _n: usize) {
        sql.push('?');
    }

    fn push_identifier(&self, sql: &mut String, identifier: &str) {
        orm_core::dialect::push_quoted(sql, identifier, '`');
    }

    fn column_type(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Bool => "BOOLEAN",
            SqlType::SmallInt => "SMALLINT",
            SqlType::Integer => "INT",
            SqlType::BigInt => "BIGINT",
            SqlType::Real => "FLOAT",
            SqlType::Double => "DOUBLE",
            SqlType::Text => TEXT,
            SqlType::Bytes => "LONGBLOB",
            // Microseconds, as the other backends keep: plain DATETIME drops fractions.
            SqlType::TimestampTz | SqlType::Timestamp => "DATETIME(6)",
            SqlType::Date => "DATE",
            SqlType::Time => "TIME(6)",
            // sqlx sends a UUID as its 16 bytes.
            SqlType::Uuid => "BINARY(16)",
            SqlType::Json => "JSON",
            // Every `rust_decimal::Decimal`: 29 integer digits and a scale up to 28.
            SqlType::Decimal => "DECIMAL(65, 28)",
        }
    }

    fn key_column_type(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::Text => KEY_TEXT,
            SqlType::Bytes => "VARBINARY(767)",
            ty => self.column_type(ty),
        }
    }

    fn indexes_foreign_keys(&self) -> bool {
        true
    }

    fn generated_key_column(&self, ty: SqlType) -> &'static str {
        match ty {
            SqlType::SmallInt => "SMALLINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            SqlType::Integer => "INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
            _ => "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
        }
    }

    fn max_binds(&self) -> usize {
        PROTOCOL_BINDS - AFTER_LIST
    }

    fn supports_array_binds(&self) -> bool {
        false
    }

    fn orders_children_by_parent(&self) -> bool {
        false
    }

    fn push_limit_offset(&self, b: &mut SqlBuilder, limit: Option<u64>, offset: Option<u64>) {
        // OFFSET needs a LIMIT: the largest one stands for none.
        orm_core::dialect::push_limit_before_offset(b, limit, offset, "18446744073709551615");
    }

    fn push_in_values(&self, b: &mut SqlBuilder, values: Vec<Value>, negated: bool) {
        let values = without_infinities(values);
        // Past the bind limit (the protocol's 65,535 parameters less `AFTER_LIST`), one JSON
        // array parameter. Below it, placeholders: MariaDB searches a constant list as fast as the
        // JSON rows, and writes by key are chunked under the limit.
        if b.placeholder_count() + values.len() > self.max_binds()
            && let Some(column) = json_column(&values.iter().collect::<Vec<_>>())
            && let Some(json) = json_rows(values.iter().map(std::slice::from_ref), 0)
        {
            push_json_table(b, negated, &[column], json);
            return;
        }
        b.placeholder_list(values, negated);
    }

    fn push_in_rows(&self, b: &mut SqlBuilder, rows: Vec<Value>, negated: bool) {
        let rows: Vec<Vec<Value>> = rows.into_iter().map(orm_core::key::key_parts).collect();
        let width = rows.first().map_or(0, Vec::len);
        if b.placeholder_count() + rows.len() * width > self.max_binds() {
            let columns: Option<Vec<JsonColumn>> =
                (0..width).map(|i| json_column(&rows.iter().filter_map(|r| r.get(i)).collect::<Vec<_>>())).collect();
            if let Some(columns) = columns
                && let Some(json) = json_rows(rows.iter().map(Vec::as_slice), width)
            {
                push_json_table(b, negated, &columns, json);
                return;
            }
        }
        // Row constructors: a `VALUES` list would name its columns after the first row's
        // values, all `?`, and fail as duplicate column names.
        let rows = rows.into_iter().map(|parts| Value::Row(parts.into_boxed_slice())).collect();
        orm_core::dialect::push_in_row_values(b, rows, negated, false);
    }

    fn push_default_values(&self, b: &mut SqlBuilder) {
        b.push(" () VALUES ()");
    }

    fn push_skip_conflict(&self, b: &mut SqlBuilder, target: &[&str]) {
        // MariaDB has no `ON CONFLICT (target)`: a duplicate on any unique key takes the
        // `ON DUPLICATE KEY UPDATE` branch. It keeps a row that equals the new one on
        // `target` (the conflict PostgreSQL skips) and fails on any other duplicate, with the
        // "Subquery returns more than 1 row" error, as `INSERT IGNORE` would not (it also
        // ignores foreign-key and NOT NULL errors).
        let Some((first, _)) = target.split_first() else { return };
        b.push(SKIP_CONFLICT).identifier(first).push(" = IF(");
        for (i, column) in target.iter().enumerate() {
            if i > 0 {
                b.push(" AND ");
            }
            b.identifier(column).push(" <=> VALUES(").identifier(column).push(")");
        }
        b.push(", ").identifier(first).push(", (SELECT 1 UNION ALL SELECT 2))");
    }

    fn push_upsert(&self, b: &mut SqlBuilder, table: &str, target: &[&str], update: &[&str], bump: Option<&str>) {
        // `ON DUPLICATE KEY UPDATE` fires on a duplicate of any unique key. The first
        // assignment keeps the statement to the named target: it leaves the row alone when the
        // row equals the new one on `target`, and otherwise fails with "Subquery returns more
        // than 1 row", which the driver reports as the unique violation it stands for (as
        // `push_skip_conflict` does). `=`, not `<=>`: a NULL in the target conflicts with
        // nothing, as on the other backends. Assignments run left to right and the target is
        // never assigned, so the guard sees the row as it was. `RETURNING` returns the row as
        // stored after the update (measured on 10.11).
        let _ = table;
        let Some((first, _)) = target.split_first() else { return };
        b.push(SKIP_CONFLICT).identifier(first).push(" = IF(");
        for (i, column) in target.iter().enumerate() {
            if i > 0 {
                b.push(" AND ");
            }
            b.identifier(column).push(" = VALUES(").identifier(column).push(")");
        }
        b.push(", ").identifier(first).push(", (SELECT 1 UNION ALL SELECT 2))");
        for column in update {
            b.push(", ").identifier(column).push(" = VALUES(").identifier(column).push(")");
        }
        if let Some(version) = bump {
            b.push(", ").identifier(version).push(" = ").identifier(version).push(" + 1");
        }
    }

    fn supports_update_returning(&self) -> bool {
        false
    }

    fn correlated_numbering_prefix(&self) -> Option<&'static str> {
        // MariaDB (10.11) answers wrongly when it "splits" a derived table numbered by
        // `ROW_NUMBER() OVER (PARTITION BY …)` (materializing it per outer key, a "LATERAL
        // DERIVED" step) inside the semi-join it makes of an `EXISTS` over another numbered
        // table: a task of a user with a membership passed `NOT EXISTS (… w0 … EXISTS (… w1 …
        // WHERE w1.user_id = w0.id))`. The statement runs without that optimization; its
        // result does not depend on it.
        Some("SET STATEMENT optimizer_switch = 'split_materialized=off' FOR ")
    }

    fn push_like(&self, b: &mut SqlBuilder, column: (&str, &str), pattern: String, case_insensitive: bool) {
        let pattern = Value::Text(Some(pattern));
        if case_insensitive {
            // Folds case as PostgreSQL's ILIKE does, without the accent folding of MariaDB's
            // case-insensitive collations.
            b.push("LOWER(").qualified(column.0, column.1).push(") LIKE LOWER(").bind(pattern);
            b.push(") COLLATE utf8mb4_nopad_bin");
        } else {
            // A binary collation keeps the match case-sensitive on tables created elsewhere.
            b.qualified(column.0, column.1).push(" LIKE ").bind(pattern).push(" COLLATE utf8mb4_nopad_bin");
        }
        b.push(" ESCAPE '\\\\'");
    }

    fn push_order_term(&self, b: &mut SqlBuilder, column: (&str, &str), descending: bool, nullable: bool) {
        let direction = if descending { " DESC" } else { " ASC" };
        if nullable {
            // MariaDB sorts NULL as the smallest value and has no `NULLS LAST`.
            b.qualified(column.0, column.1).push(" IS NULL").push(direction).push(", ");
        }
        b.qualified(column.0, column.1).push(direction);
    }

    fn nan_refusal(&self) -> Option<&'static str> {
        Some(
            "MariaDB's FLOAT and DOUBLE columns hold no NaN; store NULL (an `Option` field) or a sentinel value instead",
        )
    }

    fn row_lock_clause(&self, lock: LockMode) -> Option<&'static str> {
        Some(match lock {
            LockMode::Share => " LOCK IN SHARE MODE",
            // InnoDB has no `FOR NO KEY UPDATE`; its foreign-key checks take shared locks that
            // `FOR UPDATE` blocks, so both exclusive locks are `FOR UPDATE`.
            _ => " FOR UPDATE",
        })
    }

    fn push_aggregate(
        &self,
        b: &mut SqlBuilder,
        function: AggregateFunction,
        column: Option<(&str, &str)>,
        input: SqlType,
    ) {
        match function {
            AggregateFunction::Sum if input.is_integer() => {
                // `SUM` of integers is a DECIMAL, and `CAST(… AS SIGNED)` clamps a sum past
                // the BIGINT range to its end with a mere warning. Past the range, the clamped
                // sum is moved one further, which fails with "BIGINT value is out of range":
                // an error, never a wrong number.
                b.push("CASE WHEN ");
                push_aggregate_call(b, function, column);
                b.push(" > 9223372036854775807 THEN CAST(");
                push_aggregate_call(b, function, column);
                b.push(" AS SIGNED) + 1 WHEN ");
                push_aggregate_call(b, function, column);
                b.push(" < -9223372036854775808 THEN CAST(");
                push_aggregate_call(b, function, column);
                b.push(" AS SIGNED) - 1 ELSE CAST(");
                push_aggregate_call(b, function, column);
                b.push(" AS SIGNED) END");
            }
            AggregateFunction::Sum => {
                // `SUM` of FLOAT and DOUBLE columns is a DOUBLE already.
                push_aggregate_call(b, function, column);
            }
            AggregateFunction::Avg => match column {
                // `AVG` of integers is a DECIMAL with `div_precision_increment` (4) more
                // digits, so 5/3 would read 1.6667: averaging DOUBLEs keeps a float's
                // precision.
                Some((qualifier, column)) => {
                    b.push("AVG(CAST(").qualified(qualifier, column).push(" AS DOUBLE))");
                }
                None => push_aggregate_call(b, function, None),
            },
            _ => push_aggregate_call(b, function, column),
        }
    }

    fn push_order_expression(
        &self,
        b: &mut SqlBuilder,
        expression: &dyn Fn(&mut SqlBuilder),
        descending: bool,
        nullable: bool,
    ) {
        let direction = if descending { " DESC" } else { " ASC" };
        if nullable {
            // As `push_order_term`: NULL sorts as the largest value.
            expression(b);
            b.push(" IS NULL").push(direction).push(", ");
        }
        expression(b);
        b.push(direction);
    }
}

/// An infinite float in a list is never equal to a stored value: MariaDB's FLOAT and DOUBLE
/// columns refuse infinities. When the list has other values, dropping the infinities changes
/// no comparison (`x IN (1, inf)` is `x IN (1)` for every stored `x`, NULL included); a list of
/// infinities only (and NULLs) is cut to one of each, which binds one by one. Either way JSON,
/// which cannot carry an infinity, is never needed for them.
fn without_infinities(values: Vec<Value>) -> Vec<Value> {
    let infinite = |v: &Value| match v {
        Value::Real(Some(x)) => x.is_infinite(),
        Value::Double(Some(x)) => x.is_infinite(),
        _ => false,
    };
    if !values.iter().any(infinite) {
        return values;
    }
    if values.iter().any(|v| !infinite(v) && !v.is_null()) {
        return values.into_iter().filter(|v| !infinite(v)).collect();
    }
    let mut kept: Vec<Value> = Vec::with_capacity(3);
    for value in values {
        if !kept.contains(&value) {
            kept.push(value);
        }
    }
    kept
}

/// ` IN (SELECT v0, … FROM (SELECT DISTINCT … FROM JSON_TABLE(?, …)) AS m)` over a JSON array of
/// values (one column) or of rows (several).
///
/// The derived table of distinct values is materialized once, with a key when its types can
/// have one: a bare `JSON_TABLE` subquery in an UPDATE or DELETE is re-read for every row
/// (measured on 10.11 with 20,000 keys against 40,000 rows: 99 s bare, 32 s materialized as
/// LONGTEXT, 0.2 s as VARCHAR(191)).
fn push_json_table(b: &mut SqlBuilder, negated: bool, columns: &[JsonColumn], json: String) {
    let names: Vec<String> = (0..columns.len()).map(|i| format!("v{i}")).collect();
    b.push(if negated { " NOT IN (SELECT " } else { " IN (SELECT " }).push(&names.join(", "));
    b.push(" FROM (SELECT DISTINCT ");
    for (i, (column, name)) in columns.iter().zip(&names).enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.push(&column.element(&format!("j.{name}"))).push(" AS ").push(name);
    }
    b.push(" FROM JSON_TABLE(").bind(Value::Text(Some(json))).push(", '$[*]' COLUMNS (");
    for (i, (column, name)) in columns.iter().zip(&names).enumerate() {
        if i > 0 {
            b.push(", ");
        }
        let path = if columns.len() == 1 { "'$'".to_owned() } else { format!("'$[{i}]'") };
        b.push(name).push(" ").push(column.column_type).push(" PATH ").push(&path);
    }
    b.push(")) AS j) AS m)");
}
