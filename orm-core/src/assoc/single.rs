//! belongs_to and has_one accessors: get, set (instance, key or `None`), create.

use std::future::Future;

use crate::db::{Atomic, IntoExecutor};
use crate::driver::{BoxFuture, Statement};
use crate::error::{Error, Result};
use crate::model::{Model, fetch_models, write_select};
use crate::sql::SqlBuilder;

use super::many::source_key_value;
use super::meta::AssociationMeta;
use super::target::{IntoOptionalTarget, IntoTarget, NewRow, TargetRef, resolve_targets};
use super::write::{Scope, lock_rows, lock_source_and_targets, update_foreign_key, verify_keys};
use crate::dialect::LockMode;
use crate::value::{Value, now_value};

/// `get_<singular>` of belongs_to: the target the source's foreign key points at.
pub fn get_belongs_to<'e, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
) -> impl Future<Output = Result<Option<T>>> + Send {
    let value = association.foreign_key_columns().value_of(source);
    let mut executor = db.into_executor();
    async move {
        let Some(value) = value.filter(|v| !v.is_null()) else { return Ok(None) };
        let key = association.referenced_columns();
        let sql = association.statements.get.get(executor.dialect(), |b| {
            write_select::<T>(b);
            b.push(" WHERE ").key_eq_placeholders(T::meta().table, &key);
        });
        let args = crate::key::key_parts(value);
        Ok(fetch_models::<T>(&mut executor, Statement::read(sql, args)).await?.pop())
    }
}

/// `set_<singular>` of belongs_to: points the source's foreign key at `target` (or NULL),
/// writes that one column, and updates the in-memory field once the write is done, so the
/// struct never disagrees with the row. A target is locked while it is checked and the key
/// written, in one unit, so it cannot be deleted in between; unsetting is one `UPDATE`.
pub fn set_belongs_to<'a, 'e: 'a, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &'a mut S,
    target: impl IntoOptionalTarget<T>,
) -> BoxFuture<'a, Result<()>> {
    let target = target.into_optional_target(association.target_key);
    let executor = db.into_executor();
    Box::pin(async move {
        let changes = match target? {
            None => {
                let mut executor = executor;
                write_foreign_key::<S>(&mut executor, association, source, None).await?
            }
            Some(target) => {
                let mut atomic = Atomic::begin(executor).await?;
                let result = point_at::<S, T>(&mut atomic.executor(), association, source, target).await;
                atomic.finish(result).await?
            }
        };
        apply(source, changes)
    })
}

/// Field values to assign to the in-memory row once its write is done.
type Changes = Vec<(&'static str, Value)>;

fn apply<S: Model>(source: &mut S, changes: Changes) -> Result<()> {
    changes.into_iter().try_for_each(|(field, value)| source.set_field(field, value))
}

/// Points the source at `target`, inside a unit: the referenced row is locked (and so checked)
/// before the referencing one is written, the order every association write takes its locks in.
async fn point_at<S: Model, T: Model>(
    executor: &mut crate::db::Executor<'_>,
    association: &'static AssociationMeta,
    source: &S,
    target: TargetRef,
) -> Result<Changes> {
    let values = resolve_targets(executor, association, T::meta(), association.target_key, vec![target]).await?;
    let referenced = association.referenced_columns();
    if lock_rows(executor, T::meta(), referenced, &values, None, LockMode::NoKeyUpdate).await? != Some(values.len()) {
        verify_keys(executor, association, T::meta(), referenced, &values).await?;
    }
    write_foreign_key::<S>(executor, association, source, values.into_iter().next()).await
}

/// `UPDATE source SET fk = ?[, updated_at = now] WHERE pk = ?`; returns the fields to assign.
async fn write_foreign_key<S: Model>(
    executor: &mut crate::db::Executor<'_>,
    association: &'static AssociationMeta,
    source: &S,
    value: Option<Value>,
) -> Result<Changes> {
    let source_meta = S::meta();
    let fk = association.foreign_key_columns();
    let value = match value {
        Some(value) => value,
        None if fk.nullable() => fk.null(),
        None => {
            return Err(Error::Invalid(format!(
                "`{}` cannot be unset: `{}.{}` is NOT NULL; make the field an `Option` to allow it",
                association.display_name(),
                source_meta.name,
                fk.iter().find(|c| !c.nullable).unwrap_or(fk.first()).field
            )));
        }
    };
    let mut changes: Changes = fk.assignments(value.clone()).into_iter().map(|(c, v)| (c.field, v)).collect();
    let mut b = SqlBuilder::new(executor.dialect());
    b.update_set(source_meta.table).key_assign(&fk, value);
    if let Some(column) = source_meta.columns.iter().find(|c| c.updated_at) {
        let now = now_value(column.sql_type)?;
        b.push(", ").identifier(column.name).push(" = ").bind(now.clone());
        changes.push((column.field, now));
    }
    b.push(" WHERE ");
    b.key_eq(source_meta.table, &crate::key::KeyCols::of(source_meta, &[]), crate::key::model_key(source));
    if executor.execute(b.finish()).await? == 0 {
        return Err(Error::NotFound { model: source_meta.name });
    }
    Ok(changes)
}

/// `create_<singular>` of belongs_to: inserts the target, then points the source at it, in one
/// transaction.
pub fn create_belongs_to<'a, 'e: 'a, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &'a mut S,
    row: impl NewRow<T>,
) -> BoxFuture<'a, Result<T>> {
    let builder = row.into_builder();
    let executor = db.into_executor();
    Box::pin(async move {
        let mut atomic = Atomic::begin(executor).await?;
        let result = async {
            let created = builder.create(atomic.executor()).await?;
            let target = (&created).into_target(association.target_key)?;
            let changes = point_at::<S, T>(&mut atomic.executor(), association, source, target).await?;
            Ok((created, changes))
        }
        .await;
        let (created, changes) = atomic.finish(result).await?;
        apply(source, changes)?;
        Ok(created)
    })
}

/// `get_<singular>` of has_one: the target whose foreign key points at the source.
pub fn get_has_one<'e, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
) -> impl Future<Output = Result<Option<T>>> + Send {
    let related = super::many::get_many::<S, T>(db, association, source);
    async move { Ok(related.limit(1).await?.pop()) }
}

/// `set_<singular>` of has_one: unlinks the current target and links `target` (or none), in
/// one transaction.
pub fn set_has_one<'e, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    target: impl IntoOptionalTarget<T>,
) -> BoxFuture<'e, Result<()>> {
    let key = source_key_value(association, source);
    let value = target.into_optional_target(&[]).map(|t| t.map(TargetRef::into_value));
    let executor = db.into_executor();
    Box::pin(async move {
        let (key, value) = (key?, value?);
        if key.is_null() {
            // Nothing is linked to a NULL key; linking to it is refused.
            return if value.is_none() { Ok(()) } else { super::many::linkable(association, &key) };
        }
        Atomic::run(executor, move |atomic| {
            Box::pin(async move {
                let mut executor = atomic.executor();
                let target = T::meta();
                lock_source_and_targets(&mut executor, association, &key, value.as_slice(), true).await?;
                if let Some(value) = &value {
                    let key = crate::key::KeyCols::of(target, &[]);
                    verify_keys(&mut executor, association, target, key, std::slice::from_ref(value)).await?;
                }
                // The target being set keeps its link: re-setting it must not pass through NULL.
                let null = association.foreign_key_columns().null();
                let scope = Scope { keys: None, current: Some(&key), except: value.as_ref(), link: false };
                update_foreign_key(&mut executor, association, null, scope).await?;
                if let Some(value) = value {
                    update_foreign_key(
                        &mut executor,
                        association,
                        key,
                        Scope { keys: Some(&[value]), current: None, except: None, link: true },
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
    })
}

/// `create_<singular>` of has_one: unlinks the current target and inserts a new one linked to
/// the source, in one transaction.
pub fn create_has_one<'e, S: Model, T: Model>(
    db: impl IntoExecutor<'e>,
    association: &'static AssociationMeta,
    source: &S,
    row: impl NewRow<T>,
) -> BoxFuture<'e, Result<T>> {
    let key = source_key_value(association, source);
    let mut builder = row.into_builder();
    let executor = db.into_executor();
    Box::pin(async move {
        let key = key?;
        Atomic::run(executor, move |atomic| {
            Box::pin(async move {
                let mut executor = atomic.executor();
                lock_source_and_targets(&mut executor, association, &key, &[], true).await?;
                let null = association.foreign_key_columns().null();
                update_foreign_key(
                    &mut executor,
                    association,
                    null,
                    Scope { keys: None, current: Some(&key), except: None, link: false },
                )
                .await?;
                for (column, part) in association.foreign_key_columns().assignments(key) {
                    builder.set_field(column.field, part);
                }
                super::many::set_scope_fields(&mut builder, association);
                builder.create(executor).await
            })
        })
        .await
    })
}
