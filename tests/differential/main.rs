//! Differential tests: generated data, queries and association writes run on every backend
//! and through an in-memory reference model; all must agree. `PROPTEST_CASES=…` runs longer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![allow(clippy::duplicated_attributes)]

mod support;

mod composite;
mod includes;
mod query;
mod writes;
