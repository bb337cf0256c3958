//! Primary keys, of one column or several: the key types a model may declare, what
//! `find_by_pk` accepts, and the statements' key conditions. Every model-level operation that
//! addresses one row (`find_by_pk`, `save`, `destroy`, cascades, nested create's matching of
//! returned rows) goes through here, so a composite key addresses exactly one row.

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

impl<T: Scalar> PrimaryKey for T {
    const COLUMNS: usize = 1;
}

impl<K: Scalar, T: Operand<K> + Send> IntoKey<K> for T {
    fn push_key(self, values: &mut Vec<Value>) {
        values.push(self.into_operand());
    }
}

macro_rules! tuple_keys {
    ($($n:literal => ($($t:ident $v:ident),+);)*) => {$(
        impl<$($t: Scalar),+> PrimaryKey for ($($t,)+) {
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

/// The values of `row`'s primary-key columns among its values in field order.
pub fn key_of_values(meta: &ModelMeta, values: &[Value]) -> Vec<Value> {
    meta.primary_key.iter().filter_map(|&i| values.get(i).cloned()).collect()
}

/// Writes `"t"."a" = ? AND "t"."b" = ?` for the primary key (unqualified when `qualifier` is
/// `None`), with placeholders for the key's values in key order.
pub(crate) fn push_key_placeholders(b: &mut SqlBuilder, meta: &ModelMeta, qualifier: Option<&str>) {
    for (i, column) in meta.primary_key_columns().enumerate() {
        if i > 0 {
            b.push(" AND ");
        }
        match qualifier {
            Some(table) => b.qualified(table, column.name),
            None => b.identifier(column.name),
        };
        b.push(" = ").placeholder();
    }
}

/// Writes `"t"."a" = ? AND "t"."b" = ?` for the primary key, binding `key` (its values in key
/// order).
pub(crate) fn push_key_match(b: &mut SqlBuilder, meta: &ModelMeta, qualifier: Option<&str>, key: Vec<Value>) {
    for (i, (column, value)) in meta.primary_key_columns().zip(key).enumerate() {
        if i > 0 {
            b.push(" AND ");
        }
        match qualifier {
            Some(table) => b.qualified(table, column.name),
            None => b.identifier(column.name),
        };
        b.push(" = ").bind(value);
    }
}

/// Writes the primary-key columns as a list (`"t"."a", "t"."b"`), for `ORDER BY`.
pub(crate) fn push_key_columns(b: &mut SqlBuilder, meta: &ModelMeta, qualifier: &str) {
    for (i, column) in meta.primary_key_columns().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.qualified(qualifier, column.name);
    }
}
