use crate::create::Builder;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::value::Value;

/// An associated row given to an accessor: an instance (`&task`, `task`) or a bare key
/// (`42`). `#[derive(Model)]` implements it for the model's primary-key type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not identify a `{M}`",
    label = "expected a `{M}`, a `&{M}` or its primary key",
    note = "accessors take an instance (`&row`) or a bare primary key (`42`)"
)]
pub trait IntoTarget<M>: Send {
    /// The value of `field` (the primary key when `None`) that identifies the row. A bare key
    /// is that value itself.
    fn target_value(self, field: Option<&str>) -> Result<Value>;
}

fn instance_value<M: Model>(row: &M, field: Option<&str>) -> Result<Value> {
    match field {
        None => Ok(row.key_value()),
        Some(field) => {
            row.field_value(field).ok_or_else(|| Error::Invalid(format!("`{}` has no field `{field}`", M::meta().name)))
        }
    }
}

impl<M: Model> IntoTarget<M> for &M {
    fn target_value(self, field: Option<&str>) -> Result<Value> {
        instance_value(self, field)
    }
}

impl<M: Model> IntoTarget<M> for &mut M {
    fn target_value(self, field: Option<&str>) -> Result<Value> {
        instance_value(self, field)
    }
}

impl<M: Model> IntoTarget<M> for M {
    fn target_value(self, field: Option<&str>) -> Result<Value> {
        instance_value(&self, field)
    }
}

/// What a singular setter (`set_team`) takes: an instance, a bare key, or `None` to unlink.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not identify a `{M}`",
    label = "expected a `&{M}`, its primary key, or `None`",
    note = "singular setters take an instance (`&row`), a bare primary key (`42`), or `None` to unlink"
)]
pub trait IntoOptionalTarget<M>: Send {
    /// The identifying value, or `None` to unlink.
    fn optional_target_value(self, field: Option<&str>) -> Result<Option<Value>>;
}

impl<M: Model> IntoOptionalTarget<M> for &M {
    fn optional_target_value(self, field: Option<&str>) -> Result<Option<Value>> {
        instance_value(self, field).map(Some)
    }
}

impl<M: Model> IntoOptionalTarget<M> for M {
    fn optional_target_value(self, field: Option<&str>) -> Result<Option<Value>> {
        instance_value(&self, field).map(Some)
    }
}

// The only impl for an `Option`, so that a bare `None` infers as `Option<&M>`.
impl<M: Model> IntoOptionalTarget<M> for Option<&M> {
    fn optional_target_value(self, field: Option<&str>) -> Result<Option<Value>> {
        self.map(|row| instance_value(row, field)).transpose()
    }
}

/// A new row of `M` for `create_*` accessors and nested builders: `M::build()…` or an `M`
/// value (whose generated key is ignored).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a new `{M}` row",
    label = "expected `{M}::build()…` or a `{M}` value",
    note = "build the row with `{M}::build()` and its setters"
)]
pub trait NewRow<M>: Send {
    /// The row's values.
    fn into_builder(self) -> Builder<M>;
}

impl<M: Model> NewRow<M> for Builder<M> {
    fn into_builder(self) -> Builder<M> {
        self
    }
}

impl<M: Model> NewRow<M> for M {
    fn into_builder(self) -> Builder<M> {
        Builder::from_row(self)
    }
}

/// Compile-time check used by generated code: `F` can hold `T`'s primary key.
pub fn assert_foreign_key<T: Model, F: crate::value::ForeignKeyOf<T::Key>>() {}

/// Compile-time check used by generated code: a field of type `F` can hold a key of type `K`.
pub fn assert_key_type<F: crate::value::ForeignKeyOf<K>, K>() {}

/// Implemented by `#[derive(Model)]` for each field, keyed by a hash of the field's name, so
/// that another model's derive can prove at compile time that a key field exists here and has
/// the right type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field with the name this association gives",
    label = "no such field on `{Self}`",
    note = "has_one and has_many keep the foreign key on the target model, a join model holds both keys of a belongs_to_many, and `target_key` names a field of the target: add the field to `{Self}`, or name an existing field with the association's option"
)]
pub trait HasField<const NAME_HASH: u64> {
    /// The field's type.
    type Type;
}

/// The hash `#[derive(Model)]` uses for [`HasField`] (64-bit FNV-1a of the field name).
pub const fn field_name_hash(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}
