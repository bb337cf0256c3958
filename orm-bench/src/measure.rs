//! Wall time and bytes allocated over the measured section of one run.

use std::time::{Duration, Instant};

use crate::alloc::Stats;

/// The counters of the process-wide counting allocator (every thread counts: sqlx's SQLite
/// worker threads and the runtime's threads included, for both sides alike).
fn allocator_stats() -> Stats {
    crate::GLOBAL.stats()
}

/// Bytes handed out by the allocator between two readings: allocations plus the net growth of
/// reallocations.
fn bytes_between(before: &Stats, after: &Stats) -> u64 {
    let allocated = u64::try_from(after.bytes_allocated.saturating_sub(before.bytes_allocated)).unwrap_or(0);
    let grown = u64::try_from((after.bytes_reallocated - before.bytes_reallocated).max(0)).unwrap_or(0);
    allocated + grown
}

/// Measures one run: `start` just before the code under test, `stop` just after it, so input
/// preparation, result checksums and drops stay outside.
#[derive(Debug, Default)]
pub struct Meter {
    started: Option<(Instant, Stats)>,
    /// Wall time between `start` and `stop`.
    pub elapsed: Duration,
    /// Bytes allocated between `start` and `stop`.
    pub bytes: u64,
    /// Number of allocations (and reallocations) between `start` and `stop`.
    pub allocations: u64,
}

impl Meter {
    /// Starts the measured section.
    pub fn start(&mut self) {
        let stats = allocator_stats();
        self.started = Some((Instant::now(), stats));
    }

    /// Ends the measured section.
    pub fn stop(&mut self) {
        let elapsed = Instant::now();
        let after = allocator_stats();
        if let Some((started, before)) = self.started.take() {
            self.elapsed = elapsed - started;
            self.bytes = bytes_between(&before, &after);
            self.allocations =
                (after.allocations - before.allocations + after.reallocations - before.reallocations) as u64;
        }
    }
}

/// The median of some samples (the mean of the middle two for an even count).
pub fn median(samples: &mut [f64]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 { samples[mid] } else { (samples[mid - 1] + samples[mid]) / 2.0 }
}

/// A 64-bit FNV-1a hash of a record's parts, for order-insensitive checksums (records are
/// summed).
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Fnv {
    /// An empty record.
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(mut self, bytes: &[u8]) -> Fnv {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so that ("ab", "c") and ("a", "bc") differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        self
    }

    /// Adds an integer.
    pub fn int(self, value: i64) -> Fnv {
        self.bytes(&value.to_le_bytes())
    }

    /// Adds a string.
    pub fn str(self, value: &str) -> Fnv {
        self.bytes(value.as_bytes())
    }

    /// Adds a boolean.
    pub fn bool(self, value: bool) -> Fnv {
        self.bytes(&[u8::from(value)])
    }

    /// The record's hash.
    pub fn finish(self) -> u64 {
        self.0
    }
}
