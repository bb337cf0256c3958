//! `filter`, `order_by`, `include` and `through_filter` of the builders (queries, includes,
//! association reads and counts), as traits that `orm::prelude` brings into scope.
//!
//! They are traits for their diagnostics. A bound on an inherent method of orm-core is reported
//! with "required by a bound in" and the bound's source, and a mismatched argument with
//! "method defined here" and the method's source. Here each builder implements the trait for
//! any argument `C` under a bound that the derive implements in the user's crate: the model's
//! ([`Conditions`], [`Orders`]) for a query, the association marker's ([`IncludeCondition`],
//! [`IncludeOrder`], [`IncludeThroughCondition`]) for an include. rustc leaves `C` to the
//! argument, then reports the bound's message at the argument, naming the model expected, and
//! quotes only the user's derive.

use crate::expr::{ColumnOrder, Expr, Order};
use crate::value::Comparable;

/// Narrows a builder to the rows matching a condition: `Task::find().filter(Task::done().eq(true))`.
/// A query takes a condition on its own model; an include, an association read and an
/// association count take a condition on the associated model.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `filter` taking `{C}`",
    label = "not a condition this builder takes"
)]
pub trait Filter<C>: Sized {
    /// Keeps the rows matching `condition` (repeated calls must all match).
    fn filter(self, condition: C) -> Self;
}

/// Orders a builder's rows by a column of the model it reads: `.order_by(Task::title().asc())`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `order_by` taking `{O}`",
    label = "not an order this builder takes"
)]
pub trait OrderBy<O>: Sized {
    /// Orders by a column (repeated calls add later sort keys).
    fn order_by(self, order: O) -> Self;
}

/// Loads an association with the rows a builder reads: `User::find().include(User::tasks())`.
#[diagnostic::on_unimplemented(
    message = "`{I}` cannot be included here",
    label = "not an association of the model being read",
    note = "`include` takes the associations of the model being read: `User::find().include(User::tasks())`; include another model's association inside the include that reaches it: `.include(User::tasks().include(Task::notes()))`"
)]
pub trait IncludeWith<I>: Sized {
    /// The builder with the include added: its rows carry the loaded association.
    type Output;
    /// Loads the association `include` with the rows.
    fn include(self, include: I) -> Self::Output;
}

/// Narrows a belongs_to_many include or read by its join rows:
/// `User::projects().through_filter(Membership::role().eq("lead"))`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `through_filter` taking `{C}`",
    label = "`through_filter` applies to a belongs_to_many association with a join model"
)]
pub trait ThroughFilter<C>: Sized {
    /// Keeps the targets whose join row matches `condition`.
    fn through_filter(self, condition: C) -> Self;
}

/// The conditions a model's rows are filtered with: `M: Conditions<C>` when `C` is a
/// condition on `M` (`Task::done().eq(true)` is an `Expr<Task>`).
///
/// The model is `Self`, so that [`Model`](crate::Model) can require `Conditions<Expr<Self>>`
/// and code generic over a model filters it. `#[derive(Model)]` implements it twice: for
/// `Expr<Self>`, and for [`Unreachable`] so that rustc does not take the argument's type from a
/// lone impl (and report "mismatched types" with orm-core's source). Implemented there rather
/// than by a blanket impl here, because rustc quotes the one impl of another model under a
/// mistake ("but `Conditions<Expr<User>>` is implemented for it"), and this one is the user's.
#[diagnostic::on_unimplemented(
    message = "expected a condition on `{Self}`, found `{C}`",
    label = "a condition on another model",
    note = "a query filters on its own model's columns: `Task::find().filter(Task::done().eq(true))`; an include, an association read or count filters on the associated model's: `User::tasks().filter(Task::done().eq(true))`; a belongs_to_many's `through_filter` on its join model's",
    note = "to keep the rows with (or without) matching associated rows, filter with the association: `User::find().filter(User::tasks().any(Task::done().eq(true)))`"
)]
pub trait Conditions<C>: Sized {
    /// The condition.
    #[doc(hidden)]
    fn condition(condition: C) -> Expr<Self>;
}

/// The orders a model's rows are sorted by: `M: Orders<O>` when `O` orders by a column of `M`
/// (`Task::title().asc()` is an `Order<Task>`). Implemented as [`Conditions`].
#[diagnostic::on_unimplemented(
    message = "expected an order by a column of `{Self}`, found `{O}`",
    label = "an order by another model's column",
    note = "a query orders by its own model's columns: `Task::find().order_by(Task::title().asc())`; an include or an association read orders by the associated model's: `User::tasks().order_by(Task::title().asc())`"
)]
pub trait Orders<O>: Sized {
    /// The order.
    #[doc(hidden)]
    fn order(order: O) -> Order<Self>;
}

/// A column's order (`Task::title().asc()`) orders its model's rows when the column's type is
/// [`Comparable`]: a JSON column is reported with that trait's message, at the argument.
impl<M, T: Comparable> Orders<ColumnOrder<M, T>> for M {
    fn order(order: ColumnOrder<M, T>) -> Order<M> {
        order.into()
    }
}

/// A type with no values: the second implementation of [`Conditions`] and [`Orders`] of each
/// model. Nothing can call a method with it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Unreachable {}

/// What an include of the association `Self` (its marker type, `User_projects`) narrows by its
/// join rows with `through_filter`: a condition on `J`, the join model of a belongs_to_many
/// with one (`<A::Kind as LoadKind>::Join`, `()` for the other associations).
///
/// Bounded on the marker, which `#[derive(Model)]` generates in the user's crate together
/// with the impls: `impl<C, J: Conditions<C>> IncludeThroughCondition<C, J> for User_projects`
/// for a join model; for every other association, impls for [`Unreachable`] only (and a
/// hidden second one), of which rustc quotes the first under the message. A bound without any
/// impl of the user's makes rustc quote the builder's impl in orm-core instead. The target and
/// join model are parameters, not projections, so that the generated impls hold no
/// projection that fails (and is reported again) when a target is not a model.
#[diagnostic::on_unimplemented(
    message = "`through_filter` applies to a belongs_to_many association with a join model",
    label = "this association has no join model",
    note = "filter the association's own targets with `filter`"
)]
pub trait IncludeThroughCondition<C, J> {
    /// The condition.
    #[doc(hidden)]
    fn condition(condition: C) -> Expr<J>;
}

/// What an include of the association `Self` (its marker type) filters its targets `T` with:
/// a condition on `T`, unless the include is polymorphic. Implemented as
/// [`IncludeThroughCondition`]: for the conditions on `T` of an association with one target
/// model, for [`Unreachable`] only on a polymorphic one.
#[diagnostic::on_unimplemented(
    message = "a polymorphic include loads whole parents: it has no `filter`, `order_by`, `limit`, `required`, nested `include` or association filters",
    label = "this include loads the parents of several models",
    note = "load the parents with the include, then narrow them in Rust; or query one parent model with its own `has_many(…, polymorphic = \"…\")`"
)]
pub trait IncludeCondition<C, T> {
    /// The condition.
    #[doc(hidden)]
    fn condition(condition: C) -> Expr<T>;
}

/// What an include of the association `Self` (its marker type) orders its targets `T` by, as
/// [`IncludeCondition`].
#[diagnostic::on_unimplemented(
    message = "a polymorphic include loads whole parents: it has no `filter`, `order_by`, `limit`, `required`, nested `include` or association filters",
    label = "this include loads the parents of several models",
    note = "load the parents with the include, then narrow them in Rust; or query one parent model with its own `has_many(…, polymorphic = \"…\")`"
)]
pub trait IncludeOrder<O, T> {
    /// The order.
    #[doc(hidden)]
    fn order(order: O) -> Order<T>;
}
