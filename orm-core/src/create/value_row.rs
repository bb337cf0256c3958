//! A [`Row`] over values already read, to decode a model from the columns an `INSERT …
//! RETURNING` gave back.

use crate::error::{Error, Result};
use crate::meta::ModelMeta;
use crate::row::Row;
use crate::value::Value;

pub(crate) struct ValueRow<'a> {
    meta: &'static ModelMeta,
    values: &'a [Value],
}

impl<'a> ValueRow<'a> {
    pub(crate) fn new(meta: &'static ModelMeta, values: &'a [Value]) -> Self {
        ValueRow { meta, values }
    }

    fn value(&self, index: usize) -> Result<&Value> {
        self.values.get(index).ok_or_else(|| Error::Invalid(format!("no column {index} in `{}`", self.meta.table)))
    }

    fn mismatch(&self, index: usize) -> Error {
        Error::Invalid(format!("column `{}` holds another type", self.column_name(index)))
    }
}

macro_rules! getters {
    ($($name:ident: $ty:ty => $variant:ident;)*) => {$(
        fn $name(&self, index: usize) -> Result<Option<$ty>> {
            match self.value(index)? {
                Value::$variant(value) => Ok(value.clone()),
                _ => Err(self.mismatch(index)),
            }
        }
    )*};
}

impl Row for ValueRow<'_> {
    fn column_name(&self, index: usize) -> &str {
        self.meta.columns.get(index).map_or("?", |c| c.name)
    }

    getters! {
        get_bool: bool => Bool;
        get_i16: i16 => SmallInt;
        get_i32: i32 => Integer;
        get_i64: i64 => BigInt;
        get_f32: f32 => Real;
        get_f64: f64 => Double;
        get_string: String => Text;
        get_bytes: Vec<u8> => Bytes;
    }

    #[cfg(feature = "chrono")]
    getters! {
        get_timestamptz: chrono::DateTime<chrono::Utc> => TimestampTz;
        get_timestamp: chrono::NaiveDateTime => Timestamp;
        get_date: chrono::NaiveDate => Date;
        get_time: chrono::NaiveTime => Time;
    }

    #[cfg(feature = "uuid")]
    getters! {
        get_uuid: uuid::Uuid => Uuid;
    }

    #[cfg(feature = "decimal")]
    getters! {
        get_decimal: rust_decimal::Decimal => Decimal;
    }

    #[cfg(feature = "json")]
    fn get_json(&self, index: usize) -> Result<Option<serde_json::Value>> {
        match self.value(index)? {
            Value::Json(value) => Ok(value.as_deref().cloned()),
            _ => Err(self.mismatch(index)),
        }
    }
}
