//! Scale-out against real servers: a PostgreSQL 15 primary and streaming replicas that each
//! test starts itself (see `cluster`). Skipped with a notice when the PostgreSQL 15 binaries
//! are missing, unless `ORM_REQUIRE_POSTGRES=1`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[cfg(feature = "postgres")]
mod cluster;
#[cfg(feature = "postgres")]
mod replicas;
#[cfg(feature = "postgres")]
mod spans;

#[cfg(not(feature = "postgres"))]
#[test]
fn replicas_need_the_postgres_feature() {
    assert!(
        std::env::var("ORM_REQUIRE_POSTGRES").map_or(true, |v| v != "1"),
        "ORM_REQUIRE_POSTGRES=1 but the `postgres` feature is off"
    );
    eprintln!("notice: replica tests skipped: build with `--features postgres` (or `--all-features`)");
}
