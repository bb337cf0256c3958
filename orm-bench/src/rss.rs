//! Peak resident memory of a measured section, from Linux's `/proc/self`: the high-water mark
//! (`VmHWM`) is reset to the current RSS before the section (`echo 5 > /proc/self/clear_refs`)
//! and read after it. Elsewhere no peak is reported.
//!
//! Memory freed by an earlier run stays in the allocator's free lists, resident, and a later
//! run would reuse it without raising the RSS: the side running second would look lighter.
//! So before the section, glibc's `malloc_trim(0)` hands every free page back to the kernel,
//! and the RSS at the start is (close to) the live memory.

/// The resident set now and its high-water mark, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Resident {
    /// `VmRSS`.
    pub now: u64,
    /// `VmHWM`: the most resident since the process started or the mark was reset.
    pub peak: u64,
}

/// Reads `VmRSS` and `VmHWM` from `/proc/self/status` (`None` where there is no such file).
pub fn resident() -> Option<Resident> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |name: &str| -> Option<u64> {
        let line = status.lines().find_map(|l| l.strip_prefix(name))?;
        line.trim().trim_end_matches("kB").trim().parse::<u64>().ok().map(|k| k * 1024)
    };
    Some(Resident { now: kib("VmRSS:")?, peak: kib("VmHWM:")? })
}

/// Gives free heap pages back to the kernel, then resets the high-water mark to the current
/// RSS; returns the RSS then, or `None` if the mark cannot be reset.
pub fn start_section() -> Option<u64> {
    trim();
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    resident().map(|r| r.now)
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim() {
    unsafe extern "C" {
        /// glibc: releases free memory at the top of the heap and, since 2.8, free whole
        /// pages inside every arena.
        fn malloc_trim(pad: usize) -> std::ffi::c_int;
    }
    // SAFETY: `malloc_trim` takes a plain integer and only touches the allocator's own free
    // lists, under its locks; the counting allocator forwards to the same glibc `malloc`.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
