//! PostgreSQL backend of the `orm` crate.
//!
//! Connections run with `plan_cache_mode = force_custom_plan`: a prepared `… = ANY($1)` would
//! otherwise switch to a generic plan after five executions, measured 12× slower on 10,000 keys.
#![warn(missing_docs)]

mod dialect;
mod driver;

use std::str::FromStr;

use orm_core::{Db, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub use dialect::PostgresDialect;

/// Opens a pool on a PostgreSQL URL (`postgres://user@host:5432/db`).
pub async fn connect(url: &str) -> Result<Db> {
    ConnectOptions::new(url).connect().await
}

/// Options for [`connect`].
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    url: String,
    max_connections: u32,
    search_path: Option<String>,
}

impl ConnectOptions {
    /// Options for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions { url: url.into(), max_connections: 10, search_path: None }
    }

    /// The most connections the pool opens.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// The schema (`search_path`) every connection uses.
    pub fn search_path(mut self, schema: impl Into<String>) -> Self {
        self.search_path = Some(schema.into());
        self
    }

    /// Opens the pool.
    pub async fn connect(self) -> Result<Db> {
        let mut settings = vec![("plan_cache_mode", "force_custom_plan".to_owned())];
        if let Some(schema) = &self.search_path {
            settings.push(("search_path", format!("\"{}\"", schema.replace('"', "\"\""))));
        }
        let options = PgConnectOptions::from_str(&self.url).map_err(driver::connection_error)?.options(settings);
        let pool = PgPoolOptions::new()
            .max_connections(self.max_connections)
            .connect_with(options)
            .await
            .map_err(driver::connection_error)?;
        Ok(Db::from_driver(driver::SqlxDriver::new(pool)))
    }
}
