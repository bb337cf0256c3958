//! Fault injection for tests: a [`Db`] whose statements fail on request. Every statement the
//! handle and its transactions run, `BEGIN` and `COMMIT` included, is numbered from 1; the
//! statement numbered [`FaultInjector::fail_at`] fails with [`InjectedFault`] instead of
//! running, and with [`FaultInjector::drop_connection`] its transaction's connection is dropped
//! too (the database rolls it back, as when a connection dies). Sweeping the number from 1 to
//! an operation's statement count tests that it leaves nothing behind whichever statement
//! fails, as SQLite's own fault-injection tests do with I/O errors.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {}
//! # async fn demo(db: orm_core::Db) -> orm_core::Result<()> {
//! use orm_core::fault::{FaultInjector, InjectedFault};
//! let faults = FaultInjector::new();
//! let faulty = db.with_faults(faults.clone());
//! faults.fail_at(1);
//! let error = orm_core::raw("SELECT 1").execute(&faulty).await.unwrap_err();
//! assert!(InjectedFault::is(&error));
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::db::Db;
use crate::dialect::Dialect;
use crate::driver::{BoxFuture, Connection, Driver, RowSink, Statement, TransactionConnection};
use crate::error::{Error, Result};

/// Decides which statement fails. Shared between the test and the faulty handle.
#[derive(Debug, Default)]
pub struct FaultInjector {
    ran: AtomicU64,
    fail_at: AtomicU64,
    drop_connection: AtomicBool,
    injected: AtomicBool,
}

impl FaultInjector {
    /// An injector that fails nothing until told to.
    pub fn new() -> Arc<FaultInjector> {
        Arc::default()
    }

    /// Numbers statements from 1 again and fails the `n`th (0: none).
    pub fn fail_at(&self, n: u64) {
        self.ran.store(0, Ordering::SeqCst);
        self.injected.store(false, Ordering::SeqCst);
        self.fail_at.store(n, Ordering::SeqCst);
    }

    /// Whether the failing statement also drops its transaction's connection.
    pub fn drop_connection(&self, on: bool) {
        self.drop_connection.store(on, Ordering::SeqCst);
    }

    /// How many statements were numbered since the last [`FaultInjector::fail_at`].
    pub fn statements(&self) -> u64 {
        self.ran.load(Ordering::SeqCst)
    }

    /// Whether the fault was injected since the last [`FaultInjector::fail_at`].
    pub fn injected(&self) -> bool {
        self.injected.load(Ordering::SeqCst)
    }

    /// Numbers one statement; the error to return instead of running it, if it is the one.
    fn next(&self) -> Option<Error> {
        let n = self.ran.fetch_add(1, Ordering::SeqCst) + 1;
        (n == self.fail_at.load(Ordering::SeqCst)).then(|| {
            self.injected.store(true, Ordering::SeqCst);
            let source = Box::new(InjectedFault { statement: n });
            if self.drop_connection.load(Ordering::SeqCst) {
                Error::ConnectionLost { source }
            } else {
                Error::Database { source }
            }
        })
    }
}

/// The error of an injected fault, kept as the `source` of the [`Error`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("fault injected at statement {statement}")]
pub struct InjectedFault {
    /// The number of the statement that failed.
    pub statement: u64,
}

impl InjectedFault {
    /// Whether `error` is an injected fault.
    pub fn is(error: &Error) -> bool {
        let mut source = std::error::Error::source(error);
        while let Some(error) = source {
            if error.is::<InjectedFault>() {
                return true;
            }
            source = error.source();
        }
        false
    }
}

impl Db {
    /// This database seen through `faults`: same pool, but every statement is numbered and
    /// the chosen one fails. For tests.
    pub fn with_faults(&self, faults: Arc<FaultInjector>) -> Db {
        Db::from_driver(FaultyDriver { inner: self.driver(), faults })
    }
}

struct FaultyDriver {
    inner: Arc<dyn Driver>,
    faults: Arc<FaultInjector>,
}

impl Driver for FaultyDriver {
    fn dialect(&self) -> &'static dyn Dialect {
        self.inner.dialect()
    }

    fn execute(&self, statement: Statement) -> BoxFuture<'_, Result<u64>> {
        match self.faults.next() {
            Some(error) => Box::pin(async move { Err(error) }),
            None => self.inner.execute(statement),
        }
    }

    fn fetch<'a>(&'a self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>> {
        match self.faults.next() {
            Some(error) => Box::pin(async move { Err(error) }),
            None => self.inner.fetch(statement, sink),
        }
    }

    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn TransactionConnection>>> {
        Box::pin(async move {
            if let Some(error) = self.faults.next() {
                return Err(error);
            }
            let inner = self.inner.begin().await?;
            Ok(Box::new(FaultyTx { inner: Some(inner), faults: self.faults.clone() }) as Box<dyn TransactionConnection>)
        })
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        self.inner.close()
    }
}

struct FaultyTx {
    /// `None` once the connection was dropped by a fault.
    inner: Option<Box<dyn TransactionConnection>>,
    faults: Arc<FaultInjector>,
}

impl FaultyTx {
    /// The connection, unless this statement is the faulty one or the connection is gone.
    fn connection(&mut self) -> Result<&mut Box<dyn TransactionConnection>> {
        if let Some(error) = self.faults.next() {
            if matches!(error, Error::ConnectionLost { .. }) {
                self.inner = None;
            }
            return Err(error);
        }
        self.inner.as_mut().ok_or_else(|| Error::ConnectionLost { source: "the connection was dropped".into() })
    }
}

impl Connection for FaultyTx {
    fn execute(&mut self, statement: Statement) -> BoxFuture<'_, Result<u64>> {
        match self.connection() {
            Ok(connection) => connection.execute(statement),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }

    fn fetch<'a>(&'a mut self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>> {
        match self.connection() {
            Ok(connection) => connection.fetch(statement, sink),
            Err(error) => Box::pin(async move { Err(error) }),
        }
    }
}

impl TransactionConnection for FaultyTx {
    fn commit(mut self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        let connection = self.connection().map(|_| ());
        Box::pin(async move {
            connection?;
            match self.inner.take() {
                Some(inner) => inner.commit().await,
                None => Err(Error::ConnectionLost { source: "the connection was dropped".into() }),
            }
        })
    }

    fn rollback(mut self: Box<Self>) -> BoxFuture<'static, Result<()>> {
        // Cleanup is not a fault point: a rollback that fails drops the connection, which rolls
        // back anyway.
        Box::pin(async move {
            match self.inner.take() {
                Some(inner) => inner.rollback().await,
                None => Ok(()),
            }
        })
    }
}
