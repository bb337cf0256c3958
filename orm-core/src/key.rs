//! Keys, of one column or several: the primary-key types a model may declare, what
//! `find_by_pk` accepts, and the one layer every key goes through. [`KeyCols`] names the
//! columns of one side of a key, a key's value is one [`Value`] ([`Value::Row`] when composite),
//! and the `SqlBuilder` methods here (`key_eq`, `key_in`, `key_join`, `key_assign`,
//! `key_columns`) write every key condition. Row-level operations (`find_by_pk`, `save`,
//! `destroy`, cascades, nested create's matching of returned rows) and every association path
//! use them, so a composite key always addresses exactly its rows, and a one-column key writes
//! the SQL it always did.
//!
//! ```
//! use orm_core::Value;
//! use orm_core::key::{key_parts, key_width};
//!
//! // The key (tenant "acme", number 1) of a composite-keyed row.
//! let key = Value::Row(vec![Value::Text(Some("acme".into())), Value::BigInt(Some(1))].into());
//! assert_eq!(key_width(&key), 2);
//! assert!(!key.is_null());
//! assert_eq!(key_parts(key), [Value::Text(Some("acme".into())), Value::BigInt(Some(1))]);
//! // A key with a NULL column points at nothing.
//! assert!(Value::Row(vec![Value::Text(None), Value::BigInt(Some(1))].into()).is_null());
//! ```

use crate::meta::{ColumnMeta, ModelMeta};
use crate::sql::SqlBuilder;
use crate::value::{KeyRepr, Operand, Scalar, Value};

/// The type of a model's primary key: one column's type (`i64`, `String`, …) or a tuple of
/// them for a composite key (`#[model(primary_key(user_id, project_id))]` gives `(i64, i64)`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a primary key",
    label = "not a primary-key type",
    note = "a primary key is a non-`Option` column type (i16, i32, i64, String, Vec<u8>, …), or a tuple of two to four of them"
)]
pub trait PrimaryKey: Clone + Send + Sync + 'static {
    /// The number of key columns.
    const COLUMNS: usize;
}

/// What `find_by_pk` accepts for a key of type `K`: the key itself (a tuple for a composite
/// key), and `&str` for a `String` key.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a primary key of type `{K}`",
    label = "expected a key of type `{K}`",
    note = "pass the key's value; a composite key takes a tuple of its columns, in key order"
)]
pub trait IntoKey<K>: Send {
    /// Appends the key's column values, in key order.
    fn push_key(self, values: &mut Vec<Value>);
}

impl<T: Scalar + Clone> PrimaryKey for T {
    const COLUMNS: usize = 1;
}

impl<K: Scalar, T: Operand<K> + Send> IntoKey<K> for T {
    fn push_key(self, values: &mut Vec<Value>) {
        values.push(self.into_operand());
    }
}

macro_rules! tuple_keys {
    ($($n:literal => ($($t:ident $v:ident),+);)*) => {$(
        impl<$($t: Scalar + Clone),+> PrimaryKey for ($($t,)+) {
            const COLUMNS: usize = $n;
        }

        impl<$($t: Scalar + crate::value::SqlValue),+> IntoKey<($($t,)+)> for ($($t,)+) {
            fn push_key(self, values: &mut Vec<Value>) {
                let ($($v,)+) = self;
                $(values.push(crate::value::SqlValue::into_value($v));)+
            }
        }
    )*};
}

/// Column `I` of a composite key type, for the compile-time checks of composite foreign keys.
#[diagnostic::on_unimplemented(
    message = "the key `{Self}` has no column {I}",
    label = "the foreign key has more fields than the key it points at",
    note = "a composite foreign key names one field per column of the referenced key, in key order"
)]
pub trait KeyPart<const I: usize> {
    /// The column's type.
    type Type;
}

#[diagnostic::do_not_recommend]
impl<A, B> KeyPart<0> for (A, B) {
    type Type = A;
}

#[diagnostic::do_not_recommend]
impl<A, B> KeyPart<1> for (A, B) {
    type Type = B;
}

#[diagnostic::do_not_recommend]
impl<A, B, C> KeyPart<0> for (A, B, C) {
    type Type = A;
}

#[diagnostic::do_not_recommend]
impl<A, B, C> KeyPart<1> for (A, B, C) {
    type Type = B;
}

#[diagnostic::do_not_recommend]
impl<A, B, C> KeyPart<2> for (A, B, C) {
    type Type = C;
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D> KeyPart<0> for (A, B, C, D) {
    type Type = A;
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D> KeyPart<1> for (A, B, C, D) {
    type Type = B;
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D> KeyPart<2> for (A, B, C, D) {
    type Type = C;
}

#[diagnostic::do_not_recommend]
impl<A, B, C, D> KeyPart<3> for (A, B, C, D) {
    type Type = D;
}

tuple_keys! {
    2 => (A a, B b);
    3 => (A a, B b, C c);
    4 => (A a, B b, C c, D d);
}

impl ModelMeta {
    /// The primary-key columns, in key order.
    pub fn primary_key_columns(&self) -> impl ExactSizeIterator<Item = &'static ColumnMeta> + Clone + use<> {
        let columns = self.columns;
        self.primary_key.iter().map(move |&i| &columns[i])
    }

    /// Whether the primary key has more than one column.
    pub fn has_composite_key(&self) -> bool {
        self.primary_key.len() > 1
    }
}

/// The hashable form of a key given by its column values (`None` when a column is NULL).
pub fn key_repr(values: &[Value]) -> Option<KeyRepr> {
    match values {
        [one] => one.key_repr(),
        many => many.iter().map(Value::key_repr).collect::<Option<Vec<_>>>().map(KeyRepr::Tuple),
    }
}

/// The most columns a key may have.
pub const MAX_KEY_COLUMNS: usize = 4;

/// The columns of one side of a key, in key order: a foreign key, or the key it points at. A
/// one-column key is the common case and costs nothing more than its column; a composite key
/// has up to [`MAX_KEY_COLUMNS`]. Its value is one [`Value`], a [`Value::Row`] when composite.
#[derive(Clone, Copy)]
pub struct KeyCols {
    columns: [&'static ColumnMeta; MAX_KEY_COLUMNS],
    len: usize,
}

impl std::fmt::Debug for KeyCols {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter().map(|c| c.name)).finish()
    }
}

impl KeyCols {
    /// One column.
    pub fn one(column: &'static ColumnMeta) -> Self {
        KeyCols { columns: [column; MAX_KEY_COLUMNS], len: 1 }
    }

    /// The columns of `model` named by `fields` (Rust field names), or its primary key when
    /// `fields` is empty. A field the model does not have stands for its primary key (the
    /// derive proves every name; this keeps the runtime total).
    pub fn of(model: &'static ModelMeta, fields: &[&str]) -> Self {
        let pk = model.primary_key_column();
        if fields.is_empty() {
            let mut columns = [pk; MAX_KEY_COLUMNS];
            let mut len = 0;
            for column in model.primary_key_columns().take(MAX_KEY_COLUMNS) {
                columns[len] = column;
                len += 1;
            }
            return KeyCols { columns, len: len.max(1) };
        }
        let mut columns = [pk; MAX_KEY_COLUMNS];
        let mut len = 0;
        for field in fields.iter().take(MAX_KEY_COLUMNS) {
            columns[len] = model.column_by_field(field).unwrap_or(pk);
            len += 1;
        }
        KeyCols { columns, len }
    }

    /// The columns.
    pub fn as_slice(&self) -> &[&'static ColumnMeta] {
        &self.columns[..self.len]
    }

    /// The columns, by value.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'static ColumnMeta> + '_ {
        self.as_slice().iter().copied()
    }

    /// How many columns.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never: a key has at least one column.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the key has several columns.
    pub fn is_composite(&self) -> bool {
        self.len > 1
    }

    /// The first column (the only one of a one-column key).
    pub fn first(&self) -> &'static ColumnMeta {
        self.columns[0]
    }

    /// Whether these are the same columns, in the same order.
    pub fn same_as(&self, other: &KeyCols) -> bool {
        self.len == other.len && self.iter().zip(other.iter()).all(|(a, b)| std::ptr::eq(a, b))
    }

    /// Whether every column is nullable (so the key can be set to NULL).
    pub fn nullable(&self) -> bool {
        self.iter().all(|c| c.nullable)
    }

    /// The key's value read from a model row: the field's value, or a [`Value::Row`].
    pub fn value_of<M: crate::model::Model>(&self, row: &M) -> Option<Value> {
        if !self.is_composite() {
            return row.field_value(self.first().field);
        }
        let parts = self.iter().map(|c| row.field_value(c.field)).collect::<Option<Vec<_>>>()?;
        Some(Value::Row(parts.into_boxed_slice()))
    }

    /// The key's value, decoded from `row` starting at column `start`.
    pub fn decode(&self, row: &dyn crate::row::Row, start: usize) -> crate::error::Result<Value> {
        if !self.is_composite() {
            return crate::value::decode_value(row, start, self.first().sql_type);
        }
        let parts = self
            .iter()
            .enumerate()
            .map(|(i, c)| crate::value::decode_value(row, start + i, c.sql_type))
            .collect::<crate::error::Result<Vec<_>>>()?;
        Ok(Value::Row(parts.into_boxed_slice()))
    }

    /// The typed NULL of the key (a row of NULLs when composite).
    pub fn null(&self) -> Value {
        let null = |c: &ColumnMeta| crate::value::null_value(c.sql_type).unwrap_or(Value::BigInt(None));
        if !self.is_composite() {
            return null(self.first());
        }
        Value::Row(self.iter().map(null).collect())
    }

    /// Pairs each column with its part of `value` (a [`Value::Row`] when composite).
    pub fn assignments(&self, value: Value) -> Vec<(&'static ColumnMeta, Value)> {
        self.iter().zip(key_parts(value)).collect()
    }
}

/// A row's primary key as one value: the key's value, or a [`Value::Row`] when composite.
pub fn model_key<M: crate::model::Model>(row: &M) -> Value {
    if M::meta().has_composite_key() { Value::Row(row.key_values().into_boxed_slice()) } else { row.key_value() }
}

/// The parts of a key value: the value itself, or the columns of a [`Value::Row`].
pub fn key_parts(value: Value) -> Vec<Value> {
    match value {
        Value::Row(parts) => parts.into_vec(),
        one => vec![one],
    }
}

/// How many binds one key value takes.
pub fn key_width(value: &Value) -> usize {
    match value {
        Value::Row(parts) => parts.len(),
        _ => 1,
    }
}

impl SqlBuilder {
    /// Appends the key's columns as a list: `"t"."a", "t"."b"`.
    pub fn key_columns(&mut self, qualifier: &str, key: &KeyCols) -> &mut Self {
        for (i, column) in key.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.qualified(qualifier, column.name);
        }
        self
    }

    /// Appends `SELECT "t"."a", "t"."b" FROM "t"`: the key of each row of `table`.
    pub fn select_key_from(&mut self, table: &str, key: &KeyCols) -> &mut Self {
        self.push("SELECT ").key_columns(table, key).push(" FROM ").identifier(table)
    }

    /// Appends `"t"."a" = ? AND "t"."b" = ?`, binding the key's value (a NULL part makes the
    /// condition false, as SQL's `=` does).
    pub fn key_eq(&mut self, qualifier: &str, key: &KeyCols, value: Value) -> &mut Self {
        for (i, (column, part)) in key.iter().zip(key_parts(value)).enumerate() {
            if i > 0 {
                self.push(" AND ");
            }
            self.qualified(qualifier, column.name).push(" = ").bind(part);
        }
        self
    }

    /// Appends `"t"."a" = ? AND "t"."b" = ?` with placeholders, for cached text; the values
    /// are the key's parts ([`key_parts`]).
    pub fn key_eq_placeholders(&mut self, qualifier: &str, key: &KeyCols) -> &mut Self {
        for (i, column) in key.iter().enumerate() {
            if i > 0 {
                self.push(" AND ");
            }
            self.qualified(qualifier, column.name).push(" = ").placeholder();
        }
        self
    }

    /// Appends `"l"."a" = "r"."x" AND "l"."b" = "r"."y"`.
    pub fn key_join(&mut self, left: &str, left_key: &KeyCols, right: &str, right_key: &KeyCols) -> &mut Self {
        for (i, (l, r)) in left_key.iter().zip(right_key.iter()).enumerate() {
            if i > 0 {
                self.push(" AND ");
            }
            self.qualified(left, l.name).push(" = ").qualified(right, r.name);
        }
        self
    }

    /// Appends `"a" = ?, "b" = ?` for a `SET`, binding the key's value.
    pub fn key_assign(&mut self, key: &KeyCols, value: Value) -> &mut Self {
        for (i, (column, part)) in key.iter().zip(key_parts(value)).enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.identifier(column.name).push(" = ").bind(part);
        }
        self
    }

    /// Appends the key's membership in `values`: the dialect's list for one column (one array
    /// parameter on PostgreSQL), `("t"."a", "t"."b") IN (VALUES (?, ?), …)` for a composite
    /// key. An empty list is constant false (true when negated).
    pub fn key_in(&mut self, qualifier: &str, key: &KeyCols, values: Vec<Value>, negated: bool) -> &mut Self {
        if !key.is_composite() {
            return self.in_list(qualifier, key.first().name, values, negated);
        }
        if values.is_empty() {
            return self.push(if negated { "1 = 1" } else { "1 = 0" });
        }
        self.push("(");
        self.key_columns(qualifier, key).push(")");
        self.dialect().push_in_rows(self, values, negated);
        self
    }

    /// [`key_in`](Self::key_in) over borrowed values: a one-column key on a backend that binds
    /// arrays packs its array from the slice, with no copy of the values.
    pub fn key_in_slice(&mut self, qualifier: &str, key: &KeyCols, values: &[Value], negated: bool) -> &mut Self {
        if key.is_composite() {
            return self.key_in(qualifier, key, values.to_vec(), negated);
        }
        self.in_slice(qualifier, key.first().name, values, negated)
    }
}

/// Whether composite key rows can be bound as one array per column: every row has the same
/// width and each column one scalar type throughout.
pub fn rows_packable(rows: &[Value]) -> bool {
    let Some(Value::Row(first)) = rows.first() else { return false };
    rows.iter().all(|row| match row {
        Value::Row(parts) => {
            parts.len() == first.len()
                && parts.iter().zip(first.iter()).all(|(p, f)| {
                    std::mem::discriminant(p) == std::mem::discriminant(f)
                        && !matches!(
                            p,
                            Value::Row(_)
                                | Value::List(_)
                                | Value::IntegerArray(_)
                                | Value::BigIntArray(_)
                                | Value::TextArray(_)
                        )
                })
        }
        _ => false,
    })
}

/// Transposes composite key rows into one array value per column (see [`Value::pack_any`]), for
/// backends that bind arrays; gives the rows back when they do not pack.
pub fn pack_rows(rows: Vec<Value>) -> std::result::Result<Vec<Value>, Vec<Value>> {
    if !rows_packable(&rows) {
        return Err(rows);
    }
    let width = key_width(&rows[0]);
    let mut packed = Vec::with_capacity(width);
    for i in 0..width {
        let column: Vec<Value> = rows
            .iter()
            .map(|row| match row {
                Value::Row(parts) => parts[i].clone(),
                other => other.clone(),
            })
            .collect();
        match Value::pack_any(column) {
            Ok(array) => packed.push(array),
            Err(_) => return Err(rows),
        }
    }
    Ok(packed)
}
