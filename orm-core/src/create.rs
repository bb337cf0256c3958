//! Inserting rows from generated builders (`User::build().name("Ann").create(&db)`), where any
//! field may be left unset.

use std::marker::PhantomData;

use crate::db::IntoExecutor;
use crate::error::{Error, Result};
use crate::model::{Model, fetch_models, write_insert};
use crate::sql::SqlBuilder;
use crate::value::{Value, now_value};

/// The values of one row being built; unset fields take their defaults when it is created.
/// Generated `…Builder` types wrap this.
pub struct Builder<M> {
    values: Vec<Option<Value>>,
    _marker: PhantomData<fn() -> M>,
}

impl<M> std::fmt::Debug for Builder<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder").field("values", &self.values).finish()
    }
}

impl<M: Model> Default for Builder<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> Builder<M> {
    /// A row with every field unset.
    pub fn new() -> Self {
        Builder { values: vec![None; M::meta().columns.len()], _marker: PhantomData }
    }

    /// The values of an existing struct; a generated key is left for the database.
    pub fn from_row(row: M) -> Self {
        let meta = M::meta();
        // Generated keys are left to the database and timestamps to the ORM, as `create` does.
        let values = meta
            .columns
            .iter()
            .zip(row.into_values())
            .map(|(c, v)| (!c.generated && !c.created_at && !c.updated_at).then_some(v))
            .collect();
        Builder { values, _marker: PhantomData }
    }

    /// The values set so far, by field position (`None`: unset).
    pub fn into_values(self) -> Vec<Option<Value>> {
        self.values
    }

    /// Sets a field by its Rust name; unknown names are ignored.
    pub fn set_field(&mut self, field: &str, value: Value) {
        if let Some(index) = M::meta().field_index(field) {
            self.set(index, value);
        }
    }

    /// Sets the field at `index` (in field order).
    pub fn set(&mut self, index: usize, value: Value) {
        if let Some(slot) = self.values.get_mut(index) {
            *slot = Some(value);
        }
    }

    /// Resolves unset fields: generated keys and nullable fields are left to the database,
    /// timestamps are filled, and a missing required field is an error before anything runs.
    pub(crate) fn resolve(self) -> Result<Vec<(&'static str, Value)>> {
        let meta = M::meta();
        let mut row = Vec::with_capacity(self.values.len());
        for (column, value) in meta.columns.iter().zip(self.values) {
            let value = match value {
                Some(value) => value,
                None if column.created_at || column.updated_at => now_value(column.sql_type)?,
                None if column.default.is_some() => column.default.map_or(Value::Bool(None), |default| default()),
                None if column.generated || column.nullable => continue,
                None => return Err(Error::MissingField { model: meta.name, field: column.field }),
            };
            row.push((column.name, value));
        }
        Ok(row)
    }

    /// Inserts the row and returns it as stored.
    pub async fn create<'e>(self, db: impl IntoExecutor<'e>) -> Result<M> {
        let row = self.resolve()?;
        let mut executor = db.into_executor();
        let mut b = SqlBuilder::new(executor.dialect());
        let (columns, values): (Vec<&str>, Vec<Value>) = row.into_iter().unzip();
        write_insert::<M>(&mut b, columns.into_iter(), |b| {
            for (i, value) in values.into_iter().enumerate() {
                if i > 0 {
                    b.push(", ");
                }
                b.bind(value);
            }
        });
        let mut rows = fetch_models::<M>(&mut executor, b.finish()).await?;
        rows.pop().ok_or(Error::NotFound { model: M::meta().name })
    }
}
