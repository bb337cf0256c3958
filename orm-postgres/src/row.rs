use orm_core::{Error, Result, Row};
use sqlx::postgres::PgRow;
use sqlx::{Column as _, Row as _};

/// A borrowed PostgreSQL row, read by the generated decoders.
pub(crate) struct PgRowRef<'r>(pub(crate) &'r PgRow);

impl PgRowRef<'_> {
    fn get<T>(&self, index: usize) -> Result<Option<T>>
    where
        T: for<'v> sqlx::Decode<'v, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
    {
        self.0
            .try_get::<Option<T>, _>(index)
            .map_err(|error| Error::Decode { column: self.column_name(index).to_owned(), source: Box::new(error) })
    }
}

impl Row for PgRowRef<'_> {
    fn column_name(&self, index: usize) -> &str {
        self.0.columns().get(index).map_or("?", |c| c.name())
    }
    fn get_bool(&self, index: usize) -> Result<Option<bool>> {
        self.get(index)
    }
    fn get_i16(&self, index: usize) -> Result<Option<i16>> {
        self.get(index)
    }
    fn get_i32(&self, index: usize) -> Result<Option<i32>> {
        self.get(index)
    }
    fn get_i64(&self, index: usize) -> Result<Option<i64>> {
        self.get(index)
    }
    fn get_f32(&self, index: usize) -> Result<Option<f32>> {
        self.get(index)
    }
    fn get_f64(&self, index: usize) -> Result<Option<f64>> {
        self.get(index)
    }
    fn get_string(&self, index: usize) -> Result<Option<String>> {
        self.get(index)
    }
    fn get_bytes(&self, index: usize) -> Result<Option<Vec<u8>>> {
        self.get(index)
    }
    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, index: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.get(index)
    }
    #[cfg(feature = "chrono")]
    fn get_timestamp(&self, index: usize) -> Result<Option<chrono::NaiveDateTime>> {
        self.get(index)
    }
    #[cfg(feature = "chrono")]
    fn get_date(&self, index: usize) -> Result<Option<chrono::NaiveDate>> {
        self.get(index)
    }
    #[cfg(feature = "chrono")]
    fn get_time(&self, index: usize) -> Result<Option<chrono::NaiveTime>> {
        self.get(index)
    }
}
