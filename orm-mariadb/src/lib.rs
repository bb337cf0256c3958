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
use std::time::Duration;

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
    replicas: Vec<String>,
    replica_timeout: Duration,
}

impl ConnectOptions {
    /// Options for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions {
            url: url.into(),
            max_connections: 10,
            replicas: Vec::new(),
            replica_timeout: orm_sqlx::REPLICA_TIMEOUT,
        }
    }

    /// The most connections the pool opens.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Read replicas of the primary (servers kept up to date by MariaDB replication),
    /// numbered from 1 in this order: outside a transaction, reads go to them in turn, and
    /// everything else to the primary (see [Read replicas](orm_core::Db#read-replicas)). The
    /// other options apply to every pool.
    ///
    /// A replica's pool connects on first use, so a replica that is down when the pool opens
    /// is skipped like one that goes down later; a malformed URL is an error at once.
    ///
    /// ```no_run
    /// # async fn demo() -> orm_core::Result<()> {
    /// let db = orm_mariadb::ConnectOptions::new("mysql://app@primary:3306/shop")
    ///     .replicas(["mysql://app@replica-1:3306/shop"])
    ///     .connect()
    ///     .await?;
    /// assert_eq!(db.replica_count(), 1);
    /// # Ok(()) }
    /// ```
    pub fn replicas<U: Into<String>>(mut self, urls: impl IntoIterator<Item = U>) -> Self {
        self.replicas = urls.into_iter().map(Into::into).collect();
        self
    }

    /// How long a read waits for a connection to a replica before it counts the replica as
    /// down and tries the next server (default 2 s; the primary's pool waits 30 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let options = orm_mariadb::ConnectOptions::new("mysql://root@127.0.0.1:3306/test")
    ///     .replica_timeout(Duration::from_millis(500));
    /// # let _ = options;
    /// ```
    pub fn replica_timeout(mut self, timeout: Duration) -> Self {
        self.replica_timeout = timeout;
        self
    }

    /// Opens the pool (and one on each replica).
    pub async fn connect(self) -> Result<Db> {
        let connect_options = |url: &str| {
            MySqlConnectOptions::from_str(url)
                .map_err(orm_sqlx::connection_error)
                .map(|o| o.charset("utf8mb4").timezone(Some("+00:00".to_owned())))
        };
        let pool_options = || {
            MySqlPoolOptions::new().max_connections(self.max_connections).after_connect(|connection, _| {
                Box::pin(async move {
                    connection.execute(SESSION_SETTINGS).await?;
                    Ok(())
                })
            })
        };
        let handle = |pool| Db::from_driver(driver::SqlxDriver::new(pool));
        orm_sqlx::connect_with_replicas(
            &self.url,
            &self.replicas,
            self.replica_timeout,
            connect_options,
            pool_options,
            handle,
        )
        .await
    }
}
