use std::marker::PhantomData;

use crate::assoc::{AssociationMeta, PolymorphicParent};
use crate::db::Executor;
use crate::driver::BoxFuture;
use crate::error::Result;
use crate::expr::{Expr, Node, OrderTerm};
use crate::include::IncludeList;
use crate::include::filter::{AssociationFilter, Quantifier, Targets};
use crate::model::Model;
use crate::narrow::{
    Filter, IncludeCondition, IncludeOrder, IncludeThroughCondition, IncludeWith, OrderBy, ThroughFilter,
};
use crate::row::Row;

/// How an association's loaded targets are held: [`Many`], [`One`] or [`ManyToMany`].
pub trait LoadKind: Send + Sync + 'static {
    /// The join row carried with each target (`()` unless a join model is loaded).
    type Join: Send + Sync;
    /// What one parent holds.
    type Container<R: Send + Sync>: Send + Sync;
    /// What the accessor returns.
    type View<'a, R: Send + Sync + 'a>
    where
        Self: 'a;
    /// Reads the join row after the target's columns, at `offset`.
    fn decode_join(row: &dyn Row, offset: usize) -> Result<Self::Join>;
    /// How many columns the join row takes.
    fn join_columns() -> usize;
    /// Builds one parent's container from its children, in query order.
    fn collect<R: Send + Sync>(children: Vec<(R, Self::Join)>) -> Self::Container<R>;
    /// Whether a parent has at least one target (`required()`).
    fn is_present<R: Send + Sync>(container: &Self::Container<R>) -> bool;
    /// The accessor's view of a container.
    fn view<R: Send + Sync>(container: &Self::Container<R>) -> Self::View<'_, R>;
    /// The view of no target (an association a nested create created nothing through).
    fn empty_view<'a, R: Send + Sync + 'a>() -> Self::View<'a, R>;
}

/// has_many, and belongs_to_many through a table: a slice of targets.
#[derive(Debug)]
pub struct Many;

/// belongs_to and has_one: at most one target.
#[derive(Debug)]
pub struct One;

/// belongs_to_many through a join model: each target with its join row.
#[derive(Debug)]
pub struct ManyToMany<J>(PhantomData<fn() -> J>);

/// A polymorphic parent (`#[belongs_to_one_of(…)]`): at most one parent, as the closed enum
/// `P` of the parent models.
#[derive(Debug)]
pub struct Polymorphic<P>(PhantomData<fn() -> P>);

/// The kinds whose include targets one model, so that the include can filter, order, limit
/// and nest on it, and `required()` and the association filters (`any`, `every`, …) range
/// over its targets. A polymorphic include loads whole parents of several models and has none
/// of these.
#[diagnostic::on_unimplemented(
    message = "a polymorphic include loads whole parents: it has no `filter`, `order_by`, `limit`, `required`, nested `include` or association filters",
    label = "this include loads the parents of several models",
    note = "load the parents with the include, then narrow them in Rust; or query one parent model with its own `has_many(…, polymorphic = \"…\")`"
)]
pub trait TargetFilters {}

impl TargetFilters for Many {}
impl TargetFilters for One {}
impl<J> TargetFilters for ManyToMany<J> {}

impl LoadKind for Many {
    type Join = ();
    type Container<R: Send + Sync> = Vec<R>;
    type View<'a, R: Send + Sync + 'a> = &'a [R];
    fn decode_join(_row: &dyn Row, _offset: usize) -> Result<()> {
        Ok(())
    }
    fn join_columns() -> usize {
        0
    }
    fn collect<R: Send + Sync>(children: Vec<(R, ())>) -> Vec<R> {
        children.into_iter().map(|(r, ())| r).collect()
    }
    fn is_present<R: Send + Sync>(container: &Vec<R>) -> bool {
        !container.is_empty()
    }
    fn view<R: Send + Sync>(container: &Vec<R>) -> &[R] {
        container
    }
    fn empty_view<'a, R: Send + Sync + 'a>() -> &'a [R] {
        &[]
    }
}

impl LoadKind for One {
    type Join = ();
    type Container<R: Send + Sync> = Option<R>;
    type View<'a, R: Send + Sync + 'a> = Option<&'a R>;
    fn decode_join(_row: &dyn Row, _offset: usize) -> Result<()> {
        Ok(())
    }
    fn join_columns() -> usize {
        0
    }
    fn collect<R: Send + Sync>(children: Vec<(R, ())>) -> Option<R> {
        children.into_iter().next().map(|(r, ())| r)
    }
    fn is_present<R: Send + Sync>(container: &Option<R>) -> bool {
        container.is_some()
    }
    fn view<R: Send + Sync>(container: &Option<R>) -> Option<&R> {
        container.as_ref()
    }
    fn empty_view<'a, R: Send + Sync + 'a>() -> Option<&'a R> {
        None
    }
}

impl<P: PolymorphicParent> LoadKind for Polymorphic<P> {
    type Join = ();
    type Container<R: Send + Sync> = Option<P>;
    type View<'a, R: Send + Sync + 'a> = Option<&'a P>;
    fn decode_join(_row: &dyn Row, _offset: usize) -> Result<()> {
        Ok(())
    }
    fn join_columns() -> usize {
        0
    }
    /// Never called: a polymorphic include loads its parents through
    /// [`AssociationSpec::load_include`], one query per variant.
    fn collect<R: Send + Sync>(_children: Vec<(R, ())>) -> Option<P> {
        None
    }
    fn is_present<R: Send + Sync>(container: &Option<P>) -> bool {
        container.is_some()
    }
    fn view<R: Send + Sync>(container: &Option<P>) -> Option<&P> {
        container.as_ref()
    }
    fn empty_view<'a, R: Send + Sync + 'a>() -> Option<&'a P> {
        None
    }
}

impl<J: Model> LoadKind for ManyToMany<J> {
    type Join = J;
    type Container<R: Send + Sync> = Vec<(R, J)>;
    type View<'a, R: Send + Sync + 'a> = &'a [(R, J)];
    fn decode_join(row: &dyn Row, offset: usize) -> Result<J> {
        J::decode(row, offset)
    }
    fn join_columns() -> usize {
        J::meta().columns.len()
    }
    fn collect<R: Send + Sync>(children: Vec<(R, J)>) -> Vec<(R, J)> {
        children
    }
    fn is_present<R: Send + Sync>(container: &Vec<(R, J)>) -> bool {
        !container.is_empty()
    }
    fn view<R: Send + Sync>(container: &Vec<(R, J)>) -> &[(R, J)] {
        container
    }
    fn empty_view<'a, R: Send + Sync + 'a>() -> &'a [(R, J)] {
        &[]
    }
}

/// One association, as a type: generated by `#[derive(Model)]` for each association (a hidden
/// marker type) and carried by [`Include`].
pub trait AssociationSpec: Send + Sync + 'static {
    /// The model declaring the association.
    type Source: Model;
    /// The associated model.
    type Target: Model;
    /// How the loaded targets are held.
    type Kind: LoadKind;
    /// The association's metadata.
    fn meta() -> &'static AssociationMeta;

    /// Loads the include for `parents` (one container per parent, in order): one query per
    /// batch of parent keys. A polymorphic association loads its own way, one query per
    /// variant.
    ///
    /// `R` is `N::Row`, named apart: an impl restating a bound on `N::Row` itself is refused
    /// by rustc as stricter than the trait's.
    #[doc(hidden)]
    #[allow(clippy::type_complexity)]
    fn load_include<'a, N, R>(
        include: &'a Include<Self, N>,
        executor: &'a mut Executor<'_>,
        parents: &'a [Self::Source],
    ) -> BoxFuture<'a, Result<Vec<<Self::Kind as LoadKind>::Container<R>>>>
    where
        Self: Sized,
        N: IncludeList<Self::Target, Row = R>,
        R: Clone + Send + Sync,
        <Self::Kind as LoadKind>::Join: Clone,
    {
        Box::pin(super::load::load_one::<Self::Source, Self, N>(include, executor, parents))
    }
}

/// Implemented by an association's marker for its own model only, so that `include` accepts
/// associations of the queried model and nothing else.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an association of `{M}`",
    label = "an association of another model",
    note = "`include` takes the associations of the model being queried (`{M}::association()`); include another model's association inside the include of the association that reaches it: `.include({M}::x().include(Other::y()))`"
)]
pub trait SpecOf<M>: AssociationSpec {}

/// A model `Self` that can be included with the nested include list `N`: one that is `Clone`
/// (the loader clones an included row into each parent that shares it). A bound of every
/// `include`, so that a target that is not `Clone` is reported at the include (rather than at
/// `.all(…)`), quoting the user's derive.
///
/// `#[derive(Model)]` implements it for its model: for `()` and a non-empty list, with the
/// bound `for<'a> Self: Clone` (lazy: a model that is not `Clone` compiles until it is
/// included) and not recommended (rustc reports this message rather than `Clone`'s), and for
/// [`Unreachable`](crate::narrow::Unreachable), an impl for rustc to quote at the user's derive.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is included, so it must implement `Clone`",
    label = "includes `{Self}`, which is not `Clone`",
    note = "add `#[derive(Clone)]` to `{Self}`: an included row is cloned into each parent that shares it"
)]
pub trait IncludedTarget<N> {}

/// An association to load with the query, with its filters, order, per-parent limit and
/// nested includes. Created by the association handles: `User::pictures()`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let users = User::find().include(User::workers().filter(Task::done().eq(false))).order_by(User::id().asc()).all(&db).await?;
/// assert_eq!(users[0].workers().len(), 1);
/// # Ok(()) }
/// ```
#[must_use]
pub struct Include<A, N = ()> {
    pub(crate) filter: Option<Node>,
    pub(crate) join_filter: Option<Node>,
    pub(crate) order: Vec<OrderTerm>,
    pub(crate) limit: Option<u64>,
    pub(crate) required: bool,
    pub(crate) nested: N,
    _marker: PhantomData<fn() -> A>,
}

impl<A, N: std::fmt::Debug> std::fmt::Debug for Include<A, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Include")
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("required", &self.required)
            .field("nested", &self.nested)
            .finish()
    }
}

impl<A: AssociationSpec> Include<A, ()> {
    /// The plain include of association `A`. Generated handles call this.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let handle = User::workers();               // what the generated handle returns
    /// assert_eq!(handle.meta().plural, "workers");
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Include {
            filter: None,
            join_filter: None,
            order: Vec::new(),
            limit: None,
            required: false,
            nested: (),
            _marker: PhantomData,
        }
    }
}

impl<A: AssociationSpec, N: Default> Default for Include<A, N> {
    fn default() -> Self {
        Include {
            filter: None,
            join_filter: None,
            order: Vec::new(),
            limit: None,
            required: false,
            nested: N::default(),
            _marker: PhantomData,
        }
    }
}

impl<A: AssociationSpec, N> Include<A, N> {
    /// The association's metadata.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let meta = User::projects().meta();
    /// assert_eq!(((meta.target)().name, meta.singular), ("Project", "project"));
    /// # Ok(()) }
    /// ```
    pub fn meta(&self) -> &'static AssociationMeta {
        A::meta()
    }
}

impl<A: AssociationSpec, N> Include<A, N> {
    /// Loads at most `count` targets per parent (a window function: each user's three newest
    /// tasks, say).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let newest = User::workers().order_by(Task::id().desc()).limit(1);
    /// let users = User::find().include(newest).order_by(User::id().asc()).all(&db).await?;
    /// assert_eq!(users[0].workers().iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["ship"]);
    /// assert_eq!(users[1].workers()[0].title, "review");
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, count: u64) -> Self
    where
        A::Kind: TargetFilters,
    {
        self.limit = Some(count);
        self
    }

    /// Drops the parents that have no (matching) target: Sequelize's `required: true`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::find().include(User::workers().filter(Task::done().eq(true)).required()).all(&db).await?;
    /// assert_eq!(users.len(), 1);                // Bob has no done task: dropped
    /// assert_eq!(users[0].name, "Ann");
    /// # Ok(()) }
    /// ```
    pub fn required(mut self) -> Self
    where
        A::Kind: TargetFilters,
    {
        self.required = true;
        self
    }
}

/// A polymorphic include has no target model to filter on: `IncludeCondition` says so.
impl<A, N, C> Filter<C> for Include<A, N>
where
    A: AssociationSpec + IncludeCondition<C, <A as AssociationSpec>::Target>,
{
    /// Loads only the targets matching `condition`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::find().include(User::workers().filter(Task::hours().gt(2))).order_by(User::id().asc()).all(&db).await?;
    /// assert_eq!(users[0].workers().len(), 2);
    /// assert!(users[1].workers().is_empty());    // Bob stays, with no matching task
    /// # Ok(()) }
    /// ```
    fn filter(mut self, condition: C) -> Self {
        let condition = A::condition(condition);
        self.filter = Some(match self.filter {
            Some(current) => Expr::<A::Target>::from_node(current).and(condition).node,
            None => condition.node,
        });
        self
    }
}

impl<A, N, O> OrderBy<O> for Include<A, N>
where
    A: AssociationSpec + IncludeOrder<O, <A as AssociationSpec>::Target>,
{
    /// Orders each parent's targets.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::find().include(User::workers().order_by(Task::title().asc())).order_by(User::id().asc()).all(&db).await?;
    /// assert_eq!(users[0].workers()[0].title, "ship");
    /// # Ok(()) }
    /// ```
    fn order_by(mut self, order: O) -> Self {
        let order = A::order(order);
        self.order.push(order.term());
        self
    }
}

impl<A, N, B, M> IncludeWith<Include<B, M>> for Include<A, N>
where
    A: AssociationSpec,
    A::Kind: TargetFilters,
    B: SpecOf<A::Target>,
    B::Target: IncludedTarget<M>,
{
    type Output = Include<A, (Include<B, M>, N)>;

    /// Loads an association of the targets too.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::find().include(User::projects().include(Project::tags())).order_by(User::id().asc()).all(&db).await?;
    /// let (rust, _membership) = &users[0].projects()[0];
    /// assert_eq!(rust.tags().len(), 2);
    /// # Ok(()) }
    /// ```
    fn include(self, include: Include<B, M>) -> Include<A, (Include<B, M>, N)> {
        Include {
            filter: self.filter,
            join_filter: self.join_filter,
            order: self.order,
            limit: self.limit,
            required: self.required,
            nested: (include, self.nested),
            _marker: PhantomData,
        }
    }
}

impl<A: AssociationSpec, N: IncludeList<A::Target>> Include<A, N> {
    /// The targets this include loads for a parent, as a quantifier ranges over them.
    pub(crate) fn targets(&self) -> Targets {
        let filter = match (self.filter.clone(), self.nested.required()) {
            (Some(own), Some(nested)) => Some(Expr::<A::Target>::from_node(own).and(nested).node),
            (own, nested) => own.or(nested.map(|e| e.node)),
        };
        Targets {
            association: A::meta(),
            filter,
            join_filter: self.join_filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
        }
    }
}

/// Filters across an association: conditions on a parent row over its targets, as `EXISTS`
/// subqueries. They are [`Expr`]s of the parent model, so they combine with `and`, `or` and
/// `not`, and serve every filter of that model: queries (with paging and `count`), bulk
/// `update`/`delete`, include filters and getter filters, at any depth.
///
/// Each ranges over exactly the targets that `.include(…)` of the same include would load for
/// the parent: the linked targets passing the association's `scope` and `through_scope`, the
/// include's [`filter`](Include::filter) and [`through_filter`](Include::through_filter) and
/// the `required()` includes nested in it, and with a per-parent [`limit`](Include::limit), the
/// first ones in the include's [`order_by`](Include::order_by) (then primary-key) order. Nested
/// includes that are not `required()` load data only and change nothing here. A parent whose
/// key (or, for belongs_to, whose foreign key) is NULL has no targets.
///
/// SQL's three-valued logic is made explicit: a target counts for [`any`](Include::any) when
/// the condition is TRUE, and fails [`every`](Include::every) when it is FALSE or UNKNOWN
/// (NULL). A parent without targets satisfies `none` and `every` (vacuous truth, as Prisma's
/// `every`) and not `any`/`exists`; add [`required`](Include::required) to demand a target.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let with_open = User::find().filter(User::workers().any(Task::done().eq(false))).count(&db).await?;
/// let all_open = User::find().filter(User::workers().required().every(Task::done().eq(false))).count(&db).await?;
/// assert_eq!((with_open, all_open), (2, 1));
/// # Ok(()) }
/// ```
impl<A: AssociationSpec, N: IncludeList<A::Target>> Include<A, N> {
    fn quantified(self, quantifier: Quantifier, condition: Option<Expr<A::Target>>) -> Expr<A::Source> {
        let filter = AssociationFilter::new(self.targets(), quantifier, condition.map(|c| c.node), self.required);
        Expr::from_node(Node::Related(Box::new(filter)))
    }

    /// The parents with at least one target for which `condition` is TRUE:
    /// `User::tasks().any(Task::done().eq(false))` (Sequelize has no such filter; Prisma's
    /// `some`, Django's `filter(tasks__done=False)` without the duplicates).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::find().filter(User::workers().any(Task::done().eq(true))).all(&db).await?;
    /// assert_eq!(users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Ann"]);
    /// # Ok(()) }
    /// ```
    pub fn any(self, condition: Expr<A::Target>) -> Expr<A::Source>
    where
        A::Kind: TargetFilters,
    {
        self.quantified(Quantifier::Any, Some(condition))
    }

    /// The parents with no target for which `condition` is TRUE: `any(condition).not()`. True
    /// for a parent without targets.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::find().filter(User::workers().none(Task::done().eq(true))).all(&db).await?;
    /// assert_eq!(users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Bob"]);
    /// # Ok(()) }
    /// ```
    pub fn none(self, condition: Expr<A::Target>) -> Expr<A::Source>
    where
        A::Kind: TargetFilters,
    {
        self.quantified(Quantifier::None, Some(condition))
    }

    /// The parents for whose every target `condition` is TRUE: a target for which it is FALSE
    /// or UNKNOWN (NULL) makes it false. True for a parent without targets (vacuous truth;
    /// `.required().every(…)` also demands one).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::find().filter(User::workers().every(Task::done().eq(false))).all(&db).await?;
    /// assert_eq!(users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Bob"]);
    /// # Ok(()) }
    /// ```
    pub fn every(self, condition: Expr<A::Target>) -> Expr<A::Source>
    where
        A::Kind: TargetFilters,
    {
        self.quantified(Quantifier::Every, Some(condition))
    }

    /// The parents with at least one target: `User::tasks().exists()` (Rails'
    /// `where.associated(:tasks)`); `.not()` gives those without (`where.missing`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// User::build().name("Cy").create(&db).await?;
    /// let idle = User::find().filter(User::workers().exists().not()).all(&db).await?;
    /// assert_eq!(idle.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Cy"]);
    /// # Ok(()) }
    /// ```
    pub fn exists(self) -> Expr<A::Source>
    where
        A::Kind: TargetFilters,
    {
        self.quantified(Quantifier::Any, None)
    }
}

/// The join model of a belongs_to_many, which `through_filter` filters on.
#[diagnostic::on_unimplemented(
    message = "`through_filter` takes a condition on the join model of a belongs_to_many association, and `{J}` is not this association's join model",
    label = "not a condition on this association's join model",
    note = "`through_filter` narrows by the join rows: `User::projects().through_filter(Membership::role().eq(\"lead\"))`; filter the association's own targets with `filter`"
)]
pub trait JoinOf<J> {}

impl<J: Model> JoinOf<J> for ManyToMany<J> {}

/// Identity: `T: SameAs<U>` only for `U = T`. Generated accessors bound a method parameter
/// `X` (inferred as the impl's `L` through `L: SameAs<X>`) rather than `L` itself, so that
/// rustc checks the bound at the call and reports its diagnostic, instead of failing the
/// method lookup.
pub trait SameAs<T: ?Sized> {
    /// `self`, as `T`.
    fn same(&self) -> &T;
}

impl<T: ?Sized> SameAs<T> for T {
    fn same(&self) -> &T {
        self
    }
}

/// A has_many or has_one has no join model: `IncludeThroughCondition` says so.
impl<A, N, C> ThroughFilter<C> for Include<A, N>
where
    A: AssociationSpec + IncludeThroughCondition<C, <A::Kind as LoadKind>::Join>,
{
    /// Loads only the targets whose join row matches `condition` (Sequelize's
    /// `through: { where }`, applied to the join table itself).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let leads = User::find().include(User::projects().through_filter(Membership::role().eq("lead"))).order_by(User::id().asc()).all(&db).await?;
    /// assert_eq!(leads[0].projects().len(), 1);  // Ann leads "rust" only
    /// assert!(leads[1].projects().is_empty());
    /// # Ok(()) }
    /// ```
    fn through_filter(mut self, condition: C) -> Self {
        let condition = A::condition(condition);
        self.join_filter = Some(match self.join_filter {
            Some(current) => Expr::<<A::Kind as LoadKind>::Join>::from_node(current).and(condition).node,
            None => condition.node,
        });
        self
    }
}

/// The loaded targets of one included association, followed by the rest of the list.
pub struct Loaded<A: AssociationSpec, R: Send + Sync, Rest> {
    pub(crate) data: <A::Kind as LoadKind>::Container<R>,
    pub(crate) rest: Rest,
}

impl<A: AssociationSpec, R: Send + Sync, Rest> Loaded<A, R, Rest> {
    /// The loaded targets of this list's first association.
    pub fn data(&self) -> &<A::Kind as LoadKind>::Container<R> {
        &self.data
    }

    /// The rest of the list.
    pub fn rest(&self) -> &Rest {
        &self.rest
    }
}

impl<A: AssociationSpec, R: Send + Sync, Rest: std::fmt::Debug> std::fmt::Debug for Loaded<A, R, Rest>
where
    <A::Kind as LoadKind>::Container<R>: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded").field(A::meta().plural, &self.data).field("rest", &self.rest).finish()
    }
}

impl<A: AssociationSpec, R: Send + Sync, Rest: Clone> Clone for Loaded<A, R, Rest>
where
    <A::Kind as LoadKind>::Container<R>: Clone,
{
    fn clone(&self) -> Self {
        Loaded { data: self.data.clone(), rest: self.rest.clone() }
    }
}

impl<A: AssociationSpec, R: Send + Sync, Rest: PartialEq> PartialEq for Loaded<A, R, Rest>
where
    <A::Kind as LoadKind>::Container<R>: PartialEq,
{
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data && self.rest == other.rest
    }
}

/// Type-level index: the association is at the head of the list.
#[derive(Debug)]
pub struct Here;

/// Type-level index: the association is further down the list.
#[derive(Debug)]
pub struct There<I>(PhantomData<I>);

/// The loaded list `Self` contains association `A` at index `I` (inferred).
pub trait Contains<A: AssociationSpec, I> {
    /// The row type of the loaded targets.
    type Row: Send + Sync;
    /// The loaded targets of `A`.
    fn view(&self) -> <A::Kind as LoadKind>::View<'_, Self::Row>;
}

impl<A: AssociationSpec, R: Send + Sync, Rest> Contains<A, Here> for Loaded<A, R, Rest> {
    type Row = R;
    fn view(&self) -> <A::Kind as LoadKind>::View<'_, R> {
        A::Kind::view(&self.data)
    }
}

impl<A: AssociationSpec, B: AssociationSpec, R: Send + Sync, Rest: Contains<A, I>, I> Contains<A, There<I>>
    for Loaded<B, R, Rest>
{
    type Row = Rest::Row;
    fn view(&self) -> <A::Kind as LoadKind>::View<'_, Rest::Row> {
        self.rest.view()
    }
}
