//! MariaDB backend of the `orm` crate (MariaDB 10.5 or later, for `INSERT … RETURNING`), on
//! sqlx's MySQL driver.
//!
//! Every connection runs with the session settings that give statements the meaning they have
//! on the other backends: `READ COMMITTED` isolation (PostgreSQL's default; InnoDB's
//! `REPEATABLE READ` would read a snapshot older than a lock just taken), strict mode
//! (`STRICT_ALL_TABLES`: a value that does not fit is an error, never truncated), and UTC as
//! the session time zone. Tables the ORM creates use InnoDB, `utf8mb4` text with a binary
//! collation (so `eq` and `like` are case-sensitive, as elsewhere) and `DATETIME(6)`.
#![warn(missing_docs)]

mod dialect;
mod driver;
mod json_list;

use std::str::FromStr;

use orm_core::{Db, Result};
use sqlx::Executor as _;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};

pub use dialect::MariaDbDialect;

/// The statement every connection runs first: `READ COMMITTED` and strict mode (see the crate
/// documentation). Public so that hand-written sqlx code can run under the same settings.
pub const SESSION_SETTINGS: &str =
    "SET SESSION tx_isolation = 'READ-COMMITTED', SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')";

/// Opens a pool on a MariaDB URL (`mysql://root@127.0.0.1:3306/test`).
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
        ConnectOptions { url: url.into(), max_connections: 10 }
    }

    /// The most connections the pool opens.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Opens the pool.
    pub async fn connect(self) -> Result<Db> {
        let options = MySqlConnectOptions::from_str(&self.url)
            .map_err(orm_sqlx::connection_error)?
            .charset("utf8mb4")
            .timezone(Some("+00:00".to_owned()));
        let pool = MySqlPoolOptions::new()
            .max_connections(self.max_connections)
            .after_connect(|connection, _| {
                Box::pin(async move {
                    connection.execute(SESSION_SETTINGS).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(orm_sqlx::connection_error)?;
        Ok(Db::from_driver(driver::SqlxDriver::new(pool)))
    }
}
