//! Destroying rows through the ORM, with their `hooks = true` dependents.
//!
//! One row (`destroy`): depth-first, every row's `before_destroy` before its dependents go and
//! its `after_destroy` after it is gone. The walk keeps its own stack, so a 10,000-deep chain
//! of parents does not grow the call stack, and remembers every row it entered, so cyclic data
//! (a row that is its own parent, or two rows pointing at each other) ends instead of recursing
//! forever.
//!
//! Many rows (`Model::delete().filter(…).with_hooks()`, Sequelize's `individualHooks`): level
//! by level, so that each level's dependents load in one statement per association (per batch
//! of keys under the bind limit) instead of one per row; then the levels are deleted deepest
//! first, one `DELETE … WHERE key IN (…)` per table and batch, each row's `after_destroy` once it
//! is gone. The same record of entered rows ends cycles.

use std::collections::HashSet;

use crate::assoc::AssociationMeta;
use crate::db::{Atomic, Executor, IntoExecutor, Tx};
use crate::dialect::LockMode;
use crate::driver::BoxFuture;
use crate::error::Result;
use crate::expr::Expr;
use crate::hooks::Hook;
use crate::key::KeyCols;
use crate::meta::ModelMeta;
use crate::model::Model;
use crate::sql::SqlBuilder;
use crate::value::{KeyRepr, Value};

/// A row to destroy, whatever its model.
pub trait Doomed: Send + Sync {
    /// The row's table and key, to visit each row once.
    fn identity(&self) -> (&'static str, Option<KeyRepr>);
    /// The row's model.
    fn model(&self) -> &'static ModelMeta;
    /// The row's primary key (a [`Value::Row`] for a composite key).
    fn key(&self) -> Value;
    /// The source-key value of each `hooks = true` cascade of this row (NULL keys left out).
    fn cascade_keys(&self) -> Result<Vec<(&'static AssociationMeta, Value)>>;
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

    fn model(&self) -> &'static ModelMeta {
        M::meta()
    }

    fn key(&self) -> Value {
        crate::key::model_key(self)
    }

    fn cascade_keys(&self) -> Result<Vec<(&'static AssociationMeta, Value)>> {
        let mut keys = Vec::new();
        for association in M::associations().iter().filter(|a| a.destroy_targets.is_some()) {
            let key = crate::assoc::source_key_of(association, self)?;
            if !key.is_null() {
                keys.push((association, key));
            }
        }
        Ok(keys)
    }

    fn dependents<'a>(&'a self, tx: &'a mut Tx) -> BoxFuture<'a, Result<Vec<Box<dyn Doomed>>>> {
        Box::pin(async move {
            let mut dependents = Vec::new();
            for (association, key) in self.cascade_keys()? {
                if let Some(load) = association.destroy_targets {
                    dependents.extend(load(tx, association, vec![key]).await?);
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

/// Loads the targets whose foreign key points at one of `keys`, to be destroyed through the
/// ORM: one statement per batch of keys under the bind limit, each loading and locking its rows
/// in key order. Generated code stores `destroy_targets::<Target>` in the association's
/// metadata.
pub fn destroy_targets<'t, T: Model>(
    tx: &'t mut Tx,
    association: &'static AssociationMeta,
    keys: Vec<Value>,
) -> BoxFuture<'t, Result<Vec<Box<dyn Doomed>>>> {
    Box::pin(async move {
        let target = T::meta();
        let fk = association.foreign_key_columns();
        let dialect = tx.dialect();
        let select = T::statements().select.get(dialect, crate::model::write_select::<T>);
        let mut loaded: Vec<Box<dyn Doomed>> = Vec::new();
        for batch in crate::assoc::write_batches(dialect, keys, association.scope.len()) {
            let mut b = SqlBuilder::with_prefix(dialect, &select);
            b.push(" WHERE ");
            b.key_in(target.table, &fk, batch, false);
            crate::assoc::push_conditions(&mut b, target.table, association.scope_conditions());
            b.push(" ORDER BY ");
            b.key_columns(target.table, &KeyCols::of(target, &[]));
            if let Some(lock) = dialect.row_lock_clause(LockMode::Update) {
                b.push(lock);
            }
            let rows = crate::model::fetch_models::<T>(&mut Executor::Tx(tx), b.finish()).await?;
            loaded.extend(rows.into_iter().map(|row| Box::new(row) as Box<dyn Doomed>));
        }
        Ok(loaded)
    })
}

/// `Model::delete().filter(…).with_hooks()`: loads and locks the matching rows in key order (one
/// statement), then destroys them and their hooked dependents level by level, in one unit.
/// Returns how many matching rows were destroyed.
pub(crate) async fn destroy_matching<'e, M: Model>(db: impl IntoExecutor<'e>, filter: Option<Expr<M>>) -> Result<u64> {
    let mut atomic = Atomic::begin(db.into_executor()).await?;
    let result = async {
        let tx = atomic.tx();
        let meta = M::meta();
        let dialect = tx.dialect();
        let mut b =
            SqlBuilder::with_prefix(dialect, &M::statements().select.get(dialect, crate::model::write_select::<M>));
        if let Some(filter) = filter {
            b.push(" WHERE ");
            filter.render(meta.table, &mut b);
        }
        b.push(" ORDER BY ");
        b.key_columns(meta.table, &KeyCols::of(meta, &[]));
        if let Some(lock) = dialect.row_lock_clause(LockMode::Update) {
            b.push(lock);
        }
        let rows = crate::model::fetch_models::<M>(&mut Executor::Tx(tx), b.finish()).await?;
        let matched = rows.len() as u64;
        destroy_all_in(tx, rows.into_iter().map(|row| Box::new(row) as Box<dyn Doomed>).collect()).await?;
        Ok(matched)
    }
    .await;
    atomic.finish(result).await
}

/// Destroys `roots` and their hooked dependents inside `tx`, level by level, each row once:
/// every row's `before_destroy` (a level's rows in the order they were loaded), then its
/// level's dependents, loaded set-wise; once no level has dependents, the levels are deleted
/// from the deepest up (children before their parents), each row's `after_destroy` after its
/// level's `DELETE`. The rows are locked as they are loaded.
pub(crate) async fn destroy_all_in(tx: &mut Tx, roots: Vec<Box<dyn Doomed>>) -> Result<()> {
    let mut entered: HashSet<(&'static str, KeyRepr)> = HashSet::new();
    let fresh = |rows: Vec<Box<dyn Doomed>>, entered: &mut HashSet<(&'static str, KeyRepr)>| {
        rows.into_iter()
            .filter(|row| match row.identity() {
                (table, Some(key)) => entered.insert((table, key)),
                (_, None) => true,
            })
            .collect::<Vec<_>>()
    };
    let mut levels: Vec<Vec<Box<dyn Doomed>>> = Vec::new();
    let mut level = fresh(roots, &mut entered);
    while !level.is_empty() {
        for row in &level {
            row.hook(Hook::BeforeDestroy, tx).await?;
        }
        // One load per association of this level, with every key it holds.
        let mut groups: Vec<(&'static AssociationMeta, Vec<Value>)> = Vec::new();
        for row in &level {
            for (association, key) in row.cascade_keys()? {
                match groups.iter_mut().find(|(a, _)| std::ptr::eq(*a, association)) {
                    Some((_, keys)) => keys.push(key),
                    None => groups.push((association, vec![key])),
                }
            }
        }
        let mut next = Vec::new();
        for (association, keys) in groups {
            if let Some(load) = association.destroy_targets {
                next.extend(load(tx, association, crate::assoc::dedupe(keys)).await?);
            }
        }
        levels.push(level);
        level = fresh(next, &mut entered);
    }
    while let Some(level) = levels.pop() {
        delete_rows(tx, &level).await?;
        for row in &level {
            row.hook(Hook::AfterDestroy, tx).await?;
        }
    }
    Ok(())
}

/// Deletes the rows by primary key: one `DELETE … WHERE key IN (…)` per table and batch. A row a
/// database cascade already removed deletes nothing.
async fn delete_rows(tx: &mut Tx, rows: &[Box<dyn Doomed>]) -> Result<()> {
    let mut tables: Vec<(&'static ModelMeta, Vec<Value>)> = Vec::new();
    for row in rows {
        let model = row.model();
        match tables.iter_mut().find(|(m, _)| std::ptr::eq(*m, model)) {
            Some((_, keys)) => keys.push(row.key()),
            None => tables.push((model, vec![row.key()])),
        }
    }
    let dialect = tx.dialect();
    for (model, keys) in tables {
        let pk = KeyCols::of(model, &[]);
        for batch in crate::assoc::write_batches(dialect, keys, 0) {
            let mut b = SqlBuilder::new(dialect);
            b.delete_from(model.table).push(" WHERE ");
            b.key_in(model.table, &pk, batch, false);
            Executor::Tx(tx).execute(b.finish()).await?;
        }
    }
    Ok(())
}
