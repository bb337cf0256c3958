//! Peers: other ORMs measured in the same run as the `orm` crate and hand-written sqlx, on the
//! same database and data, under the same rules.
//!
//! A peer is linked into a binary of its own that calls [`crate::run_main`] with it (so that
//! the root workspace never builds the peer's dependencies). For each backend the harness opens
//! a sqlx pool for the peer with the same options as the hand-written side's (its own pool, not
//! shared), and the peer opens a [`PeerSession`] on it. For each workload the peer supports, the
//! session's runs are interleaved with the other sides' runs and measured by a [`Meter`] the
//! same way: [`Meter::start`] just before the peer's code, [`Meter::stop`] just after it, so
//! input preparation, the checksum and drops stay outside. A read workload returns the checksum
//! of what it produced, computed with [`checksum`]; a write workload returns
//! [`Produced::Written`] and the harness reads the database's state back as it does for the
//! other sides. A checksum that differs from the other sides' stops the bench with an error.

use std::future::Future;
use std::pin::Pin;

use crate::BenchResult;
use crate::data::Dataset;
use crate::measure::Meter;
use crate::workloads::{Raw, Workload};

/// A boxed future, as the peer traits return them (they are used as trait objects).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Another ORM, measured beside the `orm` crate.
pub trait Peer {
    /// The peer's short name: the column heading and the prefix of its JSON fields
    /// (lowercase, no spaces, e.g. `seaorm`).
    fn name(&self) -> &'static str;

    /// Whether the peer has code for `workload`.
    fn supports(&self, workload: Workload) -> bool;

    /// Opens the peer on one backend, once, outside any measured section: `pool` is a sqlx
    /// pool on the bench's database (with the session settings of the hand-written side's
    /// pool), after the dataset `data` is loaded.
    fn connect<'a>(&'a self, pool: Raw, data: &'a Dataset) -> BoxFuture<'a, BenchResult<Box<dyn PeerSession + 'a>>>;
}

/// A peer open on one backend.
pub trait PeerSession {
    /// Runs the peer's code for `workload` once (the database has just been reset), calling
    /// `meter.start()` just before it and `meter.stop()` just after it.
    fn run<'a>(&'a self, workload: Workload, meter: &'a mut Meter) -> BoxFuture<'a, BenchResult<Produced>>;
}

/// What one run of a peer produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Produced {
    /// A read workload: the checksum of the rows returned (see [`checksum`]).
    Checksum(u64),
    /// A write workload: the harness checksums the database's state, as for the other sides.
    Written,
}

/// The checksums of the read workloads: a wrapping sum of one hash per record, so the order of
/// the rows does not matter but every value does. The `orm` and sqlx sides use the same
/// functions.
pub mod checksum {
    use crate::measure::Fnv;

    /// A user row.
    pub fn user(id: i64, name: &str) -> u64 {
        Fnv::new().str("user").int(id).str(name).finish()
    }

    /// A task row returned under the user `owner`.
    pub fn task(owner: i64, id: i64, title: &str, done: bool, user_id: i64) -> u64 {
        Fnv::new().str("task").int(owner).int(id).str(title).bool(done).int(user_id).finish()
    }

    /// A project returned under the user `owner`, with its join row.
    pub fn link(owner: i64, project: (i64, &str), join: (i64, i64, i64, &str)) -> u64 {
        let (join_id, join_user, join_project, status) = join;
        Fnv::new()
            .str("link")
            .int(owner)
            .int(project.0)
            .str(project.1)
            .int(join_id)
            .int(join_user)
            .int(join_project)
            .str(status)
            .finish()
    }

    /// The checksum of a result: the wrapping sum of its records' hashes.
    pub fn sum(hashes: impl IntoIterator<Item = u64>) -> u64 {
        hashes.into_iter().fold(0, u64::wrapping_add)
    }
}
