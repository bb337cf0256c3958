//! Creating rows: generated builders (`User::build().name("Ann")…`), nested creation of
//! associated rows (`Product::build().user(User::build()…).addresses([…])`), and bulk
//! `create_many`. Everything runs level by level over the whole tree: each table at each level
//! is one multi-row `INSERT … RETURNING` (chunked under the bind limit), all in one
//! transaction.

mod created;
mod forest;
mod value_row;

use std::marker::PhantomData;

use crate::assoc::AssociationMeta;
use crate::db::{Atomic, IntoExecutor};
use crate::error::{Error, Result};
use crate::include::AssociationSpec;
use crate::meta::ModelMeta;
use crate::model::Model;
use crate::value::{Value, now_value};

pub use created::{Created, Nested, NestedIndex};

pub(crate) use forest::run_before_create;
pub(crate) use value_row::ValueRow;

/// Whether a row of the tree runs hooks (the tree then runs in a transaction, which the hooks
/// receive).
fn has_hooks(node: &Node) -> bool {
    let meta = (node.model)();
    meta.before_create.is_some()
        || meta.after_create.is_some()
        || node.children.iter().any(|children| children.nodes.iter().any(has_hooks))
}

/// One row to create, with the associated rows to create with it. Typed builders wrap this.
#[derive(Debug, Clone)]
pub struct Node {
    pub(crate) model: fn() -> &'static ModelMeta,
    pub(crate) values: Vec<Option<Value>>,
    pub(crate) children: Vec<Children>,
    /// belongs_to_many: the join row's values, by join-model field position.
    pub(crate) join: Option<Vec<Option<Value>>>,
}

/// The rows to create through one association of a row.
#[derive(Debug, Clone)]
pub(crate) struct Children {
    pub(crate) association: &'static AssociationMeta,
    /// Builds the association's container from the created rows, for the returned row.
    pub(crate) collect: created::Collect,
    pub(crate) nodes: Vec<Node>,
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
                .filter(|c| c.association.kind == crate::assoc::AssociationKind::BelongsTo)
                .flat_map(|c| c.association.foreign_key.iter().copied()),
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
        for Children { association, nodes, .. } in &self.children {
            let filled: Vec<&str> = match association.kind {
                crate::assoc::AssociationKind::HasOne | crate::assoc::AssociationKind::HasMany => {
                    association.foreign_key.to_vec()
                }
                _ => Vec::new(),
            };
            for child in nodes {
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

    /// Adds rows to create with this one through association `A` (generated association
    /// setters call this).
    pub fn add_nested<A: AssociationSpec>(&mut self, nodes: Vec<Node>)
    where
        <A::Target as Model>::With<Created>: 'static,
    {
        let association = A::meta();
        match self.node.children.iter_mut().find(|c| std::ptr::eq(c.association, association)) {
            Some(existing) => existing.nodes.extend(nodes),
            None => self.node.children.push(Children { association, collect: created::collect::<A>, nodes }),
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
    Ok(forest::create(executor, meta, nodes).await?.into_iter().map(|row| row.values).collect())
}

/// Creates rows and their trees, and returns the top-level rows as stored. A lone row is one
/// statement; anything more runs in one transaction (or savepoint).
pub(crate) async fn create_many_nodes<M: Model>(executor: crate::db::Executor<'_>, nodes: Vec<Node>) -> Result<Vec<M>> {
    let rows = create_rows(executor, M::meta(), nodes).await?;
    rows.iter().map(|row| M::decode(&ValueRow::new(M::meta(), &row.values), 0)).collect()
}

/// Creates rows of `meta` and their trees (checked first, so that a required field left unset
/// anywhere is an error before any statement runs); returns each row as stored with the rows
/// created through its associations.
async fn create_rows(
    executor: crate::db::Executor<'_>,
    meta: &'static ModelMeta,
    nodes: Vec<Node>,
) -> Result<Vec<created::CreatedRow>> {
    for node in &nodes {
        node.check(&[])?;
    }
    if nodes.is_empty() {
        return Ok(Vec::new());
    }
    let lone = nodes.len() == 1 && nodes[0].children.is_empty() && !has_hooks(&nodes[0]);
    if lone {
        let mut executor = executor;
        return forest::create(&mut executor, meta, nodes).await;
    }
    Atomic::run(executor, move |atomic| {
        Box::pin(async move { forest::create(&mut atomic.executor(), meta, nodes).await })
    })
    .await
}

/// A new row of `M`: `M::build()…` (with its own nested rows) or an `M` value, for
/// `create_all`, `find_or_create` and the singular nested setters.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a new `{M}` row",
    label = "expected `{M}::build()…` or a `{M}` value",
    note = "a nested builder takes rows of the association's target: build them with `{M}::build()`"
)]
pub trait NestedRow<M> {
    /// The row and its associated rows.
    fn into_node(self) -> Node;
}

impl<M: Model> NestedRow<M> for M {
    fn into_node(self) -> Node {
        Builder::from_row(self).into_node()
    }
}

/// A model's generated builder (`User::build()` returns a `UserBuilder`): plural nested setters
/// take these, so that `.tags([])` and arrays of builders nesting different associations have
/// one type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model",
    label = "not a model",
    note = "add `#[derive(orm::Model)]` to `{Self}`"
)]
pub trait Buildable: Model {
    /// The generated `…Builder`.
    type Builder: NestedRow<Self> + From<Self>;
}

/// Creates a builder's row with every associated row given to it, in one transaction, and
/// returns it with the rows created through each association (built from what the inserts
/// returned: nothing is read again). Generated `create_nested` methods call this.
pub async fn create_tree<'e, M: Model>(db: impl IntoExecutor<'e>, builder: Builder<M>) -> Result<M::With<Created>> {
    let mut rows = create_rows(db.into_executor(), M::meta(), vec![builder.into_node()]).await?;
    rows.pop().ok_or(Error::NotFound { model: M::meta().name })?.assemble::<M>()
}
