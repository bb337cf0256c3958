//! Query builders: `Model::find()`, `Model::update()`, `Model::delete()`.

use std::marker::PhantomData;

use crate::db::{Executor, IntoExecutor};
use crate::error::Result;
use crate::expr::{Column, Expr, Order};
use crate::include::{Include, IncludeList, SpecOf};
use crate::model::{Model, fetch_models, write_select};
use crate::sql::SqlBuilder;
use crate::value::{Operand, SqlValue, Value};

fn and_filter<M>(current: Option<Expr<M>>, next: Expr<M>) -> Option<Expr<M>> {
    Some(match current {
        Some(current) => current.and(next),
        None => next,
    })
}

/// A `SELECT` over model `M`, narrowed by filters, order and paging before it runs. `L` is the
/// type-level list of included associations (`()` for none): it decides the result row type.
///
/// ```
/// # use orm_core::{Select, Model};
/// # fn query<User: Model>() -> Select<User> {
/// User::find().limit(10).offset(20)
/// # }
/// ```
pub struct Select<M, L = ()> {
    filter: Option<Expr<M>>,
    order: Vec<Order<M>>,
    limit: Option<u64>,
    offset: Option<u64>,
    includes: L,
}

impl<M, L: std::fmt::Debug> std::fmt::Debug for Select<M, L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("includes", &self.includes)
            .finish()
    }
}

impl<M: Model> Default for Select<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> Select<M> {
    /// A query over every row of `M`.
    pub fn new() -> Self {
        Select { filter: None, order: Vec::new(), limit: None, offset: None, includes: () }
    }
}

impl<M: Model, L: IncludeList<M>> Select<M, L> {
    /// Keeps the rows matching `condition` (repeated calls must all match).
    pub fn filter(mut self, condition: Expr<M>) -> Self {
        self.filter = and_filter(self.filter, condition);
        self
    }

    /// Orders by a column (repeated calls add later sort keys).
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.order.push(order);
        self
    }

    /// Returns at most `count` rows.
    pub fn limit(mut self, count: u64) -> Self {
        self.limit = Some(count);
        self
    }

    /// Skips the first `count` rows.
    pub fn offset(mut self, count: u64) -> Self {
        self.offset = Some(count);
        self
    }

    /// Loads an association of `M` with the rows: `User::find().include(User::pictures())`.
    /// The result rows then carry it, read with the generated accessor (`user.pictures()`).
    pub fn include<A, N>(self, include: Include<A, N>) -> Select<M, (Include<A, N>, L)>
    where
        A: SpecOf<M>,
    {
        Select {
            filter: self.filter,
            order: self.order,
            limit: self.limit,
            offset: self.offset,
            includes: (include, self.includes),
        }
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
    pub async fn all<'e>(mut self, db: impl IntoExecutor<'e>) -> Result<Vec<L::Row>> {
        let mut executor = db.into_executor();
        let prefix = M::statements().select.get(executor.dialect(), write_select::<M>);
        let mut b = SqlBuilder::with_prefix(executor.dialect(), &prefix);
        let table = M::meta().table;
        Self::write_where(self.filter.take(), &self.includes, &mut b);
        for (i, order) in self.order.iter().enumerate() {
            b.push(if i == 0 { " ORDER BY " } else { ", " });
            order.render(table, &mut b);
        }
        b.limit_offset(self.limit, self.offset);
        let parents = fetch_models::<M>(&mut executor, b.finish()).await?;
        self.load_includes(&mut executor, parents).await
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
    pub async fn one<'e>(mut self, db: impl IntoExecutor<'e>) -> Result<Option<L::Row>> {
        self.limit = Some(1);
        Ok(self.all(db).await?.pop())
    }

    /// Counts the matching rows (ignoring order, paging and non-required includes).
    pub async fn count<'e>(self, db: impl IntoExecutor<'e>) -> Result<i64> {
        let mut executor = db.into_executor();
        let mut b = SqlBuilder::new(executor.dialect());
        b.count_from(M::meta().table);
        Self::write_where(self.filter, &self.includes, &mut b);
        executor.fetch_count(b.finish()).await
    }
}

/// A bulk `UPDATE` of the rows of `M` matching a filter. Refreshes `updated_at` when the model
/// has one.
pub struct Update<M> {
    assignments: Vec<(&'static str, Value)>,
    filter: Option<Expr<M>>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Update<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Update").field("assignments", &self.assignments).field("filter", &self.filter).finish()
    }
}

impl<M: Model> Update<M> {
    pub(crate) fn new() -> Self {
        Update { assignments: Vec::new(), filter: None, _marker: PhantomData }
    }

    /// Sets `column` to `value` in every matching row.
    pub fn set<T: SqlValue>(mut self, column: Column<M, T>, value: impl Operand<T>) -> Self {
        self.assignments.push((column.name(), value.into_operand()));
        self
    }

    /// Restricts the update to rows matching `condition` (repeated calls must all match).
    pub fn filter(mut self, condition: Expr<M>) -> Self {
        self.filter = and_filter(self.filter, condition);
        self
    }

    /// Runs the update and returns the number of rows changed.
    pub async fn exec<'e>(self, db: impl IntoExecutor<'e>) -> Result<u64> {
        let mut executor = db.into_executor();
        let meta = M::meta();
        let mut b = SqlBuilder::new(executor.dialect());
        b.update_set(meta.table);
        let mut assignments = self.assignments;
        if let Some(updated_at) = meta.columns.iter().find(|c| c.updated_at)
            && !assignments.iter().any(|(name, _)| *name == updated_at.name)
        {
            assignments.push((updated_at.name, crate::value::now_value(updated_at.sql_type)?));
        }
        if assignments.is_empty() {
            return Ok(0);
        }
        for (i, (column, value)) in assignments.into_iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.identifier(column).push(" = ").bind(value);
        }
        if let Some(filter) = self.filter {
            b.push(" WHERE ");
            filter.render(meta.table, &mut b);
        }
        executor.execute(b.finish()).await
    }
}

/// A bulk `DELETE` of the rows of `M` matching a filter.
pub struct Delete<M> {
    filter: Option<Expr<M>>,
}

impl<M> std::fmt::Debug for Delete<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delete").field("filter", &self.filter).finish()
    }
}

impl<M: Model> Delete<M> {
    pub(crate) fn new() -> Self {
        Delete { filter: None }
    }

    /// Restricts the delete to rows matching `condition` (repeated calls must all match).
    pub fn filter(mut self, condition: Expr<M>) -> Self {
        self.filter = and_filter(self.filter, condition);
        self
    }

    /// Runs the delete and returns the number of rows removed. Without a filter, every row of
    /// the table is removed.
    pub async fn exec<'e>(self, db: impl IntoExecutor<'e>) -> Result<u64> {
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
