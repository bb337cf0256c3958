//! Integration tests. Every test body runs on SQLite and on PostgreSQL (see `support`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
// Clippy reads `#[belongs_to(B)]` and `#[belongs_to(B, as = "x")]` as one attribute repeated.
#![allow(clippy::duplicated_attributes)]
mod association_edges;
mod association_filters;
mod association_schema;
mod associations;
mod composite_keys;
mod concurrency;
mod crud;
mod errors;
mod faults;
mod includes;
mod key_naming;
mod key_types;
mod many_to_many;
mod naming;
mod nested_create;
mod query;
mod schema;
mod scopes_hooks;
mod support;
mod transactions;
#[cfg(feature = "chrono")]
mod types;
mod units_of_work;
mod wrong_answers;
#[cfg(feature = "chrono")]
mod wrong_writes;
