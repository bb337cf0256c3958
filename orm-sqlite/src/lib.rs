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

#[cfg(feature = "decimal")]
mod decimal;
mod dialect;
mod driver;
mod json_list;

use std::str::FromStr;

use orm_core::{Db, Result};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

pub use dialect::SqliteDialect;

/// Opens a pool on a SQLite database URL (`sqlite::memory:`, `sqlite://app.db?mode=rwc`).
///
/// Foreign keys are enforced on every connection, and transactions begin `IMMEDIATE` (they
/// take the write lock up front, so concurrent writers wait for the busy timeout instead of
/// failing). A file database runs in WAL mode. An in-memory database lives in a single
/// connection that is never closed while the handle lives, so every statement sees the same
/// data; a task that holds it in a transaction and uses `&db` gets
/// `Error::ConnectionHeldByTransaction` after two seconds instead of waiting forever.
pub async fn connect(url: &str) -> Result<Db> {
    ConnectOptions::new(url).connect().await
}

/// Options for [`connect`].
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    url: String,
    max_connections: u32,
    busy_timeout: std::time::Duration,
}

impl ConnectOptions {
    /// Options for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions { url: url.into(), max_connections: 8, busy_timeout: std::time::Duration::from_secs(5) }
    }

    /// The most connections the pool opens (always 1 for an in-memory database).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// How long a statement waits for another connection's lock before failing with
    /// `Error::Busy` (5 seconds by default).
    pub fn busy_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Opens the pool.
    pub async fn connect(self) -> Result<Db> {
        let options = SqliteConnectOptions::from_str(&self.url)
            .map_err(driver::connection_error)?
            .foreign_keys(true)
            .create_if_missing(true)
            .busy_timeout(self.busy_timeout);
        #[cfg(feature = "decimal")]
        let options = options.collation(decimal::COLLATION, decimal::compare);
        let in_memory = self.url.contains(":memory:") || self.url.contains("mode=memory");
        if in_memory {
            let pool =
                SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
            let pool = pool.connect_with(options).await.map_err(driver::connection_error)?;
            return Ok(Db::from_driver(driver::SqlxDriver::single_connection(pool)));
        }
        // Readers do not wait for writers, nor writers for readers, in WAL mode.
        let options = options.journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new().max_connections(self.max_connections);
        let pool = pool.connect_with(options).await.map_err(driver::connection_error)?;
        Ok(Db::from_driver(driver::SqlxDriver::new(pool)))
    }
}
