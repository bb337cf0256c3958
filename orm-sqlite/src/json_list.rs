//! Long `IN (…)` lists as one JSON array parameter, read back with `json_each`. Each value is
//! written as SQLite itself would store the bound value, so the comparison is unchanged.

use std::fmt::Write;

use orm_core::Value;
use orm_core::dialect::push_json_string as push_string;

/// The values as a JSON array and the expression that turns each `json_each` element back into
/// the stored value; `None` for a value JSON cannot carry faithfully (NaN).
pub(crate) fn json_list(values: &[Value]) -> Option<(String, &'static str)> {
    let mut json = String::with_capacity(values.len() * 8 + 2);
    let mut element = "value";
    json.push('[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        if value.is_null() {
            json.push_str("null");
            continue;
        }
        match value {
            Value::SmallInt(Some(v)) => drop(write!(json, "{v}")),
            Value::Integer(Some(v)) => drop(write!(json, "{v}")),
            Value::BigInt(Some(v)) => drop(write!(json, "{v}")),
            Value::Bool(Some(v)) => json.push_str(if *v { "1" } else { "0" }),
            // sqlx binds an f32 as the f64 of the same value.
            Value::Real(Some(v)) => push_float(&mut json, f64::from(*v))?,
            Value::Double(Some(v)) => push_float(&mut json, *v)?,
            Value::Text(Some(text)) => push_string(&mut json, text),
            Value::Bytes(Some(bytes)) => {
                element = "unhex(value)";
                orm_core::dialect::push_json_hex(&mut json, bytes);
            }
            #[cfg(feature = "uuid")]
            Value::Uuid(Some(v)) => {
                element = "unhex(value)";
                orm_core::dialect::push_json_hex(&mut json, v.as_bytes());
            }
            #[cfg(feature = "decimal")]
            Value::Decimal(Some(v)) => push_string(&mut json, &crate::decimal::text(v)),
            // The document's text, as sqlx binds it: the stored text compares equal.
            #[cfg(feature = "json")]
            Value::Json(Some(v)) => push_string(&mut json, &v.to_string()),
            // The text sqlx binds for each chrono type.
            #[cfg(feature = "chrono")]
            Value::TimestampTz(Some(v)) => {
                push_string(&mut json, &v.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false));
            }
            #[cfg(feature = "chrono")]
            Value::Timestamp(Some(v)) => push_string(&mut json, &v.format("%F %T%.f").to_string()),
            #[cfg(feature = "chrono")]
            Value::Date(Some(v)) => push_string(&mut json, &v.format("%F").to_string()),
            #[cfg(feature = "chrono")]
            Value::Time(Some(v)) => push_string(&mut json, &v.format("%T%.f").to_string()),
            _ => return None,
        }
    }
    json.push(']');
    Some((json, element))
}

/// A float as JSON: SQLite's JSON reader takes `9e999` as infinity.
fn push_float(json: &mut String, v: f64) -> Option<()> {
    if v.is_nan() {
        return None;
    }
    if v.is_infinite() {
        json.push_str(if v > 0.0 { "9e999" } else { "-9e999" });
    } else {
        // `{:?}` keeps a decimal point or exponent, so the element stays a REAL.
        let _ = write!(json, "{v:?}");
    }
    Some(())
}
