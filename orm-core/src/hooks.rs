//! Model hooks (`#[model(hooks)]` + `#[orm::hooks] impl Profile { … }`) and their dispatchers.
//! Destroy cascades that run them live in [`crate::cascade`].

use std::future::Future;

use crate::db::Tx;
use crate::driver::BoxFuture;
use crate::error::Result;
use crate::model::Model;
use crate::value::Value;

/// Code that runs around a model's writes. Every method defaults to doing nothing; an error
/// from a `before_*` hook aborts the write and rolls back everything the operation did.
///
/// Write the hooks as `async fn`s in an `#[orm::hooks] impl Profile { … }` block, which implements
/// this trait after checking each hook's name and that it is `async` (a mistake the trait's
/// signature would report with a note pointing into the ORM's source), or implement it by hand,
/// as below. With `#[model(hooks)]` on the model's derive:
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
///
/// Hooks on a model whose derive lacks `#[model(hooks)]` do not compile (the derive checks
/// it): they would never run.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is marked `#[model(hooks)]` but has no hooks",
    label = "`#[model(hooks)]` needs an `#[orm::hooks] impl {Self}` block",
    note = "write the hooks as `#[orm::hooks] impl {Self} {{ async fn before_create(&mut self, tx: &mut orm::Tx) -> orm::Result<()> {{ … }} }}` (or `impl orm::Hooks for {Self}`), or remove `#[model(hooks)]`"
)]
pub trait Hooks: Sized + Send + Sync {
    /// Before `Model::create` inserts the row.
    fn before_create(&mut self, tx: &mut Tx) -> impl BeforeCreateFuture + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// After a row is created.
    fn after_create(&mut self, tx: &mut Tx) -> impl AfterCreateFuture + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// Before `save` writes the row.
    fn before_update(&mut self, tx: &mut Tx) -> impl BeforeUpdateFuture + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// After `save` wrote the row.
    fn after_update(&mut self, tx: &mut Tx) -> impl AfterUpdateFuture + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// Before the row is deleted (by `destroy`, or by a cascade with `hooks = true`).
    fn before_destroy(&self, tx: &mut Tx) -> impl BeforeDestroyFuture + Send {
        let _ = tx;
        async { Ok(()) }
    }
    /// After the row was deleted.
    fn after_destroy(&self, tx: &mut Tx) -> impl AfterDestroyFuture + Send {
        let _ = tx;
        async { Ok(()) }
    }

    /// Runs a create or update hook: what the derive's dispatcher calls. A trait method, so
    /// that a model marked `#[model(hooks)]` without an `impl orm::Hooks` gets this trait's
    /// message at its derive, with no note pointing into the ORM's source. Not to be
    /// overridden.
    #[doc(hidden)]
    fn __run_mut<'a>(&'a mut self, hook: Hook, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>> {
        run_mut(self, hook, tx)
    }

    /// Runs a destroy hook (see `__run_mut`). Not to be overridden.
    #[doc(hidden)]
    fn __run_ref<'a>(&'a self, hook: Hook, tx: &'a mut Tx) -> BoxFuture<'a, Result<()>> {
        run_ref(self, hook, tx)
    }
}

/// The futures the hooks return, one trait per hook so that a hook written without `async`
/// (returning `orm::Result<()>` itself) is an error naming it. Implemented for every
/// `Future<Output = Result<()>>`: an `async fn` hook is one.
macro_rules! hook_futures {
    ($($name:ident => $message:literal, $label:literal;)*) => {$(
        /// The future a hook returns (see [`Hooks`]): implemented by every
        /// `Future<Output = Result<()>>`, which an `async fn` hook returns.
        #[diagnostic::on_unimplemented(
            message = $message,
            label = $label,
            note = "every hook returns a future: `async fn` makes one of the body, and `.await` works inside it"
        )]
        pub trait $name: Future<Output = Result<()>> {}

        impl<F: Future<Output = Result<()>>> $name for F {}
    )*};
}

hook_futures! {
    BeforeCreateFuture => "hooks are async: write `async fn before_create`", "`before_create` must be an `async fn`";
    AfterCreateFuture => "hooks are async: write `async fn after_create`", "`after_create` must be an `async fn`";
    BeforeUpdateFuture => "hooks are async: write `async fn before_update`", "`before_update` must be an `async fn`";
    AfterUpdateFuture => "hooks are async: write `async fn after_update`", "`after_update` must be an `async fn`";
    BeforeDestroyFuture => "hooks are async: write `async fn before_destroy`", "`before_destroy` must be an `async fn`";
    AfterDestroyFuture => "hooks are async: write `async fn after_destroy`", "`after_destroy` must be an `async fn`";
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
