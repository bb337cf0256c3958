//! Column types of the user's own: [`ColumnType`] maps a Rust type onto one of the ORM's
//! column types, and [`Json<T>`] stores any serde type as a JSON document.

use super::{Scalar, SqlType, SqlValue, Value, mismatch};
use crate::error::{Error, Result};
use crate::row::Row;

/// Why a value could not be converted to or from its stored form: any error, or a message
/// (`"not an email address".into()`).
pub type ConversionError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A Rust type stored as one of the ORM's column types: implement it for a newtype or an
/// enum of your own (`#[derive(orm::Enum)]` implements it for a fieldless enum). The type can
/// then be a field, an `Option` field, a filter value and a key, like the built-in types.
///
/// A conversion that fails is an error, never a default: reading a stored value that
/// [`from_stored`](ColumnType::from_stored) rejects fails the query with
/// [`Error::Conversion`], and writing a value that [`to_stored`](ColumnType::to_stored)
/// rejects fails the statement before anything runs.
///
/// ```
/// #[derive(Debug, Clone, PartialEq)]
/// struct Email(String);
///
/// impl orm_core::value::ColumnType for Email {
///     type Stored = String;
///
///     fn to_stored(&self) -> Result<String, orm_core::value::ConversionError> {
///         Ok(self.0.clone())
///     }
///
///     fn from_stored(stored: String) -> Result<Self, orm_core::value::ConversionError> {
///         if stored.contains('@') {
///             Ok(Email(stored))
///         } else {
///             Err(format!("{stored:?} is not an email address").into())
///         }
///     }
/// }
/// ```
///
/// Filters take the type as they take any column's (`eq`, `is_in`, `is_null`); `lt`, `gt` and
/// ordering also need an empty [`Comparable`](super::Comparable) impl, given when the stored
/// values sort as the type should.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a column type the ORM can store",
    label = "unsupported field type",
    note = "implement `orm::ColumnType` for `{Self}` (its `Stored` type is one of bool, i16, i32, i64, f32, f64, String, Vec<u8>, …), or `#[derive(orm::Enum)]` on a fieldless enum"
)]
pub trait ColumnType: Sized + Send + Sync + 'static {
    /// The column type the value is stored as: one of the ORM's own (`String`, `i64`, …,
    /// `serde_json::Value` with the `json` feature), never an `Option`.
    type Stored: Scalar;

    /// The stored form of the value.
    fn to_stored(&self) -> Result<Self::Stored, ConversionError>;

    /// The value of a stored form; an error for a stored value that is not one.
    fn from_stored(stored: Self::Stored) -> Result<Self, ConversionError>;
}

fn conversion_error<T>(column: Option<&str>, source: ConversionError) -> Error {
    Error::Conversion { ty: std::any::type_name::<T>(), column: column.map(str::to_owned), source }
}

fn stored_value<T: ColumnType>(value: &T) -> Value {
    match value.to_stored() {
        Ok(stored) => T::Stored::wrap(Some(stored)),
        Err(error) => Value::Unencodable(format!("`{}`: {error}", std::any::type_name::<T>()).into()),
    }
}

impl<T: ColumnType> Scalar for T {
    const SQL_TYPE: SqlType = T::Stored::SQL_TYPE;

    fn decode_nullable(row: &dyn Row, index: usize) -> Result<Option<Self>> {
        match T::Stored::decode_nullable(row, index)? {
            None => Ok(None),
            Some(stored) => {
                T::from_stored(stored).map(Some).map_err(|e| conversion_error::<T>(Some(row.column_name(index)), e))
            }
        }
    }

    fn wrap(value: Option<Self>) -> Value {
        Self::wrap_ref(value.as_ref())
    }

    fn wrap_ref(value: Option<&Self>) -> Value {
        match value {
            None => T::Stored::wrap(None),
            Some(value) => stored_value(value),
        }
    }

    fn unwrap(value: Value) -> Option<Option<Self>> {
        match T::Stored::unwrap(value)? {
            None => Some(None),
            Some(stored) => T::from_stored(stored).ok().map(Some),
        }
    }
}

impl<T: ColumnType> SqlValue for T {
    const SQL_TYPE: SqlType = T::Stored::SQL_TYPE;
    const NULLABLE: bool = false;

    fn decode(row: &dyn Row, index: usize) -> Result<Self> {
        T::decode_nullable(row, index)?
            .ok_or_else(|| Error::UnexpectedNull { column: row.column_name(index).to_owned() })
    }

    fn into_value(self) -> Value {
        stored_value(&self)
    }

    fn to_value(&self) -> Value {
        stored_value(self)
    }

    fn from_value(value: Value) -> Result<Self> {
        let shown = value.clone();
        match T::Stored::unwrap(value) {
            Some(Some(stored)) => T::from_stored(stored).map_err(|e| conversion_error::<T>(None, e)),
            _ => Err(mismatch(&shown, <T::Stored as Scalar>::SQL_TYPE)),
        }
    }
}

/// A value of any serde type, stored as a JSON document: `jsonb` on PostgreSQL, JSON text on
/// SQLite and MariaDB (feature `json`). `serde_json::Value` fields are stored the same way.
///
/// ```
/// # #[derive(Clone, serde::Serialize, serde::Deserialize)]
/// # struct Settings { theme: String }
/// let settings = orm_core::value::Json(Settings { theme: "dark".into() });
/// assert_eq!(settings.theme, "dark");
/// ```
#[cfg(feature = "json")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Json<T>(pub T);

#[cfg(feature = "json")]
impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(feature = "json")]
impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

// Not listed when a field's type is unsupported: the note names `orm::Json<T>`.
#[cfg(feature = "json")]
#[diagnostic::do_not_recommend]
impl<T> ColumnType for Json<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    type Stored = serde_json::Value;

    fn to_stored(&self) -> Result<serde_json::Value, ConversionError> {
        Ok(serde_json::to_value(&self.0)?)
    }

    fn from_stored(stored: serde_json::Value) -> Result<Self, ConversionError> {
        Ok(Json(serde_json::from_value(stored)?))
    }
}
