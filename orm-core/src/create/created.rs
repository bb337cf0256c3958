//! What a nested create returns: the created row with the rows created through each of its
//! associations, read by the same accessors as an include (`created.workers()`), built from
//! what the `INSERT … RETURNING` statements gave back (nothing is read again).
//!
//! The builder's type does not record what was nested (so that builders nesting different
//! associations fit in one array), so the created rows are held by association at run time:
//! an association nothing was created through reads as empty (`&[]`, `None`).

use std::any::Any;
use std::sync::Arc;

use crate::assoc::AssociationMeta;
use crate::error::{Error, Result};
use crate::include::{AssociationSpec, Contains, LoadKind};
use crate::meta::ModelMeta;
use crate::model::Model;
use crate::value::Value;

use super::value_row::ValueRow;

/// The rows a nested create made through each association of one created row, read by the
/// accessors of the row it returns (`User::build()….create(&db)` returns a
/// `UserWith<Created>`): `created.workers()` reads the workers created with it, `&[]` (or
/// `None`) for an association nothing was created through. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct Created {
    slots: Vec<Slot>,
}

/// The rows created through one association, as that association's loaded container.
#[derive(Clone)]
struct Slot {
    association: &'static AssociationMeta,
    rows: usize,
    container: Arc<dyn Any + Send + Sync>,
}

impl std::fmt::Debug for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The targets need not implement `Debug`: each association shows how many rows it made.
        let mut map = f.debug_map();
        for slot in &self.slots {
            map.entry(&slot.association.alias(), &format_args!("{} created", slot.rows));
        }
        map.finish()
    }
}

impl Created {
    fn container(&self, association: &'static AssociationMeta) -> Option<&(dyn Any + Send + Sync)> {
        self.slots.iter().find(|slot| std::ptr::eq(slot.association, association)).map(|slot| &*slot.container)
    }
}

/// Type-level index of an association in [`Created`] (any association: held at run time).
#[derive(Debug)]
pub struct Nested;

/// [`Nested`], as a bound (generated impls are generic over it, so that they are checked where
/// they are used).
pub trait NestedIndex {}

impl NestedIndex for Nested {}

impl<A: AssociationSpec> Contains<A, Nested> for Created
where
    <A::Target as Model>::With<Created>: 'static,
{
    type Row = <A::Target as Model>::With<Created>;
    fn view(&self) -> <A::Kind as LoadKind>::View<'_, Self::Row> {
        match self.container(A::meta()).and_then(|c| c.downcast_ref::<<A::Kind as LoadKind>::Container<Self::Row>>()) {
            Some(container) => A::Kind::view(container),
            None => A::Kind::empty_view(),
        }
    }
}

/// One row as created: its stored values and the rows created through its associations.
#[derive(Debug, Default)]
pub(crate) struct CreatedRow {
    pub(crate) values: Vec<Value>,
    pub(crate) groups: Vec<CreatedGroup>,
}

impl CreatedRow {
    pub(crate) fn new(values: Vec<Value>) -> Self {
        CreatedRow { values, groups: Vec::new() }
    }

    /// Records `row` (with its join row's values, for belongs_to_many through a model) as
    /// created through `association`.
    pub(crate) fn push(
        &mut self,
        association: &'static AssociationMeta,
        collect: Collect,
        row: CreatedRow,
        join: Option<Vec<Value>>,
    ) {
        match self.groups.iter_mut().find(|g| std::ptr::eq(g.association, association)) {
            Some(group) => group.rows.push((row, join)),
            None => self.groups.push(CreatedGroup { association, collect, rows: vec![(row, join)] }),
        }
    }

    /// The typed row with what was created through its associations.
    pub(crate) fn assemble<M: Model>(self) -> Result<M::With<Created>> {
        let meta = M::meta();
        let row = M::decode(&ValueRow::new(meta, &self.values), 0)?;
        let mut slots = Vec::with_capacity(self.groups.len());
        for group in self.groups {
            let rows = group.rows.len();
            slots.push(Slot { association: group.association, rows, container: (group.collect)(group.rows)? });
        }
        Ok(M::with(row, Created { slots }))
    }
}

/// Builds an association's container from its created rows (typed by the association).
pub(crate) type Collect = fn(Vec<(CreatedRow, Option<Vec<Value>>)>) -> Result<Arc<dyn Any + Send + Sync>>;

/// The rows created through one association of one row.
#[derive(Debug)]
pub(crate) struct CreatedGroup {
    association: &'static AssociationMeta,
    collect: Collect,
    rows: Vec<(CreatedRow, Option<Vec<Value>>)>,
}

/// [`Collect`] for association `A`: decodes each created target (and its join row) and
/// builds the container the accessor reads.
pub(crate) fn collect<A: AssociationSpec>(
    rows: Vec<(CreatedRow, Option<Vec<Value>>)>,
) -> Result<Arc<dyn Any + Send + Sync>>
where
    <A::Target as Model>::With<Created>: 'static,
{
    let join_meta: Option<&'static ModelMeta> = A::meta().through_model.map(|m| m());
    let mut children = Vec::with_capacity(rows.len());
    for (row, join) in rows {
        let target = row.assemble::<A::Target>()?;
        let join = match (join, join_meta) {
            (Some(values), Some(meta)) => A::Kind::decode_join(&ValueRow::new(meta, &values), 0)?,
            (None, _) if A::Kind::join_columns() == 0 => {
                A::Kind::decode_join(&ValueRow::new(A::Target::meta(), &[]), 0)?
            }
            _ => {
                return Err(Error::Invalid(format!(
                    "the join row of a `{}` created through `{}` was not returned",
                    A::Target::meta().name,
                    A::meta().display_name()
                )));
            }
        };
        children.push((target, join));
    }
    Ok(Arc::new(A::Kind::collect(children)))
}
