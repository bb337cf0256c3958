//! Optimistic locking, Sequelize's `version: true`: a model with a field marked
//! `#[model(version)]` (an `i32` or `i64`) keeps in it the number of writes its row has seen.
//!
//! - `create` stores the version given (a builder that leaves it unset stores 0, where
//!   Sequelize starts).
//! - `save` writes `… "version" = "version" + 1 WHERE <key> AND "version" = ?` with the version
//!   the copy holds, then bumps the field in memory. When no row matches, one more read tells a
//!   deleted row ([`Error::NotFound`]) from a row someone else changed since this copy was
//!   loaded ([`Error::StaleRow`]); nothing was written either way.
//! - `destroy` deletes `WHERE <key> AND "version" = ?` (through hooked cascades too), so a stale
//!   copy fails with [`Error::StaleRow`] instead of deleting a row it has not seen (Sequelize
//!   deletes nothing and reports nothing). Destroying a row that is already gone deletes
//!   nothing and succeeds, as without a version.
//! - Bulk `Model::update()`, `increment`/`decrement` (atomic, so they need no check) and the
//!   update branch of `upsert` increment the version without checking it. A loaded copy is then
//!   stale, as it should be. The foreign-key writes of association accessors (`set_`, `add_`,
//!   `remove_`) leave it alone.

use crate::db::Executor;
use crate::driver::Statement;
use crate::error::{Error, Result};
use crate::key::KeyCols;
use crate::meta::ColumnMeta;
use crate::model::Model;
use crate::sql::SqlBuilder;
use crate::value::{SqlValue, Value};

/// The types a `#[model(version)]` field may have: `i32` and `i64`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an optimistic-locking version",
    label = "a `#[model(version)]` field is an `i32` or `i64`",
    note = "declare the field `#[model(version)] pub version: i32` (or `i64`); it counts the writes of its row"
)]
pub trait VersionField: SqlValue {
    /// The version of a row created without one.
    const ZERO: Self;
}

// Not listed in the error: the note says what to write.
#[diagnostic::do_not_recommend]
impl VersionField for i32 {
    const ZERO: Self = 0;
}

#[diagnostic::do_not_recommend]
impl VersionField for i64 {
    const ZERO: Self = 0;
}

/// The version a row created without one is stored with: 0. Generated code uses it as the
/// version field's default, which also proves the field's type.
#[doc(hidden)]
pub fn version_zero<T: VersionField>() -> Value {
    T::ZERO.into_value()
}

/// Writes `"version" = "version" + 1`. The `1` is part of the statement's shape, so cached
/// texts stay valid; a version reaching its type's maximum fails the statement like any other
/// out-of-range value (SQLite's 64-bit columns excepted, after 9.2 × 10¹⁸ writes).
pub(crate) fn write_bump(b: &mut SqlBuilder, column: &str) {
    b.identifier(column).push(" = ").identifier(column).push(" + 1");
}

/// The version `row` holds.
pub(crate) fn version_value<M: Model>(row: &M, column: &ColumnMeta) -> Result<Value> {
    row.field_value(column.field)
        .ok_or_else(|| Error::Invalid(format!("`{}` has no version field `{}`", M::meta().name, column.field)))
}

/// The version as a number, for messages.
fn version_number(value: &Value) -> i64 {
    match value {
        Value::SmallInt(Some(v)) => i64::from(*v),
        Value::Integer(Some(v)) => i64::from(*v),
        Value::BigInt(Some(v)) => *v,
        _ => 0,
    }
}

/// The version after one more write.
fn bumped(value: Value) -> Result<Value> {
    let overflow = || Error::Invalid("the version field is at its type's maximum and cannot be incremented".into());
    Ok(match value {
        Value::SmallInt(Some(v)) => Value::SmallInt(Some(v.checked_add(1).ok_or_else(overflow)?)),
        Value::Integer(Some(v)) => Value::Integer(Some(v.checked_add(1).ok_or_else(overflow)?)),
        Value::BigInt(Some(v)) => Value::BigInt(Some(v.checked_add(1).ok_or_else(overflow)?)),
        other => return Err(Error::Invalid(format!("a version must be an integer, not {other:?}"))),
    })
}

/// The error of a versioned write that matched no row: [`Error::StaleRow`] when the row is
/// still there (so its version moved on), [`Error::NotFound`] when it is gone.
async fn unmatched<M: Model>(executor: &mut Executor<'_>, row: &M, version: &Value) -> Result<Error> {
    if super::row_exists::<M>(executor, row).await? {
        let key = crate::key::key_repr(&row.key_values()).map_or_else(|| "?".to_owned(), |k| k.to_string());
        Ok(Error::StaleRow { model: M::meta().name, key, version: version_number(version) })
    } else {
        Ok(Error::NotFound { model: M::meta().name })
    }
}

/// `save`: `UPDATE … WHERE <pk> = ?` of every field but the key, `created_at` and the version,
/// with its cached text. With a version column, also `"version" = "version" + 1` and
/// `AND "version" = ?`; the field is bumped in memory once the row was written.
pub(crate) async fn save_row<M: Model>(executor: &mut Executor<'_>, row: &mut M) -> Result<()> {
    let meta = M::meta();
    let version = meta.version_column();
    let written = |c: &&ColumnMeta| !c.primary_key && !c.created_at && !c.version;
    let sql = M::statements().update_by_pk.get(executor.dialect(), |b| {
        b.update_set(meta.table);
        let mut first = true;
        for column in meta.columns.iter().filter(written) {
            if !first {
                b.push(", ");
            }
            first = false;
            b.identifier(column.name).push(" = ").placeholder();
        }
        if let Some(version) = version {
            if !first {
                b.push(", ");
            }
            first = false;
            write_bump(b, version.name);
        }
        if first {
            // Nothing but the key to write: the statement still reports whether the row exists.
            let key = meta.primary_key_column().name;
            b.identifier(key).push(" = ").identifier(key);
        }
        b.push(" WHERE ");
        b.key_eq_placeholders(meta.table, &KeyCols::of(meta, &[]));
        if let Some(version) = version {
            b.push(" AND ").qualified(meta.table, version.name).push(" = ").placeholder();
        }
    });
    let mut args: Vec<Value> =
        meta.columns.iter().zip(row.to_values()).filter(|(c, _)| written(c)).map(|(_, v)| v).collect();
    args.extend(row.key_values());
    let held = version.map(|v| version_value(row, v)).transpose()?;
    args.extend(held.clone());
    let affected = executor.execute(Statement::new(sql, args)).await?;
    match (version, held) {
        (Some(version), Some(held)) if affected > 0 => row.set_field(version.field, bumped(held)?),
        (Some(_), Some(held)) => Err(unmatched(executor, row, &held).await?),
        _ if affected == 0 => Err(Error::NotFound { model: meta.name }),
        _ => Ok(()),
    }
}

/// `destroy` (and each row of a hooked cascade): `DELETE … WHERE <pk> = ?`, with its cached
/// text, and `AND "version" = ?` with a version column. A versioned row that is still there
/// but was not deleted is stale; a row already gone deletes nothing, which is not an error.
pub(crate) async fn delete_row<M: Model>(executor: &mut Executor<'_>, row: &M) -> Result<u64> {
    let meta = M::meta();
    let version = meta.version_column();
    let sql = M::statements().delete_by_pk.get(executor.dialect(), |b| {
        b.delete_from(meta.table).push(" WHERE ");
        b.key_eq_placeholders(meta.table, &KeyCols::of(meta, &[]));
        if let Some(version) = version {
            b.push(" AND ").qualified(meta.table, version.name).push(" = ").placeholder();
        }
    });
    let mut args = row.key_values();
    let held = version.map(|v| version_value(row, v)).transpose()?;
    args.extend(held.clone());
    let deleted = executor.execute(Statement::new(sql, args)).await?;
    if let Some(held) = held.filter(|_| deleted == 0) {
        return match unmatched(executor, row, &held).await? {
            Error::NotFound { .. } => Ok(0),
            stale => Err(stale),
        };
    }
    Ok(deleted)
}
