//! Model hooks (`#[model(hooks)]` + `impl orm::Hooks for Profile`) and destroy cascades that
//! run them (`#[has_many(T, on_delete = "cascade", hooks = true)]`).

use std::future::Future;

use crate::assoc::AssociationMeta;
use crate::db::{Executor, Tx};
use crate::driver::{BoxFuture, Statement};
use crate::error::Result;
use crate::model::Model;
use crate::value::Value;

/// Code that runs around a model's writes. Every method defaults to doing nothing; an error
/// from a `before_*` hook aborts the write and rolls back everything the operation did.
///
/// Enable with `#[model(hooks)]` on the model, then implement the hooks you need:
///
/// ```
/// // #[derive(orm::Model)] #[model(hooks)]
/// struct Profile {
///     bio: String,
/// }
///
/// impl orm_core::Hooks for Profile {
///     async fn before_create(&mut self, _tx: &mut orm_core::Tx) -> orm_core::Result<()> {
///         self.bio = self.bio.trim().to_owned();
///         Ok(())
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is marked `#[model(hooks)]` but does not implement `orm::Hooks`",
    label = "missing `impl orm::Hooks for {Self}`",
    note = "add `impl orm::Hooks for {Self} {{}}` and override the hooks you need, or remove `#[model(hooks)]`"
)]
pub trait Hooks: Sized + Send + Sync {
    /// Before `Model::create` inserts the row.
    fn before_create(&mut self, tx: &mut Tx) -> impl Future<Output = Result<()>> + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// After a row is created.
    fn after_create(&mut self, tx: &mut Tx) -> impl Future<Output = Result<()>> + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// Before `save` writes the row.
    fn before_update(&mut self, tx: &mut Tx) -> impl Future<Output = Result<()>> + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// After `save` wrote the row.
    fn after_update(&mut self, tx: &mut Tx) -> impl Future<Output = Result<()>> + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// Before the row is deleted (by `destroy`, or by a cascade with `hooks = true`).
    fn before_destroy(&self, tx: &mut Tx) -> impl Future<Output = Result<()>> + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// After the row was deleted.
    fn after_destroy(&self, tx: &mut Tx) -> impl Future<Output = Result<()>> + Send {
        let _ = tx;
        async { Ok(()) }
    }
}

/// Which hook to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook {
    /// `before_create`
    BeforeCreate,
    /// `after_create`
    AfterCreate,
    /// `before_update`
    BeforeUpdate,
    /// `after_update`
    AfterUpdate,
    /// `before_destroy`
    BeforeDestroy,
    /// `after_destroy`
    AfterDestroy,
}

/// Runs a create or update hook through the model's generated dispatcher.
pub fn run_mut<'a, M: Hooks>(row: &'a mut M, hook: Hook, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>> {
    match hook {
        Hook::BeforeCreate => Box::pin(row.before_create(tx)),
        Hook::AfterCreate => Box::pin(row.after_create(tx)),
        Hook::BeforeUpdate => Box::pin(row.before_update(tx)),
        Hook::AfterUpdate => Box::pin(row.after_update(tx)),
        Hook::BeforeDestroy | Hook::AfterDestroy => Box::pin(run_ref(row, hook, tx)),
    }
}

/// Runs a destroy hook through the model's generated dispatcher.
pub fn run_ref<'a, M: Hooks>(row: &'a M, hook: Hook, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>> {
    match hook {
        Hook::BeforeDestroy => Box::pin(row.before_destroy(tx)),
        Hook::AfterDestroy => Box::pin(row.after_destroy(tx)),
        _ => Box::pin(async { Ok(()) }),
    }
}

/// Whether destroying a `M` must go through the ORM row by row: it has hooks, or an
/// association cascades with hooks.
pub(crate) fn destroys_through_orm<M: Model>() -> bool {
    M::HOOKS || M::associations().iter().any(|a| a.destroy_targets.is_some())
}

/// Destroys `row` inside `tx`: its `before_destroy` hook, then (depth-first) every dependent of
/// a `hooks = true` cascade, then the row, then `after_destroy`.
pub(crate) fn destroy_in<'a, M: Model>(tx: &'a mut Tx, row: &'a M) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        row.hook_ref(Hook::BeforeDestroy, tx).await?;
        for association in M::associations() {
            if let Some(destroy) = association.destroy_targets {
                let key = crate::assoc::source_key_of(association, row)?;
                if !key.is_null() {
                    destroy(tx, association, key).await?;
                }
            }
        }
        delete_by_key::<M>(&mut Executor::Tx(tx), row.key_value()).await?;
        row.hook_ref(Hook::AfterDestroy, tx).await
    })
}

/// `DELETE … WHERE <pk> = ?`, with its cached text.
pub(crate) async fn delete_by_key<M: Model>(executor: &mut Executor<'_>, key: Value) -> Result<u64> {
    let meta = M::meta();
    let sql = M::statements().delete_by_pk.get(executor.dialect(), |b| {
        b.push("DELETE FROM ").identifier(meta.table);
        b.push(" WHERE ").identifier(meta.primary_key_column().name).push(" = ").placeholder();
    });
    executor.execute(Statement { sql, args: vec![key] }).await
}

/// Loads the targets whose foreign key points at `key` and destroys each through the ORM.
/// Generated code stores `destroy_targets::<Target>` in the association's metadata.
pub fn destroy_targets<'t, T: Model>(
    tx: &'t mut Tx,
    association: &'static AssociationMeta,
    key: Value,
) -> BoxFuture<'t, Result<()>> {
    Box::pin(async move {
        let fk = association.foreign_key_column();
        let mut b = crate::sql::SqlBuilder::with_prefix(
            tx.dialect(),
            &T::statements().select.get(tx.dialect(), crate::model::write_select::<T>),
        );
        b.push(" WHERE ").qualified(T::meta().table, fk.name).push(" = ").bind(key);
        crate::assoc::push_conditions(&mut b, T::meta().table, association.scope_conditions());
        let targets = crate::model::fetch_models::<T>(&mut Executor::Tx(tx), b.finish()).await?;
        for target in &targets {
            destroy_in(tx, target).await?;
        }
        Ok(())
    })
}

/// The `after_create` dispatcher generated models with hooks store in their metadata.
pub fn after_create_hook<'t, M: Model>(tx: &'t mut Tx, values: &'t [Value]) -> BoxFuture<'t, Result<()>> {
    Box::pin(async move {
        let mut row = M::decode(&crate::create::ValueRow::new(M::meta(), values), 0)?;
        row.hook_mut(Hook::AfterCreate, tx).await
    })
}

/// The `before_create` dispatcher generated models with hooks store in their metadata: the row
/// as it will be inserted, decoded from its values, goes through the hook and back.
pub fn before_create_hook<'t, M: Model>(tx: &'t mut Tx, values: Vec<Value>) -> BoxFuture<'t, Result<Vec<Value>>> {
    Box::pin(async move {
        let mut row = M::decode(&crate::create::ValueRow::new(M::meta(), &values), 0)?;
        row.hook_mut(Hook::BeforeCreate, tx).await?;
        Ok(row.into_values())
    })
}
