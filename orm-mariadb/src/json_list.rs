//! Long `IN (…)` lists as one JSON array parameter, read back as rows by `JSON_TABLE` (MariaDB
//! 10.6 or later) with a column of the values' SQL type, so that the comparison is the one a
//! bound value would make.

use std::fmt::Write;

use orm_core::Value;
use orm_core::dialect::push_json_string;

/// A list as JSON: the array, the `JSON_TABLE` column type and the expression that turns the
/// column `v` back into the compared value.
pub(crate) struct JsonList {
    pub(crate) json: String,
    pub(crate) column_type: &'static str,
    pub(crate) element: &'static str,
}

/// The values as a JSON array; `None` when they mix types or one cannot be carried faithfully
/// (a NaN or infinite float), in which case they are bound one by one.
pub(crate) fn json_list(values: &[Value]) -> Option<JsonList> {
    let first = values.iter().find(|v| !v.is_null()).unwrap_or(values.first()?);
    if values.iter().any(|v| std::mem::discriminant(v) != std::mem::discriminant(first)) {
        return None;
    }
    let (column_type, element) = match first {
        Value::Bool(_) | Value::SmallInt(_) | Value::Integer(_) | Value::BigInt(_) => ("BIGINT", "v"),
        Value::Real(_) | Value::Double(_) => ("DOUBLE", "v"),
        // A column that fits a key (as the key columns the ORM creates do) gets one in the
        // materialized list; longer values take LONGTEXT, without.
        Value::Text(_)
            if values.iter().all(|v| matches!(v, Value::Text(Some(t)) if t.chars().count() <= 191) || v.is_null()) =>
        {
            ("VARCHAR(191) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", "v")
        }
        Value::Text(_) => ("LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", "v"),
        // Hex digits; `UNHEX` of a LONGTEXT column loses every match under DISTINCT on 10.11.
        Value::Bytes(_)
            if values.iter().all(|v| matches!(v, Value::Bytes(Some(b)) if b.len() <= 32_766) || v.is_null()) =>
        {
            ("VARCHAR(65532) CHARACTER SET ascii", "UNHEX(v)")
        }
        #[cfg(feature = "chrono")]
        Value::TimestampTz(_) | Value::Timestamp(_) => ("DATETIME(6)", "v"),
        #[cfg(feature = "chrono")]
        Value::Date(_) => ("DATE", "v"),
        #[cfg(feature = "chrono")]
        Value::Time(_) => ("TIME(6)", "v"),
        _ => return None,
    };
    let mut json = String::with_capacity(values.len() * 8 + 2);
    json.push('[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        match value {
            value if value.is_null() => json.push_str("null"),
            Value::Bool(Some(v)) => json.push_str(if *v { "1" } else { "0" }),
            Value::SmallInt(Some(v)) => drop(write!(json, "{v}")),
            Value::Integer(Some(v)) => drop(write!(json, "{v}")),
            Value::BigInt(Some(v)) => drop(write!(json, "{v}")),
            Value::Real(Some(v)) if v.is_finite() => drop(write!(json, "{:?}", f64::from(*v))),
            Value::Double(Some(v)) if v.is_finite() => drop(write!(json, "{v:?}")),
            Value::Text(Some(text)) => push_json_string(&mut json, text),
            Value::Bytes(Some(bytes)) => {
                json.push('"');
                for byte in bytes {
                    let _ = write!(json, "{byte:02x}");
                }
                json.push('"');
            }
            #[cfg(feature = "chrono")]
            Value::TimestampTz(Some(v)) => push_json_string(&mut json, &v.naive_utc().format("%F %T%.6f").to_string()),
            #[cfg(feature = "chrono")]
            Value::Timestamp(Some(v)) => push_json_string(&mut json, &v.format("%F %T%.6f").to_string()),
            #[cfg(feature = "chrono")]
            Value::Date(Some(v)) => push_json_string(&mut json, &v.format("%F").to_string()),
            #[cfg(feature = "chrono")]
            Value::Time(Some(v)) => push_json_string(&mut json, &v.format("%T%.6f").to_string()),
            _ => return None,
        }
    }
    json.push(']');
    Some(JsonList { json, column_type, element })
}
