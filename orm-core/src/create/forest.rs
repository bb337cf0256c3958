//! Creation of a forest of rows, level by level: the belongs_to rows each row points at first,
//! then the rows, then their has_one/has_many children and belongs_to_many targets with the
//! join rows. Each table at each level is one multi-row `INSERT … RETURNING` per group of rows
//! with the same columns, chunked under the bind limit.

use std::collections::{HashMap, HashSet};

use crate::assoc::{AssociationKind, AssociationMeta};
use crate::db::Executor;
use crate::driver::BoxFuture;
use crate::error::{Error, Result};
use crate::meta::{ColumnMeta, ModelMeta};
use crate::sql::SqlBuilder;
use crate::value::{KeyRepr, Value, decode_value};

use super::Node;
use super::created::{Collect, CreatedRow};
use crate::key::KeyCols;

/// The rows of one association, with the index of the row each belongs to.
struct Group {
    association: &'static AssociationMeta,
    collect: Collect,
    items: Vec<(usize, Node)>,
}

/// Where each column of a key is read and written: pairs of (position among `from`'s values,
/// position among `to`'s values), computed once per association, so that copying a key into
/// each row allocates nothing.
fn key_copy(from: &ModelMeta, key: &KeyCols, to: &ModelMeta, into: &KeyCols) -> Vec<(usize, usize)> {
    let position = |meta: &ModelMeta, column: &ColumnMeta| meta.columns.iter().position(|c| std::ptr::eq(c, column));
    key.iter().zip(into.iter()).filter_map(|(k, i)| Some((position(from, k)?, position(to, i)?))).collect()
}

fn index_of(meta: &ModelMeta, column: &ColumnMeta) -> usize {
    meta.columns.iter().position(|c| std::ptr::eq(c, column)).unwrap_or(meta.primary_key[0])
}

/// Creates `nodes` (rows of `meta`) with their trees; returns each row as stored, every column,
/// in input order, with the rows created through its associations.
pub(crate) fn create<'a>(
    executor: &'a mut Executor<'_>,
    meta: &'static ModelMeta,
    mut nodes: Vec<Node>,
) -> BoxFuture<'a, Result<Vec<CreatedRow>>> {
    Box::pin(async move {
        let mut groups: Vec<Group> = Vec::new();
        for (owner, node) in nodes.iter_mut().enumerate() {
            for children in std::mem::take(&mut node.children) {
                let items = children.nodes.into_iter().map(|child| (owner, child));
                match groups.iter_mut().find(|g| std::ptr::eq(g.association, children.association)) {
                    Some(group) => group.items.extend(items),
                    None => groups.push(Group {
                        association: children.association,
                        collect: children.collect,
                        items: items.collect(),
                    }),
                }
            }
        }
        let (before, after): (Vec<Group>, Vec<Group>) =
            groups.into_iter().partition(|g| g.association.kind == AssociationKind::BelongsTo);

        // Parents first: each row's foreign key takes the created parent's key.
        let mut parents: Vec<(usize, &'static AssociationMeta, Collect, CreatedRow)> = Vec::new();
        for Group { association, collect, items } in before {
            let target = association.target_meta();
            let (owners, children): (Vec<usize>, Vec<Node>) = items.into_iter().unzip();
            let created = create_level(executor, target, children).await?;
            let copy = key_copy(target, &association.target_key_columns(), meta, &association.foreign_key_columns());
            for (owner, row) in owners.into_iter().zip(created) {
                if let Some(node) = nodes.get_mut(owner) {
                    for &(from, to) in &copy {
                        node.values[to] = row.values.get(from).cloned();
                    }
                }
                // A parent whose key is NULL is created but not pointed at.
                if linked(&row.values, copy.iter().map(|&(from, _)| from)) {
                    parents.push((owner, association, collect, row));
                }
            }
        }

        let mut rows = insert_level(executor, meta, &nodes).await?;
        for (owner, association, collect, parent) in parents {
            if let Some(row) = rows.get_mut(owner) {
                row.push(association, collect, parent, None);
            }
        }

        for Group { association, collect, items } in after {
            let target = association.target_meta();
            match association.kind {
                AssociationKind::HasOne | AssociationKind::HasMany => {
                    let copy =
                        key_copy(meta, &association.source_key_columns(), target, &association.foreign_key_columns());
                    let (owners, children): (Vec<usize>, Vec<Node>) = items
                        .into_iter()
                        .map(|(owner, mut child)| {
                            for &(from, to) in &copy {
                                child.values[to] = rows.get(owner).and_then(|r| r.values.get(from)).cloned();
                            }
                            set_scope(&mut child, target, association);
                            (owner, child)
                        })
                        .unzip();
                    let created = create_level(executor, target, children).await?;
                    for (owner, child) in owners.into_iter().zip(created) {
                        // A child of a row whose key is NULL is created but not linked.
                        if let Some(row) =
                            rows.get_mut(owner).filter(|_| linked(&child.values, copy.iter().map(|&(_, to)| to)))
                        {
                            row.push(association, collect, child, None);
                        }
                    }
                }
                AssociationKind::BelongsToMany => {
                    let source_key = index_of(meta, association.source_key_column());
                    let (owners, mut children): (Vec<usize>, Vec<Node>) = items.into_iter().unzip();
                    let mut joins = Vec::with_capacity(children.len());
                    for child in &mut children {
                        set_scope(child, target, association);
                        joins.push(child.join.take());
                    }
                    let created = create_level(executor, target, children).await?;
                    let target_key = index_of(target, association.target_key_column());
                    let links = owners
                        .iter()
                        .zip(&created)
                        .zip(joins)
                        .map(|((&owner, row), join)| {
                            Some((
                                rows.get(owner)?.values.get(source_key)?.clone(),
                                row.values.get(target_key)?.clone(),
                                join,
                            ))
                        })
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            Error::Invalid(format!("a key of `{}` was not returned", association.display_name()))
                        })?;
                    let stored = crate::assoc::insert_links_with(executor, association, links).await?;
                    let mut stored = stored.into_iter();
                    for (owner, child) in owners.into_iter().zip(created) {
                        let join = stored.next().flatten();
                        if let Some(row) = rows.get_mut(owner) {
                            row.push(association, collect, child, join);
                        }
                    }
                }
                AssociationKind::BelongsTo => {}
            }
        }
        Ok(rows)
    })
}

/// Inserts the rows of one level and runs their `after_create` hooks; their associated rows
/// are the caller's. Awaited directly for a level with nothing below it, which then needs no
/// boxed future of its own.
async fn insert_level(
    executor: &mut Executor<'_>,
    meta: &'static ModelMeta,
    nodes: &[Node],
) -> Result<Vec<CreatedRow>> {
    let rows: Vec<CreatedRow> = insert(executor, meta, nodes).await?.into_iter().map(CreatedRow::new).collect();
    // Trees with hooked models always run in a transaction (see `has_hooks`).
    if let (Some(after_create), Executor::Tx(tx)) = (meta.after_create, &mut *executor) {
        for row in &rows {
            after_create(tx, &row.values).await?;
        }
    }
    Ok(rows)
}

/// Creates `nodes` with their trees: in a future of its own (boxed) only where some node has
/// associated rows to create.
async fn create_level(
    executor: &mut Executor<'_>,
    meta: &'static ModelMeta,
    nodes: Vec<Node>,
) -> Result<Vec<CreatedRow>> {
    if nodes.iter().all(|node| node.children.is_empty()) {
        insert_level(executor, meta, &nodes).await
    } else {
        create(executor, meta, nodes).await
    }
}

/// Whether the key columns at `positions` of a created row are all set: a row is linked
/// through a key only when no part of it is NULL.
fn linked(values: &[Value], mut positions: impl Iterator<Item = usize>) -> bool {
    positions.all(|i| values.get(i).is_some_and(|v| !v.is_null()))
}

/// Writes the association's scope into a new target.
fn set_scope(child: &mut Node, target: &ModelMeta, association: &AssociationMeta) {
    for (column, value) in association.scope_conditions() {
        if let Some(index) = target.field_index(column.field) {
            child.values[index] = Some(value);
        }
    }
}

/// How many rows that set no column one statement inserts.
const DEFAULT_ROWS_PER_STATEMENT: usize = 1_000;

/// A row's values, with its position in the input.
type IndexedRow = (usize, Vec<Value>);

/// Inserts the rows themselves; returns them as stored, in input order.
async fn insert(executor: &mut Executor<'_>, meta: &'static ModelMeta, nodes: &[Node]) -> Result<Vec<Vec<Value>>> {
    let mut groups: Vec<(Vec<&'static ColumnMeta>, Vec<IndexedRow>)> = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        let mut resolved = node.resolve()?;
        // Trees with hooked models always run in a transaction (see `has_hooks`).
        if let (Some(before_create), Executor::Tx(tx)) = (meta.before_create, &mut *executor) {
            resolved = run_before_create(tx, meta, before_create, resolved).await?;
        }
        let (columns, values): (Vec<&'static ColumnMeta>, Vec<Value>) = resolved.into_iter().unzip();
        match groups
            .iter_mut()
            .find(|(c, _)| c.len() == columns.len() && c.iter().zip(&columns).all(|(a, b)| std::ptr::eq(*a, *b)))
        {
            Some((_, rows)) => rows.push((index, values)),
            None => groups.push((columns, vec![(index, values)])),
        }
    }
    let mut stored: Vec<Option<Vec<Value>>> = vec![None; nodes.len()];
    let key = meta.primary_key_column();
    let mut explicit_keys = false;
    for (columns, rows) in groups {
        // Rows that set no column at all: the generated key's default, written once per row (a
        // lone `DEFAULT VALUES` would insert one row for all of them).
        let defaults_only = columns.is_empty() && key.generated;
        let per_statement = match columns.len() {
            0 if defaults_only => DEFAULT_ROWS_PER_STATEMENT,
            0 => 1,
            n => (executor.dialect().max_binds() / n).max(1),
        };
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<IndexedRow> = rows.by_ref().take(per_statement).collect();
            let mut b = SqlBuilder::new(executor.dialect());
            if defaults_only {
                b.insert_into(meta.table, [key.name]);
                for i in 0..chunk.len() {
                    b.push(if i == 0 { "(" } else { ", (" });
                    b.push(executor.dialect().default_key_value()).push(")");
                }
            } else if columns.is_empty() {
                b.insert_defaults(meta.table);
            }
            let indices: Vec<usize> = chunk.iter().map(|(i, _)| *i).collect();
            explicit_keys |= columns.iter().any(|c| std::ptr::eq(*c, key));
            // Where every key column is given, the row is matched by its key.
            let key_positions: Option<Vec<usize>> =
                meta.primary_key_columns().map(|k| columns.iter().position(|c| std::ptr::eq(*c, k))).collect();
            let given_keys: Vec<Option<KeyRepr>> = chunk
                .iter()
                .map(|(_, values)| match key_positions.as_deref()? {
                    [one] => values[*one].key_repr(),
                    many => many.iter().map(|&p| values[p].key_repr()).collect::<Option<Vec<_>>>().map(KeyRepr::Tuple),
                })
                .collect();
            if !columns.is_empty() {
                let rows = chunk.into_iter().map(|(_, values)| values).collect();
                b.insert_rows(meta.table, columns.iter().map(|c| c.name), rows);
            }
            b.returning(meta.columns);
            let mut returned: Vec<Vec<Value>> = Vec::with_capacity(indices.len());
            executor
                .fetch(b.finish(), &mut |row| {
                    let values = meta
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| decode_value(row, i, c.sql_type))
                        .collect::<Result<Vec<_>>>()?;
                    returned.push(values);
                    Ok(())
                })
                .await?;
            if returned.len() != indices.len() {
                return Err(Error::Invalid(format!(
                    "INSERT into `{}` returned {} rows for {}",
                    meta.table,
                    returned.len(),
                    indices.len()
                )));
            }
            // RETURNING does not promise an order: rows with a given key are matched by it;
            // generated keys increase in insertion order, so the others are matched by rank.
            let given: HashSet<&KeyRepr> = given_keys.iter().flatten().collect();
            let mut by_key: HashMap<KeyRepr, Vec<Value>> = HashMap::with_capacity(given.len());
            let mut generated: Vec<Vec<Value>> = Vec::new();
            let returned_key = |row: &[Value]| match meta.primary_key {
                [one] => row.get(*one).and_then(Value::key_repr),
                many => many.iter().map(|&i| row.get(i)?.key_repr()).collect::<Option<Vec<_>>>().map(KeyRepr::Tuple),
            };
            for row in returned {
                match returned_key(&row) {
                    Some(k) if given.contains(&k) => {
                        by_key.insert(k, row);
                    }
                    _ => generated.push(row),
                }
            }
            // Compared in place: integer keys need no allocation.
            generated.sort_by_key(|row| returned_key(row));
            let mut generated = generated.into_iter();
            for (index, given) in indices.into_iter().zip(given_keys) {
                let row = match given.and_then(|k| by_key.remove(&k)) {
                    Some(row) => Some(row),
                    None => generated.next(),
                };
                stored[index] = row;
            }
        }
    }
    if explicit_keys && key.generated {
        // PostgreSQL's identity sequence does not see explicit keys: move it past them, so
        // that the next generated key does not collide.
        let mut b = SqlBuilder::new(executor.dialect());
        if executor.dialect().push_sync_key_sequence(&mut b, meta.table, key.name) {
            executor.execute(b.finish()).await?;
        }
    }
    stored
        .into_iter()
        .map(|row| row.ok_or_else(|| Error::Invalid(format!("a row of `{}` was not returned", meta.table))))
        .collect()
}

/// Runs `before_create` on a row about to be inserted: the hook sees every field (a key the
/// database will generate reads as zero, unset nullable fields as `None`) and the row is
/// inserted with every field as the hook left it.
pub(crate) async fn run_before_create(
    tx: &mut crate::db::Tx,
    meta: &'static ModelMeta,
    before_create: crate::meta::BeforeCreate,
    resolved: Vec<(&'static ColumnMeta, Value)>,
) -> Result<Vec<(&'static ColumnMeta, Value)>> {
    let key_given = resolved.iter().any(|(c, _)| c.primary_key);
    let mut full = Vec::with_capacity(meta.columns.len());
    for column in meta.columns {
        let value = match resolved.iter().find(|(c, _)| std::ptr::eq(*c, column)) {
            Some((_, value)) => value.clone(),
            None if column.primary_key && column.sql_type.is_integer() => crate::value::zero_key(column.sql_type),
            None => crate::value::null_value(column.sql_type)
                .ok_or_else(|| Error::Invalid(format!("`{}.{}` has no NULL value", meta.name, column.field)))?,
        };
        full.push(value);
    }
    let values = before_create(tx, full).await?;
    Ok(meta
        .columns
        .iter()
        .zip(values)
        .filter(|(column, _)| !column.generated || (column.primary_key && key_given))
        .collect())
}
