//! Integration tests. Every test body runs on SQLite and on PostgreSQL (see `support`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

mod associations;
mod crud;
mod errors;
mod naming;
mod query;
mod schema;
mod transactions;
#[cfg(feature = "chrono")]
mod types;
