//! Statement helpers shared by the accessors: key batches under bind limits, key existence
//! checks, and foreign-key updates.

use std::collections::HashSet;

use crate::db::Executor;
use crate::dialect::{Dialect, LockMode};
use crate::error::{Error, Result};
use crate::key::KeyCols;
use crate::meta::ModelMeta;
use crate::sql::SqlBuilder;
use crate::value::{KeyRepr, Value, now_value};

use super::meta::AssociationMeta;

/// Splits keys into batches that fit one statement next to `reserved` other binds: one batch
/// where the backend binds arrays (one array per column of a composite key), chunks under its
/// bind limit otherwise (a composite key takes one bind per column).
pub fn batches(dialect: &dyn Dialect, keys: Vec<Value>, reserved: usize) -> Vec<Vec<Value>> {
    if keys.is_empty() {
        return Vec::new();
    }
    let size = batch_size(dialect, &keys, reserved);
    if size >= keys.len() {
        return vec![keys];
    }
    let mut batches = Vec::with_capacity(keys.len().div_ceil(size));
    let mut keys = keys.into_iter().peekable();
    while keys.peek().is_some() {
        batches.push(keys.by_ref().take(size).collect());
    }
    batches
}

/// How many of `keys` (not empty) one statement takes next to `reserved` other binds: all of
/// them where the backend binds arrays and they pack into one, else as many as fit under its
/// bind limit (at least one).
fn batch_size(dialect: &dyn Dialect, keys: &[Value], reserved: usize) -> usize {
    let width = keys.first().map_or(1, crate::key::key_width);
    let uniform = if width == 1 {
        keys.iter().all(|k| std::mem::discriminant(k) == std::mem::discriminant(&keys[0]))
    } else {
        crate::key::rows_packable(keys)
    };
    if dialect.supports_array_binds() && uniform {
        return keys.len();
    }
    (dialect.max_binds().saturating_sub(reserved) / width).max(1)
}

/// The batches of [`batches`], borrowed: chunks of `keys` for statements that bind them from
/// the slice.
pub(crate) fn key_chunks<'k>(
    dialect: &dyn Dialect,
    keys: &'k [Value],
    reserved: usize,
) -> std::slice::Chunks<'k, Value> {
    let size = if keys.is_empty() { 1 } else { batch_size(dialect, keys, reserved) };
    keys.chunks(size)
}

/// Whether `keys` fit one statement next to `reserved` other binds (see [`batches`]).
pub(crate) fn fit_one_statement(dialect: &dyn Dialect, keys: &[Value], reserved: usize) -> bool {
    keys.is_empty() || batch_size(dialect, keys, reserved) >= keys.len()
}

/// Locks rows of `model` for the rest of the unit, as `lock` says, in key order: those whose
/// `column` is one of `keys`, and those whose `linked` column holds the given value. Writes to the same rows then
/// queue one behind the other (the end state is one caller's), and two units that lock
/// overlapping rows take them in the same order, so they cannot deadlock each other. Returns
/// how many locked rows match `keys` (so that unique keys need no second existence check), or
/// `None` where nothing runs because the transaction holds the database's write lock (SQLite).
pub(crate) async fn lock_rows(
    executor: &mut Executor<'_>,
    model: &'static ModelMeta,
    column: KeyCols,
    keys: &[Value],
    linked: Option<(KeyCols, &Value)>,
    lock: LockMode,
) -> Result<Option<usize>> {
    let Some(lock) = executor.dialect().row_lock_clause(lock) else { return Ok(None) };
    if keys.is_empty() && linked.is_none() {
        return Ok(Some(0));
    }
    if linked.is_none() {
        // Every locked row matches a key: the rows are counted where they are locked, and
        // none is sent back (`add_tasks` of 20,000 keys would read back 20,000 keys).
        let mut b = SqlBuilder::new(executor.dialect());
        b.push("SELECT COUNT(*) FROM (");
        b.select_key_from(model.table, &column).push(" WHERE ");
        b.key_in_slice(model.table, &column, keys, false);
        b.push(" ORDER BY ");
        b.key_columns(model.table, &KeyCols::of(model, &[]));
        b.push(lock).push(") ").identifier("__orm_locked");
        let locked = executor.fetch_count(b.finish()).await?;
        return Ok(Some(usize::try_from(locked).unwrap_or(0)));
    }
    let wanted: HashSet<KeyRepr> = keys.iter().filter_map(Value::key_repr).collect();
    let mut b = SqlBuilder::new(executor.dialect());
    b.select_key_from(model.table, &column).push(" WHERE (");
    b.key_in_slice(model.table, &column, keys, false);
    if let Some((linked, value)) = linked {
        b.push(" OR (").key_eq(model.table, &linked, value.clone()).push(")");
    }
    b.push(")");
    b.push(" ORDER BY ");
    b.key_columns(model.table, &KeyCols::of(model, &[]));
    b.push(lock);
    let mut matched = 0;
    executor
        .fetch(b.finish(), &mut |row| {
            if column.decode(row, 0)?.key_repr().is_some_and(|k| wanted.contains(&k)) {
                matched += 1;
            }
            Ok(())
        })
        .await?;
    Ok(Some(matched))
}

/// Locks the source row of a has_one/has_many write, then the target rows given (and, with
/// `with_current`, those linked now) in key order. When source and targets are rows of one
/// table (a self-association keyed by its primary key), all of them are locked by key in one
/// statement, as two statements would not keep the key order between them.
pub(crate) async fn lock_source_and_targets(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    key: &Value,
    targets: &[Value],
    with_current: bool,
) -> Result<()> {
    let target = association.target_meta();
    let target_key = KeyCols::of(target, &[]);
    let linked = with_current.then(|| (association.foreign_key_columns(), key));
    if association.is_self_association() && association.source_key_columns().same_as(&target_key) {
        let mut keys = targets.to_vec();
        keys.push(key.clone());
        lock_rows(executor, target, target_key, &keys, linked, LockMode::NoKeyUpdate).await?;
    } else {
        lock_source(executor, association, key).await?;
        lock_rows(executor, target, target_key, targets, linked, LockMode::NoKeyUpdate).await?;
    }
    Ok(())
}

/// Locks the source row of an association write, so that writes through one source are
/// serialised: concurrent `set_` calls end with one caller's set, a has_one with one target.
pub(crate) async fn lock_source(executor: &mut Executor<'_>, association: &AssociationMeta, key: &Value) -> Result<()> {
    let source = association.source_meta();
    let key = std::slice::from_ref(key);
    lock_rows(executor, source, association.source_key_columns(), key, None, LockMode::NoKeyUpdate).await.map(drop)
}

/// Locks the source row of an association write, as [`lock_source`] does, and checks that every
/// key of `keys` (without duplicates) matches a row of `model` in `column`, as [`verify_keys`]
/// does: where the keys fit one statement and the backend locks rows, both in one round trip,
/// `SELECT (SELECT COUNT(*) FROM <model> WHERE <column> IN (…)) FROM <source> WHERE <key> = ?
/// FOR NO KEY UPDATE`. Only a count short of the keys reads the keys back, to name the missing
/// ones.
pub(crate) async fn lock_source_and_verify(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    key: &Value,
    model: &'static ModelMeta,
    column: KeyCols,
    keys: &[Value],
) -> Result<()> {
    let source = association.source_meta();
    let source_key = association.source_key_columns();
    let lock = executor.dialect().row_lock_clause(LockMode::NoKeyUpdate);
    let (Some(lock), true) = (lock, fit_one_statement(executor.dialect(), keys, source_key.len())) else {
        lock_source(executor, association, key).await?;
        return verify_keys(executor, association, model, column, keys).await;
    };
    let mut b = SqlBuilder::new(executor.dialect());
    b.push("SELECT (");
    b.count_from(model.table).push(" WHERE ");
    b.key_in_slice(model.table, &column, keys, false);
    b.push(") FROM ").identifier(source.table).push(" WHERE ");
    b.key_eq(source.table, &source_key, key.clone()).push(lock);
    let mut present = None;
    executor
        .fetch(b.finish(), &mut |row| {
            present = Some(row.get_i64(0)?.unwrap_or(0));
            Ok(())
        })
        .await?;
    match present {
        Some(n) if usize::try_from(n).is_ok_and(|n| n >= keys.len()) => Ok(()),
        // No source row (nothing to lock), or keys missing: counted again, and named.
        _ => verify_keys(executor, association, model, column, keys).await,
    }
}

/// Removes duplicate keys, keeping the first occurrence.
pub(crate) fn dedupe(keys: Vec<Value>) -> Vec<Value> {
    // Integer keys, the common case, usually hold no duplicate: a sorted copy of them shows it
    // with a quarter of the memory of a hash set of their representations.
    if keys.len() > 1 {
        let mut ints = Vec::with_capacity(keys.len());
        for key in &keys {
            match key {
                Value::BigInt(Some(k)) => ints.push(*k),
                Value::Integer(Some(k)) => ints.push(i64::from(*k)),
                Value::SmallInt(Some(k)) => ints.push(i64::from(*k)),
                _ => break,
            }
        }
        if ints.len() == keys.len() {
            ints.sort_unstable();
            if ints.windows(2).all(|pair| pair[0] != pair[1]) {
                return keys;
            }
        }
    }
    let mut seen = HashSet::with_capacity(keys.len());
    keys.into_iter().filter(|k| k.key_repr().is_none_or(|r| seen.insert(r))).collect()
}

/// Fails with [`Error::MissingKeys`] unless every key matches a row of `model` in `column`.
pub(crate) async fn verify_keys(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    model: &'static ModelMeta,
    column: KeyCols,
    keys: &[Value],
) -> Result<()> {
    // The common case costs one `COUNT(*)` per batch; the keys are read back only to name the
    // missing ones. `keys` holds no duplicates.
    let mut present = 0;
    for batch in key_chunks(executor.dialect(), keys, 0) {
        let mut b = SqlBuilder::new(executor.dialect());
        b.count_from(model.table).push(" WHERE ");
        b.key_in_slice(model.table, &column, batch, false);
        present += executor.fetch_count(b.finish()).await?;
    }
    if usize::try_from(present).is_ok_and(|n| n >= keys.len()) {
        return Ok(());
    }
    let mut found: HashSet<KeyRepr> = HashSet::with_capacity(keys.len());
    for batch in key_chunks(executor.dialect(), keys, 0) {
        let mut b = SqlBuilder::new(executor.dialect());
        b.select_key_from(model.table, &column).push(" WHERE ");
        b.key_in_slice(model.table, &column, batch, false);
        executor
            .fetch(b.finish(), &mut |row| {
                if let Some(key) = column.decode(row, 0)?.key_repr() {
                    found.insert(key);
                }
                Ok(())
            })
            .await?;
    }
    let missing: Vec<String> =
        keys.iter().filter_map(Value::key_repr).filter(|k| !found.contains(k)).map(|k| k.to_string()).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::MissingKeys { association: association.display_name(), model: model.name, keys: missing })
    }
}

/// Which rows of the foreign-key table an update touches.
pub(crate) struct Scope<'a> {
    /// Only rows whose primary key is among these.
    pub keys: Option<&'a [Value]>,
    /// Only rows whose foreign key currently equals this value.
    pub current: Option<&'a Value>,
    /// Not the row with this primary key.
    pub except: Option<&'a Value>,
    /// Whether the association's `scope` columns are written too (linking), or only the rows
    /// within the scope are touched (unlinking).
    pub link: bool,
}

/// `UPDATE <fk table> SET fk = <value>[, updated_at = now] WHERE …`, batched over the keys.
pub(crate) async fn update_foreign_key(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    value: Value,
    scope: Scope<'_>,
) -> Result<u64> {
    let model = association.foreign_key_model();
    let key_column = KeyCols::of(model, &[]);
    let batches: Vec<Option<&[Value]>> = match scope.keys {
        None => vec![None],
        Some(keys) => {
            let reserved = update_reserved(association, &key_column);
            key_chunks(executor.dialect(), keys, reserved).map(Some).collect()
        }
    };
    let mut affected = 0;
    for batch in batches {
        let mut b = SqlBuilder::new(executor.dialect());
        push_update_foreign_key(&mut b, association, value.clone(), &scope, batch, None)?;
        affected += executor.execute(b.finish()).await?;
    }
    Ok(affected)
}

/// The binds of a foreign-key update besides its keys: SET fk, the scope (set or matched),
/// updated_at, the current key and the excepted row.
fn update_reserved(association: &AssociationMeta, key_column: &KeyCols) -> usize {
    2 * association.foreign_key_columns().len() + key_column.len() + association.scope.len() + 1
}

/// Links the rows of the foreign-key table whose primary key is among `keys` to `value`
/// (`add_tasks`), locking them in key order in the same statement, where the backend takes row
/// locks in a derived table of an `UPDATE` (PostgreSQL):
/// `UPDATE tasks SET user_id = $1 FROM (SELECT id FROM tasks WHERE id = ANY($2) ORDER BY id
/// FOR NO KEY UPDATE) AS __orm_locked WHERE tasks.id = __orm_locked.id`. One statement and one
/// encoding of the keys where a lock and an update took two. Returns the rows linked, or `None`
/// where this does not apply (another backend, a self-association, keys over one statement):
/// the caller then locks and updates in two steps.
pub(crate) async fn link_locked(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    value: &Value,
    keys: &[Value],
) -> Result<Option<u64>> {
    let dialect = executor.dialect();
    let model = association.foreign_key_model();
    let key_column = KeyCols::of(model, &[]);
    let Some(lock) = dialect.row_lock_clause(LockMode::NoKeyUpdate) else { return Ok(None) };
    if !dialect.locks_in_update_from()
        || association.is_self_association()
        || !fit_one_statement(dialect, keys, update_reserved(association, &key_column))
    {
        return Ok(None);
    }
    lock_source(executor, association, value).await?;
    let scope = Scope { keys: Some(keys), current: None, except: None, link: true };
    let mut b = SqlBuilder::new(dialect);
    push_update_foreign_key(&mut b, association, value.clone(), &scope, Some(keys), Some(lock))?;
    executor.execute(b.finish()).await.map(Some)
}

/// Writes the foreign-key update of `scope` over `batch`; with `lock`, the rows of `batch` are
/// locked in key order in a derived table the update joins.
fn push_update_foreign_key(
    b: &mut SqlBuilder,
    association: &AssociationMeta,
    value: Value,
    scope: &Scope<'_>,
    batch: Option<&[Value]>,
    lock: Option<&str>,
) -> Result<()> {
    let model = association.foreign_key_model();
    let fk = association.foreign_key_columns();
    let key_column = KeyCols::of(model, &[]);
    b.update_set(model.table).key_assign(&fk, value);
    if scope.link {
        for (column, value) in association.scope_conditions() {
            b.push(", ").identifier(column.name).push(" = ").bind(value);
        }
    }
    if let Some(column) = model.columns.iter().find(|c| c.updated_at) {
        b.push(", ").identifier(column.name).push(" = ").bind(now_value(column.sql_type)?);
    }
    let locked = "__orm_locked";
    if let (Some(lock), Some(keys)) = (lock, batch) {
        b.push(" FROM (").select_key_from(model.table, &key_column).push(" WHERE ");
        b.key_in_slice(model.table, &key_column, keys, false);
        b.push(" ORDER BY ").key_columns(model.table, &key_column).push(lock).push(") AS ").identifier(locked);
        b.push(" WHERE ");
        for (i, column) in key_column.iter().enumerate() {
            if i > 0 {
                b.push(" AND ");
            }
            b.qualified(model.table, column.name).push(" = ").qualified(locked, column.name);
        }
    } else {
        b.push(" WHERE 1 = 1");
    }
    if !scope.link {
        super::push_conditions(b, model.table, association.scope_conditions());
    }
    if let Some(current) = scope.current {
        b.push(" AND ").key_eq(model.table, &fk, current.clone());
    }
    if let Some(except) = scope.except {
        b.push(" AND NOT (").key_eq(model.table, &key_column, except.clone()).push(")");
    }
    if let (None, Some(keys)) = (lock, batch) {
        b.push(" AND ");
        b.key_in_slice(model.table, &key_column, keys, false);
    }
    Ok(())
}

/// The primary keys of the rows whose foreign key equals `current`.
pub(crate) async fn linked_keys(
    executor: &mut Executor<'_>,
    association: &AssociationMeta,
    current: &Value,
) -> Result<Vec<Value>> {
    let model = association.foreign_key_model();
    let key = KeyCols::of(model, &[]);
    let fk = association.foreign_key_columns();
    let mut b = SqlBuilder::new(executor.dialect());
    b.select_key_from(model.table, &key);
    b.push(" WHERE ").key_eq(model.table, &fk, current.clone());
    super::push_conditions(&mut b, model.table, association.scope_conditions());
    let mut keys = Vec::new();
    executor
        .fetch(b.finish(), &mut |row| {
            keys.push(key.decode(row, 0)?);
            Ok(())
        })
        .await?;
    Ok(keys)
}
