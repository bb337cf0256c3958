//! Field names at the type level, for the compile-time checks `#[derive(Model)]` makes of
//! another model's fields (a foreign key on the target, the keys of a join model, a scope).
//!
//! A model's derive implements [`HasField`] once per field, keyed by the field's name spelled
//! as a tuple of [`Ch`]. The checking derive declares a marker type named like the field it
//! looks for (`struct user_id {}`) that implements [`FieldName`], and bounds on the traits
//! below: an unmet bound then reads "`Task` has no field `user_id`", naming both in the
//! user's words.

use crate::value::ForeignKeyOf;

use super::NullableForeignKey;

/// One character of a field name, at the type level: `user_id` is
/// `(Ch<'u'>, Ch<'s'>, Ch<'e'>, Ch<'r'>, Ch<'_'>, Ch<'i'>, Ch<'d'>)`.
pub struct Ch<const C: char>;

/// A field name, implemented by the marker type a derive declares for each name it checks;
/// the marker is named like the field, so that a failed check names it.
pub trait FieldName {
    /// The name, as a tuple of [`Ch`].
    type Chars;
}

/// Implemented by `#[derive(Model)]` for each field, keyed by the field's name as a tuple of
/// [`Ch`]. Checks bound on [`Field`] instead, which names the field when it is missing.
pub trait HasField<Chars> {
    /// The field's type.
    type Type;
}

/// A field of `Self` named by the marker `F` (see [`FieldName`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field `{F}`",
    label = "no field `{F}` on `{Self}`",
    note = "add the field `{F}` to `{Self}`, or name an existing field of `{Self}` in the option"
)]
pub trait Field<F> {
    /// The field's type.
    type Type;
}

// `do_not_recommend`: a missing field is reported as `Field<user_id>`, never as the tuple of
// characters.
#[diagnostic::do_not_recommend]
impl<M, F> Field<F> for M
where
    F: FieldName,
    M: HasField<F::Chars>,
{
    type Type = <M as HasField<F::Chars>>::Type;
}

/// Implemented by `#[derive(Model)]` for its primary key and `#[model(unique)]` fields, keyed
/// like [`HasField`]: a foreign key may only point at one of them.
pub trait UniqueField<Chars> {}

/// The field `F` of `M` is its primary key or unique, what a `target_key` must name:
/// implemented for [`IsUnique`] (a generated check names `IsUnique` at the user's
/// `target_key`, so that the error is reported there).
#[diagnostic::on_unimplemented(
    message = "`target_key` must name a primary key or unique field of `{M}`, and `{F}` is neither",
    label = "`{F}` is not the primary key nor unique on `{M}`",
    note = "mark the field `{F}` `#[model(unique)]` on `{M}` (a foreign key must point at a unique column), or name its primary key"
)]
pub trait UniqueKey<M, F> {}

/// See [`UniqueKey`].
pub struct IsUnique;

#[diagnostic::do_not_recommend]
impl<M, F> UniqueKey<M, F> for IsUnique
where
    F: FieldName,
    M: UniqueField<F::Chars>,
{
}

/// Implemented by `#[derive(Model)]` on each model with a one-column primary key: the name of
/// the key column a join model holds for it by default (`project_id` for `Project`), as a
/// marker named like it.
pub trait DefaultKeyName {
    /// The marker (see [`FieldName`]).
    type Name;
}

/// Whether the foreign key `F` of `M` must be nullable: implemented for [`AnyNull`], and for
/// [`SetNull`] (`on_delete`/`on_update = "set null"`) when the field is an `Option`.
#[diagnostic::on_unimplemented(
    message = "`\"set null\"` needs a nullable foreign key, but `{F}` on `{M}` is NOT NULL",
    label = "`{F}` on `{M}` cannot be set to NULL",
    note = "make the field `{F}` on `{M}` an `Option`, or choose another action, e.g. `\"cascade\"` or `\"restrict\"`"
)]
pub trait KeyNullability<M, F> {}

/// A foreign key that may be NOT NULL.
pub struct AnyNull;

/// A foreign key that `"set null"` sets to NULL.
pub struct SetNull;

// `do_not_recommend`: a key that is NOT NULL is reported with this trait's message, naming the
// field, without a list of these impls.
#[diagnostic::do_not_recommend]
impl<M, F> KeyNullability<M, F> for AnyNull {}

#[diagnostic::do_not_recommend]
impl<M, F> KeyNullability<M, F> for SetNull
where
    M: Field<F>,
    <M as Field<F>>::Type: NullableForeignKey<M>,
{
}

/// The foreign key `F` of a has_one or has_many lives on `Self` (the target) and holds the
/// source's key of type `K`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field `{F}`, the foreign key of this association",
    label = "no field `{F}` on `{Self}`",
    note = "has_one and has_many keep the foreign key on the target model: add the field `{F}` to `{Self}`, or name an existing field of `{Self}` with `foreign_key = \"…\"`"
)]
pub trait TargetForeignKey<F, K> {}

impl<M, F, K> TargetForeignKey<F, K> for M
where
    M: Field<F>,
    <M as Field<F>>::Type: ForeignKeyOf<K>,
{
}

/// [`TargetForeignKey`] where the source model `S` holds a field named like the foreign key:
/// the key was put on the wrong side.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field `{F}`: a has_one's or has_many's foreign key lives on the target, `{Self}`, not on `{S}`",
    label = "no field `{F}` on `{Self}`",
    note = "add `{F}` to `{Self}`, or, for `{S}` to hold a key to `{Self}`, declare `#[belongs_to({Self})]` on `{S}` instead"
)]
pub trait ForeignKeyOnTarget<F, K, S> {}

impl<M, F, K, S> ForeignKeyOnTarget<F, K, S> for M
where
    M: Field<F>,
    <M as Field<F>>::Type: ForeignKeyOf<K>,
{
}

/// The field `F` of `Self`, a join model, holds a key of type `K`.
#[diagnostic::on_unimplemented(
    message = "the join model `{Self}` has no field `{F}`",
    label = "no field `{F}` on `{Self}`",
    note = "a join model holds both keys of a belongs_to_many: add the field `{F}` to `{Self}`, or name its fields with `foreign_key = \"…\"` and `other_key = \"…\"`"
)]
pub trait JoinKey<F, K> {}

impl<M, F, K> JoinKey<F, K> for M
where
    M: Field<F>,
    <M as Field<F>>::Type: ForeignKeyOf<K>,
{
}

/// The field `F` of `Self`, a join model, holds a key of the type of the target `T`'s field
/// `G` (the `target_key`).
#[diagnostic::on_unimplemented(
    message = "the join model `{Self}` has no field `{F}`",
    label = "no field `{F}` on `{Self}`",
    note = "a join model holds both keys of a belongs_to_many: add the field `{F}` to `{Self}`, or name its fields with `foreign_key = \"…\"` and `other_key = \"…\"`"
)]
pub trait JoinKeyOfField<F, T, G> {}

impl<M, F, T, G> JoinKeyOfField<F, T, G> for M
where
    M: Field<F>,
    T: Field<G>,
    <M as Field<F>>::Type: ForeignKeyOf<<T as Field<G>>::Type>,
{
}

/// The field `F` of `Self`, the target, is the key a foreign key of type `K` points at.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field `{F}`, the `target_key` of this association",
    label = "no field `{F}` on `{Self}`",
    note = "`target_key` names a primary key or unique field of the target: add the field `{F}` to `{Self}`, or name an existing one"
)]
pub trait TargetKey<F, K> {}

impl<M, F, K> TargetKey<F, K> for M
where
    M: Field<F>,
    K: ForeignKeyOf<<M as Field<F>>::Type>,
{
}

/// A scope's value of type `Self` fits the field `F` of `M` (the target, or the join model of
/// a `through_scope`).
#[diagnostic::on_unimplemented(
    message = "`{M}` has no field `{F}` that takes a `{Self}`, as this scope says",
    label = "no field `{F}` of `{M}` takes this value",
    note = "a `scope` names fields of the target, a `through_scope` fields of the join model, each with a value of the field's type (`&str` for a `String`, `T` for an `Option<T>`): add the field `{F}` to `{M}`, or name an existing one"
)]
pub trait ScopeOperand<M, F> {}

impl<V, M, F> ScopeOperand<M, F> for V
where
    M: Field<F>,
    V: crate::value::Operand<<M as Field<F>>::Type>,
{
}
