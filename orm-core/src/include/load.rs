use std::collections::HashMap;

use crate::assoc::{AssociationKind, AssociationMeta};
use crate::assoc_batches;
use crate::db::Executor;
use crate::driver::BoxFuture;
use crate::error::Result;
use crate::expr::{Expr, Node, OrderTerm};
use crate::key::KeyCols;
use crate::model::Model;
use crate::sql::SqlBuilder;
use crate::value::{KeyRepr, Value, decode_value};

use super::filter::{AssociationFilter, Quantifier};
use super::spec::{AssociationSpec, Include, LoadKind, Loaded};

/// A type-level list of includes of model `M`: `()` or `(Include<A, N>, Rest)`. It loads its
/// associations for a batch of parents and builds the result rows.
pub trait IncludeList<M: Model>: Send + Sync + Sized {
    /// What one parent carries once loaded.
    type Loaded: Send + Sync;
    /// The result row: `M` itself without includes, `M::With<Loaded>` with them.
    type Row: Send + Sync;
    /// Loads every include of the list for `parents` (one result per parent, in order).
    fn load<'a>(&'a self, executor: &'a mut Executor<'_>, parents: &'a [M])
    -> BoxFuture<'a, Result<Vec<Self::Loaded>>>;
    /// Whether a parent keeps its place: every `required()` include found a target.
    fn keep(&self, loaded: &Self::Loaded) -> bool;
    /// Builds the result row.
    fn assemble(row: M, loaded: Self::Loaded) -> Self::Row;
    /// The result row of a row that needs nothing loaded (the empty list), or the row back
    /// (a list that loads something): the loader then moves a row straight to its parent,
    /// without waiting for the rest.
    fn unloaded(row: M) -> std::result::Result<Self::Row, M> {
        Err(row)
    }
    /// What the parents kept by the `required()` includes satisfy (each include's `exists()`,
    /// `None` when no include is required): queries filter on it, so that paging counts only
    /// the parents that are kept.
    fn required(&self) -> Option<Expr<M>>;
}

impl<M: Model> IncludeList<M> for () {
    type Loaded = ();
    type Row = M;

    fn load<'a>(&'a self, _: &'a mut Executor<'_>, parents: &'a [M]) -> BoxFuture<'a, Result<Vec<()>>> {
        let count = parents.len();
        Box::pin(async move { Ok(vec![(); count]) })
    }

    fn keep(&self, _loaded: &()) -> bool {
        true
    }

    fn assemble(row: M, _loaded: ()) -> M {
        row
    }

    fn unloaded(row: M) -> std::result::Result<M, M> {
        Ok(row)
    }

    fn required(&self) -> Option<Expr<M>> {
        None
    }
}

impl<M, A, N, R> IncludeList<M> for (Include<A, N>, R)
where
    M: Model,
    A: AssociationSpec<Source = M>,
    N: IncludeList<A::Target>,
    N::Row: Clone,
    <A::Kind as LoadKind>::Join: Clone,
    R: IncludeList<M>,
{
    type Loaded = Loaded<A, N::Row, R::Loaded>;
    type Row = M::With<Self::Loaded>;

    fn load<'a>(
        &'a self,
        executor: &'a mut Executor<'_>,
        parents: &'a [M],
    ) -> BoxFuture<'a, Result<Vec<Self::Loaded>>> {
        Box::pin(async move {
            let data = A::load_include(&self.0, executor, parents).await?;
            let rest = self.1.load(executor, parents).await?;
            Ok(data.into_iter().zip(rest).map(|(data, rest)| Loaded { data, rest }).collect())
        })
    }

    fn keep(&self, loaded: &Self::Loaded) -> bool {
        (!self.0.required || A::Kind::is_present(&loaded.data)) && self.1.keep(&loaded.rest)
    }

    fn assemble(row: M, loaded: Self::Loaded) -> Self::Row {
        M::with(row, loaded)
    }

    fn required(&self) -> Option<Expr<M>> {
        let rest = self.1.required();
        if !self.0.required {
            return rest;
        }
        let exists = AssociationFilter::new(self.0.targets(), Quantifier::Any, None, false);
        let own = Expr::from_node(Node::Related(Box::new(exists)));
        Some(match rest {
            Some(rest) => own.and(rest),
            None => own,
        })
    }
}
const ROW_NUMBER: &str = "__orm_row";

/// The parent's value each child is matched on.
fn parent_key<M: Model>(meta: &AssociationMeta, parent: &M) -> Option<Value> {
    let value = match meta.kind {
        AssociationKind::BelongsTo => meta.foreign_key_columns().value_of(parent),
        _ if meta.source_key.is_empty() && !M::meta().has_composite_key() => Some(parent.key_value()),
        _ => meta.source_key_columns().value_of(parent),
    };
    value.filter(|v| !v.is_null())
}

/// The columns a child row is grouped under its parent by: the join row's source column
/// (belongs_to_many), or the child's key columns.
enum GroupKey {
    Join(&'static str, &'static str),
    Key(&'static str, KeyCols),
}

impl GroupKey {
    fn of(meta: &AssociationMeta, target: &'static crate::meta::ModelMeta) -> GroupKey {
        match meta.kind {
            AssociationKind::BelongsToMany => GroupKey::Join(meta.join_table(), meta.join_source_column().0),
            AssociationKind::BelongsTo => GroupKey::Key(target.table, meta.target_key_columns()),
            AssociationKind::HasOne | AssociationKind::HasMany => {
                GroupKey::Key(target.table, meta.foreign_key_columns())
            }
        }
    }

    /// Adds the columns, qualified, to a select list.
    fn push_names(&self, names: &mut Vec<(&'static str, &'static str)>) {
        match self {
            GroupKey::Join(table, column) => names.push((table, column)),
            GroupKey::Key(table, key) => names.extend(key.iter().map(|c| (*table, c.name))),
        }
    }

    /// Writes the columns as a list.
    fn columns(&self, b: &mut SqlBuilder) {
        match self {
            GroupKey::Join(table, column) => b.qualified(table, column),
            GroupKey::Key(table, key) => b.key_columns(table, key),
        };
    }

    /// Writes the columns' membership in `keys`.
    fn key_in(&self, b: &mut SqlBuilder, keys: Vec<Value>) {
        match self {
            GroupKey::Join(table, column) => b.in_list(table, column, keys, false),
            GroupKey::Key(table, key) => b.key_in(table, key, keys, false),
        };
    }
}

/// One loaded target with its join row.
type Child<A, N> =
    (<N as IncludeList<<A as AssociationSpec>::Target>>::Row, <<A as AssociationSpec>::Kind as LoadKind>::Join);

/// Loads one association for all parents: one query per batch of parent keys, children
/// matched to parents through a hash map.
///
/// Each parent key gets a slot (parents sharing a key share it) and each child goes to its
/// slot's list as its row arrives, so that the rows are never held twice: without nested
/// includes the decoded child moves straight into its list; with them, the children wait in
/// one vector (the nested includes load over it as a slice) with only their slot beside them.
pub(crate) async fn load_one<M, A, N>(
    include: &Include<A, N>,
    executor: &mut Executor<'_>,
    parents: &[M],
) -> Result<Vec<<A::Kind as LoadKind>::Container<N::Row>>>
where
    M: Model,
    A: AssociationSpec<Source = M>,
    N: IncludeList<A::Target>,
    N::Row: Clone,
    <A::Kind as LoadKind>::Join: Clone,
{
    let meta = A::meta();
    let mut slot_of: HashMap<KeyRepr, usize> = HashMap::with_capacity(parents.len());
    let mut keys: Vec<Value> = Vec::new();
    let parent_slots: Vec<Option<usize>> = parents
        .iter()
        .map(|p| {
            let value = parent_key(meta, p)?;
            let repr = value.key_repr()?;
            let fresh = slot_of.len();
            let slot = *slot_of.entry(repr).or_insert(fresh);
            if slot == fresh {
                keys.push(value);
            }
            Some(slot)
        })
        .collect();
    // Parents sharing a key (belongs_to: many rows point at one target) share its children,
    // which are then cloned; otherwise every child moves to its one parent.
    let shared = keys.len() < parent_slots.iter().filter(|s| s.is_some()).count();

    let mut lists: Vec<Vec<Child<A, N>>> = (0..keys.len()).map(|_| Vec::new()).collect();
    // Children waiting for their nested includes, with their join rows and slots.
    let mut targets: Vec<A::Target> = Vec::new();
    let mut waiting: Vec<(<A::Kind as LoadKind>::Join, usize)> = Vec::new();
    let target_columns = A::Target::meta().columns.len();
    let join_columns = A::Kind::join_columns();
    // The parent key of a child: the join row's source column for belongs_to_many (selected
    // last), the child's own foreign key (has_one, has_many) or target key (belongs_to).
    let group_type = meta.join_source_column().1;
    let group_key = match meta.kind {
        AssociationKind::BelongsToMany => None,
        AssociationKind::BelongsTo => Some(meta.target_key_columns()),
        AssociationKind::HasOne | AssociationKind::HasMany => Some(meta.foreign_key_columns()),
    };
    // What the rest of the statement binds (filters, scopes, the limit) matters only when the
    // keys alone come near the bind limit; then the same statement over no keys, built once,
    // counts exactly that. (Lists inside filters bind as one value, so the rest stays small.)
    let key_binds: usize = keys.iter().map(crate::key::key_width).sum();
    let reserved = if key_binds > executor.dialect().max_binds() / 2 {
        children_query::<A, N>(meta, include, Vec::new(), executor).args.len()
    } else {
        0
    };
    for batch in assoc_batches(executor.dialect(), keys, reserved) {
        let statement = children_query::<A, N>(meta, include, batch, executor);
        executor
            .fetch(statement, &mut |row| {
                let target = A::Target::decode(row, 0)?;
                let join = A::Kind::decode_join(row, target_columns)?;
                let group = match &group_key {
                    Some(key) => key.value_of(&target),
                    None => Some(decode_value(row, target_columns + join_columns, group_type)?),
                };
                // A child whose key matches no parent (a NULL key) belongs nowhere.
                let Some(&slot) = group.and_then(|g| g.key_repr()).and_then(|g| slot_of.get(&g)) else {
                    return Ok(());
                };
                match N::unloaded(target) {
                    Ok(child) => lists[slot].push((child, join)),
                    Err(target) => {
                        targets.push(target);
                        waiting.push((join, slot));
                    }
                }
                Ok(())
            })
            .await?;
    }
    drop(slot_of);

    if !targets.is_empty() {
        let nested = include.nested.load(executor, &targets).await?;
        for ((target, loaded), (join, slot)) in targets.into_iter().zip(nested).zip(waiting) {
            if include.nested.keep(&loaded) {
                lists[slot].push((N::assemble(target, loaded), join));
            }
        }
    }

    let containers = parent_slots
        .into_iter()
        .map(|slot| {
            let children = match slot {
                Some(slot) if shared => lists[slot].clone(),
                Some(slot) => std::mem::take(&mut lists[slot]),
                None => Vec::new(),
            };
            A::Kind::collect(children)
        })
        .collect();
    Ok(containers)
}

/// The children of one batch of parent keys. The last column is the parent key each row
/// belongs to; with a per-parent limit, rows are numbered per parent by a window function.
fn children_query<A: AssociationSpec, N: IncludeList<A::Target>>(
    meta: &AssociationMeta,
    include: &Include<A, N>,
    keys: Vec<Value>,
    executor: &Executor<'_>,
) -> crate::driver::Statement {
    let target = A::Target::meta();
    let mut b = SqlBuilder::new(executor.dialect());
    if include.limit.is_some() {
        b.push("SELECT * FROM (");
    }
    b.push("SELECT ");
    let group = GroupKey::of(meta, target);
    let mut columns: Vec<(&str, &str)> = target.columns.iter().map(|c| (target.table, c.name)).collect();
    if meta.kind == AssociationKind::BelongsToMany {
        let join = meta.join_table();
        if let Some(model) = meta.through_model.filter(|_| A::Kind::join_columns() > 0) {
            columns.extend(model().columns.iter().map(|c| (join, c.name)));
        }
        group.push_names(&mut columns);
    }
    for (i, (qualifier, column)) in columns.into_iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.qualified(qualifier, column);
        // Columns of the numbered derived table need distinct names (the target's and the
        // join row's `id`, say): MariaDB refuses duplicates there. They are read by position.
        if include.limit.is_some() {
            b.push(" AS ").identifier(&format!("__orm_c{i}"));
        }
    }
    let order = |b: &mut SqlBuilder| {
        for (i, term) in include.order.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            term.render(target.table, b);
        }
        // Ties broken by the key, as the association filters number the same targets: a
        // per-parent `limit` keeps exactly the rows `any`/`every` over that include judge.
        for (i, column) in target.primary_key_columns().enumerate() {
            if i > 0 || !include.order.is_empty() {
                b.push(", ");
            }
            OrderTerm::key(column.name).render(target.table, b);
        }
    };
    if include.limit.is_some() {
        b.push(", ROW_NUMBER() OVER (PARTITION BY ");
        group.columns(&mut b);
        b.push(" ORDER BY ");
        order(&mut b);
        b.push(") AS ").identifier(ROW_NUMBER);
    }
    b.push(" FROM ").identifier(target.table);
    if meta.kind == AssociationKind::BelongsToMany {
        let join = meta.join_table();
        b.push(" INNER JOIN ").identifier(join).push(" ON ").qualified(join, meta.join_target_column().0);
        b.push(" = ").qualified(target.table, meta.target_key_column().name);
    }
    b.push(" WHERE ");
    group.key_in(&mut b, keys);
    crate::assoc::push_conditions(&mut b, target.table, meta.scope_conditions());
    if meta.kind == AssociationKind::BelongsToMany {
        crate::assoc::push_conditions(&mut b, meta.join_table(), meta.through_scope_conditions());
    }
    if let Some(filter) = &include.filter {
        b.push(" AND ");
        filter.clone().render(target.table, &mut b);
    }
    if let Some(filter) = &include.join_filter {
        b.push(" AND ");
        filter.clone().render(meta.join_table(), &mut b);
    }
    // A per-parent limit counts only the targets that the nested required includes keep.
    if let Some(required) = include.nested.required() {
        b.push(" AND ");
        required.render(target.table, &mut b);
    }
    match include.limit {
        Some(limit) => {
            b.push(") AS ").identifier("__orm_numbered").push(" WHERE ").identifier(ROW_NUMBER).push(" <= ");
            b.bind(Value::BigInt(Some(i64::try_from(limit).unwrap_or(i64::MAX))));
            b.push(" ORDER BY ").identifier(ROW_NUMBER);
        }
        None => {
            // The order within a parent is what matters (children are bucketed by parent as
            // they stream in). Grouped by parent first where the parent-key index then serves
            // both the `IN` lookup and the order (SQLite otherwise walks the target table by
            // key and probes the join for each row); see `Dialect::orders_children_by_parent`.
            b.push(" ORDER BY ");
            if executor.dialect().orders_children_by_parent() {
                group.columns(&mut b);
                b.push(", ");
            }
            order(&mut b);
        }
    }
    b.finish_read()
}
