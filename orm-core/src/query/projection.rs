//! Projections (Sequelize's `attributes`): `User::find().select((User::id(), User::name()))`
//! reads chosen columns and aggregates as typed tuples, optionally grouped with `group_by` and
//! filtered by `having`.

use crate::db::IntoExecutor;
use crate::dialect::LockMode;
use crate::error::{Error, Result};
use crate::expr::{Column, ColumnOrder, Expr, Order};
use crate::model::Model;
use crate::narrow::{Conditions, Filter, OrderBy};
use crate::query::aggregate::{Aggregate, AggregateKind, AggregateOrder, CheckedAggregateOrder};
use crate::query::{Select, and_filter, lock_clause};
use crate::row::Row;
use crate::sql::SqlBuilder;
use crate::value::{Comparable, SqlValue};
use crate::write::ColumnsOf;

/// What a projection reads from the rows of model `M`: a column (`User::name()`), an aggregate
/// (`User::age().sum()`, [`count_all`](crate::count_all)), or a tuple of up to 8 of them
/// (nested tuples too). Each row decodes into [`Output`](Self::Output), reading its values
/// by position straight from the row.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be selected from `{M}`",
    label = "not a column or aggregate of `{M}`",
    note = "select a column (`User::name()`), an aggregate (`User::age().sum()`, `orm::count_all()`), or a tuple of up to 8 of them, all of the queried model"
)]
pub trait Selection<M>: Send + Sync {
    /// The Rust value of one result row.
    type Output: Send;
    /// How many SQL expressions the selection writes (and columns it reads).
    const WIDTH: usize;
    /// Whether the selection holds an aggregate.
    const AGGREGATE: bool;
    /// Writes the expressions, separated by commas, qualifying columns with `qualifier`.
    fn write(&self, qualifier: &str, b: &mut SqlBuilder);
    /// Reads the values from `row`, starting at column `offset`.
    fn decode(row: &dyn Row, offset: usize) -> Result<Self::Output>;
}

impl<M, T: SqlValue> Selection<M> for Column<M, T> {
    type Output = T;
    const WIDTH: usize = 1;
    const AGGREGATE: bool = false;

    fn write(&self, qualifier: &str, b: &mut SqlBuilder) {
        b.qualified(qualifier, self.name());
    }

    fn decode(row: &dyn Row, offset: usize) -> Result<T> {
        T::decode(row, offset)
    }
}

impl<M, K: AggregateKind> Selection<M> for Aggregate<M, K> {
    type Output = K::Output;
    const WIDTH: usize = 1;
    const AGGREGATE: bool = true;

    fn write(&self, qualifier: &str, b: &mut SqlBuilder) {
        self.term.render(qualifier, b);
    }

    fn decode(row: &dyn Row, offset: usize) -> Result<K::Output> {
        K::Output::decode(row, offset)
    }
}

/// What a query over the model `Self` selects: `M: Selections<S>` when `S` is a column or an
/// aggregate of `M`, or a tuple of up to 8 of them. `#[derive(Model)]` implements it, as
/// [`Conditions`]: rustc then quotes the model's own impl, at its derive, under a column of
/// another model.
#[diagnostic::on_unimplemented(
    message = "`{S}` cannot be selected from `{Self}`",
    label = "not a column or aggregate of `{Self}`, or a tuple of them",
    note = "select a column (`User::name()`), an aggregate (`User::age().sum()`, `orm::count_all()`), or a tuple of up to 8 of them, all of the queried model"
)]
pub trait Selections<S>: Sized {
    /// The selection (`S` itself).
    #[doc(hidden)]
    type Selection: Selection<Self>;
    /// The selection.
    #[doc(hidden)]
    fn selection(selection: S) -> Self::Selection;
}

macro_rules! tuple_selection {
    ($first:ident $first_index:tt $(, $name:ident $index:tt)*) => {
        impl<M, $first: Selection<M> $(, $name: Selection<M>)*> Selection<M> for ($first, $($name,)*) {
            type Output = ($first::Output, $($name::Output,)*);
            const WIDTH: usize = $first::WIDTH $(+ $name::WIDTH)*;
            const AGGREGATE: bool = $first::AGGREGATE $(|| $name::AGGREGATE)*;

            fn write(&self, qualifier: &str, b: &mut SqlBuilder) {
                self.$first_index.write(qualifier, b);
                $(
                    b.push(", ");
                    self.$index.write(qualifier, b);
                )*
            }

            #[allow(unused_assignments, unused_mut, unused_variables)]
            fn decode(row: &dyn Row, offset: usize) -> Result<Self::Output> {
                let first = $first::decode(row, offset)?;
                let mut offset = offset + $first::WIDTH;
                Ok((first, $(
                    {
                        let value = $name::decode(row, offset)?;
                        offset += $name::WIDTH;
                        value
                    },
                )*))
            }
        }

    };
}

tuple_selection!(A 0);
tuple_selection!(A 0, B 1);
tuple_selection!(A 0, B 1, C 2);
tuple_selection!(A 0, B 1, C 2, D 3);
tuple_selection!(A 0, B 1, C 2, D 3, E 4);
tuple_selection!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_selection!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_selection!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// An `ORDER BY` term of a projection: a column's order (`User::name().asc()`) or an
/// aggregate's (`User::id().count().desc()`), checked.
pub struct SortKey<M>(SortTerm<M>);

enum SortTerm<M> {
    Column(Order<M>),
    Aggregate(CheckedAggregateOrder),
}

impl<M> std::fmt::Debug for SortKey<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            SortTerm::Column(order) => order.fmt(f),
            SortTerm::Aggregate(order) => order.fmt(f),
        }
    }
}

/// The orders a projection of the model `Self` sorts by: `M: SortKeys<O>` when `O` orders by
/// a column of `M` whose type is [`Comparable`], or by an aggregate of `M` whose column type
/// the aggregate applies to. `#[derive(Model)]` implements it, as [`Selections`]: rustc then
/// quotes the model's own impls under an order of another model, and a column or aggregate
/// of the wrong type is reported by the failing bound's message, at the argument.
#[diagnostic::on_unimplemented(
    message = "expected an order by a column or an aggregate of `{Self}`, found `{O}`",
    label = "an order by another model's column or aggregate",
    note = "a projection orders by its own model's columns and aggregates: `Task::find().select(Task::uid()).group_by(Task::uid()).order_by(Task::hours().sum().desc())`"
)]
pub trait SortKeys<O>: Sized {
    /// The checked term.
    #[doc(hidden)]
    fn sort_key(order: O) -> SortKey<Self>;
}

impl<M> SortKey<M> {
    /// A column's order. Generated code calls this.
    #[doc(hidden)]
    pub fn __order(order: Order<M>) -> Self {
        SortKey(SortTerm::Column(order))
    }

    /// A column's order, checked. Generated code calls this.
    #[doc(hidden)]
    pub fn __column<T: Comparable>(order: ColumnOrder<M, T>) -> Self {
        SortKey(SortTerm::Column(order.into()))
    }

    /// An aggregate's order, checked. Generated code calls this.
    #[doc(hidden)]
    pub fn __aggregate<K: AggregateKind>(order: AggregateOrder<M, K>) -> Self {
        SortKey(SortTerm::Aggregate(order.checked()))
    }

    fn render(&self, qualifier: &str, b: &mut SqlBuilder) {
        match &self.0 {
            SortTerm::Column(order) => order.render(qualifier, b),
            SortTerm::Aggregate(order) => order.render(qualifier, b),
        }
    }
}

/// A query over model `M` that reads the [`Selection`] `S` instead of whole rows:
/// `User::find().filter(…).select((User::id(), User::name())).all(&db)` returns
/// `Vec<(i64, String)>`. Made by [`Select::select`], keeping the query's filters, order,
/// paging and lock.
///
/// With [`group_by`](Self::group_by), each result row is a group and aggregates are computed
/// per group; rows whose group key is NULL form one group (as SQL's `GROUP BY` does on every
/// backend). [`having`](Self::having) filters the groups.
#[must_use = "a projection does nothing until you run it: call `.all(&db).await` or `.one(&db).await`"]
pub struct Projected<M, S> {
    selection: S,
    filter: Option<Expr<M>>,
    order: Vec<SortKey<M>>,
    group_by: Vec<&'static str>,
    having: Option<Expr<M>>,
    limit: Option<u64>,
    offset: Option<u64>,
    lock: Option<LockMode>,
}

impl<M, S: std::fmt::Debug> std::fmt::Debug for Projected<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projected")
            .field("selection", &self.selection)
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("group_by", &self.group_by)
            .field("having", &self.having)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("lock", &self.lock)
            .finish()
    }
}

/// Reads chosen columns and aggregates instead of whole rows: `User::find().select(User::name())`.
/// A trait (in `orm::prelude`) for its diagnostics, as [`Filter`]: a selection of another model
/// is reported at the argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `select` taking `{S}`",
    label = "not a selection of this query's model",
    note = "only a query without includes has `select`: includes load whole related rows, which a projection does not return"
)]
pub trait SelectWith<S>: Queried {
    /// Reads `selection` (a column, an aggregate, or a tuple of up to 8 of them) instead of
    /// whole rows.
    fn select(self, selection: S) -> Projected<Self::Model, S>;
}

/// The queries of the model `Self` that `select` applies to: `M: NoIncludes<L, S>` when the
/// include list `L` is empty (`()`), whatever the selection `S`.
///
/// `#[derive(Model)]` implements it, as [`Selections`]: for `()`, and twice for a non-empty
/// list with a selection no one can make ([`Unreachable`](crate::narrow::Unreachable)), so that
/// `select` is found on a query with includes and this message is reported at the argument.
#[diagnostic::on_unimplemented(
    message = "`select` applies to a query without `include`",
    label = "selected from a query that includes associations",
    note = "includes load whole related rows, which a projection does not return: select from a query without `include` (filter by related rows with `User::tasks().any(…)`), or read the included rows"
)]
pub trait NoIncludes<L, S> {}

/// The model a query reads: what [`SelectWith::select`] projects. (A trait of its own, so that
/// the projection's type does not depend on the selection's impl, whose bound is then
/// reported at the argument.)
pub trait Queried: Sized {
    /// The model.
    type Model;
}

impl<M, L> Queried for Select<M, L> {
    type Model = M;
}

impl<M: Model + Selections<S> + NoIncludes<L, S>, L, S> SelectWith<S> for Select<M, L> {
    /// Reads `selection` (a column, an aggregate, or a tuple of up to 8 of them) instead of
    /// whole rows, keeping the filters, order, paging and lock: Sequelize's `attributes`.
    ///
    /// Only a query without includes has it: includes load whole related rows, which a
    /// projection does not return. To filter by related rows, filter before selecting.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let pairs: Vec<(i64, String)> = Task::find().order_by(Task::id().asc()).select((Task::id(), Task::title())).all(&db).await?;
    /// assert_eq!(pairs[0], (1, "write".to_owned()));
    /// let titles: Vec<String> = Task::find().filter(Task::done().eq(true)).select(Task::title()).all(&db).await?;
    /// assert_eq!(titles, ["ship"]);
    /// # Ok(()) }
    /// ```
    fn select(self, selection: S) -> Projected<M, S> {
        Projected {
            selection,
            filter: self.filter,
            order: self.order.into_iter().map(|order| SortKey(SortTerm::Column(order))).collect(),
            group_by: Vec::new(),
            having: None,
            limit: self.limit,
            offset: self.offset,
            lock: self.lock,
        }
    }
}

impl<M: Model + Selections<S>, S, C> Filter<C> for Projected<M, S>
where
    M: Conditions<C>,
{
    /// Keeps the rows matching `condition` (repeated calls must all match); applied before
    /// grouping (SQL's `WHERE`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let open = Task::find().select(Task::title()).filter(Task::done().eq(false)).order_by(Task::title().asc()).all(&db).await?;
    /// assert_eq!(open, ["review", "write"]);
    /// # Ok(()) }
    /// ```
    fn filter(mut self, condition: C) -> Self {
        let condition = <M as Conditions<C>>::condition(condition);
        self.filter = and_filter(self.filter, condition);
        self
    }
}

/// Groups a projection's rows: `.group_by(User::team_id())`. A trait (in `orm::prelude`) for
/// its diagnostics, as [`Filter`]: a column of another model is reported at the argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `group_by` taking `{G}`",
    label = "not a column of this projection's model"
)]
pub trait GroupBy<G>: Sized {
    /// Groups the rows by `columns` (repeated calls add columns).
    fn group_by(self, columns: G) -> Self;
}

impl<M: Model + Selections<S> + ColumnsOf<G>, S, G> GroupBy<G> for Projected<M, S> {
    /// Groups the rows by a column or a tuple of columns of `M` (repeated calls add columns).
    /// A group key that is NULL forms one group.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let rows = Task::find().select((Task::uid(), Task::done(), orm::count_all::<Task>())).group_by((Task::uid(), Task::done())).order_by(Task::uid().asc()).order_by(Task::done().asc()).all(&db).await?;
    /// assert_eq!(rows, [(Some(1), false, 1), (Some(1), true, 1), (Some(2), false, 1)]);
    /// # Ok(()) }
    /// ```
    fn group_by(mut self, columns: G) -> Self {
        self.group_by.extend(M::names(columns));
        self
    }
}

impl<M: Model + Selections<S> + SortKeys<O>, S, O> OrderBy<O> for Projected<M, S> {
    /// Orders by a column or an aggregate (repeated calls add later sort keys).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let titles = Task::find().select(Task::title()).order_by(Task::hours().desc()).all(&db).await?;
    /// assert_eq!(titles, ["ship", "write", "review"]);
    /// # Ok(()) }
    /// ```
    fn order_by(mut self, order: O) -> Self {
        self.order.push(M::sort_key(order));
        self
    }
}

impl<M: Model + Selections<S>, S> Projected<M, S> {
    /// Returns at most `count` result rows (groups, when grouped).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let first = Task::find().select(Task::title()).order_by(Task::id().asc()).limit(1).all(&db).await?;
    /// assert_eq!(first, ["write"]);
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, count: u64) -> Self {
        self.limit = Some(count);
        self
    }

    /// Skips the first `count` result rows (groups, when grouped).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let last = Task::find().select(Task::title()).order_by(Task::id().asc()).offset(2).all(&db).await?;
    /// assert_eq!(last, ["review"]);
    /// # Ok(()) }
    /// ```
    pub fn offset(mut self, count: u64) -> Self {
        self.offset = Some(count);
        self
    }

    /// Keeps the groups matching `condition`, built from aggregate comparisons
    /// (`User::id().count().gt(2)`) and grouped columns (repeated calls must all match).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let busy = Task::find().select(Task::uid()).group_by(Task::uid()).having(Task::id().count().gt(1)).all(&db).await?;
    /// assert_eq!(busy, [Some(1)]);
    /// # Ok(()) }
    /// ```
    pub fn having(mut self, condition: Expr<M>) -> Self {
        self.having = and_filter(self.having, condition);
        self
    }

    /// Locks the selected rows until the transaction ends, as
    /// [`Select::for_update`] does. Only a projection of columns has rows to lock: one with
    /// an aggregate, `group_by` or `having` fails with [`Error::LockOnAggregate`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let mut tx = db.begin().await?;
    /// let hours = Task::find().filter(Task::uid().eq(1)).select(Task::hours()).for_update().all(&mut tx).await?;
    /// assert_eq!(hours.len(), 2);
    /// tx.commit().await?;
    /// # Ok(()) }
    /// ```
    pub fn for_update(mut self) -> Self {
        self.lock = Some(LockMode::Update);
        self
    }

    /// Share-locks the selected rows until the transaction ends, as [`Select::for_share`]
    /// does (and with the restriction of [`for_update`](Self::for_update)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let mut tx = db.begin().await?;
    /// let titles = Task::find().select(Task::title()).for_share().all(&mut tx).await?;
    /// assert_eq!(titles.len(), 3);
    /// tx.commit().await?;
    /// # Ok(()) }
    /// ```
    pub fn for_share(mut self) -> Self {
        self.lock = Some(LockMode::Share);
        self
    }

    /// Runs the query and returns every result row.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ids: Vec<i64> = Task::find().select(Task::id()).order_by(Task::id().asc()).all(&db).await?;
    /// assert_eq!(ids, [1, 2, 3]);
    /// # Ok(()) }
    /// ```
    pub async fn all<'e>(self, db: impl IntoExecutor<'e>) -> Result<Vec<<M::Selection as Selection<M>>::Output>> {
        let mut executor = db.into_executor();
        if self.lock.is_some()
            && (<M::Selection as Selection<M>>::AGGREGATE || !self.group_by.is_empty() || self.having.is_some())
        {
            return Err(Error::LockOnAggregate { model: M::meta().name });
        }
        let lock = lock_clause::<M>(self.lock, &executor)?;
        let table = M::meta().table;
        let mut b = SqlBuilder::new(executor.dialect());
        b.push("SELECT ");
        M::selection(self.selection).write(table, &mut b);
        b.push(" FROM ").identifier(table);
        Select::<M>::write_where(self.filter, &(), &mut b);
        for (i, column) in self.group_by.iter().enumerate() {
            b.push(if i == 0 { " GROUP BY " } else { ", " });
            b.qualified(table, column);
        }
        if let Some(having) = self.having {
            b.push(" HAVING ");
            having.render(table, &mut b);
        }
        for (i, order) in self.order.iter().enumerate() {
            b.push(if i == 0 { " ORDER BY " } else { ", " });
            order.render(table, &mut b);
        }
        b.limit_offset(self.limit, self.offset);
        // A locking read belongs to a transaction (checked above); a plain one may go to a
        // read replica.
        let statement = match lock {
            Some(lock) => {
                b.push(lock);
                b.finish()
            }
            None => b.finish_read(),
        };
        let mut rows = Vec::new();
        executor
            .fetch(statement, &mut |row| {
                rows.push(<M::Selection as Selection<M>>::decode(row, 0)?);
                Ok(())
            })
            .await?;
        Ok(rows)
    }

    /// Runs the query for its first result row.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let busiest = Task::find().select((Task::uid(), Task::hours().sum())).group_by(Task::uid()).order_by(Task::hours().sum().desc()).one(&db).await?;
    /// assert_eq!(busiest, Some((Some(1), Some(8))));
    /// # Ok(()) }
    /// ```
    pub async fn one<'e>(
        mut self,
        db: impl IntoExecutor<'e>,
    ) -> Result<Option<<M::Selection as Selection<M>>::Output>> {
        self.limit = Some(1);
        Ok(self.all(db).await?.pop())
    }
}
