//! `count_<plural>` of has_many and belongs_to_many: a builder narrowed before it runs, as
//! Sequelize's `countTasks({ where })` is: `user.count_tasks(&db).filter(Task::done().eq(false)).await`.
//! A belongs_to_many count also takes a condition on the join row (`through_filter`). The
//! association's scopes always apply.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::db::{Executor, IntoExecutor};
use crate::driver::{BoxFuture, Statement};
use crate::error::Result;
use crate::expr::Node;
use crate::model::Model;
use crate::narrow::{Conditions, Filter, ThroughFilter};
use crate::sql::SqlBuilder;
use crate::value::Value;

use super::many::source_key_value;
use super::meta::{AssociationKind, AssociationMeta, push_conditions};

/// How many targets are linked to a source, narrowed by conditions on the targets (and, for
/// belongs_to_many with a join model, on the join rows). Awaiting it runs one `COUNT(*)`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
/// assert_eq!(ann.count_workers(&db).await?, 2);
/// # Ok(()) }
/// ```
#[must_use = "a count does nothing until it is awaited"]
pub struct Count<'e, T, J = ()> {
    /// `None` once the count started.
    executor: Option<Executor<'e>>,
    association: &'static AssociationMeta,
    key: Result<Value>,
    filter: Option<Node>,
    through_filter: Option<Node>,
    _marker: PhantomData<fn() -> (T, J)>,
    /// The count, once polled (see the `Future` impl).
    running: Option<BoxFuture<'e, Result<i64>>>,
}

impl<T, J> std::fmt::Debug for Count<'_, T, J> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Count")
            .field("association", &self.association.display_name())
            .field("filter", &self.filter)
            .field("through_filter", &self.through_filter)
            .finish()
    }
}

fn and(current: Option<Node>, next: Node) -> Node {
    match current {
        Some(current) => Node::And(vec![current, next]),
        None => next,
    }
}

impl<'e, T: Model, J, C> Filter<C> for Count<'e, T, J>
where
    T: Conditions<C>,
{
    /// Counts only the targets matching `condition` (repeated calls must all match).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// assert_eq!(ann.count_workers(&db).filter(Task::done().eq(true)).await?, 1);
    /// assert_eq!(ann.count_projects(&db).filter(Project::name().eq("sql")).await?, 1);
    /// # Ok(()) }
    /// ```
    fn filter(mut self, condition: C) -> Self {
        let condition = <T as Conditions<C>>::condition(condition);
        self.filter = Some(and(self.filter, condition.node));
        self
    }
}

impl<'e, T: Model, J> Count<'e, T, J> {
    pub(crate) fn new(db: impl IntoExecutor<'e>, association: &'static AssociationMeta, key: Result<Value>) -> Self {
        Count {
            executor: Some(db.into_executor()),
            association,
            key,
            filter: None,
            through_filter: None,
            _marker: PhantomData,
            running: None,
        }
    }

    async fn run(self, mut executor: Executor<'e>) -> Result<i64> {
        let key = self.key?;
        if key.is_null() {
            return Ok(0);
        }
        let statement = match self.association.kind {
            AssociationKind::BelongsToMany => {
                let filters = Filters { target: self.filter, join: self.through_filter };
                links_statement(&executor, self.association, key, filters)
            }
            _ => targets_statement(&executor, self.association, key, self.filter),
        };
        // A count returned to the caller: a read.
        executor.fetch_count(statement.into_read()).await
    }
}

impl<'e, T: Model, J: Model, C> ThroughFilter<C> for Count<'e, T, J>
where
    J: Conditions<C>,
{
    /// Counts only the targets whose join row matches `condition` (Sequelize's
    /// `through.where`; repeated calls must all match).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let ann = User::find_by_pk(&db, 1).await?.expect("seeded");
    /// assert_eq!(ann.count_projects(&db).through_filter(Membership::role().eq("lead")).await?, 1);
    /// # Ok(()) }
    /// ```
    fn through_filter(mut self, condition: C) -> Self {
        let condition = <J as Conditions<C>>::condition(condition);
        self.through_filter = Some(and(self.through_filter, condition.node));
        self
    }
}

/// A `Future` (rather than only `IntoFuture`), as the getters are: rustc then answers
/// `user.count_tasks(&db)?` with "consider `await`ing on the `Future`". The count runs on the
/// first poll.
impl<'e, T: Model, J: 'e> Future for Count<'e, T, J> {
    type Output = Result<i64>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(executor) = this.executor.take() {
            let count: Count<'e, T, J> = Count {
                executor: None,
                association: this.association,
                key: std::mem::replace(&mut this.key, Ok(Value::BigInt(None))),
                filter: this.filter.take(),
                through_filter: this.through_filter.take(),
                _marker: PhantomData,
                running: None,
            };
            this.running = Some(Box::pin(count.run(executor)));
        }
        super::poll_running(&mut this.running, "a count", cx)
    }
}

/// `count_<plural>` of has_many: the targets whose foreign key holds the source's key.
pub fn count<'e, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
) -> Count<'e, T> {
    Count::new(db, association, source_key_value(association, source))
}

/// `count_<plural>` of belongs_to_many: the join rows of the source (whose targets and join
/// rows match the scopes and filters).
pub fn count_linked<'e, S: Model, T: Model, J>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
) -> Count<'e, T, J> {
    Count::new(db, association, source_key_value(association, source))
}

/// `SELECT COUNT(*) FROM target WHERE fk = ? AND <scope> [AND <filter>]`; without a filter the
/// text is built once per backend and cached.
fn targets_statement(
    executor: &Executor<'_>,
    association: &'static AssociationMeta,
    key: Value,
    filter: Option<Node>,
) -> Statement {
    let target = association.target_meta();
    let fk = association.foreign_key_columns();
    let scope = association.scope_conditions();
    let Some(filter) = filter else {
        let sql = association.statements.count.get(executor.dialect(), |b| {
            b.count_from(target.table);
            b.push(" WHERE ").key_eq_placeholders(target.table, &fk);
            for (column, _) in &scope {
                b.push(" AND ").qualified(target.table, column.name).push(" = ").placeholder();
            }
        });
        let mut args = crate::key::key_parts(key);
        args.extend(scope.into_iter().map(|(_, value)| value));
        return Statement::new(sql, args);
    };
    let mut b = SqlBuilder::new(executor.dialect());
    b.count_from(target.table);
    b.push(" WHERE ").key_eq(target.table, &fk, key);
    push_conditions(&mut b, target.table, scope);
    b.push(" AND ");
    filter.render(target.table, &mut b);
    b.finish()
}

/// The conditions a belongs_to_many count adds: on the targets and on the join rows.
#[derive(Default)]
pub(crate) struct Filters {
    pub(crate) target: Option<Node>,
    pub(crate) join: Option<Node>,
}

/// `SELECT COUNT(*) FROM join [INNER JOIN target ON …] WHERE join.source = ? AND <scopes>
/// [AND join.target IN (…)] [AND <filters>]`. The target table is joined only when its scope or
/// a filter reads it.
pub(crate) fn links_statement(
    executor: &Executor<'_>,
    association: &AssociationMeta,
    key: Value,
    filters: Filters,
) -> Statement {
    links_statement_among(executor, association, key, None, filters)
}

/// [`links_statement`] restricted to links to these target-key values.
pub(crate) fn links_statement_among(
    executor: &Executor<'_>,
    association: &AssociationMeta,
    key: Value,
    among: Option<Vec<Value>>,
    filters: Filters,
) -> Statement {
    let join = association.join_table();
    let target = association.target_meta();
    let (join_source, _) = association.join_source_column();
    let (join_target, _) = association.join_target_column();
    let scope = association.scope_conditions();
    let mut b = SqlBuilder::new(executor.dialect());
    b.count_from(join);
    if !scope.is_empty() || filters.target.is_some() {
        b.push(" INNER JOIN ").identifier(target.table).push(" ON ").qualified(join, join_target).push(" = ");
        b.qualified(target.table, association.target_key_column().name);
    }
    b.push(" WHERE ").qualified(join, join_source).push(" = ").bind(key);
    push_conditions(&mut b, target.table, scope);
    push_conditions(&mut b, join, association.through_scope_conditions());
    if let Some(among) = among {
        b.push(" AND ");
        b.in_list(join, join_target, among, false);
    }
    if let Some(filter) = filters.target {
        b.push(" AND ");
        filter.render(target.table, &mut b);
    }
    if let Some(filter) = filters.join {
        b.push(" AND ");
        filter.render(join, &mut b);
    }
    b.finish()
}
