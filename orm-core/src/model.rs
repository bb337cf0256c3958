//! The `Model` trait implemented by `#[derive(Model)]`, and the row-level operations every model
//! gets from it: find, create, save, destroy, and (implemented in [`crate::write`]) reload,
//! increment, upsert and find_or_create.

use std::future::Future;

use crate::cascade::{destroy_in, destroys_through_orm};
use crate::db::{Atomic, Executor, IntoExecutor};
use crate::driver::{Access, BoxFuture, Statement};
use crate::error::{Error, Result};
use crate::expr::{Expr, Order};
use crate::hooks::Hook;
use crate::key::IntoKey;
use crate::meta::ModelMeta;
use crate::narrow::{Conditions, Orders};
use crate::query::{Delete, Select, Update};
use crate::row::Row;
use crate::sql::{CachedSql, SqlBuilder};
use crate::value::Value;
use crate::write::Upsert;

/// A struct mapped to a table. Implement it with `#[derive(Model)]`, never by hand.
///
/// A model takes its own conditions and orders ([`Conditions`], [`Orders`], implemented by the
/// derive), so that code generic over a model can `filter` and `order_by` it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
/// # use orm::guide::example::*;
/// # use orm::prelude::*;
/// # let db = connect_seeded().await?;
/// let ann = User::find().filter(User::name().eq("Ann")).one(&db).await?;
/// assert_eq!(ann.map(|u| u.id), Some(1));
/// assert_eq!(User::meta().table, "users");
/// # Ok(()) }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "not a model",
    note = "add `#[derive(orm::Model)]` to `{Self}`"
)]
pub trait Model: Sized + Send + Sync + Unpin + 'static + Conditions<Expr<Self>> + Orders<Order<Self>> {
    /// The type of the primary key: a column type, or a tuple for a composite key.
    type Key: crate::key::PrimaryKey;

    /// The model's names and key, readable at compile time by other models' derives (which
    /// resolve Sequelize's target-dependent defaults through it).
    #[doc(hidden)]
    const NAMES: crate::naming::ModelNames;

    /// The static description of the model's table.
    fn meta() -> &'static ModelMeta;

    /// Reads the model's columns, in field order, from `row` starting at column `offset`.
    fn decode(row: &dyn Row, offset: usize) -> Result<Self>;

    /// Converts every field into a bindable value, in field order.
    fn into_values(self) -> Vec<Value>;

    /// Copies every field into a bindable value, in field order.
    fn to_values(&self) -> Vec<Value>;

    /// The primary key as a bindable value (the first column of a composite key; see
    /// [`key_values`](Self::key_values)).
    fn key_value(&self) -> Value;

    /// The primary key's column values, in key order.
    fn key_values(&self) -> Vec<Value>;

    /// The value of the field named `field` (its Rust name).
    fn field_value(&self, field: &str) -> Option<Value>;

    /// Assigns the field named `field` from a value of its type.
    fn set_field(&mut self, field: &str, value: Value) -> Result<()>;

    /// The model's associations, in declaration order.
    fn associations() -> &'static [crate::assoc::AssociationMeta];

    /// Fills the fields marked `created_at` (when `creating`) and `updated_at` with now.
    fn touch(&mut self, creating: bool);

    /// This model's row with included associations: the generated `…With<L>` type, whose
    /// accessors read what was loaded.
    type With<L: Send + Sync>: Send + Sync;

    /// Pairs a row with what was loaded for it.
    fn with<L: Send + Sync>(row: Self, loaded: L) -> Self::With<L>;

    /// Whether the model runs hooks (`#[model(hooks)]`).
    const HOOKS: bool = false;

    /// Runs a create or update hook (generated with `#[model(hooks)]`).
    #[doc(hidden)]
    fn hook_mut<'a>(&'a mut self, hook: crate::hooks::Hook, tx: &'a mut crate::db::Tx) -> BoxFuture<'a, Result<()>> {
        let _ = (hook, tx);
        Box::pin(async { Ok(()) })
    }

    /// Runs a destroy hook (generated with `#[model(hooks)]`).
    #[doc(hidden)]
    fn hook_ref<'a>(&'a self, hook: crate::hooks::Hook, tx: &'a mut crate::db::Tx) -> BoxFuture<'a, Result<()>> {
        let _ = (hook, tx);
        Box::pin(async { Ok(()) })
    }

    /// The model's statement texts, built once per backend.
    fn statements() -> &'static ModelStatements;

    /// Starts a query over the model's table.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let open = Task::find().filter(Task::done().eq(false)).count(&db).await?;
    /// assert_eq!(open, 2);
    /// # Ok(()) }
    /// ```
    fn find() -> Select<Self> {
        Select::new()
    }

    /// Loads the row with this primary key, if any: `User::find_by_pk(&db, 42)`, or a tuple
    /// for a composite key, `Membership::find_by_pk(&db, (user_id, club_id))`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// assert_eq!(Task::find_by_pk(&db, 2).await?.map(|t| t.title), Some("ship".to_owned()));
    /// assert_eq!(Task::find_by_pk(&db, 99).await?, None);
    /// let lead = Membership::find_by_pk(&db, (1, 1)).await?;            // a composite key
    /// assert_eq!(lead.map(|m| m.role), Some("lead".to_owned()));
    /// # Ok(()) }
    /// ```
    fn find_by_pk<'e>(
        db: impl IntoExecutor<'e>,
        key: impl IntoKey<Self::Key>,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        let mut args = Vec::with_capacity(Self::meta().primary_key.len());
        key.push_key(&mut args);
        async move { crate::write::fetch_by_key::<Self>(&mut db.into_executor(), args, Access::Read).await }
    }

    /// Inserts `row` and returns it as stored, with its generated key and timestamps.
    ///
    /// An integer primary key is generated by the database: the value in `row` is ignored. Use
    /// the generated builder (`User::build()…`) to insert an explicit key. With
    /// `#[model(hooks)]`, `before_create` and `after_create` run around the insert, in one
    /// transaction.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let task = Task::create(&db, Task { id: 0, title: "plan".into(), done: false, hours: 1, uid: Some(2) }).await?;
    /// assert_eq!(task.id, 4);                                          // generated by the database
    /// assert_eq!(Task::find_by_pk(&db, 4).await?, Some(task));
    /// # Ok(()) }
    /// ```
    fn create<'e>(db: impl IntoExecutor<'e>, row: Self) -> impl Future<Output = Result<Self>> + Send {
        async move {
            let mut row = row;
            row.touch(true);
            let executor = db.into_executor();
            if !Self::HOOKS {
                let mut executor = executor;
                return insert_row(&mut executor, row).await;
            }
            Atomic::run(executor, move |atomic| {
                Box::pin(async move {
                    row.hook_mut(Hook::BeforeCreate, atomic.tx()).await?;
                    let mut created = insert_row(&mut atomic.executor(), row).await?;
                    created.hook_mut(Hook::AfterCreate, atomic.tx()).await?;
                    Ok(created)
                })
            })
            .await
        }
    }

    /// Creates many rows, each with the associated rows its builder was given, level by level:
    /// every table at every level is one multi-row `INSERT … RETURNING` for all the trees, in
    /// one transaction. Returns the top-level rows as stored (without their associations).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let users = User::create_all(&db, [
    ///     User::build().name("Cy").workers([Task::build().title("a").done(false)]),
    ///     User::build().name("Di").workers([Task::build().title("b").done(true)]),
    /// ]).await?;
    /// assert_eq!(users.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Cy", "Di"]);
    /// assert_eq!(users[0].count_workers(&db).await?, 1);
    /// # Ok(()) }
    /// ```
    fn create_all<'e, B: crate::create::NestedRow<Self>>(
        db: impl IntoExecutor<'e>,
        rows: impl IntoIterator<Item = B>,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send {
        let nodes: Vec<crate::create::Node> = rows.into_iter().map(crate::create::NestedRow::into_node).collect();
        async move { crate::create::create_many_nodes::<Self>(db.into_executor(), nodes).await }
    }

    /// Writes every field of this row back to its table, by primary key, and refreshes
    /// `updated_at`. Fails with [`Error::NotFound`] when the row no longer exists. With
    /// `#[model(hooks)]`, `before_update` and `after_update` run around it, in one transaction.
    ///
    /// With a `#[model(version)]` field, only the version this copy holds is overwritten (and
    /// incremented, in the row and in `self`): a row someone else changed since this copy was
    /// loaded fails with [`Error::StaleRow`] and nothing is written (see
    /// [`write::version`](crate::write::version)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let mut task = Task::find_by_pk(&db, 1).await?.expect("seeded");
    /// task.done = true;
    /// task.save(&db).await?;
    /// assert_eq!(Task::find().filter(Task::done().eq(true)).count(&db).await?, 2);
    /// # Ok(()) }
    /// ```
    fn save<'a>(&'a mut self, db: impl IntoExecutor<'a>) -> impl Future<Output = Result<()>> + Send {
        async move {
            self.touch(false);
            let executor = db.into_executor();
            if !Self::HOOKS {
                let mut executor = executor;
                return crate::write::version::save_row(&mut executor, self).await;
            }
            let mut atomic = Atomic::begin(executor).await?;
            let result = async {
                self.hook_mut(Hook::BeforeUpdate, atomic.tx()).await?;
                crate::write::version::save_row(&mut atomic.executor(), self).await?;
                self.hook_mut(Hook::AfterUpdate, atomic.tx()).await
            }
            .await;
            atomic.finish(result).await
        }
    }

    /// Deletes this row by primary key. With hooks, or associations that cascade with
    /// `hooks = true`, it runs `before_destroy`, destroys those dependents one by one through the
    /// ORM (depth-first), deletes the row and runs `after_destroy`, in one transaction;
    /// otherwise the database's `ON DELETE` rules do the cascading. With a `#[model(version)]`
    /// field, a row changed since this copy was loaded is not deleted: [`Error::StaleRow`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// if let Some(task) = Task::find_by_pk(&db, 2).await? {
    ///     task.destroy(&db).await?;
    /// }
    /// assert_eq!(Task::find().count(&db).await?, 2);
    /// # Ok(()) }
    /// ```
    fn destroy<'a>(&'a self, db: impl IntoExecutor<'a>) -> impl Future<Output = Result<()>> + Send {
        async move {
            let executor = db.into_executor();
            if !destroys_through_orm::<Self>() {
                let mut executor = executor;
                return crate::write::version::delete_row::<Self>(&mut executor, self).await.map(|_| ());
            }
            let mut atomic = Atomic::begin(executor).await?;
            let result = destroy_in(atomic.tx(), self).await;
            atomic.finish(result).await
        }
    }

    /// Inserts many rows with multi-row `INSERT … RETURNING` statements (chunked under the
    /// backend's bind limit), in one transaction, and returns them as stored.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let tags = Tag::create_many(&db, [Tag { id: 0, name: "new".into() }, Tag { id: 0, name: "old".into() }]).await?;
    /// assert_eq!(tags.iter().map(|t| t.id).collect::<Vec<_>>(), [3, 4]);
    /// # Ok(()) }
    /// ```
    fn create_many<'e>(
        db: impl IntoExecutor<'e>,
        rows: impl IntoIterator<Item = Self>,
    ) -> impl Future<Output = Result<Vec<Self>>> + Send {
        let nodes: Vec<crate::create::Node> =
            rows.into_iter().map(|row| crate::create::Builder::from_row(row).into_node()).collect();
        async move { crate::create::create_many_nodes::<Self>(db.into_executor(), nodes).await }
    }

    /// Reads this row again by its primary key and overwrites every field with what is stored
    /// (after a bulk update, or another process's write). Fails with [`Error::NotFound`] when
    /// the row was deleted. On a [`Db`](crate::Db) with read replicas it reads the primary,
    /// which has every committed write (see [Read replicas](crate::Db#read-replicas)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let mut task = Task::find_by_pk(&db, 1).await?.expect("seeded");
    /// Task::update().set(Task::hours(), 9).exec(&db).await?;
    /// task.reload(&db).await?;
    /// assert_eq!(task.hours, 9);
    /// # Ok(()) }
    /// ```
    fn reload<'a>(&'a mut self, db: impl IntoExecutor<'a>) -> impl Future<Output = Result<()>> + Send {
        crate::write::reload(self, db.into_executor())
    }

    /// Starts an upsert of `row` (an `M` value or `M::build()…`): insert it, or update the row
    /// it conflicts with on the primary key or on [`on_conflict`](crate::write::UpsertColumns::on_conflict)'s unique
    /// column, in one statement; [`exec`](Upsert::exec) returns the row as stored. See
    /// [`Upsert`] for the rules.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let tag = Tag::upsert(Tag::build().id(1).name("quick")).on_conflict(Tag::id()).update(Tag::name()).exec(&db).await?;
    /// assert_eq!((tag.id, tag.name.as_str()), (1, "quick"));         // a conflict: updated
    /// let tag = Tag::upsert(Tag::build().id(7).name("new")).exec(&db).await?;
    /// assert_eq!(Tag::find().count(&db).await?, 3);                   // no conflict: inserted
    /// # let _ = tag;
    /// # Ok(()) }
    /// ```
    fn upsert(row: impl crate::assoc::NewRow<Self>) -> Upsert<Self> {
        Upsert::new(row)
    }

    /// Finds the first row matching `filter`, or creates `row` (an `M` value or `M::build()…`,
    /// with nested rows) when there is none; returns the row and whether it was created.
    ///
    /// Safe under concurrency when a unique constraint covers what `filter` looks for: if
    /// another caller creates the row between the find and the insert, the insert's unique
    /// violation is caught (inside a savepoint when given `&mut tx`, so the transaction stays
    /// usable) and the row is found again and returned with `false`. Without such a
    /// constraint two concurrent callers can both insert, as in Sequelize.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let (tag, created) = Tag::find_or_create(&db, Tag::name().eq("fast"), Tag::build().name("fast")).await?;
    /// assert_eq!((tag.id, created), (1, false));
    /// let (_, created) = Tag::find_or_create(&db, Tag::name().eq("slow"), Tag::build().name("slow")).await?;
    /// assert!(created);
    /// # Ok(()) }
    /// ```
    fn find_or_create<'e, B: crate::create::NestedRow<Self>>(
        db: impl IntoExecutor<'e>,
        filter: Expr<Self>,
        row: B,
    ) -> impl Future<Output = Result<(Self, bool)>> + Send {
        crate::write::find_or_create(db.into_executor(), filter, row.into_node())
    }

    /// Starts a bulk `UPDATE` of the rows matching a filter.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let changed = Task::update().set(Task::done(), true).filter(Task::done().eq(false)).exec(&db).await?;
    /// assert_eq!(changed, 2);
    /// # Ok(()) }
    /// ```
    fn update() -> Update<Self> {
        Update::new()
    }

    /// Starts a bulk `DELETE` of the rows matching a filter.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let removed = Task::delete().filter(Task::uid().eq(2)).exec(&db).await?;
    /// assert_eq!(removed, 1);
    /// # Ok(()) }
    /// ```
    fn delete() -> Delete<Self> {
        Delete::new()
    }
}

/// `<T as AsModel>::Model` is `T` when `T` is a model: what generated code names a model it
/// was given (an association's target, a join model) through, so that a type that is not a
/// model is one error at the user's token saying so, instead of failing the bounds of the
/// ORM's traits (whose notes point into its source).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "not a model",
    note = "add `#[derive(orm::Model)]` to `{Self}`"
)]
pub trait AsModel {
    /// `Self`.
    type Model: Model;
}

#[diagnostic::do_not_recommend]
impl<T: Model> AsModel for T {
    type Model = T;
}

/// The statement texts of one model, cached per backend. Generated code declares one `static`
/// of this per model.
pub struct ModelStatements {
    /// `SELECT <columns> FROM <table>`
    pub select: CachedSql,
    /// `… WHERE <pk> = ?`
    pub find_by_pk: CachedSql,
    /// `INSERT … RETURNING …` of every non-generated column.
    pub insert: CachedSql,
    /// `UPDATE … WHERE <pk> = ?`
    pub update_by_pk: CachedSql,
    /// `DELETE … WHERE <pk> = ?`
    pub delete_by_pk: CachedSql,
}

impl ModelStatements {
    /// An empty cache, for a `static`.
    pub const fn new() -> Self {
        ModelStatements {
            select: CachedSql::new(),
            find_by_pk: CachedSql::new(),
            insert: CachedSql::new(),
            update_by_pk: CachedSql::new(),
            delete_by_pk: CachedSql::new(),
        }
    }
}

impl Default for ModelStatements {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `SELECT "t"."a", "t"."b" FROM "t"`.
pub(crate) fn write_select<M: Model>(b: &mut SqlBuilder) {
    let meta = M::meta();
    b.push("SELECT ");
    write_columns(b, meta, meta.table);
    b.push(" FROM ").identifier(meta.table);
}

/// Writes the model's columns qualified by `qualifier`.
pub(crate) fn write_columns(b: &mut SqlBuilder, meta: &ModelMeta, qualifier: &str) {
    for (i, column) in meta.columns.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.qualified(qualifier, column.name);
    }
}

/// Writes `INSERT INTO "t" ("a", "b") VALUES <values> RETURNING <every column>`.
pub(crate) fn write_insert<'c, M: Model>(
    b: &mut SqlBuilder,
    columns: impl Iterator<Item = &'c str>,
    values: impl FnOnce(&mut SqlBuilder),
) {
    let meta = M::meta();
    let mut columns = columns.peekable();
    if columns.peek().is_some() {
        b.insert_into(meta.table, columns).push("(");
        values(b);
        b.push(")");
    } else {
        // Only generated columns.
        b.insert_defaults(meta.table);
    }
    b.returning(meta.columns);
}

/// `INSERT … RETURNING` of one row, with its cached text.
async fn insert_row<M: Model>(executor: &mut Executor<'_>, row: M) -> Result<M> {
    let meta = M::meta();
    let values = row.into_values();
    let sql = M::statements().insert.get(executor.dialect(), |b| {
        let columns = meta.columns.iter().filter(|c| !c.generated);
        write_insert::<M>(b, columns.map(|c| c.name), |b| {
            for (i, _) in meta.columns.iter().filter(|c| !c.generated).enumerate() {
                if i > 0 {
                    b.push(", ");
                }
                b.placeholder();
            }
        });
    });
    let args = meta.columns.iter().zip(values).filter(|(c, _)| !c.generated).map(|(_, v)| v).collect();
    let mut rows = fetch_models::<M>(executor, Statement::new(sql, args)).await?;
    rows.pop().ok_or(Error::NotFound { model: meta.name })
}

/// Runs `statement` and decodes every row into `M`.
pub async fn fetch_models<M: Model>(executor: &mut Executor<'_>, statement: Statement) -> Result<Vec<M>> {
    fetch_models_on(executor, statement).await.map(|(rows, _)| rows)
}

/// [`fetch_models`], also returning the server that ran the statement (for the follow-up
/// reads of its includes).
pub(crate) async fn fetch_models_on<M: Model>(
    executor: &mut Executor<'_>,
    statement: Statement,
) -> Result<(Vec<M>, crate::db::Server)> {
    let mut rows = Vec::new();
    let server = executor
        .fetch_on(statement, &mut |row| {
            rows.push(M::decode(row, 0)?);
            Ok(())
        })
        .await?;
    Ok((rows, server))
}
