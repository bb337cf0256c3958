//! Integration tests. Every test body runs on SQLite and on PostgreSQL (see `support`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
// Clippy reads `#[belongs_to(B)]` and `#[belongs_to(B, as = "x")]` as one attribute repeated.
#![allow(clippy::duplicated_attributes)]
mod aggregates;
mod association_edges;
mod association_filters;
mod association_schema;
mod associations;
mod bulk_destroy_hooks;
#[cfg(all(feature = "uuid", feature = "json", feature = "decimal"))]
mod column_types;
mod composite_keys;
mod concurrency;
mod crud;
mod errors;
mod faults;
mod find_and_count;
mod find_or_create;
mod includes;
mod key_naming;
mod key_types;
mod loaded_rows;
mod many_to_many;
mod naming;
mod narrowed_accessors;
mod nested_create;
mod polymorphic;
mod pooler;
mod projections;
mod query;
mod replicas;
mod row_helpers;
mod row_locks;
mod schema;
mod scopes_hooks;
mod support;
mod transactions;
#[cfg(feature = "chrono")]
mod types;
mod units_of_work;
mod upsert;
mod versioning;
mod wrong_answers;
#[cfg(feature = "chrono")]
mod wrong_writes;
