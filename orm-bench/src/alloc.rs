//! A counting global allocator: `std::alloc::System` underneath, with process-wide counters of
//! bytes and calls, so each side of a workload can be charged for what it allocates.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

/// The allocator installed for the whole process.
pub struct Counting;

static BYTES_ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static BYTES_REALLOCATED: AtomicIsize = AtomicIsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static REALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

/// A reading of the counters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    /// Bytes handed out by `alloc` and `alloc_zeroed`.
    pub bytes_allocated: usize,
    /// Net growth of `realloc` (negative when blocks shrink).
    pub bytes_reallocated: isize,
    /// Calls to `alloc` and `alloc_zeroed`.
    pub allocations: usize,
    /// Calls to `realloc`.
    pub reallocations: usize,
}

impl Counting {
    /// The counters now.
    pub fn stats(&self) -> Stats {
        Stats {
            bytes_allocated: BYTES_ALLOCATED.load(Ordering::Relaxed),
            bytes_reallocated: BYTES_REALLOCATED.load(Ordering::Relaxed),
            allocations: ALLOCATIONS.load(Ordering::Relaxed),
            reallocations: REALLOCATIONS.load(Ordering::Relaxed),
        }
    }
}

// The one unsafe item of the workspace: forwarding to `System` is sound because every call
// passes its arguments through unchanged.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES_ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as `GlobalAlloc::alloc`, forwarded as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES_ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as `GlobalAlloc::alloc_zeroed`, forwarded as is.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as `GlobalAlloc::dealloc`, forwarded as is.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        REALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        let growth =
            isize::try_from(new_size).unwrap_or(isize::MAX) - isize::try_from(layout.size()).unwrap_or(isize::MAX);
        BYTES_REALLOCATED.fetch_add(growth, Ordering::Relaxed);
        // SAFETY: same contract as `GlobalAlloc::realloc`, forwarded as is.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
