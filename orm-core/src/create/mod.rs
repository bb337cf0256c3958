//! Creating rows: generated builders (`User::build().name("Ann")…`), nested creation of
//! associated rows (`Product::build().user(User::build()…).addresses([…])`), and bulk
//! `create_many`. Everything runs level by level over the whole tree: each table at each level
//! is one multi-row `INSERT … RETURNING` (chunked under the bind limit), all in one
//! transaction.

mod forest;
mod value_row;

use std::marker::PhantomData;

use crate::assoc::AssociationMeta;
use crate::db::{Atomic, IntoExecutor};
use crate::error::{Error, Result};
use crate::meta::ModelMeta;
use crate::model::Model;
use crate::value::{Value, now_value};

pub(crate) use forest::run_before_create;
pub(crate) use value_row::ValueRow;

/// Whether a row of the tree runs hooks (the tree then runs in a transaction, which the hooks
/// receive).
fn has_hooks(node: &Node) -> bool {
    let meta = (node.model)();
    meta.before_create.is_some()
        || meta.after_create.is_some()
        || node.children.iter().any(|(_, children)| children.iter().any(has_hooks))
}

/// One row to create, with the associated rows to create with it. Typed builders wrap this.
#[derive(Debug, Clone)]
pub struct Node {
    pub(crate) model: fn() -> &'static ModelMeta,
    pub(crate) values: Vec<Option<Value>>,
    pub(crate) children: Vec<(&'static AssociationMeta, Vec<Node>)>,
    /// belongs_to_many: the join row's values, by join-model field position.
    pub(crate) join: Option<Vec<Option<Value>>>,
}

impl Node {
    /// A row of `model` with the given column values (by SQL name) set.
    pub(crate) fn from_columns(model: fn() -> &'static ModelMeta, columns: Vec<(&'static str, Value)>) -> Node {
        let meta = model();
        let mut values = vec![None; meta.columns.len()];
        for (name, value) in columns {
            if let Some(index) = meta.columns.iter().position(|c| c.name == name) {
                values[index] = Some(value);
            }
        }
        Node { model, values, children: Vec::new(), join: None }
    }

    /// Sets the join row's values of a belongs_to_many target (nested creation).
    pub fn with_join(mut self, values: Vec<Option<Value>>) -> Self {
        self.join = Some(values);
        self
    }
}

impl Node {
    /// The values to insert, by column: unset fields take their defaults, timestamps are
    /// filled, and a required field left unset is an error.
    pub(crate) fn resolve(&self) -> Result<Vec<(&'static crate::meta::ColumnMeta, Value)>> {
        let meta = (self.model)();
        let mut row = Vec::with_capacity(self.values.len());
        for (column, value) in meta.columns.iter().zip(&self.values) {
            let value = match value {
                Some(value) => value.clone(),
                None if column.created_at || column.updated_at => now_value(column.sql_type)?,
                None if column.default.is_some() => column.default.map_or(Value::Bool(None), |default| default()),
                None if column.generated || column.nullable => continue,
                None => return Err(Error::MissingField { model: meta.name, field: column.field }),
            };
            row.push((column, value));
        }
        Ok(row)
    }

    /// Checks the whole tree before anything runs: a required field left unset anywhere is an
    /// error, except foreign keys the tree itself fills.
    pub(crate) fn check(&self, inherited: &[&str]) -> Result<()> {
        let meta = (self.model)();
        // Keys filled by the tree: from the parent (has_one, has_many) or from a belongs_to
        // row created first.
        let mut filled: Vec<&str> = inherited.to_vec();
        filled.extend(
            self.children
                .iter()
                .filter(|(a, _)| a.kind == crate::assoc::AssociationKind::BelongsTo)
                .flat_map(|(a, _)| a.foreign_key.iter().copied()),
        );
        for (column, value) in meta.columns.iter().zip(&self.values) {
            let defaulted = column.created_at
                || column.updated_at
                || column.default.is_some()
                || column.generated
                || column.nullable
                || filled.contains(&column.field);
            if value.is_none() && !defaulted {
                return Err(Error::MissingField { model: meta.name, field: column.field });
            }
        }
        for (association, children) in &self.children {
            let filled: Vec<&str> = match association.kind {
                crate::assoc::AssociationKind::HasOne | crate::assoc::AssociationKind::HasMany => {
                    association.foreign_key.to_vec()
                }
                _ => Vec::new(),
            };
            for child in children {
                child.check(&filled)?;
            }
        }
        Ok(())
    }
}

/// The values of one row being built, and the associated rows to create with it; unset fields
/// take their defaults when it is created. Generated `…Builder` types wrap this.
pub struct Builder<M> {
    node: Node,
    _marker: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Builder<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder").field("node", &self.node).finish()
    }
}

impl<M> Clone for Builder<M> {
    fn clone(&self) -> Self {
        Builder { node: self.node.clone(), _marker: PhantomData }
    }
}

impl<M: Model> Default for Builder<M> {
    fn default() -> Self {
        Self::new()
    }
}

// Without `M: Model`: a nested builder's join rows read their values here, and a join type
// that is not a model is then reported once, at its token, not as this method missing.
impl<M> Builder<M> {
    /// The values set so far, by field position (`None`: unset).
    pub fn into_values(self) -> Vec<Option<Value>> {
        self.node.values
    }
}

impl<M: Model> Builder<M> {
    /// A row with every field unset.
    pub fn new() -> Self {
        let node =
            Node { model: M::meta, values: vec![None; M::meta().columns.len()], children: Vec::new(), join: None };
        Builder { node, _marker: PhantomData }
    }

    /// The values of an existing struct; a generated key is left for the database and
    /// timestamps to the ORM, as `create` does.
    pub fn from_row(row: M) -> Self {
        let meta = M::meta();
        let values = meta
            .columns
            .iter()
            .zip(row.into_values())
            .map(|(c, v)| (!c.generated && !c.created_at && !c.updated_at).then_some(v))
            .collect();
        Builder { node: Node { model: M::meta, values, children: Vec::new(), join: None }, _marker: PhantomData }
    }

    /// The row and its associated rows.
    pub fn into_node(self) -> Node {
        self.node
    }

    /// Sets a field by its Rust name; unknown names are ignored.
    pub fn set_field(&mut self, field: &str, value: Value) {
        if let Some(index) = M::meta().field_index(field) {
            self.set(index, value);
        }
    }

    /// Sets the field at `index` (in field order).
    pub fn set(&mut self, index: usize, value: Value) {
        if let Some(slot) = self.node.values.get_mut(index) {
            *slot = Some(value);
        }
    }

    /// Adds associated rows to create with this one (generated association setters call this).
    pub fn add_children(&mut self, association: &'static AssociationMeta, children: Vec<Node>) {
        match self.node.children.iter_mut().find(|(a, _)| std::ptr::eq(*a, association)) {
            Some((_, existing)) => existing.extend(children),
            None => self.node.children.push((association, children)),
        }
    }

    /// Whether associated rows are to be created with this one.
    pub fn has_children(&self) -> bool {
        !self.node.children.is_empty()
    }

    /// Inserts the row (and its associated rows, in one transaction) and returns it as stored.
    pub async fn create<'e>(self, db: impl IntoExecutor<'e>) -> Result<M> {
        let mut rows = create_many_nodes::<M>(db.into_executor(), vec![self.node]).await?;
        rows.pop().ok_or(Error::NotFound { model: M::meta().name })
    }
}

/// Inserts rows of `meta` (running its hooks, inside the caller's unit) and returns them as
/// stored, every column, in input order.
pub(crate) async fn insert_nodes(
    executor: &mut crate::db::Executor<'_>,
    meta: &'static ModelMeta,
    nodes: Vec<Node>,
) -> Result<Vec<Vec<Value>>> {
    forest::create(executor, meta, nodes).await
}

/// Creates rows and their trees, and returns the top-level rows as stored. A lone row is one
/// statement; anything more runs in one transaction (or savepoint).
pub(crate) async fn create_many_nodes<M: Model>(executor: crate::db::Executor<'_>, nodes: Vec<Node>) -> Result<Vec<M>> {
    for node in &nodes {
        node.check(&[])?;
    }
    if nodes.is_empty() {
        return Ok(Vec::new());
    }
    let lone = nodes.len() == 1 && nodes[0].children.is_empty() && !has_hooks(&nodes[0]);
    let rows = if lone {
        let mut executor = executor;
        forest::create(&mut executor, M::meta(), nodes).await?
    } else {
        Atomic::run(executor, move |atomic| {
            Box::pin(async move { forest::create(&mut atomic.executor(), M::meta(), nodes).await })
        })
        .await?
    };
    rows.iter().map(|values| M::decode(&ValueRow::new(M::meta(), values), 0)).collect()
}

/// A new row of `M` given to a nested builder setter: `M::build()…` (with its own nested rows)
/// or an `M` value. `Includes` is the type-level list of what it creates with it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a new `{M}` row",
    label = "expected `{M}::build()…` or a `{M}` value",
    note = "a nested builder takes rows of the association's target: build them with `{M}::build()`"
)]
pub trait NestedRow<M> {
    /// The associations this row creates with it, as an include list.
    type Includes;
    /// The row and its associated rows.
    fn into_node(self) -> Node;
}

impl<M: Model> NestedRow<M> for M {
    type Includes = ();
    fn into_node(self) -> Node {
        Builder::from_row(self).into_node()
    }
}

/// Creates a builder's row with every associated row given to it, in one transaction, and
/// returns it with those associations loaded. Generated `create` methods call this.
pub async fn create_tree<'e, M, L>(db: impl IntoExecutor<'e>, builder: Builder<M>) -> Result<L::Row>
where
    M: Model,
    L: crate::include::IncludeList<M> + Default,
{
    let node = builder.into_node();
    node.check(&[])?;
    let executor = db.into_executor();
    if node.children.is_empty() && !has_hooks(&node) {
        let mut executor = executor;
        let row = create_one::<M>(&mut executor, node).await?;
        return assemble::<M, L>(&mut executor, row).await;
    }
    Atomic::run(executor, move |atomic| {
        Box::pin(async move {
            let row = create_one::<M>(&mut atomic.executor(), node).await?;
            assemble::<M, L>(&mut atomic.executor(), row).await
        })
    })
    .await
}

async fn create_one<M: Model>(executor: &mut crate::db::Executor<'_>, node: Node) -> Result<M> {
    let rows = forest::create(executor, M::meta(), vec![node]).await?;
    let values = rows.first().ok_or(Error::NotFound { model: M::meta().name })?;
    M::decode(&ValueRow::new(M::meta(), values), 0)
}

/// Loads what the tree created (one query per level) and builds the result row.
async fn assemble<M: Model, L: crate::include::IncludeList<M> + Default>(
    executor: &mut crate::db::Executor<'_>,
    row: M,
) -> Result<L::Row> {
    let includes = L::default();
    let row = [row];
    let loaded = includes.load(executor, &row).await?;
    let [row] = row;
    let loaded = loaded.into_iter().next().ok_or(Error::NotFound { model: M::meta().name })?;
    Ok(L::assemble(row, loaded))
}
