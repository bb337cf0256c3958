//! `Model::upsert(row)`: insert a row, or update the row it conflicts with on one unique key, in
//! one statement (`INSERT … ON CONFLICT (…) DO UPDATE … RETURNING`, MariaDB's guarded `ON
//! DUPLICATE KEY UPDATE … RETURNING`).

use std::marker::PhantomData;

use crate::assoc::NewRow;
use crate::create::Node;
use crate::db::{Atomic, Executor, IntoExecutor};
use crate::driver::Statement;
use crate::error::{Error, Result};
use crate::meta::{ColumnMeta, ModelMeta};
use crate::model::{Model, fetch_models};
use crate::sql::SqlBuilder;
use crate::value::{Value, zero_key};

use super::{ColumnsOf, UpsertColumns};

/// An upsert of one row of `M`, started by [`Model::upsert`](crate::Model::upsert) and run by
/// [`exec`](Upsert::exec).
///
/// - **Conflict target**: the primary key unless [`on_conflict`](Upsert::on_conflict) names a
///   `#[model(unique)]` column (or every column of a composite key, as a tuple). Anything else
///   is [`Error::InvalidConflictTarget`] before any statement runs. A conflict on any other
///   unique key is an [`Error::UniqueViolation`] on every backend, and changes nothing.
/// - **Updated columns**: the ones [`update`](Upsert::update) names, by default every column
///   the row gives except the key, `created_at`, the version and the target (equal on a
///   conflict anyway); `updated_at` is always refreshed and a version column incremented.
/// - **Keys**: a whole `M` value upserted by its primary key inserts that key, as Sequelize
///   does, unless the key is generated and `0` (the value a new struct holds), which leaves it
///   to the database, so the row is always inserted. Upserted by another column, its generated
///   key is ignored, as `create` ignores it. A builder inserts exactly the fields it sets. An
///   explicit generated key moves PostgreSQL's identity sequence past it, in the same unit.
/// - **NULLs**: a NULL in a nullable unique target conflicts with nothing (SQL's rule), so the
///   row is inserted.
/// - **Hooks** (`#[model(hooks)]`): `before_create` runs first, in the unit, since the row may
///   be inserted; what it changes is what is inserted or, on a conflict, written over the
///   existing row. No `after_*` hook runs: not every backend says which branch was taken.
pub struct Upsert<M> {
    values: Vec<Option<Value>>,
    whole_row: bool,
    target: Option<Vec<&'static str>>,
    update: Option<Vec<&'static str>>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Upsert<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upsert")
            .field("values", &self.values)
            .field("target", &self.target)
            .field("update", &self.update)
            .finish()
    }
}

impl<M: Model + ColumnsOf<C>, C> UpsertColumns<C> for Upsert<M> {
    /// The unique key whose conflict turns the insert into an update: a `#[model(unique)]`
    /// column (`User::email()`), or the primary key (the default; a tuple of its columns for a
    /// composite key).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let tag = Tag::upsert(Tag::build().id(2).name("sound")).on_conflict(Tag::id()).exec(&db).await?;
    /// assert_eq!(tag.name, "sound");
    /// # Ok(()) }
    /// ```
    fn on_conflict(mut self, target: C) -> Self {
        self.target = Some(M::names(target));
        self
    }

    /// The columns a conflict updates, from the row given: one column, a tuple of them, or `()`
    /// for none (the existing row is returned as it is, but for `updated_at` and the version).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let tag = Tag::upsert(Tag::build().id(2).name("ignored")).update(()).exec(&db).await?;
    /// assert_eq!(tag.name, "safe");                                    // nothing updated on a conflict
    /// # Ok(()) }
    /// ```
    fn update(mut self, columns: C) -> Self {
        self.update = Some(M::names(columns));
        self
    }
}

impl<M: Model> Upsert<M> {
    pub(crate) fn new(row: impl NewRow<M>) -> Self {
        let (values, whole_row) = row.into_upsert_values();
        Upsert { values, whole_row, target: None, update: None, _marker: PhantomData }
    }

    /// Runs the upsert and returns the row as stored: inserted, or updated.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> orm::Result<()> {
    /// # use orm::guide::example::*;
    /// # use orm::prelude::*;
    /// # let db = connect_seeded().await?;
    /// let tag = Tag::upsert(Tag { id: 0, name: "fresh".into() }).exec(&db).await?;
    /// assert_eq!(tag.id, 3);                                           // key 0 is generated: inserted
    /// # Ok(()) }
    /// ```
    pub async fn exec<'e>(self, db: impl IntoExecutor<'e>) -> Result<M> {
        let meta = M::meta();
        let target = target_columns(meta, self.target)?;
        let mut values = self.values;
        let key = meta.primary_key_column();
        if self.whole_row && key.generated {
            let by_key = matches!(target.as_slice(), [only] if std::ptr::eq(*only, key));
            let slot = values.get_mut(meta.primary_key[0]);
            if let Some(slot) = slot.filter(|slot| !by_key || **slot == Some(zero_key(key.sql_type))) {
                *slot = None;
            }
        }
        let update = update_columns(meta, &values, &target, self.update)?;
        let node = Node { model: M::meta, values, children: Vec::new(), join: None };
        node.check(&[])?;
        let resolved = node.resolve()?;
        let target: Vec<&'static str> = target.iter().map(|c| c.name).collect();

        let executor = db.into_executor();
        let dialect = executor.dialect();
        let key_given = resolved.iter().any(|(c, _)| std::ptr::eq(*c, key));
        // Whether the backend moves a sequence past an explicit key (asked on a scratch builder).
        let syncs_key =
            key.generated && dialect.push_sync_key_sequence(&mut SqlBuilder::new(dialect), meta.table, key.name);
        if meta.before_create.is_none() && !(key_given && syncs_key) {
            let mut executor = executor;
            return fetch_one::<M>(&mut executor, statement(dialect, meta, resolved, &target, &update)).await;
        }
        Atomic::run(executor, move |atomic| {
            Box::pin(async move {
                let mut resolved = resolved;
                if let Some(before_create) = meta.before_create {
                    resolved = crate::create::run_before_create(atomic.tx(), meta, before_create, resolved).await?;
                }
                let key_given = resolved.iter().any(|(c, _)| std::ptr::eq(*c, key));
                let upsert = statement(dialect, meta, resolved, &target, &update);
                let row = fetch_one::<M>(&mut atomic.executor(), upsert).await?;
                let mut sync = SqlBuilder::new(dialect);
                if key_given && key.generated && dialect.push_sync_key_sequence(&mut sync, meta.table, key.name) {
                    atomic.executor().execute(sync.finish()).await?;
                }
                Ok(row)
            })
        })
        .await
    }
}

/// The conflict target's columns: the primary key, or the one unique column named.
fn target_columns(meta: &'static ModelMeta, names: Option<Vec<&'static str>>) -> Result<Vec<&'static ColumnMeta>> {
    let Some(names) = names else { return Ok(meta.primary_key_columns().collect()) };
    let columns: Vec<&'static ColumnMeta> = names.iter().filter_map(|name| meta.column(name)).collect();
    let mut sorted: Vec<&str> = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let mut key: Vec<&str> = meta.primary_key_columns().map(|c| c.name).collect();
    key.sort_unstable();
    let is_key = sorted == key && sorted.len() == names.len();
    let is_unique = matches!(columns.as_slice(), [only] if only.unique);
    if columns.len() == names.len() && (is_key || is_unique) {
        return Ok(columns);
    }
    Err(Error::InvalidConflictTarget {
        model: meta.name,
        columns: if names.is_empty() { "no column".to_owned() } else { names.join(", ") },
    })
}

/// The columns a conflict updates: those named, or every column the row gives, less the key,
/// `created_at`, the version and the target; plus `updated_at`.
fn update_columns(
    meta: &'static ModelMeta,
    values: &[Option<Value>],
    target: &[&'static ColumnMeta],
    named: Option<Vec<&'static str>>,
) -> Result<Vec<&'static str>> {
    let in_target = |column: &ColumnMeta| target.iter().any(|t| std::ptr::eq(*t, column));
    let mut update: Vec<&'static str> = Vec::new();
    match named {
        None => {
            let given = meta.columns.iter().zip(values).filter(|(_, value)| value.is_some()).map(|(c, _)| c);
            update.extend(
                given
                    .filter(|c| !c.primary_key && !c.created_at && !c.version && !c.updated_at && !in_target(c))
                    .map(|c| c.name),
            );
        }
        Some(names) => {
            for name in names {
                let Some(column) = meta.column(name) else { continue };
                if column.primary_key || column.created_at || column.version {
                    let role = if column.primary_key {
                        "the primary key"
                    } else if column.created_at {
                        "`created_at`"
                    } else {
                        "the version (an upsert increments it)"
                    };
                    return Err(Error::Invalid(format!(
                        "`{}.{}` is {role}, which an upsert does not overwrite: remove it from `update(…)`",
                        meta.name, column.field
                    )));
                }
                if !in_target(column) && !column.updated_at && !update.contains(&column.name) {
                    update.push(column.name);
                }
            }
        }
    }
    update.extend(meta.columns.iter().filter(|c| c.updated_at).map(|c| c.name));
    Ok(update)
}

/// `INSERT … VALUES (…) <upsert clause> RETURNING <every column>`.
fn statement(
    dialect: &'static dyn crate::Dialect,
    meta: &'static ModelMeta,
    resolved: Vec<(&'static ColumnMeta, Value)>,
    target: &[&str],
    update: &[&str],
) -> Statement {
    let (columns, values): (Vec<&ColumnMeta>, Vec<Value>) = resolved.into_iter().unzip();
    let mut b = SqlBuilder::new(dialect);
    if columns.is_empty() {
        b.insert_defaults(meta.table);
    } else {
        b.insert_into(meta.table, columns.iter().map(|c| c.name)).values_rows([values]);
    }
    b.upsert(meta.table, target, update, meta.version_column().map(|c| c.name));
    b.returning(meta.columns);
    b.finish()
}

async fn fetch_one<M: Model>(executor: &mut Executor<'_>, statement: Statement) -> Result<M> {
    let mut rows = fetch_models::<M>(executor, statement).await?;
    rows.pop().ok_or(Error::NotFound { model: M::meta().name })
}
