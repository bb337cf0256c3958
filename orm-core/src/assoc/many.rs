//! has_many accessors (and the parts has_one shares): get, count, has, set, add, remove,
//! create. Targets are found by the foreign key on the target table.

use std::collections::HashSet;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::db::{Atomic, Executor, IntoExecutor};
use crate::driver::{BoxFuture, Statement};
use crate::error::{Error, Result};
use crate::expr::{CompareOp, Expr, Node, Order};
use crate::include::{Include, IncludeList, IncludedTarget, SpecOf};
use crate::key::KeyCols;
use crate::model::{Model, fetch_models_on, write_select};
use crate::narrow::{Conditions, Filter, IncludeWith, OrderBy, Orders};
use crate::query::Select;
use crate::sql::SqlBuilder;
use crate::value::{KeyRepr, Value};

use super::meta::AssociationMeta;
use super::target::{IntoTarget, NewRow};
use super::write::{
    Scope, batches, dedupe, link_locked, linked_keys, lock_source_and_targets, update_foreign_key, verify_keys,
};

/// The value on the source the targets' foreign keys point at.
/// A [`Value::Row`] for a composite key.
pub(crate) fn source_key_value<S: Model>(association: &AssociationMeta, source: &S) -> Result<Value> {
    if association.source_key.is_empty() && !S::meta().has_composite_key() {
        return Ok(source.key_value());
    }
    association.source_key_columns().value_of(source).ok_or_else(|| {
        Error::Invalid(format!("`{}` has no field `{}`", S::meta().name, association.source_key.join("`, `")))
    })
}

/// Fails with [`Error::NullSourceKey`] when the source's key is NULL and targets are to be
/// linked to it: writing the NULL would unlink them from their real source instead.
pub(crate) fn linkable(association: &AssociationMeta, key: &Value) -> Result<()> {
    if !key.is_null() {
        return Ok(());
    }
    let source = association.source_meta();
    Err(Error::NullSourceKey {
        association: association.display_name(),
        model: source.name,
        field: association.source_key_columns().first().field,
    })
}

/// The keys of `targets`, in order, duplicates kept.
fn target_keys<T: Model, I: IntoTarget<T>>(targets: impl IntoIterator<Item = I>) -> Result<Vec<Value>> {
    let targets = targets.into_iter();
    // Allocated once: collecting `Result`s would grow the vector from empty.
    let mut keys = Vec::with_capacity(targets.size_hint().0);
    for target in targets {
        keys.push(target.into_target(&[])?.into_value());
    }
    Ok(keys)
}

/// The targets of a has_many (or has_one) association, narrowed before it runs:
/// `user.get_tasks(&db).filter(…).order_by(…).limit(10).await`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
/// let open: Vec<Task> = ann.get_workers(&db).filter(Task::done().eq(false)).await?;
/// assert_eq!(open.len(), 1);
/// # Ok(()) }
/// ```
#[must_use = "a getter does nothing until it is awaited"]
pub struct Related<'e, T, L = ()> {
    /// `None` once the query started.
    executor: Option<Executor<'e>>,
    association: &'static AssociationMeta,
    key: Result<Value>,
    select: Select<T, L>,
    narrowed: bool,
    /// The query of a getter without includes, once polled (see its `Future` impl).
    running: Option<BoxFuture<'e, Result<Vec<T>>>>,
}

impl<T, L> std::fmt::Debug for Related<'_, T, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Related").field("association", &self.association.display_name()).finish()
    }
}

impl<'e, T: Model, L: IncludeList<T>, C> Filter<C> for Related<'e, T, L>
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
    /// let long = ann.get_workers(&db).filter(Task::hours().gt(4)).await?;
    /// assert_eq!(long[0].title, "ship");
    /// # Ok(()) }
    /// ```
    fn filter(mut self, condition: C) -> Self {
        let condition = <T as Conditions<C>>::condition(condition);
        self.select = self.select.and_where(condition);
        self.narrowed = true;
        self
    }
}

impl<'e, T: Model, L: IncludeList<T>, O> OrderBy<O> for Related<'e, T, L>
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
    /// let tasks = ann.get_workers(&db).order_by(Task::title().asc()).await?;
    /// assert_eq!(tasks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(), ["ship", "write"]);
    /// # Ok(()) }
    /// ```
    fn order_by(mut self, order: O) -> Self {
        let order = <T as Orders<O>>::order(order);
        self.select = self.select.push_order(order);
        self.narrowed = true;
        self
    }
}

impl<'e, T, L, A, N> IncludeWith<Include<A, N>> for Related<'e, T, L>
where
    T: Model,
    L: IncludeList<T>,
    A: SpecOf<T>,
    A::Target: IncludedTarget<N>,
{
    type Output = Related<'e, T, (Include<A, N>, L)>;

    /// Loads an association of the targets with them:
    /// `user.get_tasks(&db).include(Task::tags())`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let tasks = ann.get_workers(&db).include(Task::worker()).await?;
    /// assert_eq!(tasks[0].worker().map(|u| u.name.as_str()), Some("Ann"));
    /// # Ok(()) }
    /// ```
    fn include(self, include: Include<A, N>) -> Related<'e, T, (Include<A, N>, L)> {
        Related {
            executor: self.executor,
            association: self.association,
            key: self.key,
            select: self.select.include(include),
            narrowed: self.narrowed,
            running: None,
        }
    }
}

impl<'e, T: Model, L: IncludeList<T>> Related<'e, T, L> {
    /// Returns at most `count` targets.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// let first = ann.get_workers(&db).order_by(Task::id().asc()).limit(1).await?;
    /// assert_eq!(first[0].title, "write");
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, count: u64) -> Self {
        self.select = self.select.limit(count);
        self.narrowed = true;
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
    /// let second = ann.get_workers(&db).order_by(Task::id().asc()).offset(1).await?;
    /// assert_eq!(second[0].title, "ship");
    /// # Ok(()) }
    /// ```
    pub fn offset(mut self, count: u64) -> Self {
        self.select = self.select.offset(count);
        self.narrowed = true;
        self
    }

    async fn run(self, mut executor: Executor<'e>) -> Result<Vec<L::Row>> {
        let key = self.key?;
        if key.is_null() {
            return Ok(Vec::new());
        }
        let fk = self.association.foreign_key_columns();
        let scope = self.association.scope_conditions();
        if self.narrowed {
            let mut conditions = fk.assignments(key).into_iter().chain(scope);
            let Some((column, value)) = conditions.next() else { return Ok(Vec::new()) };
            let mut base = Expr::from_node(Node::Compare { column: column.name, op: CompareOp::Eq, value });
            for (column, value) in conditions {
                base = base.and(Expr::from_node(Node::Compare { column: column.name, op: CompareOp::Eq, value }));
            }
            // The user's order first, the key breaking its ties, so that every backend
            // returns the same rows in the same order.
            let mut select = self.select.and_where(base);
            for column in T::meta().primary_key_columns() {
                select = select.push_order(Order::key(column.name));
            }
            return select.all(executor).await;
        }
        // The plain getter runs its cached statement, in key order; includes load on its rows.
        let sql = self.association.statements.get.get(executor.dialect(), |b| {
            write_select::<T>(b);
            b.push(" WHERE ").key_eq_placeholders(T::meta().table, &fk);
            for (column, _) in &scope {
                b.push(" AND ").qualified(T::meta().table, column.name).push(" = ").placeholder();
            }
            for (i, column) in T::meta().primary_key_columns().enumerate() {
                b.push(if i == 0 { " ORDER BY " } else { ", " });
                Order::<T>::key(column.name).render(T::meta().table, b);
            }
        });
        let mut args = crate::key::key_parts(key);
        args.extend(scope.into_iter().map(|(_, value)| value));
        let (rows, server) = fetch_models_on::<T>(&mut executor, Statement::read(sql, args)).await?;
        // The includes run where the getter's query ran.
        let follow = executor.following(server);
        let mut executor = follow.as_ref().map_or(executor, Executor::Db);
        self.select.load_includes(&mut executor, rows).await
    }
}

/// A getter without includes is a `Future` (rather than only `IntoFuture`): rustc then
/// answers `user.get_tasks(&db)?` with "consider `await`ing on the `Future`", where for an
/// `IntoFuture` it only says that `?` does not apply. The query runs on the first poll, as it
/// did when awaited through `IntoFuture`.
impl<'e, T: Model> Future for Related<'e, T, ()> {
    type Output = Result<Vec<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(executor) = this.executor.take() {
            let query = Related {
                executor: None,
                association: this.association,
                key: std::mem::replace(&mut this.key, Ok(Value::BigInt(None))),
                select: std::mem::take(&mut this.select),
                narrowed: this.narrowed,
                running: None,
            };
            this.running = Some(Box::pin(query.run(executor)));
        }
        super::poll_running(&mut this.running, "a getter", cx)
    }
}

impl<'e, T: Model, A, N, L> IntoFuture for Related<'e, T, (Include<A, N>, L)>
where
    (Include<A, N>, L): IncludeList<T> + 'e,
{
    type Output = Result<Vec<<(Include<A, N>, L) as IncludeList<T>>::Row>>;
    type IntoFuture = BoxFuture<'e, Self::Output>;

    fn into_future(mut self) -> Self::IntoFuture {
        match self.executor.take() {
            Some(executor) => Box::pin(self.run(executor)),
            None => Box::pin(async { Err(Error::Invalid("a getter was awaited twice".to_owned())) }),
        }
    }
}

/// `get_<plural>`: the targets linked to `source`.
pub fn get_many<'e, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
) -> Related<'e, T> {
    Related {
        executor: Some(db.into_executor()),
        association,
        key: source_key_value(association, source),
        select: Select::new(),
        narrowed: false,
        running: None,
    }
}

/// `has_<singular>` / `has_<plural>`: whether every given target is linked to `source`
/// (true for an empty list, as in Sequelize: every one of no targets is linked).
pub fn has_all<'e, S: Model, T: Model, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
) -> BoxFuture<'e, Result<bool>> {
    let key = source_key_value(association, source);
    let keys = target_keys::<T, I>(targets).map(dedupe);
    let mut executor = db.into_executor();
    Box::pin(async move {
        let (key, keys) = (key?, keys?);
        if keys.is_empty() {
            return Ok(true);
        }
        if key.is_null() {
            return Ok(false);
        }
        let wanted: HashSet<KeyRepr> = keys.iter().filter_map(Value::key_repr).collect();
        let mut linked = 0;
        let target = T::meta();
        let pk = KeyCols::of(target, &[]);
        let fk = association.foreign_key_columns();
        for batch in batches(executor.dialect(), keys, fk.len() + association.scope.len()) {
            let mut b = SqlBuilder::new(executor.dialect());
            b.count_from(target.table);
            b.push(" WHERE ").key_eq(target.table, &fk, key.clone());
            super::push_conditions(&mut b, target.table, association.scope_conditions());
            b.push(" AND ");
            b.key_in(target.table, &pk, batch, false);
            linked += executor.fetch_count(b.finish_read()).await?;
        }
        Ok(usize::try_from(linked).is_ok_and(|n| n == wanted.len()))
    })
}

/// `set_<plural>`: links exactly these targets, unlinking the others, in one transaction. The
/// difference with the current links is computed first, so the statements are bounded.
pub fn set_many<'e, S: Model, T: Model, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
) -> BoxFuture<'e, Result<()>> {
    let key = source_key_value(association, source);
    let keys = target_keys::<T, I>(targets).map(dedupe);
    let executor = db.into_executor();
    Box::pin(async move {
        let (key, keys) = (key?, keys?);
        if key.is_null() {
            // Nothing can be linked to a NULL key, so nothing is linked now either.
            return if keys.is_empty() { Ok(()) } else { linkable(association, &key) };
        }
        Atomic::run(executor, move |atomic| {
            Box::pin(async move {
                let mut executor = atomic.executor();
                let target = T::meta();
                lock_source_and_targets(&mut executor, association, &key, &keys, true).await?;
                let current = linked_keys(&mut executor, association, &key).await?;
                let current_set: HashSet<KeyRepr> = current.iter().filter_map(Value::key_repr).collect();
                let wanted: HashSet<KeyRepr> = keys.iter().filter_map(Value::key_repr).collect();
                let unlink: Vec<Value> =
                    current.into_iter().filter(|k| k.key_repr().is_some_and(|r| !wanted.contains(&r))).collect();
                let link: Vec<Value> =
                    keys.into_iter().filter(|k| k.key_repr().is_some_and(|r| !current_set.contains(&r))).collect();
                if !link.is_empty() {
                    let scope = Scope { keys: Some(&link), current: None, except: None, link: true };
                    let linked = update_foreign_key(&mut executor, association, key.clone(), scope).await?;
                    // Every row linked already exists; a row missing here is a key that matches none.
                    if linked < link.len() as u64 {
                        verify_keys(&mut executor, association, target, KeyCols::of(target, &[]), &link).await?;
                    }
                }
                if !unlink.is_empty() {
                    let null = association.foreign_key_columns().null();
                    update_foreign_key(
                        &mut executor,
                        association,
                        null,
                        Scope { keys: Some(&unlink), current: None, except: None, link: false },
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    })
}

/// `add_<singular>` / `add_<plural>`: links these targets, leaving the others, atomically.
pub fn add_many<'e, S: Model, T: Model, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
) -> BoxFuture<'e, Result<()>> {
    change_links::<S, T, I>(db, association, source, targets, Change::Add)
}

/// `remove_<singular>` / `remove_<plural>`: unlinks these targets (their foreign key becomes
/// NULL), atomically. Targets linked to another source are left alone.
pub fn remove_many<'e, S: Model, T: Model, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
) -> BoxFuture<'e, Result<()>> {
    change_links::<S, T, I>(db, association, source, targets, Change::Remove)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Add,
    Remove,
}

/// Links or unlinks these targets, in one unit.
fn change_links<'e, S: Model, T: Model, I: IntoTarget<T>>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    targets: impl IntoIterator<Item = I>,
    change: Change,
) -> BoxFuture<'e, Result<()>> {
    let key = source_key_value(association, source);
    let keys = target_keys::<T, I>(targets);
    let executor = db.into_executor();
    Box::pin(async move {
        let (key, keys) = (key?, keys?);
        if keys.is_empty() {
            return Ok(());
        }
        if change == Change::Add {
            linkable(association, &key)?;
        }
        Atomic::run(executor, move |atomic| {
            Box::pin(async move {
                let mut executor = atomic.executor();
                let target = T::meta();
                match change {
                    Change::Add => {
                        // Update first; only when fewer rows than keys were linked (a key matched
                        // no row, or came twice) are the keys checked and the missing ones named
                        // (the unit then rolls back).
                        let linked = match link_locked(&mut executor, association, &key, &keys).await? {
                            Some(linked) => linked,
                            None => {
                                lock_source_and_targets(&mut executor, association, &key, &keys, false).await?;
                                let scope = Scope { keys: Some(&keys), current: None, except: None, link: true };
                                update_foreign_key(&mut executor, association, key, scope).await?
                            }
                        };
                        if linked < keys.len() as u64 {
                            let keys = dedupe(keys);
                            verify_keys(&mut executor, association, target, KeyCols::of(target, &[]), &keys).await?;
                        }
                    }
                    Change::Remove => {
                        let keys = dedupe(keys);
                        lock_source_and_targets(&mut executor, association, &key, &keys, false).await?;
                        // Rows linked elsewhere are left alone, so the rows affected say nothing
                        // about missing keys: check them first.
                        verify_keys(&mut executor, association, target, KeyCols::of(target, &[]), &keys).await?;
                        let null = association.foreign_key_columns().null();
                        let scope = Scope { keys: Some(&keys), current: Some(&key), except: None, link: false };
                        update_foreign_key(&mut executor, association, null, scope).await?;
                    }
                }
                Ok(())
            })
        })
        .await
    })
}

/// `create_<singular>` of has_many: inserts a target with its foreign key set to `source`.
pub fn create_for<'e, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    row: impl NewRow<T>,
) -> BoxFuture<'e, Result<T>> {
    let key = source_key_value(association, source);
    let mut builder = row.into_builder();
    let executor = db.into_executor();
    Box::pin(async move {
        for (column, part) in association.foreign_key_columns().assignments(key?) {
            builder.set_field(column.field, part);
        }
        set_scope_fields(&mut builder, association);
        builder.create(executor).await
    })
}

/// Writes the association's scope into a new target (`image.create_comment(…)` gets
/// `commentable = 'image'`).
pub(crate) fn set_scope_fields<T: Model>(builder: &mut crate::create::Builder<T>, association: &AssociationMeta) {
    for (column, value) in association.scope_conditions() {
        builder.set_field(column.field, value);
    }
}
