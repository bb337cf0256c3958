//! Backend-agnostic runtime of the [`orm`](https://docs.rs/orm) crate.
//!
//! Users depend on `orm`, which re-exports what is public here. This crate holds the `Model`
//! trait, typed column expressions, query builders, the executor and transactions, schema sync
//! and the one [`Error`] type. Backends (`orm-sqlite`, `orm-postgres`) implement
//! [`Driver`](driver::Driver) and [`Dialect`] and nothing else.
#![warn(missing_docs)]

pub mod assoc;
pub mod cascade;
pub mod create;
pub mod db;
pub mod dialect;
pub mod driver;
pub mod error;
pub mod expr;
pub mod fault;
pub mod hooks;
pub mod include;
pub mod key;
pub mod meta;
pub mod model;
pub mod naming;
pub mod narrow;
pub mod query;
pub mod raw;
pub mod row;
pub mod schema;
pub mod sql;
pub mod value;
pub mod write;

pub use create::{Builder, Created};
pub use db::{Atomic, Db, Executor, IntoExecutor, Server, Tx};
pub use dialect::{AggregateFunction, Dialect, LockMode, ReferentialAction};
pub use error::{Error, Result, Transient};
pub use expr::{Column, ColumnOrder, Expr, Order};
pub use hooks::{Hook, Hooks};
pub use meta::{ColumnMeta, ModelMeta, ReferenceMeta};
pub use model::{Model, ModelStatements};
pub use query::aggregate::{
    Aggregate, AggregateKind, AggregateOrder, AvgOf, CountOf, MaxOf, MinOf, Numeric, Ordered, SumOf, count_all,
};
pub use query::projection::{Projected, Selection, Selections, SortKey, SortKeys};
pub use query::{Delete, Select, Update};
pub use raw::{FromRow, Raw, raw};
pub use row::Row;
pub use schema::Schema;
pub use value::{Comparable, Operand, SqlType, SqlValue, Timestamp, Value};
pub use write::Upsert;

#[doc(hidden)]
pub use assoc::write_batches as assoc_batches;
