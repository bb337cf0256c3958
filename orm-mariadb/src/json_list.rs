//! Long `IN (…)` lists as one JSON array parameter, read back as rows by `JSON_TABLE` (MariaDB
//! 10.6 or later) with a column of the values' SQL type, so that the comparison is the one a
//! bound value would make.

use std::fmt::Write;

use orm_core::Value;
use orm_core::dialect::push_json_string;

/// How one list column is read back: its `JSON_TABLE` column type and the expression, over the
/// column named `{}`, that turns it back into the compared value.
pub(crate) struct JsonColumn {
    pub(crate) column_type: &'static str,
    element: &'static str,
}

impl JsonColumn {
    /// The expression over the column `name`.
    pub(crate) fn element(&self, name: &str) -> String {
        self.element.replace("{}", name)
    }
}

/// How a column of `values` (of one type, NULLs allowed) is carried; `None` when the values mix
/// types or one cannot be carried faithfully (a NaN or infinite float), in which case they are
/// bound one by one.
pub(crate) fn json_column(values: &[&Value]) -> Option<JsonColumn> {
    let first = *values.iter().find(|v| !v.is_null()).or(values.first())?;
    if values.iter().any(|v| std::mem::discriminant(*v) != std::mem::discriminant(first)) {
        return None;
    }
    let text_fits =
        || values.iter().all(|v| matches!(v, Value::Text(Some(t)) if t.chars().count() <= 191) || v.is_null());
    let bytes_fit = || values.iter().all(|v| matches!(v, Value::Bytes(Some(b)) if b.len() <= 32_766) || v.is_null());
    let (column_type, element) = match first {
        Value::Bool(_) | Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) => ("BIGINT", "{}"),
        Value::Real(_) | Value::Double(_) => ("DOUBLE", "{}"),
        // A column that fits a key (as the key columns the ORM creates do) gets one in the
        // materialized list; longer values take LONGTEXT, without.
        Value::Text(_) if text_fits() => ("VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", "{}"),
        Value::Text(_) => ("LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", "{}"),
        // Hex digits; `UNHEX` of a LONGTEXT column loses every match under DISTINCT on 10.11.
        Value::Bytes(_) if bytes_fit() => ("VARCHAR(65532) CHARACTER SET ascii", "UNHEX({})"),
        #[cfg(feature = "chrono")]
        Value::TimestampTz(_) | Value::Timestamp(_) => ("DATETIME(6)", "{}"),
        #[cfg(feature = "chrono")]
        Value::Date(_) => ("DATE", "{}"),
        #[cfg(feature = "chrono")]
        Value::Time(_) => ("TIME(6)", "{}"),
        #[cfg(feature = "uuid")]
        Value::Uuid(_) => ("CHAR(32) CHARACTER SET ascii", "UNHEX({})"),
        #[cfg(feature = "decimal")]
        Value::Decimal(_) => ("DECIMAL(65, 28)", "{}"),
        // A document's text, compared as the JSON (LONGTEXT, binary collation) column is.
        #[cfg(feature = "json")]
        Value::Json(_) => ("LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "{}"),
        _ => return None,
    };
    Some(JsonColumn { column_type, element })
}

/// Appends one value as JSON; `None` for one JSON cannot carry (a NaN or infinite float).
pub(crate) fn push_json_value(json: &mut String, value: &Value) -> Option<()> {
    match value {
        value if value.is_null() => json.push_str("null"),
        Value::Bool(Some(v)) => json.push_str(if *v { "1" } else { "0" }),
        Value::SmallInt(Some(v)) => drop(write!(json, "{v}")),
        Value::Integer(Some(v)) => drop(write!(json, "{v}")),
        Value::BigInt(Some(v)) => drop(write!(json, "{v}")),
        Value::Real(Some(v)) if v.is_finite() => drop(write!(json, "{:?}", f64::from(*v))),
        Value::Double(Some(v)) if v.is_finite() => drop(write!(json, "{v:?}")),
        Value::Text(Some(text)) => push_json_string(json, text),
        Value::Bytes(Some(bytes)) => orm_core::dialect::push_json_hex(json, bytes),
        #[cfg(feature = "uuid")]
        Value::Uuid(Some(v)) => orm_core::dialect::push_json_hex(json, v.as_bytes()),
        #[cfg(feature = "decimal")]
        Value::Decimal(Some(v)) => push_json_string(json, &v.to_string()),
        #[cfg(feature = "json")]
        Value::Json(Some(v)) => push_json_string(json, &v.to_string()),
        #[cfg(feature = "chrono")]
        Value::TimestampTz(Some(v)) => push_json_string(json, &v.naive_utc().format("%F %T%.6f").to_string()),
        #[cfg(feature = "chrono")]
        Value::Timestamp(Some(v)) => push_json_string(json, &v.format("%F %T%.6f").to_string()),
        #[cfg(feature = "chrono")]
        Value::Date(Some(v)) => push_json_string(json, &v.format("%F").to_string()),
        #[cfg(feature = "chrono")]
        Value::Time(Some(v)) => push_json_string(json, &v.format("%T%.6f").to_string()),
        _ => return None,
    }
    Some(())
}

/// A list as a JSON array of rows, each an array of `width` values (`width` 0: bare values).
pub(crate) fn json_rows<'v>(rows: impl Iterator<Item = &'v [Value]>, width: usize) -> Option<String> {
    let mut json = String::from("[");
    for (i, row) in rows.enumerate() {
        if i > 0 {
            json.push(',');
        }
        if width == 0 {
            push_json_value(&mut json, row.first()?)?;
            continue;
        }
        json.push('[');
        for (j, value) in row.iter().enumerate() {
            if j > 0 {
                json.push(',');
            }
            push_json_value(&mut json, value)?;
        }
        json.push(']');
    }
    json.push(']');
    Some(json)
}
