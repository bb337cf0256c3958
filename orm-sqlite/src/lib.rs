//! SQLite backend of the `orm` crate: the embedded default, with no set-up.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> orm_core::Result<()> {
//! let db = orm_sqlite::connect("sqlite::memory:").await?;
//! assert_eq!(db.dialect().name(), "sqlite");
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod dialect;
mod driver;
mod json_list;

use std::str::FromStr;

use orm_core::{Db, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

pub use dialect::SqliteDialect;

/// Opens a pool on a SQLite database URL (`sqlite::memory:`, `sqlite://app.db?mode=rwc`).
///
/// Foreign keys are enforced on every connection. An in-memory database lives in a single
/// connection that is never closed while the handle lives, so every statement sees the same
/// data.
pub async fn connect(url: &str) -> Result<Db> {
    ConnectOptions::new(url).connect().await
}

/// Options for [`connect`].
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    url: String,
    max_connections: u32,
}

impl ConnectOptions {
    /// Options for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions { url: url.into(), max_connections: 8 }
    }

    /// The most connections the pool opens (always 1 for an in-memory database).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Opens the pool.
    pub async fn connect(self) -> Result<Db> {
        let options = SqliteConnectOptions::from_str(&self.url)
            .map_err(driver::connection_error)?
            .foreign_keys(true)
            .create_if_missing(true);
        let in_memory = self.url.contains(":memory:") || self.url.contains("mode=memory");
        let pool = if in_memory {
            SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(self.max_connections)
        };
        let pool = pool.connect_with(options).await.map_err(driver::connection_error)?;
        Ok(Db::from_driver(driver::SqlxDriver::new(pool)))
    }
}
