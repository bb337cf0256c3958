//! Differential tests: generated data, queries and association writes run on every backend
//! and through an in-memory reference model; all must agree. `PROPTEST_CASES=…` runs longer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![allow(clippy::duplicated_attributes)]

mod support;

mod composite;
mod includes;
mod nested;
// The query harness generates a column of every type, the UUID, JSON and decimal ones too.
#[cfg(all(feature = "uuid", feature = "json", feature = "decimal"))]
mod query;

#[cfg(not(all(feature = "uuid", feature = "json", feature = "decimal")))]
#[test]
fn query_harness_needs_the_type_features() {
    eprintln!(
        "notice: the differential query harness skipped: it runs with `--features uuid,json,decimal` (or `--all-features`)"
    );
}
mod writes;
