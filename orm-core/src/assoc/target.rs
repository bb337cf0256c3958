use crate::create::Builder;
use crate::error::{Error, Result};
use crate::key::KeyCols;
use crate::model::Model;
use crate::value::Value;

/// An associated row given to an accessor: an instance (`&task`, `task`) or a bare key
/// (`42`). `#[derive(Model)]` implements it for the model's primary-key type.
// The impls are `do_not_recommend`: the label says what to write, and a list of every model's
// key type and loaded row would only bury it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not identify a `{M}`",
    label = "expected a `&{M}` (or a loaded one) or its primary key",
    note = "accessors take an instance (`&row`) or a bare primary key (`42`)"
)]
pub trait IntoTarget<M>: Send {
    /// What identifies the row: the value of `fields` (the primary key when empty; a
    /// [`Value::Row`] for several) read from an instance, or a bare primary key.
    fn into_target(self, fields: &[&str]) -> Result<TargetRef>;
}

/// A row given to an accessor, once converted.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetRef {
    /// The value of the requested field, read from an instance.
    Field(Value),
    /// A bare primary key.
    Key(Value),
}

impl TargetRef {
    /// The value, as given.
    pub fn into_value(self) -> Value {
        match self {
            TargetRef::Field(value) | TargetRef::Key(value) => value,
        }
    }
}

fn instance_value<M: Model>(row: &M, fields: &[&str]) -> Result<TargetRef> {
    if fields.is_empty() && !M::meta().has_composite_key() {
        return Ok(TargetRef::Field(row.key_value()));
    }
    KeyCols::of(M::meta(), fields)
        .value_of(row)
        .map(TargetRef::Field)
        .ok_or_else(|| Error::Invalid(format!("`{}` has no field `{}`", M::meta().name, fields.join("`, `"))))
}

#[diagnostic::do_not_recommend]
impl<M: Model> IntoTarget<M> for &M {
    fn into_target(self, fields: &[&str]) -> Result<TargetRef> {
        instance_value(self, fields)
    }
}

#[diagnostic::do_not_recommend]
impl<M: Model> IntoTarget<M> for &mut M {
    fn into_target(self, fields: &[&str]) -> Result<TargetRef> {
        instance_value(self, fields)
    }
}

#[diagnostic::do_not_recommend]
impl<M: Model> IntoTarget<M> for M {
    fn into_target(self, fields: &[&str]) -> Result<TargetRef> {
        instance_value(&self, fields)
    }
}

/// Several associated rows given to a plural accessor (`add_tasks`, `set_tasks`, `has_tasks`,
/// `remove_tasks`): anything iterable over what [`IntoTarget`] takes: `[&a, &b]`, `&rows`,
/// `vec![1, 2]`, loaded rows.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not identify `{M}` rows",
    label = "expected `{M}` rows (`[&a, &b]`, `&rows`) or their primary keys",
    note = "plural accessors take a list of instances (`[&a, &b]`, `&rows`) or of bare primary keys (`[1, 2]`)"
)]
pub trait IntoTargets<M> {
    /// One row.
    type Target: IntoTarget<M>;
    /// The rows.
    type Iter: Iterator<Item = Self::Target>;
    /// The rows, one by one.
    fn into_targets(self) -> Self::Iter;
}

// Not named in errors: the trait's message says what a plural accessor takes, at the argument.
#[diagnostic::do_not_recommend]
impl<M, R> IntoTargets<M> for R
where
    R: IntoIterator,
    R::Item: IntoTarget<M>,
{
    type Target = R::Item;
    type Iter = R::IntoIter;
    fn into_targets(self) -> R::IntoIter {
        self.into_iter()
    }
}

/// What a singular setter (`set_team`) takes: an instance, a bare key, or `None` to unlink.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not identify a `{M}`",
    label = "expected a `&{M}` (or a loaded one), its primary key, or `None`",
    note = "singular setters take an instance (`&row`), a bare primary key (`42`), or `None` to unlink"
)]
pub trait IntoOptionalTarget<M>: Send {
    /// What identifies the row (see [`IntoTarget::into_target`]), or `None` to unlink.
    fn into_optional_target(self, fields: &[&str]) -> Result<Option<TargetRef>>;
}

#[diagnostic::do_not_recommend]
impl<M: Model> IntoOptionalTarget<M> for &M {
    fn into_optional_target(self, fields: &[&str]) -> Result<Option<TargetRef>> {
        instance_value(self, fields).map(Some)
    }
}

#[diagnostic::do_not_recommend]
impl<M: Model> IntoOptionalTarget<M> for M {
    fn into_optional_target(self, fields: &[&str]) -> Result<Option<TargetRef>> {
        instance_value(&self, fields).map(Some)
    }
}

// The only impl for an `Option`, so that a bare `None` infers as `Option<&M>`.
#[diagnostic::do_not_recommend]
impl<M: Model> IntoOptionalTarget<M> for Option<&M> {
    fn into_optional_target(self, fields: &[&str]) -> Result<Option<TargetRef>> {
        self.map(|row| instance_value(row, fields)).transpose()
    }
}

/// The values of `fields` (a target key other than the primary key) for rows given as
/// instances or bare primary keys: bare keys are looked up, in one batched query, and a key
/// that matches no row is [`Error::MissingKeys`].
pub(crate) async fn resolve_targets(
    executor: &mut crate::db::Executor<'_>,
    association: &super::AssociationMeta,
    target: &'static crate::meta::ModelMeta,
    fields: &[&str],
    refs: Vec<TargetRef>,
) -> Result<Vec<Value>> {
    let wanted = KeyCols::of(target, fields);
    let pk = KeyCols::of(target, &[]);
    if wanted.same_as(&pk) {
        return Ok(refs.into_iter().map(TargetRef::into_value).collect());
    }
    let keys: Vec<Value> = refs
        .iter()
        .filter_map(|r| match r {
            TargetRef::Key(k) => Some(k.clone()),
            TargetRef::Field(_) => None,
        })
        .collect();
    let mut found: std::collections::HashMap<crate::value::KeyRepr, Value> = std::collections::HashMap::new();
    for batch in super::write::batches(executor.dialect(), keys, 0) {
        let mut b = crate::sql::SqlBuilder::new(executor.dialect());
        b.push("SELECT ").key_columns(target.table, &pk).push(", ").key_columns(target.table, &wanted);
        b.push(" FROM ").identifier(target.table).push(" WHERE ");
        b.key_in(target.table, &pk, batch, false);
        executor
            .fetch(b.finish(), &mut |row| {
                let key = pk.decode(row, 0)?;
                let value = wanted.decode(row, pk.len())?;
                if let Some(key) = key.key_repr() {
                    found.insert(key, value);
                }
                Ok(())
            })
            .await?;
    }
    let mut missing = Vec::new();
    let values = refs
        .into_iter()
        .filter_map(|r| match r {
            TargetRef::Field(v) => Some(v),
            TargetRef::Key(k) => {
                let value = k.key_repr().and_then(|r| found.get(&r).cloned());
                if value.is_none() {
                    missing.push(k.key_repr().map_or_else(|| format!("{k:?}"), |r| r.to_string()));
                }
                value
            }
        })
        .collect();
    if missing.is_empty() {
        Ok(values)
    } else {
        Err(Error::MissingKeys { association: association.display_name(), model: target.name, keys: missing })
    }
}

/// A new row of `M` for `create_*` accessors and nested builders: `M::build()…` or an `M`
/// value (whose generated key is ignored).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a new `{M}` row",
    label = "expected `{M}::build()…` or a `{M}` value",
    note = "build the row with `{M}::build()` and its setters"
)]
pub trait NewRow<M>: Send {
    /// The row's values.
    fn into_builder(self) -> Builder<M>;

    /// The row's values for an upsert, by field position (`None`: unset), and whether they are
    /// a whole `M` value, whose generated key counts only when upserting by that key.
    #[doc(hidden)]
    fn into_upsert_values(self) -> (Vec<Option<crate::value::Value>>, bool)
    where
        Self: Sized,
        M: Model,
    {
        (self.into_builder().into_values(), false)
    }
}

impl<M: Model> NewRow<M> for Builder<M> {
    fn into_builder(self) -> Builder<M> {
        self
    }
}

impl<M: Model> NewRow<M> for M {
    fn into_builder(self) -> Builder<M> {
        Builder::from_row(self)
    }

    fn into_upsert_values(self) -> (Vec<Option<crate::value::Value>>, bool) {
        // Every field, the key included; the timestamps are the ORM's to fill.
        let values = M::meta()
            .columns
            .iter()
            .zip(self.into_values())
            .map(|(c, v)| (!c.created_at && !c.updated_at).then_some(v))
            .collect();
        (values, true)
    }
}

/// Implemented only for `Option<K>`: a foreign key that `on_delete`/`on_update = "set null"`
/// can set to NULL. Generated code names `NULLABLE` for the key field of `M`, the model that
/// holds it, at the user's `"set null"`.
#[diagnostic::on_unimplemented(
    message = "`\"set null\"` needs a nullable foreign key, but the foreign key on `{M}` is `{Self}`, which is NOT NULL",
    label = "the foreign key on `{M}` cannot be set to NULL",
    note = "make the foreign-key field on `{M}` an `Option<{Self}>`, or choose another action, e.g. `\"cascade\"` or `\"restrict\"`"
)]
pub trait NullableForeignKey<M> {
    /// Named by generated code; its value means nothing.
    const NULLABLE: () = ();
}

// Not listed in the error: the note says what to write.
#[diagnostic::do_not_recommend]
impl<K, M> NullableForeignKey<M> for Option<K> {}
