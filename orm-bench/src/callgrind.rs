//! Instruction counts of the measured sections, from Valgrind's callgrind: a count that does
//! not depend on what else the machine runs, so that ratios compare between runs on a shared
//! machine (`perf stat -e instructions` is often unavailable in containers and VMs).
//!
//! `--instructions` makes the bench re-execute itself under `valgrind --tool=callgrind` with
//! its dumps in a temporary directory ([`reexec`]). There, [`Meter`](crate::measure::Meter)
//! zeroes callgrind's counters when a section starts and dumps them when it stops
//! ([`Section`]), then reads the instruction total (`Ir`) from the dump it just wrote and
//! deletes it. Client requests act on every thread of the process: sqlx's SQLite worker thread
//! counts, for both sides alike; a database server is another process and does not.
//!
//! The client requests are Valgrind's "special instruction" sequence (`valgrind.h`): a no-op
//! on a real CPU, recognised by Valgrind's JIT. They exist on x86_64 only here; elsewhere
//! [`running_on_valgrind`] is false and no count is taken.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::BenchResult;

/// The environment variable through which the re-executed bench learns where callgrind dumps.
const DUMP_DIR_VAR: &str = "ORM_BENCH_CALLGRIND_DIR";
/// The base name of the dumps in that directory (`callgrind.out.1`, `.2`, … per dump).
const DUMP_BASE: &str = "callgrind.out";

/// `VG_USERREQ_TOOL_BASE('C', 'T')` of `callgrind.h`.
const CALLGRIND_BASE: u64 = ((b'C' as u64) << 24) | ((b'T' as u64) << 16);
/// `VG_USERREQ__ZERO_STATS`.
const ZERO_STATS: u64 = CALLGRIND_BASE + 1;
/// `VG_USERREQ__DUMP_STATS_AT` (its argument: a C string naming the dump).
const DUMP_STATS_AT: u64 = CALLGRIND_BASE + 3;
/// `VG_USERREQ__RUNNING_ON_VALGRIND` of `valgrind.h`.
const RUNNING_ON_VALGRIND: u64 = 0x1001;

/// Issues a Valgrind client request: `default` when not running under Valgrind.
#[cfg(target_arch = "x86_64")]
// The bench's second unsafe item (after the counting allocator), allowed here only.
#[allow(unsafe_code)]
fn client_request(default: u64, request: u64, arg1: u64) -> u64 {
    let args: [u64; 6] = [request, arg1, 0, 0, 0, 0];
    let mut result = default;
    // SAFETY: the four rotations of `rdi` add up to 128 bits, so they leave it unchanged, and
    // `xchg rbx, rbx` changes nothing: on a real CPU the sequence only clobbers the flags (which
    // `asm!` assumes by default). Under Valgrind it is the client-request marker: Valgrind reads
    // the six words at `rax` (alive for the whole statement) and writes its answer to `rdx`,
    // which is declared as an in/out operand. The request may read memory the arguments point
    // to (a C string for DUMP_STATS_AT), hence no `nomem`.
    unsafe {
        std::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") result,
            options(nostack),
        );
    }
    result
}

#[cfg(not(target_arch = "x86_64"))]
fn client_request(default: u64, _request: u64, _arg1: u64) -> u64 {
    default
}

/// Whether the process runs under Valgrind (any tool).
pub fn running_on_valgrind() -> bool {
    client_request(0, RUNNING_ON_VALGRIND, 0) > 0
}

/// Re-executes the bench under callgrind with the same arguments, its dumps in a fresh
/// temporary directory (removed afterwards); returns the child's exit status as an error when
/// it failed.
pub fn reexec() -> BenchResult<()> {
    if !cfg!(target_arch = "x86_64") {
        return Err("--instructions needs x86_64 (Valgrind client requests are issued for it only)".into());
    }
    let dir = std::env::temp_dir().join(format!("orm-bench-callgrind-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let exe = std::env::current_exe()?;
    let mut out_file = OsString::from("--callgrind-out-file=");
    out_file.push(dir.join(DUMP_BASE));
    eprintln!("[instructions] re-running under valgrind --tool=callgrind (dumps in {})", dir.display());
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(out_file)
        .args(["--compress-strings=no", "--quiet"])
        .arg(&exe)
        .args(std::env::args_os().skip(1))
        .env(DUMP_DIR_VAR, &dir)
        .status();
    // The dumps were read and removed; what remains is the one written at exit.
    let _ = std::fs::remove_dir_all(&dir);
    let status = status.map_err(|e| format!("--instructions runs `valgrind`, which did not start: {e}"))?;
    if !status.success() {
        return Err(format!("the bench under callgrind failed: {status}").into());
    }
    Ok(())
}

/// Whether this process was started by [`reexec`] (under callgrind, with a dump directory).
pub fn counting() -> Option<PathBuf> {
    std::env::var_os(DUMP_DIR_VAR).filter(|_| running_on_valgrind()).map(PathBuf::from)
}

/// One measured section under callgrind.
#[derive(Debug)]
pub struct Section {
    dir: PathBuf,
}

impl Section {
    /// Zeroes callgrind's counters (every thread's): the section starts counting now. `None`
    /// when the process does not run under [`reexec`].
    pub fn start() -> Option<Section> {
        let dir = counting()?;
        // Dumps of an earlier section that was not stopped would be read as this one's.
        remove_dumps(&dir);
        client_request(0, ZERO_STATS, 0);
        Some(Section { dir })
    }

    /// Dumps the counters and reads their instruction total: the instructions executed since
    /// [`Section::start`], by every thread. `None` if the dump cannot be read.
    pub fn stop(self) -> Option<u64> {
        client_request(0, DUMP_STATS_AT, c"orm-bench section".as_ptr() as u64);
        let total = read_dumps(&self.dir);
        remove_dumps(&self.dir);
        total
    }
}

/// The numbered dumps (`callgrind.out.N`) in `dir`.
fn dumps(dir: &Path) -> Vec<PathBuf> {
    let prefix = format!("{DUMP_BASE}.");
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix)))
                .collect()
        })
        .unwrap_or_default()
}

fn remove_dumps(dir: &Path) {
    for dump in dumps(dir) {
        // A dump already gone is fine.
        let _ = std::fs::remove_file(dump);
    }
}

/// The `Ir` total of the dumps in `dir` (one, normally).
fn read_dumps(dir: &Path) -> Option<u64> {
    let files = dumps(dir);
    if files.is_empty() {
        return None;
    }
    files.iter().map(|f| std::fs::read_to_string(f).ok().and_then(|text| instructions_in(&text))).sum()
}

/// The instruction count of a callgrind dump: its `totals:` line (or `summary:`, which older
/// versions write), whose first number is `Ir`, the first event of the default `events:` line.
fn instructions_in(dump: &str) -> Option<u64> {
    let value = |prefix: &str| {
        dump.lines()
            .find_map(|line| line.strip_prefix(prefix))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    let ir_first = dump
        .lines()
        .find_map(|l| l.strip_prefix("events:"))
        .is_none_or(|events| events.split_whitespace().next() == Some("Ir"));
    if !ir_first {
        return None;
    }
    value("totals:").or_else(|| value("summary:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_totals_line() {
        let dump =
            "# callgrind format\nversion: 1\ncmd: x\npart: 2\n\nevents: Ir\n\nfn=(1) main\n3 10\n\ntotals: 12345\n";
        assert_eq!(instructions_in(dump), Some(12345));
        assert_eq!(instructions_in("events: Ir\nsummary: 77\n"), Some(77));
        assert_eq!(instructions_in("events: Dr Ir\ntotals: 1 2\n"), None);
        assert_eq!(instructions_in("nothing"), None);
    }

    #[test]
    fn client_requests_are_no_ops_outside_valgrind() {
        if !running_on_valgrind() {
            assert_eq!(client_request(7, ZERO_STATS, 0), 7);
        }
    }
}
