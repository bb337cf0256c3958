//! Destroying a row through the ORM, with its `hooks = true` dependents: depth-first, every
//! row's `before_destroy` before its dependents go and its `after_destroy` after it is gone.
//! The walk keeps its own stack, so a 10,000-deep chain of parents does not grow the call
//! stack, and remembers every row it entered, so cyclic data (a row that is its own parent, or
//! two rows pointing at each other) ends instead of recursing forever.

use std::collections::HashSet;

use crate::assoc::AssociationMeta;
use crate::db::{Executor, Tx};
use crate::dialect::LockMode;
use crate::driver::BoxFuture;
use crate::error::Result;
use crate::hooks::Hook;
use crate::key::KeyCols;
use crate::model::Model;
use crate::value::{KeyRepr, Value};

/// A row to destroy, whatever its model.
pub trait Doomed: Send + Sync {
    /// The row's table and key, to visit each row once.
    fn identity(&self) -> (&'static str, Option<KeyRepr>);
    /// Runs `before_destroy` (or `after_destroy`).
    fn hook<'a>(&'a self, hook: Hook, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>>;
    /// Loads the rows of every `hooks = true` cascade of this row.
    fn dependents<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<Vec<Box<dyn Doomed>>>>;
    /// Deletes the row by its key (and its version, see [`crate::write::version`]).
    fn delete<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<u64>>;
    /// Locks the row until the transaction ends, as a row about to be deleted.
    fn lock<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>>;
}

impl<M: Model> Doomed for M {
    fn identity(&self) -> (&'static str, Option<KeyRepr>) {
        (M::meta().table, crate::key::key_repr(&self.key_values()))
    }

    fn hook<'a>(&'a self, hook: Hook, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>> {
        self.hook_ref(hook, tx)
    }

    fn dependents<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<Vec<Box<dyn Doomed>>>> {
        Box::pin(async move {
            let mut dependents = Vec::new();
            for association in M::associations() {
                if let Some(load) = association.destroy_targets {
                    let key = crate::assoc::source_key_of(association, self)?;
                    if !key.is_null() {
                        dependents.extend(load(tx, association, key).await?);
                    }
                }
            }
            Ok(dependents)
        })
    }

    fn delete<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<u64>> {
        Box::pin(async move { crate::write::version::delete_row::<M>(&mut Executor::Tx(tx), self).await })
    }

    fn lock<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let meta = M::meta();
            let mut executor = Executor::Tx(tx);
            let key = [crate::key::model_key(self)];
            crate::assoc::lock_rows(&mut executor, meta, KeyCols::of(meta, &[]), &key, None, LockMode::Update)
                .await
                .map(drop)
        })
    }
}

/// Whether destroying a `M` must go through the ORM row by row: it has hooks, or an
/// association cascades with hooks.
pub(crate) fn destroys_through_orm<M: Model>() -> bool {
    M::HOOKS || M::associations().iter().any(|a| a.destroy_targets.is_some())
}

/// A row of the walk: the caller's, or one loaded by a cascade.
enum Held<'a> {
    Root(&'a dyn Doomed),
    Loaded(Box<dyn Doomed>),
}

impl Held<'_> {
    fn row(&self) -> &dyn Doomed {
        match self {
            Held::Root(row) => *row,
            Held::Loaded(row) => row.as_ref(),
        }
    }
}

enum Step<'a> {
    Enter(Held<'a>),
    Leave(Held<'a>),
}

/// Destroys `root` and its hooked dependents inside `tx`, depth-first, each row once. The root
/// is locked first and every row of a cascade is locked as it is loaded (parents before
/// children, as every association write locks), so no row joins a cascade unseen: an insert
/// that would reference a row being destroyed waits, then fails.
pub(crate) async fn destroy_in(tx: &mut Tx, root: &dyn Doomed) -> Result<()> {
    root.lock(tx).await?;
    let mut entered: HashSet<(&'static str, KeyRepr)> = HashSet::new();
    let mut stack = vec![Step::Enter(Held::Root(root))];
    while let Some(step) = stack.pop() {
        match step {
            Step::Enter(held) => {
                if let Some(dependents) = enter(tx, &mut entered, held.row()).await? {
                    stack.push(Step::Leave(held));
                    stack.extend(dependents.into_iter().rev().map(|row| Step::Enter(Held::Loaded(row))));
                }
            }
            Step::Leave(held) => leave(tx, held.row()).await?,
        }
    }
    Ok(())
}

/// Runs `before_destroy` and loads the dependents, unless the row was entered before.
async fn enter(
    tx: &mut Tx,
    entered: &mut HashSet<(&'static str, KeyRepr)>,
    row: &dyn Doomed,
) -> Result<Option<Vec<Box<dyn Doomed>>>> {
    if let (table, Some(key)) = row.identity()
        && !entered.insert((table, key))
    {
        return Ok(None);
    }
    row.hook(Hook::BeforeDestroy, tx).await?;
    row.dependents(tx).await.map(Some)
}

/// Deletes the row, then runs `after_destroy`. A row a database cascade already removed
/// deletes nothing; its hook still runs, as it was destroyed.
async fn leave(tx: &mut Tx, row: &dyn Doomed) -> Result<()> {
    row.delete(tx).await?;
    row.hook(Hook::AfterDestroy, tx).await
}

/// Loads the targets whose foreign key points at `key`, to be destroyed through the ORM.
/// Generated code stores `destroy_targets::<Target>` in the association's metadata.
pub fn destroy_targets<'t, T: Model>(
    tx: &'t mut Tx,
    association: &'static AssociationMeta,
    key: Value,
) -> BoxFuture<'t, Result<Vec<Box<dyn Doomed>>>> {
    Box::pin(async move {
        let fk = association.foreign_key_columns();
        let mut b = crate::sql::SqlBuilder::with_prefix(
            tx.dialect(),
            &T::statements().select.get(tx.dialect(), crate::model::write_select::<T>),
        );
        b.push(" WHERE ").key_eq(T::meta().table, &fk, key);
        crate::assoc::push_conditions(&mut b, T::meta().table, association.scope_conditions());
        // Loaded and locked in key order, in one statement.
        b.push(" ORDER BY ");
        b.key_columns(T::meta().table, &KeyCols::of(T::meta(), &[]));
        if let Some(lock) = tx.dialect().row_lock_clause(LockMode::Update) {
            b.push(lock);
        }
        let targets = crate::model::fetch_models::<T>(&mut Executor::Tx(tx), b.finish()).await?;
        Ok(targets.into_iter().map(|t| Box::new(t) as Box<dyn Doomed>).collect())
    })
}
