//! The row interface a backend hands to decoding code.

use crate::error::{Error, Result};

/// One result row, read by column index. Backends implement this over their driver's row so
/// that generated code decodes straight into struct fields, with no intermediate value map.
///
/// Each getter returns `Ok(None)` for SQL `NULL`.
pub trait Row {
    /// The name of the column at `index`, for error messages.
    fn column_name(&self, index: usize) -> &str;
    /// Reads a boolean.
    fn get_bool(&self, index: usize) -> Result<Option<bool>>;
    /// Reads a 16-bit integer.
    fn get_i16(&self, index: usize) -> Result<Option<i16>>;
    /// Reads a 32-bit integer.
    fn get_i32(&self, index: usize) -> Result<Option<i32>>;
    /// Reads a 64-bit integer.
    fn get_i64(&self, index: usize) -> Result<Option<i64>>;
    /// Reads a 32-bit float.
    fn get_f32(&self, index: usize) -> Result<Option<f32>>;
    /// Reads a 64-bit float.
    fn get_f64(&self, index: usize) -> Result<Option<f64>>;
    /// Reads text.
    fn get_string(&self, index: usize) -> Result<Option<String>>;
    /// Reads bytes.
    fn get_bytes(&self, index: usize) -> Result<Option<Vec<u8>>>;
    /// Reads a timestamp with time zone.
    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, index: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Err(self.unsupported(index, "chrono::DateTime<Utc>"))
    }
    /// Reads a timestamp without time zone.
    #[cfg(feature = "chrono")]
    fn get_timestamp(&self, index: usize) -> Result<Option<chrono::NaiveDateTime>> {
        Err(self.unsupported(index, "chrono::NaiveDateTime"))
    }
    /// Reads a date.
    #[cfg(feature = "chrono")]
    fn get_date(&self, index: usize) -> Result<Option<chrono::NaiveDate>> {
        Err(self.unsupported(index, "chrono::NaiveDate"))
    }
    /// Reads a time of day.
    #[cfg(feature = "chrono")]
    fn get_time(&self, index: usize) -> Result<Option<chrono::NaiveTime>> {
        Err(self.unsupported(index, "chrono::NaiveTime"))
    }
    /// Reads a UUID.
    #[cfg(feature = "uuid")]
    fn get_uuid(&self, index: usize) -> Result<Option<uuid::Uuid>> {
        Err(self.unsupported(index, "uuid::Uuid"))
    }
    /// Reads a JSON document.
    #[cfg(feature = "json")]
    fn get_json(&self, index: usize) -> Result<Option<serde_json::Value>> {
        Err(self.unsupported(index, "serde_json::Value"))
    }
    /// Reads an exact decimal.
    #[cfg(feature = "decimal")]
    fn get_decimal(&self, index: usize) -> Result<Option<rust_decimal::Decimal>> {
        Err(self.unsupported(index, "rust_decimal::Decimal"))
    }
    /// The error for a type the backend was built without.
    fn unsupported(&self, index: usize, what: &str) -> Error {
        Error::Unsupported { what: format!("reading `{}` as {what}", self.column_name(index)), backend: "this" }
    }
}
