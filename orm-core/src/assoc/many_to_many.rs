//! belongs_to_many accessors. Links live in a join table: one managed by the ORM
//! (`through = "user_projects"`) or a join model with its own attributes
//! (`through = UserProject`). Writes compute the difference with the current links and run a
//! bounded number of batched statements in one transaction; inserts use
//! `ON CONFLICT DO NOTHING`, so concurrent adds of one pair end with one row.

use std::collections::{HashMap, HashSet};
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::db::{Atomic, Executor, IntoExecutor};
use crate::driver::BoxFuture;
use crate::error::{Error, Result};
use crate::expr::{Expr, Order};
use crate::include::{Include, IncludeList, IncludedTarget, SpecOf};
use crate::meta::ModelMeta;
use crate::model::{Model, write_columns};
use crate::narrow::{Conditions, Filter, IncludeWith, OrderBy, Orders, ThroughFilter};
use crate::sql::SqlBuilder;
use crate::value::{KeyRepr, Value, decode_value, now_value};

use super::count::{Filters, links_statement_among};
use super::many::source_key_value;
use super::meta::{AssociationMeta, push_conditions};
use super::target::{IntoTarget, NewRow, TargetRef, resolve_targets};
use super::write::{batches, dedupe, fit_one_statement, lock_source, lock_source_and_verify, verify_keys};
use crate::key::KeyCols;

fn target_refs<T: Model, I: IntoTarget<T>>(
    association: &AssociationMeta,
    targets: impl IntoIterator<Item = I>,
) -> Result<Vec<TargetRef>> {
    targets.into_iter().map(|t| t.into_target(association.target_key)).collect()
}

/// The target-key values of the given targets (bare primary keys looked up when the target key
/// is another column), without duplicates.
async fn target_values<T: Model>(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    refs: Vec<TargetRef>,
) -> Result<Vec<Value>> {
    let values = resolve_targets(executor, association, T::meta(), association.target_key, refs).await?;
    Ok(dedupe(values))
}

/// The targets linked through the join table, narrowed before it runs. With a join model each
/// result carries its join row: `Vec<(Project, UserProject)>`; `targets_only()` drops it
/// (Sequelize's `joinTableAttributes: []`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
/// let memberships: Vec<(Project, Membership)> = ann.get_projects(&db).await?;
/// assert_eq!(memberships.len(), 2);
/// # Ok(()) }
/// ```
#[must_use = "a getter does nothing until it is awaited"]
pub struct Linked<'e, T, J, L = ()> {
    includes: L,
    /// `None` once the query started.
    executor: Option<Executor<'e>>,
    association: &'static AssociationMeta,
    key: Result<Value>,
    filter: Option<Expr<T>>,
    through_filter: Option<crate::expr::Node>,
    order: Vec<Order<T>>,
    limit: Option<u64>,
    offset: Option<u64>,
    _join: PhantomData<fn() -> J>,
    /// The query of a getter without includes, once polled (see its `Future` impls).
    running: Option<Running<'e, T, J>>,
}

impl<T, J, L> std::fmt::Debug for Linked<'_, T, J, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linked").field("association", &self.association.display_name()).finish()
    }
}

impl<'e, T: Model, J, L: IncludeList<T>, C> Filter<C> for Linked<'e, T, J, L>
where
    T: Conditions<C>,
{
    /// Keeps the targets matching `condition`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let rust = ann.get_projects(&db).filter(Project::name().eq("rust")).await?;
    /// assert_eq!(rust[0].1.role, "lead");
    /// # Ok(()) }
    /// ```
    fn filter(mut self, condition: C) -> Self {
        let condition = <T as Conditions<C>>::condition(condition);
        self.filter = Some(match self.filter {
            Some(current) => current.and(condition),
            None => condition,
        });
        self
    }
}

impl<'e, T: Model, J, L: IncludeList<T>, O> OrderBy<O> for Linked<'e, T, J, L>
where
    T: Orders<O>,
{
    /// Orders the targets.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let projects = ann.get_projects(&db).order_by(Project::name().desc()).targets_only().await?;
    /// assert_eq!(projects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["sql", "rust"]);
    /// # Ok(()) }
    /// ```
    fn order_by(mut self, order: O) -> Self {
        let order = <T as Orders<O>>::order(order);
        self.order.push(order);
        self
    }
}

impl<'e, T, J, L, A, N> IncludeWith<Include<A, N>> for Linked<'e, T, J, L>
where
    T: Model,
    L: IncludeList<T>,
    A: SpecOf<T>,
    A::Target: IncludedTarget<N>,
{
    type Output = Linked<'e, T, J, (Include<A, N>, L)>;

    /// Loads an association of the targets with them:
    /// `user.get_projects(&db).include(Project::tags())`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let projects = ann.get_projects(&db).include(Project::tags()).targets_only().await?;
    /// assert_eq!(projects[0].tags().len(), 2);
    /// # Ok(()) }
    /// ```
    fn include(self, include: Include<A, N>) -> Linked<'e, T, J, (Include<A, N>, L)> {
        Linked {
            includes: (include, self.includes),
            executor: self.executor,
            association: self.association,
            key: self.key,
            filter: self.filter,
            through_filter: self.through_filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            _join: PhantomData,
            running: None,
        }
    }
}

impl<'e, T: Model, J, L: IncludeList<T>> Linked<'e, T, J, L> {
    /// Returns at most `count` targets.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let first = ann.get_projects(&db).order_by(Project::id().asc()).limit(1).await?;
    /// assert_eq!(first[0].0.name, "rust");
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, count: u64) -> Self {
        self.limit = Some(count);
        self
    }

    /// Skips the first `count` targets.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let second = ann.get_projects(&db).order_by(Project::id().asc()).offset(1).await?;
    /// assert_eq!(second[0].0.name, "sql");
    /// # Ok(()) }
    /// ```
    pub fn offset(mut self, count: u64) -> Self {
        self.offset = Some(count);
        self
    }

    fn retype<K>(self) -> Linked<'e, T, K, L> {
        Linked {
            includes: self.includes,
            executor: self.executor,
            association: self.association,
            key: self.key,
            filter: self.filter,
            through_filter: self.through_filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            _join: PhantomData,
            running: None,
        }
    }

    /// Runs the query, then loads the includes on the targets; each result is a target row
    /// (with its includes) and what `decode_join` read after the target's columns.
    async fn fetch<X: Send>(
        self,
        mut executor: Executor<'e>,
        join_model: Option<&'static ModelMeta>,
        decode_join: impl Fn(&dyn crate::row::Row, usize) -> Result<X> + Send + Sync,
    ) -> Result<Vec<(L::Row, X)>> {
        let key = self.key?;
        if key.is_null() {
            return Ok(Vec::new());
        }
        let association = self.association;
        let target = T::meta();
        let join = association.join_table();
        let (join_source, _) = association.join_source_column();
        let (join_target, _) = association.join_target_column();
        let mut b = SqlBuilder::new(executor.dialect());
        b.push("SELECT ");
        write_columns(&mut b, target, target.table);
        if let Some(model) = join_model {
            b.push(", ");
            write_columns(&mut b, model, join);
        }
        b.push(" FROM ").identifier(target.table).push(" INNER JOIN ").identifier(join).push(" ON ");
        b.qualified(join, join_target).push(" = ").qualified(target.table, association.target_key_column().name);
        b.push(" WHERE ").qualified(join, join_source).push(" = ").bind(key);
        push_conditions(&mut b, target.table, association.scope_conditions());
        push_conditions(&mut b, join, association.through_scope_conditions());
        if let Some(filter) = self.filter {
            b.push(" AND ");
            filter.render(target.table, &mut b);
        }
        if let Some(filter) = self.through_filter {
            b.push(" AND ");
            filter.render(join, &mut b);
        }
        // Paging counts only the targets that the required includes keep.
        if let Some(required) = self.includes.required() {
            b.push(" AND ");
            required.render(target.table, &mut b);
        }
        // The user's order first, the target's key breaking its ties (the whole order without
        // one), so that every backend returns the same rows in the same order.
        let key = target.primary_key_columns().map(|column| Order::<T>::key(column.name));
        for (i, order) in self.order.iter().cloned().chain(key).enumerate() {
            b.push(if i == 0 { " ORDER BY " } else { ", " });
            order.render(target.table, &mut b);
        }
        b.limit_offset(self.limit, self.offset);
        let (mut targets, mut joins) = (Vec::new(), Vec::new());
        let offset = target.columns.len();
        let server = executor
            .fetch_on(b.finish_read(), &mut |row| {
                targets.push(T::decode(row, 0)?);
                joins.push(decode_join(row, offset)?);
                Ok(())
            })
            .await?;
        // The includes run where the getter's query ran.
        let follow = executor.following(server);
        let mut executor = follow.as_ref().map_or(executor, Executor::Db);
        let loaded = self.includes.load(&mut executor, &targets).await?;
        let includes = &self.includes;
        Ok(targets
            .into_iter()
            .zip(loaded)
            .zip(joins)
            .filter(|((_, loaded), _)| includes.keep(loaded))
            .map(|((row, loaded), join)| (L::assemble(row, loaded), join))
            .collect())
    }
}

impl<'e, T: Model, J: Model, L: IncludeList<T>, C> ThroughFilter<C> for Linked<'e, T, J, L>
where
    J: Conditions<C>,
{
    /// Keeps the targets whose join row matches `condition` (Sequelize's `through.where`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let led = ann.get_projects(&db).through_filter(Membership::role().eq("lead")).await?;
    /// assert_eq!(led.len(), 1);
    /// # Ok(()) }
    /// ```
    fn through_filter(mut self, condition: C) -> Self {
        let condition = <J as Conditions<C>>::condition(condition);
        self.through_filter = Some(match self.through_filter {
            Some(current) => Expr::<J>::from_node(current).and(condition).node,
            None => condition.node,
        });
        self
    }
}

impl<'e, T: Model, J: Model, L: IncludeList<T>> Linked<'e, T, J, L> {
    /// Loads the targets without their join rows.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let projects: Vec<Project> = ann.get_projects(&db).targets_only().await?;
    /// assert_eq!(projects.len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn targets_only(self) -> Linked<'e, T, (), L> {
        self.retype()
    }
}

// A getter without includes is a `Future` (rather than only `IntoFuture`), as the has_many
// getter (`Related`) is: rustc then answers `?` without `.await` with "consider `await`ing
// on the `Future`". The query runs on the first poll.
impl<'e, T: Model, J: Send + 'e> Linked<'e, T, J, ()> {
    fn poll_rows(
        &mut self,
        cx: &mut Context<'_>,
        join_model: Option<&'static ModelMeta>,
        decode_join: impl Fn(&dyn crate::row::Row, usize) -> Result<J> + Send + Sync + 'e,
    ) -> Poll<Result<Vec<(T, J)>>> {
        if let Some(executor) = self.executor.take() {
            let query: Linked<'e, T, J> = Linked {
                includes: (),
                executor: None,
                association: self.association,
                key: std::mem::replace(&mut self.key, Ok(Value::BigInt(None))),
                filter: self.filter.take(),
                through_filter: self.through_filter.take(),
                order: std::mem::take(&mut self.order),
                limit: self.limit,
                offset: self.offset,
                _join: PhantomData,
                running: None,
            };
            self.running = Some(Box::pin(query.fetch(executor, join_model, decode_join)));
        }
        super::poll_running(&mut self.running, "a getter", cx)
    }
}

impl<'e, T: Model> Future for Linked<'e, T, (), ()> {
    type Output = Result<Vec<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let rows = std::task::ready!(self.poll_rows(cx, None, |_, _| Ok(())));
        Poll::Ready(rows.map(|rows| rows.into_iter().map(|(row, ())| row).collect()))
    }
}

impl<'e, T: Model, J: Model> Future for Linked<'e, T, J, ()> {
    type Output = Result<Vec<(T, J)>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_rows(cx, Some(J::meta()), |row, offset| J::decode(row, offset))
    }
}

impl<'e, T: Model, A, N, L> IntoFuture for Linked<'e, T, (), (Include<A, N>, L)>
where
    (Include<A, N>, L): IncludeList<T> + 'e,
{
    type Output = Result<Vec<<(Include<A, N>, L) as IncludeList<T>>::Row>>;
    type IntoFuture = BoxFuture<'e, Self::Output>;

    fn into_future(mut self) -> Self::IntoFuture {
        let Some(executor) = self.executor.take() else {
            return Box::pin(async { Err(Error::Invalid("a getter was awaited twice".to_owned())) });
        };
        Box::pin(async move {
            let rows = self.fetch(executor, None, |_, _| Ok(())).await?;
            Ok(rows.into_iter().map(|(row, ())| row).collect())
        })
    }
}

impl<'e, T: Model, J: Model, A, N, L> IntoFuture for Linked<'e, T, J, (Include<A, N>, L)>
where
    (Include<A, N>, L): IncludeList<T> + 'e,
{
    type Output = Result<Vec<(<(Include<A, N>, L) as IncludeList<T>>::Row, J)>>;
    type IntoFuture = BoxFuture<'e, Self::Output>;

    fn into_future(mut self) -> Self::IntoFuture {
        let Some(executor) = self.executor.take() else {
            return Box::pin(async { Err(Error::Invalid("a getter was awaited twice".to_owned())) });
        };
        Box::pin(self.fetch(executor, Some(J::meta()), |row, offset| J::decode(row, offset)))
    }
}

/// The query a polled belongs_to_many getter runs: each target with its join row.
type Running<'e, T, J> = BoxFuture<'e, Result<Vec<(T, J)>>>;

/// `get_<plural>` of belongs_to_many.
pub fn get_linked<'e, S: Model, T: Model, J>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
) -> Linked<'e, T, J> {
    Linked {
        includes: (),
        executor: Some(db.into_executor()),
        association,
        key: source_key_value(association, source),
        filter: None,
        through_filter: None,
        order: Vec::new(),
        limit: None,
        offset: None,
        _join: PhantomData,
        running: None,
    }
}

/// `SELECT COUNT(*) FROM join WHERE source = ? AND target IN (…)`, summed over key batches.
async fn count_links(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    key: &Value,
    targets: Vec<Value>,
) -> Result<i64> {
    // The source key and both scopes bind beside the keys.
    let reserved = 1 + association.scope.len() + association.through_scope.len();
    let mut total = 0;
    for batch in batches(executor.dialect(), targets, reserved) {
        let statement = links_statement_among(executor, association, key.clone(), Some(batch), Filters::default());
        // Only `has_*` counts links this way: a read.
        total += executor.fetch_count(statement.into_read()).await?;
    }
    Ok(total)
}

/// `has_<singular>` / `has_<plural>` of belongs_to_many: every given target is linked (true
/// for an empty list).
pub fn has_linked<'e, S: Model, T: Model, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
) -> BoxFuture<'e, Result<bool>> {
    let key = source_key_value(association, source);
    let refs = target_refs::<T, I>(association, targets);
    let mut executor = db.into_executor();
    Box::pin(async move {
        let (key, refs) = (key?, refs?);
        // Every one of no targets is linked (Sequelize answers `true` too).
        if refs.is_empty() {
            return Ok(true);
        }
        if key.is_null() {
            return Ok(false);
        }
        let keys = match target_values::<T>(&mut executor, association, refs).await {
            Ok(keys) => keys,
            Err(Error::MissingKeys { .. }) => return Ok(false),
            Err(error) => return Err(error),
        };
        let wanted = keys.len();
        let linked = count_links(&mut executor, association, &key, keys).await?;
        Ok(usize::try_from(linked).is_ok_and(|n| n == wanted))
    })
}

/// Whether a write replaces the links or adds to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Set,
    Add,
}

/// A write of links with join-row attributes: `set_<plural>` and `add_<singular|plural>` return
/// this; `.through(…)` gives values for every join row, `.through_for(target, …)` for one.
/// Awaiting it runs the write in one transaction.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
/// let rust = Project::find_by_pk(&db, 1).await?.expect("seeded");
/// ann.set_projects(&db, [&rust]).await?;
/// assert_eq!(ann.count_projects(&db).await?, 1);
/// # Ok(()) }
/// ```
#[must_use = "a write does nothing until it is awaited"]
pub struct LinkWrite<'e, T, J> {
    /// `None` once the write started.
    executor: Option<Executor<'e>>,
    association: &'static AssociationMeta,
    mode: Mode,
    key: Result<Value>,
    targets: Result<Vec<TargetRef>>,
    for_all: Vec<Option<Value>>,
    per_item: Result<Vec<(TargetRef, Vec<Option<Value>>)>>,
    _marker: PhantomData<fn() -> (T, J)>,
    /// The write, once polled (see the `Future` impl).
    running: Option<BoxFuture<'e, Result<()>>>,
}

impl<T, J> std::fmt::Debug for LinkWrite<'_, T, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkWrite").field("association", &self.association.display_name()).finish()
    }
}

impl<'e, T: Model, J: Model> LinkWrite<'e, T, J> {
    /// Join-row values for every linked target (unset fields keep their defaults; fields set
    /// with `through_for` win).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let web = Project::build().name("web").create(&db).await?;
    /// ann.add_project(&db, &web).through(Membership::build().role("owner")).await?;
    /// let role = ann.get_projects(&db).filter(Project::name().eq("web")).await?[0].1.role.clone();
    /// assert_eq!(role, "owner");
    /// # Ok(()) }
    /// ```
    pub fn through(mut self, row: impl NewRow<J>) -> Self {
        self.for_all = row.into_builder().into_values();
        self
    }

    /// Join-row values for one target, over those given to [`LinkWrite::through`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let (rust, sql) = (1, 2);
    /// ann.set_projects(&db, [rust, sql])
    ///     .through(Membership::build().role("member"))
    ///     .through_for(sql, Membership::build().role("lead"))
    ///     .await?;
    /// let roles: Vec<String> = ann.get_projects(&db).order_by(Project::id().asc()).await?.into_iter().map(|(_, m)| m.role).collect();
    /// assert_eq!(roles, ["member", "lead"]);
    /// # Ok(()) }
    /// ```
    pub fn through_for(mut self, target: impl IntoTarget<T>, row: impl NewRow<J>) -> Self {
        let key = target.into_target(self.association.target_key);
        let values = row.into_builder().into_values();
        self.per_item = self.per_item.and_then(|mut items| {
            items.push((key?, values));
            Ok(items)
        });
        self
    }
}

/// A `Future` (rather than only `IntoFuture`), as the getters are: rustc then answers
/// `user.add_project(&db, p)?` with "consider `await`ing on the `Future`". The write runs on
/// the first poll.
impl<'e, T: Model, J: Send + 'static> Future for LinkWrite<'e, T, J> {
    type Output = Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(executor) = this.executor.take() {
            let write: LinkWrite<'e, T, J> = LinkWrite {
                executor: None,
                association: this.association,
                mode: this.mode,
                key: std::mem::replace(&mut this.key, Ok(Value::BigInt(None))),
                targets: std::mem::replace(&mut this.targets, Ok(Vec::new())),
                for_all: std::mem::take(&mut this.for_all),
                per_item: std::mem::replace(&mut this.per_item, Ok(Vec::new())),
                _marker: PhantomData,
                running: None,
            };
            this.running = Some(Box::pin(write.run(executor)));
        }
        super::poll_running(&mut this.running, "a link write", cx)
    }
}

/// Column values to write, in order.
type Assignments = Vec<(&'static str, Value)>;

/// Join-row values of one target: every column to insert, and the explicitly given ones (which
/// also update an existing link).
struct JoinRow {
    insert: Assignments,
    given: Assignments,
}

fn join_row(
    association: &AssociationMeta,
    for_all: &[Option<Value>],
    key: &Value,
    target: Value,
    overrides: Option<&Vec<Option<Value>>>,
) -> Result<JoinRow> {
    {
        let (source_column, _) = association.join_source_column();
        let (target_column, _) = association.join_target_column();
        // The through scope is written into every join row (`taggable = 'post'`).
        let scope = association.through_scope_conditions();
        let through_columns = association.through_model.map_or(0, |m| m().columns.len());
        let timestamps = if association.through_timestamps.is_some() { 2 } else { 0 };
        // Allocated once: both keys, the scope, the timestamps, the through model's other
        // columns (at most).
        let others = through_columns.saturating_sub(2 + scope.len());
        let mut insert = Vec::with_capacity(2 + scope.len() + timestamps + others);
        insert.push((source_column, key.clone()));
        insert.push((target_column, target));
        let mut given = Vec::new();
        for (column, value) in &scope {
            insert.push((column.name, value.clone()));
        }
        if let Some((created_at, updated_at)) = association.through_timestamps {
            let now = now_value(crate::value::SqlType::TimestampTz)?;
            insert.push((created_at, now.clone()));
            insert.push((updated_at, now));
        }
        if let Some(model) = association.through_model.map(|m| m()) {
            for (i, column) in model.columns.iter().enumerate() {
                if column.name == source_column
                    || column.name == target_column
                    || scope.iter().any(|(c, _)| c.name == column.name)
                {
                    continue;
                }
                let explicit =
                    overrides.and_then(|o| o.get(i).cloned().flatten()).or_else(|| for_all.get(i).cloned().flatten());
                let value = match explicit {
                    Some(value) => {
                        given.push((column.name, value.clone()));
                        value
                    }
                    None if column.created_at || column.updated_at => now_value(column.sql_type)?,
                    None if column.default.is_some() => column.default.map_or(Value::Bool(None), |default| default()),
                    None if column.generated || column.nullable => continue,
                    None => return Err(Error::MissingField { model: model.name, field: column.field }),
                };
                insert.push((column.name, value));
            }
        }
        Ok(JoinRow { insert, given })
    }
}

impl<'e, T: Model, J> LinkWrite<'e, T, J> {
    async fn run(self, executor: Executor<'e>) -> Result<()> {
        let LinkWrite { association, mode, key, targets, for_all, per_item, .. } = self;
        let (key, refs, per_item) = (key?, targets?, per_item?);
        Atomic::run(executor, move |atomic| {
            Box::pin(async move {
                let mut executor = atomic.executor();
                let keys = target_values::<T>(&mut executor, association, refs).await?;
                let (item_refs, item_values): (Vec<TargetRef>, Vec<Vec<Option<Value>>>) = per_item.into_iter().unzip();
                let item_keys =
                    resolve_targets(&mut executor, association, T::meta(), association.target_key, item_refs).await?;
                let overrides: HashMap<KeyRepr, Vec<Option<Value>>> =
                    item_keys.into_iter().zip(item_values).filter_map(|(k, v)| k.key_repr().map(|r| (r, v))).collect();
                write_links::<T>(&mut executor, association, mode, key, keys, &for_all, &overrides).await
            })
        })
        .await
    }
}

/// The body of a link write, inside its transaction.
async fn write_links<T: Model>(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    mode: Mode,
    key: Value,
    keys: Vec<Value>,
    for_all: &[Option<Value>],
    overrides: &HashMap<KeyRepr, Vec<Option<Value>>>,
) -> Result<()> {
    // Resolve every join row before any statement, so a missing join field fails first.
    let rows: Vec<(Value, JoinRow)> = keys
        .iter()
        .map(|k| {
            let overrides = k.key_repr().and_then(|r| overrides.get(&r));
            let row = join_row(association, for_all, &key, k.clone(), overrides)?;
            Ok((k.clone(), row))
        })
        .collect::<Result<_>>()?;
    if mode == Mode::Add && rows.is_empty() {
        return Ok(());
    }
    let target = T::meta();
    let column = KeyCols::one(association.target_key_column());
    lock_source_and_verify(executor, association, &key, target, column, &keys).await?;
    // A unique link key and no target scope: the write needs no current links. `set_` deletes
    // the links to other targets in one statement and every wanted link is an upsert (an
    // existing one takes the join values given, and nothing else).
    let deleted_binds = 1 + association.through_scope_conditions().len();
    if association.through_unique
        && association.scope_conditions().is_empty()
        && fit_one_statement(executor.dialect(), &keys, deleted_binds)
    {
        let unlink = (mode == Mode::Set).then_some((&key, keys));
        return upsert_links(executor, association, rows, unlink).await;
    }
    // In a future of its own: the common case above does not carry this one's state.
    Box::pin(write_links_from_current(executor, association, mode, key, keys, rows)).await
}

/// The body of a link write that reads the current links first: a through model without a
/// unique link key, a target scope, or more keys than one statement binds.
async fn write_links_from_current(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    mode: Mode,
    key: Value,
    keys: Vec<Value>,
    rows: Vec<(Value, JoinRow)>,
) -> Result<()> {
    let current = match mode {
        Mode::Set => linked_targets(executor, association, &key, None).await?,
        Mode::Add => linked_targets(executor, association, &key, Some(keys.clone())).await?,
    };
    let current_set: HashSet<KeyRepr> = current.iter().filter_map(Value::key_repr).collect();
    if mode == Mode::Set {
        let wanted: HashSet<KeyRepr> = keys.iter().filter_map(Value::key_repr).collect();
        let stale: Vec<Value> =
            current.into_iter().filter(|k| k.key_repr().is_some_and(|r| !wanted.contains(&r))).collect();
        unlink(executor, association, &key, stale).await?;
    }
    let (existing, new): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|(k, _)| k.key_repr().is_some_and(|r| current_set.contains(&r)));
    let new = new.into_iter().map(|(_, row)| (row.insert, Vec::new())).collect();
    insert_links(executor, association, new, None).await?;
    update_links(executor, association, &key, existing).await?;
    Ok(())
}

/// The target keys linked to `key`, all of them or those among `among`.
async fn linked_targets(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    key: &Value,
    among: Option<Vec<Value>>,
) -> Result<Vec<Value>> {
    let join = association.join_table();
    let (join_source, _) = association.join_source_column();
    let (join_target, target_type) = association.join_target_column();
    let batches: Vec<Option<Vec<Value>>> = match among {
        None => vec![None],
        Some(keys) => batches(executor.dialect(), keys, 1).into_iter().map(Some).collect(),
    };
    let mut linked = Vec::new();
    for batch in batches {
        let mut b = SqlBuilder::new(executor.dialect());
        b.push("SELECT ").qualified(join, join_target).push(" FROM ").identifier(join);
        b.push(" WHERE ").qualified(join, join_source).push(" = ").bind(key.clone());
        push_conditions(&mut b, join, association.through_scope_conditions());
        push_target_scope(&mut b, association);
        if let Some(batch) = batch {
            b.push(" AND ");
            b.in_list(join, join_target, batch, false);
        }
        executor
            .fetch(b.finish(), &mut |row| {
                linked.push(decode_value(row, 0, target_type)?);
                Ok(())
            })
            .await?;
    }
    Ok(linked)
}

/// Deletes the join rows of `key` to these targets, in batches.
async fn unlink(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    key: &Value,
    targets: Vec<Value>,
) -> Result<()> {
    let join = association.join_table();
    let (join_source, _) = association.join_source_column();
    let (join_target, _) = association.join_target_column();
    for batch in batches(executor.dialect(), targets, 1) {
        let mut b = SqlBuilder::new(executor.dialect());
        b.delete_from(join).push(" WHERE ").qualified(join, join_source).push(" = ");
        b.bind(key.clone());
        push_conditions(&mut b, join, association.through_scope_conditions());
        push_target_scope(&mut b, association);
        b.push(" AND ");
        b.in_list(join, join_target, batch, false);
        executor.execute(b.finish()).await?;
    }
    Ok(())
}

/// `DELETE FROM <join> WHERE <source> = ? AND <target> NOT IN (<keeping>)`: the links of `key`
/// to any target but `keeping` (which fit one statement).
fn push_unlink_others(b: &mut SqlBuilder, association: &AssociationMeta, key: &Value, keeping: Vec<Value>) {
    let join = association.join_table();
    let (join_source, _) = association.join_source_column();
    let (join_target, _) = association.join_target_column();
    b.delete_from(join).push(" WHERE ").qualified(join, join_source).push(" = ");
    b.bind(key.clone());
    push_conditions(b, join, association.through_scope_conditions());
    b.push(" AND ");
    b.in_list(join, join_target, keeping, true);
}

/// Writes every wanted link: an existing one takes the join values given (and, then, the
/// join model's `updated_at` is refreshed), as `update_links` does; see [`insert_links`].
async fn upsert_links(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    rows: Vec<(Value, JoinRow)>,
    unlink: Option<(&Value, Vec<Value>)>,
) -> Result<()> {
    let updated_at = association.through_model.and_then(|m| m().columns.iter().find(|c| c.updated_at)).map(|c| c.name);
    let rows = rows
        .into_iter()
        .map(|(_, row)| {
            let mut update: Vec<&'static str> = row.given.iter().map(|(c, _)| *c).collect();
            if let Some(column) = updated_at
                && !update.is_empty()
                && !update.contains(&column)
            {
                update.push(column);
            }
            (row.insert, update)
        })
        .collect();
    insert_links(executor, association, rows, unlink).await
}

/// ` AND <join>.<target key> IN (SELECT key FROM target WHERE <scope>)` when the association
/// scopes its targets: writes then touch only links to targets inside the scope.
fn push_target_scope(b: &mut SqlBuilder, association: &AssociationMeta) {
    let scope = association.scope_conditions();
    if scope.is_empty() {
        return;
    }
    let join = association.join_table();
    let target = association.target_meta();
    b.push(" AND ").qualified(join, association.join_target_column().0).push(" IN (SELECT ");
    b.qualified(target.table, association.target_key_column().name).push(" FROM ").identifier(target.table);
    b.push(" WHERE 1 = 1");
    push_conditions(b, target.table, scope);
    b.push(")");
}

/// The columns that identify a link: both join columns and the through scope's columns, the
/// unique key sync creates over the join table.
pub(crate) fn link_key_columns(association: &AssociationMeta) -> Vec<&'static str> {
    let mut columns = vec![association.join_source_column().0, association.join_target_column().0];
    columns.extend(association.through_scope_conditions().into_iter().map(|(c, _)| c.name));
    columns
}

/// Join rows inserted alike: the columns inserted, the columns an existing link takes, and the
/// rows' values.
type LinkGroup = (Vec<&'static str>, Vec<&'static str>, Vec<Vec<Value>>);

/// Inserts join rows, each with the columns an existing link takes, with multi-row inserts
/// grouped by both column sets and chunked under the bind limit. Where the pair (with the
/// through scope) is unique, a row without columns to update is
/// `ON CONFLICT (<link key>) DO NOTHING` (a link another caller inserted meanwhile is kept, and
/// any other violation is still an error) and a row with some is an upsert that gives the
/// existing link those values; with `through(…, unique = false)`, a plain `INSERT`. With
/// `unlink` (`set_`), the links of that source to any other target are deleted first: in the
/// first insert's statement where the backend runs a `DELETE` inside `WITH` (the two touch
/// different rows), else in a statement of its own.
async fn insert_links(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    rows: Vec<(Assignments, Vec<&'static str>)>,
    mut unlink: Option<(&Value, Vec<Value>)>,
) -> Result<()> {
    let join = association.join_table();
    let link_key = link_key_columns(association);
    let mut groups: Vec<LinkGroup> = Vec::new();
    for (row, update) in rows {
        let (columns, values): (Vec<&'static str>, Vec<Value>) = row.into_iter().unzip();
        match groups.iter_mut().find(|(c, u, _)| *c == columns && *u == update) {
            Some((_, _, group)) => group.push(values),
            None => groups.push((columns, update, vec![values])),
        }
    }
    if (groups.is_empty() || !executor.dialect().supports_writable_cte())
        && let Some((key, keeping)) = unlink.take()
    {
        let mut b = SqlBuilder::new(executor.dialect());
        push_unlink_others(&mut b, association, key, keeping);
        executor.execute(b.finish()).await?;
    }
    for (columns, update, rows) in groups {
        let per_statement = (executor.dialect().max_binds() / columns.len().max(1)).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut b = SqlBuilder::new(executor.dialect());
            if let Some((key, keeping)) = unlink.take() {
                b.push("WITH ").identifier("__orm_unlinked").push(" AS (");
                push_unlink_others(&mut b, association, key, keeping);
                b.push(") ");
            }
            let per_statement = per_statement.saturating_sub(b.placeholder_count() / columns.len().max(1)).max(1);
            b.insert_rows(join, columns.iter().copied(), rows.by_ref().take(per_statement).collect());
            if !update.is_empty() {
                b.upsert(join, &link_key, &update, None);
            } else if association.through_unique {
                b.skip_conflict(&link_key);
            }
            executor.execute(b.finish()).await?;
        }
    }
    Ok(())
}

/// Updates the given join attributes of existing links: one batched `UPDATE` per distinct set
/// of values.
async fn update_links(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    key: &Value,
    rows: Vec<(Value, JoinRow)>,
) -> Result<()> {
    let join = association.join_table();
    let (join_source, _) = association.join_source_column();
    let (join_target, _) = association.join_target_column();
    let mut groups: Vec<(Assignments, Vec<Value>)> = Vec::new();
    for (target, row) in rows {
        if row.given.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(given, _)| *given == row.given) {
            Some((_, targets)) => targets.push(target),
            None => groups.push((row.given, vec![target])),
        }
    }
    // Changed join values refresh the join model's `updated_at`, as `save` does.
    let updated_at = association.through_model.and_then(|m| m().columns.iter().find(|c| c.updated_at));
    let now = updated_at.map(|c| now_value(c.sql_type).map(|v| (c.name, v))).transpose()?;
    for (mut given, targets) in groups {
        if let Some((column, now)) = &now
            && !given.iter().any(|(c, _)| c == column)
        {
            given.push((column, now.clone()));
        }
        for batch in batches(executor.dialect(), targets, given.len() + 1) {
            let mut b = SqlBuilder::new(executor.dialect());
            b.update_set(join);
            for (i, (column, value)) in given.iter().enumerate() {
                if i > 0 {
                    b.push(", ");
                }
                b.identifier(column).push(" = ").bind(value.clone());
            }
            b.push(" WHERE ").qualified(join, join_source).push(" = ").bind(key.clone());
            push_conditions(&mut b, join, association.through_scope_conditions());
            push_target_scope(&mut b, association);
            b.push(" AND ");
            b.in_list(join, join_target, batch, false);
            executor.execute(b.finish()).await?;
        }
    }
    Ok(())
}

fn link_write<'e, S: Model, T: Model, J, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
    mode: Mode,
) -> LinkWrite<'e, T, J> {
    LinkWrite {
        executor: Some(db.into_executor()),
        association,
        mode,
        key: source_key_value(association, source),
        targets: target_refs::<T, I>(association, targets),
        for_all: Vec::new(),
        per_item: Ok(Vec::new()),
        _marker: PhantomData,
        running: None,
    }
}

/// `set_<plural>` of belongs_to_many: exactly these targets stay linked.
pub fn set_linked<'e, S: Model, T: Model, J, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
) -> LinkWrite<'e, T, J> {
    link_write(db, association, source, targets, Mode::Set)
}

/// `add_<singular|plural>` of belongs_to_many: links these targets; an existing link is never
/// duplicated, and its join attributes are updated when given.
pub fn add_linked<'e, S: Model, T: Model, J, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
) -> LinkWrite<'e, T, J> {
    link_write(db, association, source, targets, Mode::Add)
}

/// `remove_<singular|plural>` of belongs_to_many: deletes the join rows to these targets.
pub fn remove_linked<'e, S: Model, T: Model, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
) -> BoxFuture<'e, Result<()>> {
    let key = source_key_value(association, source);
    let refs = target_refs::<T, I>(association, targets);
    let executor = db.into_executor();
    Box::pin(async move {
        let (key, refs) = (key?, refs?);
        if refs.is_empty() {
            return Ok(());
        }
        Atomic::run(executor, move |atomic| {
            Box::pin(async move {
                let mut executor = atomic.executor();
                lock_source(&mut executor, association, &key).await?;
                let keys = target_values::<T>(&mut executor, association, refs).await?;
                verify_keys(
                    &mut executor,
                    association,
                    T::meta(),
                    KeyCols::one(association.target_key_column()),
                    &keys,
                )
                .await?;
                unlink(&mut executor, association, &key, keys).await
            })
        })
        .await
    })
}

/// `create_<singular>` of belongs_to_many: inserts the target and links it, in one unit (if the
/// link cannot be written, the target is not kept). `.through(…)` gives the join row's values
/// (with a join model); unset join fields take their defaults.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
/// let web = ann.create_project(&db, Project::build().name("web")).await?;
/// assert!(ann.has_project(&db, &web).await?);
/// # Ok(()) }
/// ```
#[must_use = "a create does nothing until it is awaited"]
pub struct CreateLinked<'e, T, J> {
    /// `None` once the creation started.
    executor: Option<Executor<'e>>,
    association: &'static AssociationMeta,
    key: Result<Value>,
    builder: crate::create::Builder<T>,
    through: Vec<Option<Value>>,
    _join: PhantomData<fn() -> J>,
    /// The creation, once polled (see the `Future` impl).
    running: Option<BoxFuture<'e, Result<T>>>,
}

impl<T, J> std::fmt::Debug for CreateLinked<'_, T, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateLinked").field("association", &self.association.display_name()).finish()
    }
}

impl<'e, T: Model, J: Model> CreateLinked<'e, T, J> {
    /// The join row's values, as [`LinkWrite::through`] takes them:
    /// `user.create_project(&db, Project::build().title("x")).through(UserProject::build().role("lead"))`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let web = ann.create_project(&db, Project::build().name("web")).through(Membership::build().role("owner")).await?;
    /// let membership = Membership::find_by_pk(&db, (ann.id, web.id)).await?;
    /// assert_eq!(membership.map(|m| m.role), Some("owner".to_owned()));
    /// # Ok(()) }
    /// ```
    pub fn through(mut self, row: impl NewRow<J>) -> Self {
        self.through = row.into_builder().into_values();
        self
    }
}

/// A `Future` (rather than only `IntoFuture`), as the getters are: rustc then answers `?`
/// without `.await` with "consider `await`ing on the `Future`". The creation runs on the first
/// poll.
impl<'e, T: Model, J: Send + 'static> Future for CreateLinked<'e, T, J> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(executor) = this.executor.take() {
            let create: CreateLinked<'e, T, J> = CreateLinked {
                executor: None,
                association: this.association,
                key: std::mem::replace(&mut this.key, Ok(Value::BigInt(None))),
                builder: std::mem::take(&mut this.builder),
                through: std::mem::take(&mut this.through),
                _join: PhantomData,
                running: None,
            };
            this.running = Some(Box::pin(create.run(executor)));
        }
        super::poll_running(&mut this.running, "a create", cx)
    }
}

impl<'e, T: Model, J: Send + 'static> CreateLinked<'e, T, J> {
    async fn run(self, executor: Executor<'e>) -> Result<T> {
        let CreateLinked { association, key, mut builder, through, .. } = self;
        let key = key?;
        super::many::set_scope_fields(&mut builder, association);
        Atomic::run(executor, move |atomic| {
            Box::pin(async move {
                let created = builder.create(atomic.executor()).await?;
                let target = created.field_value(association.target_key_column().field).unwrap_or(created.key_value());
                let write = LinkWrite::<T, J> {
                    executor: None,
                    association,
                    mode: Mode::Add,
                    key: Ok(key),
                    targets: Ok(vec![TargetRef::Field(target)]),
                    for_all: through,
                    per_item: Ok(Vec::new()),
                    _marker: PhantomData,
                    running: None,
                };
                write.run(atomic.executor()).await?;
                Ok(created)
            })
        })
        .await
    }
}

/// `create_<singular>` of belongs_to_many: see [`CreateLinked`].
pub fn create_linked<'e, S: Model, T: Model, J>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    row: impl NewRow<T>,
) -> CreateLinked<'e, T, J> {
    CreateLinked {
        executor: Some(db.into_executor()),
        association,
        key: source_key_value(association, source),
        builder: row.into_builder(),
        through: Vec::new(),
        _join: PhantomData,
        running: None,
    }
}

/// A link to write: source key, target key, and the join row's values if given.
pub(crate) type NewLink = (Value, Value, Option<Vec<Option<Value>>>);

/// Inserts join rows (given values over the join model's defaults), for nested creation;
/// returns each join row as stored when the join is a model (its accessor reads the join rows),
/// `None` per link through a plain table.
pub(crate) async fn insert_links_with(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    links: Vec<NewLink>,
) -> Result<Vec<Option<Vec<Value>>>> {
    let count = links.len();
    let rows = links
        .into_iter()
        .map(|(source, target, join)| join_row(association, &[], &source, target, join.as_ref()).map(|row| row.insert))
        .collect::<Result<Vec<_>>>()?;
    // A join model's rows are created as rows of their own (Sequelize creates each with
    // `through.model.create`): its hooks run, and `RETURNING` gives the rows the created
    // targets carry.
    if let Some(model) = association.through_model {
        let nodes = rows.into_iter().map(|row| crate::create::Node::from_columns(model, row)).collect();
        let stored = crate::create::insert_nodes(executor, model(), nodes).await?;
        return Ok(stored.into_iter().map(Some).collect());
    }
    insert_links(executor, association, rows.into_iter().map(|row| (row, Vec::new())).collect(), None).await?;
    Ok(vec![None; count])
}
