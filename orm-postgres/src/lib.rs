//! PostgreSQL backend of the `orm` crate.
//!
//! Connections run with `plan_cache_mode = force_custom_plan`: a prepared `… = ANY($1)` would
//! otherwise switch to a generic plan after five executions, measured 12× slower on 10,000 keys.
//! Behind a transaction-pooling proxy see [`ConnectOptions::transaction_pooling`].
#![warn(missing_docs)]

mod dialect;
mod driver;

use std::str::FromStr;
use std::time::Duration;

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
    transaction_pooling: bool,
    replicas: Vec<String>,
    replica_timeout: Duration,
}

impl ConnectOptions {
    /// Options for `url`.
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions {
            url: url.into(),
            max_connections: 10,
            search_path: None,
            transaction_pooling: false,
            replicas: Vec::new(),
            replica_timeout: orm_sqlx::REPLICA_TIMEOUT,
        }
    }

    /// The most connections the pool opens.
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// The schema (`search_path`) every connection uses; with
    /// [`transaction_pooling`](Self::transaction_pooling), every transaction.
    pub fn search_path(mut self, schema: impl Into<String>) -> Self {
        self.search_path = Some(schema.into());
        self
    }

    /// Connects through a transaction-pooling proxy (PgBouncer with `pool_mode = transaction`,
    /// or any pooler that hands each transaction to any of its server connections), which
    /// refuses startup options and cannot keep named prepared statements (PgBouncer before
    /// 1.21, or without `max_prepared_statements`). Then:
    /// - the connection sends no startup options (not even sqlx's `extra_float_digits`), so the
    ///   pooler needs no `ignore_startup_parameters`;
    /// - statements are never prepared under a name: each is parsed as the unnamed statement,
    ///   which PostgreSQL plans with the values bound to it;
    /// - a statement outside a transaction runs in a transaction of its own (sqlx parses and
    ///   binds in two round trips, which a pooler could otherwise send to two server
    ///   connections), and every transaction opens with `SET LOCAL plan_cache_mode =
    ///   force_custom_plan` and, if set, `SET LOCAL search_path`, in the same round trip as its
    ///   `BEGIN`: settings of a session would stay on a server connection other clients share.
    ///
    /// Statements that cannot run in a transaction (`VACUUM`, `CREATE DATABASE`, `CREATE INDEX
    /// CONCURRENTLY`) fail in this mode; run them on a direct connection.
    ///
    /// ```
    /// let options = orm_postgres::ConnectOptions::new("postgres://app@127.0.0.1:6432/app")
    ///     .transaction_pooling()
    ///     .search_path("tenant_1");
    /// # let _ = options;
    /// ```
    pub fn transaction_pooling(mut self) -> Self {
        self.transaction_pooling = true;
        self
    }

    /// Read replicas of the primary (hot standbys kept up to date by streaming replication),
    /// numbered from 1 in this order: outside a transaction, reads go to them in turn, and
    /// everything else to the primary (see [Read replicas](orm_core::Db#read-replicas)). The
    /// other options apply to every pool.
    ///
    /// A replica's pool connects on first use, so a replica that is down when the pool opens
    /// is skipped like one that goes down later; a malformed URL is an error at once.
    ///
    /// ```no_run
    /// # async fn demo() -> orm_core::Result<()> {
    /// let db = orm_postgres::ConnectOptions::new("postgres://app@primary:5432/shop")
    ///     .replicas(["postgres://app@replica-1:5432/shop", "postgres://app@replica-2:5432/shop"])
    ///     .max_connections(20)
    ///     .connect()
    ///     .await?;
    /// assert_eq!(db.replica_count(), 2);
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
    /// let options = orm_postgres::ConnectOptions::new("postgres://postgres@127.0.0.1/test")
    ///     .replica_timeout(Duration::from_millis(500));
    /// # let _ = options;
    /// ```
    pub fn replica_timeout(mut self, timeout: Duration) -> Self {
        self.replica_timeout = timeout;
        self
    }

    /// Opens the pool (and one on each replica).
    pub async fn connect(self) -> Result<Db> {
        let mut settings = vec![("plan_cache_mode", "force_custom_plan".to_owned())];
        if let Some(schema) = &self.search_path {
            settings.push(("search_path", format!("\"{}\"", schema.replace('"', "\"\""))));
        }
        // Behind a transaction-pooling proxy: no startup options, no named statements, and the
        // settings at the start of every transaction instead.
        let pooled_begin = self.transaction_pooling.then(|| {
            let mut begin = String::from("BEGIN");
            for (name, value) in &settings {
                begin.push_str(&format!("; SET LOCAL {name} TO {value}"));
            }
            begin
        });
        let connect_options = |url: &str| -> Result<PgConnectOptions> {
            let options = PgConnectOptions::from_str(url).map_err(driver::connection_error)?;
            Ok(match pooled_begin {
                Some(_) => options.statement_cache_capacity(0).extra_float_digits(None),
                None => options.options(settings.clone()),
            })
        };
        let handle = |pool| {
            Db::from_driver(match &pooled_begin {
                Some(begin) => driver::SqlxDriver::transaction_pooled(pool, begin.clone()),
                None => driver::SqlxDriver::new(pool),
            })
        };
        let pool_options = || PgPoolOptions::new().max_connections(self.max_connections);
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
