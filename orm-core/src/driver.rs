//! The interface a backend crate implements: run a statement, stream rows, open transactions.
//! It is object-safe so that one [`Db`](crate::Db) type serves every backend.

use std::future::Future;
use std::pin::Pin;

use crate::dialect::Dialect;
use crate::error::Result;
use crate::row::Row;
use crate::value::Value;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Receives each row of a result set, in order.
pub type RowSink<'a> = dyn FnMut(&dyn Row) -> Result<()> + Send + 'a;

/// A SQL statement ready to run: its text, the values bound to its placeholders, and whether
/// it only reads.
///
/// The text is shared (`Arc<str>`), so statements cached by the runtime are reused without
/// copying.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The SQL text, with the backend's placeholders.
    pub sql: std::sync::Arc<str>,
    /// The values bound to the placeholders, in order.
    pub args: Vec<Value>,
    /// Whether the statement may run on a read replica (see [`Access`]).
    pub access: Access,
}

impl Statement {
    /// A statement that runs on the primary ([`Access::Write`]).
    ///
    /// ```
    /// use orm_core::driver::{Access, Statement};
    /// let statement = Statement::new("DELETE FROM \"t\"", Vec::new());
    /// assert_eq!(statement.access, Access::Write);
    /// ```
    pub fn new(sql: impl Into<std::sync::Arc<str>>, args: Vec<Value>) -> Self {
        Statement { sql: sql.into(), args, access: Access::Write }
    }

    /// A statement that only reads ([`Access::Read`]): outside a transaction, a
    /// [`Db`](crate::Db) with read replicas runs it on one.
    ///
    /// ```
    /// use orm_core::driver::{Access, Statement};
    /// let statement = Statement::read("SELECT 1", Vec::new());
    /// assert_eq!(statement.access, Access::Read);
    /// ```
    pub fn read(sql: impl Into<std::sync::Arc<str>>, args: Vec<Value>) -> Self {
        Statement { sql: sql.into(), args, access: Access::Read }
    }

    /// This statement, marked as one that only reads ([`Access::Read`]).
    ///
    /// ```
    /// use orm_core::driver::{Access, Statement};
    /// let statement = Statement::new("SELECT 1", Vec::new()).into_read();
    /// assert_eq!(statement.access, Access::Read);
    /// ```
    pub fn into_read(self) -> Self {
        Statement { access: Access::Read, ..self }
    }
}

/// Where a statement may run when the [`Db`](crate::Db) has read replicas. Decided where the
/// statement is built, by the code that knows what it does: an `INSERT … RETURNING` returns
/// rows but writes, and a `SELECT` that decides a write must see the primary's latest state.
///
/// Inside a transaction (and a multi-statement unit of work, which is one) every statement
/// runs on the transaction's connection, whatever its access.
///
/// ```
/// use orm_core::driver::Access;
/// assert_eq!(Access::default(), Access::Write);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// It writes, or its result must reflect every committed write (it decides a write, or
    /// re-reads a row): it runs on the primary. The default.
    #[default]
    Write,
    /// It only reads, and a replica's slightly older state will do: outside a transaction it
    /// runs on a replica.
    Read,
}

/// Something statements can run on: a pool or a single (transaction) connection.
pub trait Connection: Send {
    /// Runs a statement and returns the number of rows it affected.
    fn execute(&mut self, statement: Statement) -> BoxFuture<'_, Result<u64>>;
    /// Runs a query and hands every row to `sink`.
    fn fetch<'a>(&'a mut self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>>;
}

/// An open transaction on one connection.
pub trait TransactionConnection: Connection {
    /// Commits the transaction.
    fn commit(self: Box<Self>) -> BoxFuture<'static, Result<()>>;
    /// Rolls the transaction back.
    fn rollback(self: Box<Self>) -> BoxFuture<'static, Result<()>>;
}

/// A backend's connection pool.
pub trait Driver: Send + Sync + 'static {
    /// How this backend spells SQL.
    fn dialect(&self) -> &'static dyn Dialect;
    /// Runs a statement on a pooled connection and returns the rows affected.
    fn execute(&self, statement: Statement) -> BoxFuture<'_, Result<u64>>;
    /// Runs a query on a pooled connection and hands every row to `sink`.
    fn fetch<'a>(&'a self, statement: Statement, sink: &'a mut RowSink<'_>) -> BoxFuture<'a, Result<()>>;
    /// Opens a transaction on a pooled connection.
    fn begin(&self) -> BoxFuture<'_, Result<Box<dyn TransactionConnection>>>;
    /// Closes every connection of the pool.
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// The tasks that hold the one connection of a single-connection pool (in-memory SQLite) in
/// an open transaction. A statement or `begin` on the pool from such a task waits for a
/// connection that only the task itself may give back: it waits [`HELD_WAIT`] at most (two
/// futures of one task, joined, may still finish the transaction meanwhile), then fails.
#[derive(Debug, Default)]
pub struct TransactionHolders {
    tasks: std::sync::Mutex<Vec<Option<tokio::task::Id>>>,
}

/// How long a task that holds the only connection in a transaction waits for the pool.
pub const HELD_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl TransactionHolders {
    /// Runs `work`, which needs a pooled connection; when the current task holds the only one
    /// in a transaction, for [`HELD_WAIT`] at most.
    pub async fn wait_for_pool<T>(
        &self,
        work: impl Future<Output = crate::error::Result<T>> + Send,
    ) -> crate::error::Result<T> {
        // Outside a spawned task (a `block_on`, `#[tokio::main]`'s body) there is no task id;
        // that caller is one logical task too.
        let current = tokio::task::try_id();
        let held = self.tasks.lock().map(|tasks| tasks.contains(&current)).unwrap_or(false);
        if !held {
            return work.await;
        }
        tokio::time::timeout(HELD_WAIT, work).await.unwrap_or(Err(crate::error::Error::ConnectionHeldByTransaction))
    }

    /// Records that the current task opened a transaction, until the guard drops.
    pub fn hold(self: &std::sync::Arc<Self>) -> HeldBy {
        let task = tokio::task::try_id();
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.push(task);
        }
        HeldBy { holders: self.clone(), task }
    }
}

/// Releases a task's hold on the connection when its transaction ends.
#[derive(Debug)]
pub struct HeldBy {
    holders: std::sync::Arc<TransactionHolders>,
    task: Option<tokio::task::Id>,
}

impl Drop for HeldBy {
    fn drop(&mut self) {
        if let Ok(mut tasks) = self.holders.tasks.lock()
            && let Some(position) = tasks.iter().position(|t| *t == self.task)
        {
            tasks.swap_remove(position);
        }
    }
}
