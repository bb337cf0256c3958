//! Wall time and bytes allocated over the measured section of one run.

use std::time::{Duration, Instant};

use crate::alloc::Stats;
use crate::{callgrind, rss};

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
    started: Option<Started>,
    /// Whether `start` resets the peak RSS (it first hands free heap pages back to the kernel,
    /// which the section then faults in again: only the workloads that report it pay that).
    track_rss: bool,
    /// Wall time between `start` and `stop`.
    pub elapsed: Duration,
    /// Bytes allocated between `start` and `stop`.
    pub bytes: u64,
    /// Number of allocations (and reallocations) between `start` and `stop`.
    pub allocations: u64,
    /// Instructions executed between `start` and `stop`, by every thread of the process (under
    /// `--instructions` only; see the `callgrind` module).
    pub instructions: Option<u64>,
    /// The resident set at `start` and its peak until `stop` (see [`Meter::tracking_rss`]).
    pub rss: Option<PeakRss>,
}

/// The resident memory of a measured section, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct PeakRss {
    /// RSS at the start (after free pages went back to the kernel).
    pub start: u64,
    /// The highest RSS until the end.
    pub peak: u64,
}

impl PeakRss {
    /// How far the section raised the RSS above its start.
    pub fn delta(&self) -> u64 {
        self.peak.saturating_sub(self.start)
    }
}

#[derive(Debug)]
struct Started {
    at: Instant,
    stats: Stats,
    rss: Option<u64>,
    section: Option<callgrind::Section>,
}

impl Meter {
    /// A meter that also reports the section's peak resident memory (Linux).
    pub fn tracking_rss() -> Meter {
        Meter { track_rss: true, ..Meter::default() }
    }

    /// Starts the measured section.
    pub fn start(&mut self) {
        let rss = if self.track_rss { rss::start_section() } else { None };
        // Before the allocator's reading, which it would otherwise charge for the dump
        // directory's listing; the reading's few instructions are counted.
        let section = callgrind::Section::start();
        let stats = allocator_stats();
        self.started = Some(Started { at: Instant::now(), stats, rss, section });
    }

    /// Ends the measured section.
    pub fn stop(&mut self) {
        let elapsed = Instant::now();
        let after = allocator_stats();
        let Some(started) = self.started.take() else { return };
        // After the allocator's reading: reading the dump allocates.
        self.instructions = started.section.and_then(callgrind::Section::stop);
        self.elapsed = elapsed - started.at;
        self.bytes = bytes_between(&started.stats, &after);
        self.allocations =
            (after.allocations - started.stats.allocations + after.reallocations - started.stats.reallocations) as u64;
        self.rss = started.rss.zip(rss::resident()).map(|(start, now)| PeakRss { start, peak: now.peak });
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

/// The counts beyond time and allocations that one side's runs collect: instructions (under
/// `--instructions`) and peak RSS (the workloads that track it).
#[derive(Debug, Default)]
pub struct Extra {
    instructions: Vec<f64>,
    rss_start: Vec<f64>,
    rss_peak: Vec<f64>,
    rss_delta: Vec<f64>,
}

/// One side's medians of [`Extra`]; `None` where nothing was measured.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExtraMedians {
    /// Instructions of the measured section.
    pub instructions: Option<f64>,
    /// Peak RSS above the RSS at the start of the section, in bytes.
    pub rss_delta: Option<f64>,
    /// Peak RSS, in bytes.
    pub rss_peak: Option<f64>,
    /// RSS at the start of the section, in bytes.
    pub rss_start: Option<f64>,
}

impl Extra {
    /// Adds one measured run.
    pub fn push(&mut self, meter: &Meter) {
        if let Some(instructions) = meter.instructions {
            self.instructions.push(instructions as f64);
        }
        if let Some(rss) = meter.rss {
            self.rss_start.push(rss.start as f64);
            self.rss_peak.push(rss.peak as f64);
            self.rss_delta.push(rss.delta() as f64);
        }
    }

    /// The medians.
    pub fn medians(mut self) -> ExtraMedians {
        let of = |samples: &mut Vec<f64>| (!samples.is_empty()).then(|| median(samples));
        ExtraMedians {
            instructions: of(&mut self.instructions),
            rss_delta: of(&mut self.rss_delta),
            rss_peak: of(&mut self.rss_peak),
            rss_start: of(&mut self.rss_start),
        }
    }
}

/// `orm / sqlx`, when both were measured.
fn ratio_of(orm: Option<f64>, sqlx: Option<f64>) -> Option<f64> {
    orm.zip(sqlx).map(|(o, s)| o / s.max(1.0))
}

/// Both sides' medians of the extra counts.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExtraOutcome {
    /// The ORM's side.
    pub orm: ExtraMedians,
    /// The hand-written side.
    pub sqlx: ExtraMedians,
}

impl ExtraOutcome {
    /// ORM instructions over sqlx instructions.
    pub fn instr_ratio(&self) -> Option<f64> {
        ratio_of(self.orm.instructions, self.sqlx.instructions)
    }

    /// ORM peak RSS delta over sqlx peak RSS delta.
    pub fn rss_ratio(&self) -> Option<f64> {
        ratio_of(self.orm.rss_delta, self.sqlx.rss_delta)
    }

    /// The JSON fields (`null` where not measured).
    pub fn json_fields(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut fields = serde_json::Map::new();
        let mut put = |name: &str, value: Option<f64>| {
            fields.insert(name.to_owned(), value.map_or(serde_json::Value::Null, serde_json::Value::from));
        };
        put("orm_instructions", self.orm.instructions);
        put("sqlx_instructions", self.sqlx.instructions);
        put("instr_ratio", self.instr_ratio());
        put("orm_peak_rss_delta_bytes", self.orm.rss_delta);
        put("sqlx_peak_rss_delta_bytes", self.sqlx.rss_delta);
        put("rss_ratio", self.rss_ratio());
        put("orm_peak_rss_bytes", self.orm.rss_peak);
        put("sqlx_peak_rss_bytes", self.sqlx.rss_peak);
        put("orm_start_rss_bytes", self.orm.rss_start);
        put("sqlx_start_rss_bytes", self.sqlx.rss_start);
        fields
    }
}
