//! `Model::find_or_create`: find a row by a filter, or create it, safely under concurrency when
//! a unique constraint covers what the filter looks for.

use crate::create::{Node, create_many_nodes};
use crate::db::{Atomic, Executor};
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::model::Model;

/// Finds a row matching `filter`; when there is none, creates `node` (with its nested rows) in a
/// unit of its own, a savepoint inside the caller's transaction. A unique violation from that
/// create means a concurrent caller created the row first: it is found again and returned as
/// not created. Returns the row and whether it was created.
pub(crate) async fn find_or_create<M: Model>(executor: Executor<'_>, filter: Expr<M>, node: Node) -> Result<(M, bool)> {
    // A required field left unset fails before any statement, even when the row exists.
    node.check(&[])?;
    let mut executor = executor;
    if let Some(found) = M::find().and_where(filter.clone()).one(executor.reborrow()).await? {
        return Ok((found, false));
    }
    let created = match &mut executor {
        // One statement (or its own unit, for a tree or hooks): nothing to undo on the pool.
        Executor::Db(db) => create_many_nodes::<M>(Executor::Db(db), vec![node]).await,
        // A failed statement aborts a PostgreSQL transaction: the savepoint keeps the caller's
        // usable after a unique violation.
        Executor::Tx(tx) => {
            Atomic::run(Executor::Tx(tx), move |atomic| {
                Box::pin(async move { create_many_nodes::<M>(atomic.executor(), vec![node]).await })
            })
            .await
        }
    };
    match created {
        Ok(mut rows) => rows.pop().map(|row| (row, true)).ok_or(Error::NotFound { model: M::meta().name }),
        Err(violation @ Error::UniqueViolation { .. }) => {
            match M::find().and_where(filter).one(executor.reborrow()).await? {
                Some(found) => Ok((found, false)),
                // Another unique column conflicted, not what the filter looks for.
                None => Err(violation),
            }
        }
        Err(error) => Err(error),
    }
}
