//! Decimals on SQLite, which has no exact decimal type (NUMERIC affinity keeps 15 significant
//! digits): stored exactly, as normalized text.

use std::str::FromStr;

use rust_decimal::Decimal;
use sqlx::{Row as _, TypeInfo as _, ValueRef as _};

/// The stored text of a decimal: normalized, so that equal values are equal text.
pub(crate) fn text(value: &Decimal) -> String {
    value.normalize().to_string()
}

/// Reads the decimal at `index` from whichever storage class holds it.
pub(crate) fn read(row: &sqlx::sqlite::SqliteRow, index: usize) -> sqlx::Result<Option<Decimal>> {
    let raw = row.try_get_raw(index)?;
    if raw.is_null() {
        return Ok(None);
    }
    let class = raw.type_info().name().to_owned();
    let decoded = match class.as_str() {
        "INTEGER" => row.try_get::<i64, _>(index).map(Decimal::from)?,
        // Written by something else than the ORM: the shortest text of the double.
        "REAL" => parse(&row.try_get::<f64, _>(index)?.to_string())?,
        _ => parse(&row.try_get::<String, _>(index)?)?,
    };
    Ok(Some(decoded))
}

fn parse(text: &str) -> sqlx::Result<Decimal> {
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .map_err(|error| sqlx::Error::Decode(format!("{text:?} is not a decimal: {error}").into()))
}
