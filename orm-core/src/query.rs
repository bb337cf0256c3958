//! Query builders: `Model::find()`, `Model::update()`, `Model::delete()`.

use std::marker::PhantomData;

use crate::db::IntoExecutor;
use crate::error::{Error, Result};
use crate::expr::{Column, Expr, Order};
use crate::model::{Model, fetch_models, write_select};
use crate::sql::SqlBuilder;
use crate::value::{Operand, SqlValue, Value};

fn and_filter<M>(current: Option<Expr<M>>, next: Expr<M>) -> Option<Expr<M>> {
    Some(match current {
        Some(current) => current.and(next),
        None => next,
    })
}

/// A `SELECT` over model `M`, narrowed by filters, order and paging before it runs.
///
/// ```
/// # use orm_core::{Select, Model};
/// # fn query<User: Model>() -> Select<User> {
/// User::find().limit(10).offset(20)
/// # }
/// ```
pub struct Select<M> {
    filter: Option<Expr<M>>,
    order: Vec<Order<M>>,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl<M> std::fmt::Debug for Select<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Select")
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
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
        Select { filter: None, order: Vec::new(), limit: None, offset: None }
    }

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

    fn write_where(filter: Option<Expr<M>>, b: &mut SqlBuilder) {
        if let Some(filter) = filter {
            b.push(" WHERE ");
            filter.render(M::meta().table, b);
        }
    }

    fn build(self, b: &mut SqlBuilder) {
        let table = M::meta().table;
        Self::write_where(self.filter, b);
        for (i, order) in self.order.iter().enumerate() {
            b.push(if i == 0 { " ORDER BY " } else { ", " });
            order.render(table, b);
        }
        b.limit_offset(self.limit, self.offset);
    }

    /// Runs the query and returns every matching row.
    pub async fn all<'e>(self, db: impl IntoExecutor<'e>) -> Result<Vec<M>> {
        let mut executor = db.into_executor();
        let prefix = M::statements().select.get(executor.dialect(), write_select::<M>);
        let mut b = SqlBuilder::with_prefix(executor.dialect(), &prefix);
        self.build(&mut b);
        fetch_models::<M>(&mut executor, b.finish()).await
    }

    /// Runs the query for its first row.
    pub async fn one<'e>(mut self, db: impl IntoExecutor<'e>) -> Result<Option<M>> {
        self.limit = Some(1);
        Ok(self.all(db).await?.pop())
    }

    /// Counts the matching rows (ignoring order and paging).
    pub async fn count<'e>(self, db: impl IntoExecutor<'e>) -> Result<i64> {
        let mut executor = db.into_executor();
        let mut b = SqlBuilder::new(executor.dialect());
        b.push("SELECT COUNT(*) FROM ").identifier(M::meta().table);
        Self::write_where(self.filter, &mut b);
        let mut count = None;
        executor
            .fetch(b.finish(), &mut |row| {
                count = row.get_i64(0)?;
                Ok(())
            })
            .await?;
        count.ok_or_else(|| Error::Invalid("COUNT(*) returned no row".into()))
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
        b.push("UPDATE ").identifier(meta.table).push(" SET ");
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
        b.push("DELETE FROM ").identifier(M::meta().table);
        if let Some(filter) = self.filter {
            b.push(" WHERE ");
            filter.render(M::meta().table, &mut b);
        }
        executor.execute(b.finish()).await
    }
}
