//! Query builders: `Model::find()`, `Model::update()`, `Model::delete()`, and what a query
//! reads besides whole rows: projections ([`projection`]), aggregates ([`aggregate`]) and a
//! page with its total ([`Select::find_and_count`]).

pub mod aggregate;
mod page;
pub mod projection;

use std::marker::PhantomData;

use crate::db::{Executor, IntoExecutor};
use crate::dialect::LockMode;
use crate::error::{Error, Result};
use crate::expr::{Column, Expr, Order};
use crate::include::{Include, IncludeList, IncludedTarget, SpecOf};
use crate::model::{Model, fetch_models_on, write_select};
use crate::narrow::{Conditions, Filter, IncludeWith, OrderBy, Orders};
use crate::sql::SqlBuilder;
use crate::value::{Operand, SqlValue, Value};

fn and_filter<M>(current: Option<Expr<M>>, next: Expr<M>) -> Option<Expr<M>> {
    Some(match current {
        Some(current) => current.and(next),
        None => next,
    })
}

/// The lock clause of a query that asked for `lock`, or the error for a lock asked on the pool,
/// where it would end with the statement.
fn lock_clause<M: Model>(lock: Option<LockMode>, executor: &Executor<'_>) -> Result<Option<&'static str>> {
    let Some(lock) = lock else { return Ok(None) };
    if matches!(executor, Executor::Db(_)) {
        return Err(Error::LockOutsideTransaction { model: M::meta().name });
    }
    Ok(executor.dialect().row_lock_clause(lock))
}

/// A `SELECT` over model `M`, narrowed by filters, order and paging before it runs. `L` is the
/// type-level list of included associations (`()` for none): it decides the result row type.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let page = Task::find().filter(Task::done().eq(false)).order_by(Task::title().asc()).limit(10).all(&db).await?;
/// assert_eq!(page.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["review", "write"]);
/// # Ok(()) }
/// ```
#[must_use = "a query does nothing until you run it: call `.all(&db).await`, `.one(&db).await` or `.count(&db).await`"]
pub struct Select<M, L = ()> {
    filter: Option<Expr<M>>,
    order: Vec<Order<M>>,
    limit: Option<u64>,
    offset: Option<u64>,
    lock: Option<LockMode>,
    includes: L,
}

impl<M, L: std::fmt::Debug> std::fmt::Debug for Select<M, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("lock", &self.lock)
            .field("includes", &self.includes)
            .finish()
    }
}

impl<M: Model, L: IncludeList<M>, C> Filter<C> for Select<M, L>
where
    M: Conditions<C>,
{
    /// Keeps the rows matching `condition` (repeated calls must all match).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let open = Task::find().filter(Task::done().eq(false)).filter(Task::uid().eq(1)).all(&db).await?;
    /// assert_eq!(open.len(), 1);
    /// assert_eq!(open[0].title, "write");
    /// # Ok(()) }
    /// ```
    fn filter(self, condition: C) -> Self {
        self.and_where(<M as Conditions<C>>::condition(condition))
    }
}

impl<M: Model, L: IncludeList<M>, O> OrderBy<O> for Select<M, L>
where
    M: Orders<O>,
{
    /// Orders by a column (repeated calls add later sort keys).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let tasks = Task::find().order_by(Task::done().asc()).order_by(Task::title().desc()).all(&db).await?;
    /// assert_eq!(tasks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["write", "review", "ship"]);
    /// # Ok(()) }
    /// ```
    fn order_by(self, order: O) -> Self {
        self.push_order(<M as Orders<O>>::order(order))
    }
}

impl<M, L> Select<M, L> {
    /// `filter`, for orm-core's own code generic over the model.
    pub(crate) fn and_where(mut self, condition: Expr<M>) -> Self {
        self.filter = and_filter(self.filter, condition);
        self
    }

    /// `order_by`, for code generic over the model.
    pub(crate) fn push_order(mut self, order: Order<M>) -> Self {
        self.order.push(order);
        self
    }
}

impl<M, L, A, N> IncludeWith<Include<A, N>> for Select<M, L>
where
    M: Model,
    L: IncludeList<M>,
    A: SpecOf<M>,
    A::Target: IncludedTarget<N>,
{
    type Output = Select<M, (Include<A, N>, L)>;

    /// Loads an association of `M` with the rows: `User::find().include(User::pictures())`.
    /// The result rows then carry it, read with the generated accessor (`user.pictures()`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::find().include(User::workers()).order_by(User::id().asc()).all(&db).await?;
    /// assert_eq!(users[0].workers().len(), 2);        // Ann's tasks, loaded with her
    /// assert_eq!(users[1].workers()[0].title, "review");
    /// # Ok(()) }
    /// ```
    fn include(self, include: Include<A, N>) -> Select<M, (Include<A, N>, L)> {
        Select {
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            lock: self.lock,
            includes: (include, self.includes),
        }
    }
}

impl<M: Model> Default for Select<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> Select<M> {
    /// A query over every row of `M`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(orm::Select::<Task>::new().count(&db).await?, 3); // what `Task::find()` returns
    /// # Ok(()) }
    /// ```
    pub fn new() -> Self {
        Select { filter: None, order: Vec::new(), limit: None, offset: None, lock: None, includes: () }
    }
}

impl<M: Model, L: IncludeList<M>> Select<M, L> {
    /// Returns at most `count` rows.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let first_two = Task::find().order_by(Task::id().asc()).limit(2).all(&db).await?;
    /// assert_eq!(first_two.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, count: u64) -> Self {
        self.limit = Some(count);
        self
    }

    /// Skips the first `count` rows.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let rest = Task::find().order_by(Task::id().asc()).offset(2).all(&db).await?;
    /// assert_eq!(rest[0].title, "review");
    /// # Ok(()) }
    /// ```
    pub fn offset(mut self, count: u64) -> Self {
        self.offset = Some(count);
        self
    }

    /// Locks the returned rows until the transaction ends: another transaction's
    /// `for_update`, `for_share` or write of one of them waits for this one to commit or roll
    /// back. PostgreSQL and MariaDB: `FOR UPDATE`.
    ///
    /// Only the rows of `M` are locked: includes load with statements of their own, unlocked.
    /// On the pool (`&db`) the lock would end with the statement, so running the query there
    /// fails with [`Error::LockOutsideTransaction`]; run it on `&mut tx`. SQLite has no row
    /// locks and writes nothing: there, a transaction the ORM opens (`db.begin()`,
    /// `db.transaction`) holds the whole database's write lock from its start (`BEGIN
    /// IMMEDIATE`), so no other transaction writes meanwhile.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let mut tx = db.begin().await?;
    /// let task = Task::find().filter(Task::id().eq(1)).for_update().one(&mut tx).await?;
    /// if let Some(mut task) = task {
    ///     task.hours += 1;                        // no one else changes the row meanwhile
    ///     task.save(&mut tx).await?;
    /// }
    /// tx.commit().await?;
    /// assert_eq!(Task::find_by_pk(&db, 1).await?.map(|t| t.hours), Some(4));
    /// # Ok(()) }
    /// ```
    pub fn for_update(mut self) -> Self {
        self.lock = Some(LockMode::Update);
        self
    }

    /// Share-locks the returned rows until the transaction ends: others may read and
    /// share-lock them, and their writes (and `for_update`) wait. PostgreSQL: `FOR SHARE`;
    /// MariaDB: `LOCK IN SHARE MODE`; SQLite: nothing, as for
    /// [`for_update`](Self::for_update), whose rules it follows.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let mut tx = db.begin().await?;
    /// let tasks = Task::find().filter(Task::uid().eq(1)).for_share().all(&mut tx).await?;
    /// assert_eq!(tasks.len(), 2);
    /// tx.commit().await?;
    /// # Ok(()) }
    /// ```
    pub fn for_share(mut self) -> Self {
        self.lock = Some(LockMode::Share);
        self
    }

    fn write_where(filter: Option<Expr<M>>, includes: &L, b: &mut SqlBuilder) {
        let condition = match (filter, includes.required()) {
            (Some(filter), Some(required)) => Some(filter.and(required)),
            (filter, required) => filter.or(required),
        };
        if let Some(condition) = condition {
            b.push(" WHERE ");
            condition.render(M::meta().table, b);
        }
    }

    /// Runs the query and returns every matching row, with its includes.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let tasks: Vec<Task> = Task::find().all(&db).await?;
    /// assert_eq!(tasks.len(), 3);
    /// # Ok(()) }
    /// ```
    pub async fn all<'e>(self, db: impl IntoExecutor<'e>) -> Result<Vec<L::Row>> {
        let mut executor = db.into_executor();
        let lock = lock_clause::<M>(self.lock, &executor)?;
        let prefix = M::statements().select.get(executor.dialect(), write_select::<M>);
        let mut b = SqlBuilder::with_prefix(executor.dialect(), &prefix);
        self.write_page(&mut b);
        // A locking read belongs to a transaction (checked above); a plain one may go to a
        // read replica, and its includes follow it there.
        let statement = match lock {
            Some(lock) => {
                b.push(lock);
                b.finish()
            }
            None => b.finish_read(),
        };
        let (parents, server) = fetch_models_on::<M>(&mut executor, statement).await?;
        let follow = executor.following(server);
        let mut executor = follow.as_ref().map_or(executor, Executor::Db);
        self.load_includes(&mut executor, parents).await
    }

    /// Writes what follows the select list: ` WHERE …`, ` ORDER BY …`, `LIMIT`/`OFFSET`.
    fn write_page(&self, b: &mut SqlBuilder) {
        let table = M::meta().table;
        Self::write_where(self.filter.clone(), &self.includes, b);
        for (i, order) in self.order.iter().enumerate() {
            b.push(if i == 0 { " ORDER BY " } else { ", " });
            order.render(table, b);
        }
        b.limit_offset(self.limit, self.offset);
    }

    /// Loads the includes for rows already fetched and builds the result rows.
    pub(crate) async fn load_includes(&self, executor: &mut Executor<'_>, parents: Vec<M>) -> Result<Vec<L::Row>> {
        let loaded = self.includes.load(executor, &parents).await?;
        let includes = &self.includes;
        Ok(parents
            .into_iter()
            .zip(loaded)
            .filter(|(_, loaded)| includes.keep(loaded))
            .map(|(row, loaded)| L::assemble(row, loaded))
            .collect())
    }

    /// Runs the query for its first row.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let last = Task::find().order_by(Task::id().desc()).one(&db).await?;
    /// assert_eq!(last.map(|t| t.title), Some("review".to_owned()));
    /// assert!(Task::find().filter(Task::title().eq("none")).one(&db).await?.is_none());
    /// # Ok(()) }
    /// ```
    pub async fn one<'e>(mut self, db: impl IntoExecutor<'e>) -> Result<Option<L::Row>> {
        self.limit = Some(1);
        Ok(self.all(db).await?.pop())
    }

    /// Counts the matching rows (ignoring order, paging and non-required includes).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find().filter(Task::done().eq(false)).count(&db).await?, 2);
    /// # Ok(()) }
    /// ```
    pub async fn count<'e>(self, db: impl IntoExecutor<'e>) -> Result<i64> {
        if self.lock.is_some() {
            return Err(Error::LockOnAggregate { model: M::meta().name });
        }
        self.count_matching(&mut db.into_executor()).await
    }

    /// `SELECT COUNT(*)` of the rows matching the filters and required includes.
    async fn count_matching(&self, executor: &mut Executor<'_>) -> Result<i64> {
        let mut b = SqlBuilder::new(executor.dialect());
        b.count_from(M::meta().table);
        Self::write_where(self.filter.clone(), &self.includes, &mut b);
        executor.fetch_count(b.finish_read()).await
    }
}

/// A bulk `UPDATE` of the rows of `M` matching a filter. Refreshes `updated_at` when the model
/// has one, and increments a `#[model(version)]` column (loaded copies are then stale).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let changed = Task::update().set(Task::done(), true).filter(Task::uid().eq(2)).exec(&db).await?;
/// assert_eq!(changed, 1);
/// # Ok(()) }
/// ```
#[must_use = "an update does nothing until you run it: call `.exec(&db).await`"]
pub struct Update<M> {
    assignments: Vec<(&'static str, Value)>,
    deltas: Vec<crate::write::Delta>,
    filter: Option<Expr<M>>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Update<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Update")
            .field("assignments", &self.assignments)
            .field("deltas", &self.deltas)
            .field("filter", &self.filter)
            .finish()
    }
}

impl<M: Model, C> Filter<C> for Update<M>
where
    M: Conditions<C>,
{
    /// Restricts the update to rows matching `condition` (repeated calls must all match).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let changed = Task::update().set(Task::hours(), 0).filter(Task::done().eq(true)).exec(&db).await?;
    /// assert_eq!(changed, 1);
    /// # Ok(()) }
    /// ```
    fn filter(mut self, condition: C) -> Self {
        let condition = <M as Conditions<C>>::condition(condition);
        self.filter = and_filter(self.filter, condition);
        self
    }
}

impl<M: Model> Update<M> {
    pub(crate) fn new() -> Self {
        Update { assignments: Vec::new(), deltas: Vec::new(), filter: None, _marker: PhantomData }
    }

    /// Sets `column` to `value` in every matching row.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// Task::update().set(Task::title(), "renamed").set(Task::uid(), None).filter(Task::id().eq(3)).exec(&db).await?;
    /// let task = Task::find_by_pk(&db, 3).await?;
    /// assert_eq!(task.map(|t| (t.title, t.uid)), Some(("renamed".to_owned(), None)));
    /// # Ok(()) }
    /// ```
    pub fn set<T: SqlValue>(mut self, column: Column<M, T>, value: impl Operand<T>) -> Self {
        self.assignments.push((column.name(), value.into_operand()));
        self
    }

    /// Runs the update and returns the number of rows changed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let changed = Task::update().set(Task::done(), false).exec(&db).await?;
    /// assert_eq!(changed, 3);                      // no filter: every row
    /// # Ok(()) }
    /// ```
    pub async fn exec<'e>(self, db: impl IntoExecutor<'e>) -> Result<u64> {
        let mut executor = db.into_executor();
        let meta = M::meta();
        let mut b = SqlBuilder::new(executor.dialect());
        b.update_set(meta.table);
        if !crate::write::write_assignments(&mut b, meta, self.assignments, self.deltas)? {
            return Ok(0);
        }
        if let Some(filter) = self.filter {
            b.push(" WHERE ");
            filter.render(meta.table, &mut b);
        }
        executor.execute(b.finish()).await
    }
}

/// A bulk `DELETE` of the rows of `M` matching a filter: one statement, no hooks, the
/// database's `ON DELETE` rules cascading; or, with [`with_hooks`](Self::with_hooks), every
/// matching row destroyed through the ORM.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let removed = Task::delete().filter(Task::done().eq(true)).exec(&db).await?;
/// assert_eq!(removed, 1);
/// # Ok(()) }
/// ```
#[must_use = "a delete does nothing until you run it: call `.exec(&db).await`"]
pub struct Delete<M> {
    filter: Option<Expr<M>>,
    hooks: bool,
}

impl<M> std::fmt::Debug for Delete<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delete").field("filter", &self.filter).field("hooks", &self.hooks).finish()
    }
}

impl<M: Model, C> Filter<C> for Delete<M>
where
    M: Conditions<C>,
{
    /// Restricts the delete to rows matching `condition` (repeated calls must all match).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// Task::delete().filter(Task::title().eq("ship")).exec(&db).await?;
    /// assert_eq!(Task::find().count(&db).await?, 2);
    /// # Ok(()) }
    /// ```
    fn filter(mut self, condition: C) -> Self {
        let condition = <M as Conditions<C>>::condition(condition);
        self.filter = and_filter(self.filter, condition);
        self
    }
}

impl<M: Model> Delete<M> {
    pub(crate) fn new() -> Self {
        Delete { filter: None, hooks: false }
    }

    /// Destroys each matching row as `destroy` does (Sequelize's `individualHooks: true`):
    /// `before_destroy` of every matching row, its `hooks = true` cascades (their hooks and
    /// their own cascades), the deletes, then `after_destroy`, in one unit. The rows are loaded
    /// and locked set-wise: one `SELECT` for the matching rows, and one per association and
    /// level of the cascade (per batch of keys under the bind limit), never one per row.
    /// A model without hooks or hooked cascades is deleted with the single `DELETE`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let removed = Task::delete().filter(Task::uid().eq(1)).with_hooks().exec(&db).await?;
    /// assert_eq!(removed, 2);
    /// # Ok(()) }
    /// ```
    pub fn with_hooks(mut self) -> Self {
        self.hooks = true;
        self
    }

    /// Runs the delete and returns the number of rows removed. Without a filter, every row of
    /// the table is removed.
    ///
    /// With [`with_hooks`](Self::with_hooks), the number is that of the matching rows, all of
    /// which are gone (a database cascade from a dependent may have removed one first).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Tag::delete().exec(&db).await?, 2);   // no filter: every row
    /// assert_eq!(Tag::find().count(&db).await?, 0);
    /// # Ok(()) }
    /// ```
    pub async fn exec<'e>(self, db: impl IntoExecutor<'e>) -> Result<u64> {
        if self.hooks && crate::cascade::destroys_through_orm::<M>() {
            return crate::cascade::destroy_matching::<M>(db, self.filter).await;
        }
        let mut executor = db.into_executor();
        let mut b = SqlBuilder::new(executor.dialect());
        b.delete_from(M::meta().table);
        if let Some(filter) = self.filter {
            b.push(" WHERE ");
            filter.render(M::meta().table, &mut b);
        }
        executor.execute(b.finish()).await
    }
}

/// `increment` and `decrement` of a bulk update (in `orm::prelude`):
/// `Task::update().increment(Task::hours(), 10)`. A trait, as
/// [`Increment`](crate::write::Increment), so that a mistake is reported at the argument.
pub trait IncrementColumn<C, B>: Sized {
    /// Adds `by` to a numeric column in every matching row.
    fn increment(self, column: C, by: B) -> Self;
    /// Subtracts `by` from a numeric column in every matching row.
    fn decrement(self, column: C, by: B) -> Self;
}

impl<M: Model, C, B> IncrementColumn<C, B> for Update<M>
where
    M: crate::query::aggregate::ColumnOf<C>,
    <M as crate::query::aggregate::ColumnOf<C>>::Type: crate::write::NumericAmount<B>,
{
    /// Adds `by` to a numeric column in every matching row, atomically:
    /// `SET "age" = "age" + ?`. A NULL stays NULL, as in SQL; a result outside the column's
    /// type fails the statement, which changes no row.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// Task::update().increment(Task::hours(), 10).filter(Task::uid().eq(1)).exec(&db).await?;
    /// assert_eq!(Task::find().sum(Task::hours(), &db).await?, Some(30));
    /// # Ok(()) }
    /// ```
    fn increment(mut self, column: C, by: B) -> Self {
        self.deltas.push(crate::write::Delta::of(
            M::column(column),
            <<M as crate::query::aggregate::ColumnOf<C>>::Type as crate::write::NumericAmount<B>>::amount(by),
            false,
        ));
        self
    }

    /// Subtracts `by` from a numeric column in every matching row, as
    /// [`increment`](Self::increment) adds.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// Task::update().decrement(Task::hours(), 1).exec(&db).await?;
    /// assert_eq!(Task::find().sum(Task::hours(), &db).await?, Some(7));
    /// # Ok(()) }
    /// ```
    fn decrement(mut self, column: C, by: B) -> Self {
        self.deltas.push(crate::write::Delta::of(
            M::column(column),
            <<M as crate::query::aggregate::ColumnOf<C>>::Type as crate::write::NumericAmount<B>>::amount(by),
            true,
        ));
        self
    }
}
