//! Decimals on SQLite, which has no exact decimal type (NUMERIC affinity keeps 15 significant
//! digits): stored exactly, as normalized text, in a column whose collation,
//! [`COLLATION`], compares the texts as numbers.

use std::cmp::Ordering;
use std::str::FromStr;

use rust_decimal::Decimal;
use sqlx::{Row as _, TypeInfo as _, ValueRef as _};

/// The stored text of a decimal: normalized, so that equal values are equal text.
pub(crate) fn text(value: &Decimal) -> String {
    value.normalize().to_string()
}

/// The collation of decimal columns: `=`, `<`, `IN`, `ORDER BY`, `MIN`/`MAX` and indexes on
/// the column compare numbers, not text (`"9" < "10"`). Registered on every connection the
/// backend opens.
pub(crate) const COLLATION: &str = "orm_decimal";

/// Compares two stored texts as decimals. Text that is not a decimal (written by something
/// else than the ORM) sorts after every decimal, among itself as text, so the order stays total.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
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
