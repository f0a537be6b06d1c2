//! A counting global allocator for the bounds tests: it wraps the system allocator and tracks, per
//! thread, the bytes allocated since [`measure`] started and their peak, so a test can show that a
//! hostile input was refused without a large allocation.
//!
//! A test binary installs it with
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: yima_testkit::alloc::Counting = yima_testkit::alloc::Counting;
//! ```
//!
//! and builds its input before calling [`measure`], so the figure is what the code under test allocated.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// One kibibyte.
pub const KIB: usize = 1024;
/// One mebibyte.
pub const MIB: usize = 1024 * 1024;

thread_local! {
    static CURRENT: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn record(delta: isize) {
    // `try_with`: the allocator may be called while thread-locals are being torn down.
    let _ = CURRENT.try_with(|c| {
        let now = c.get().saturating_add(delta);
        c.set(now);
        let _ = PEAK.try_with(|p| {
            if now > p.get() {
                p.set(now);
            }
        });
    });
}

fn signed(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

/// The counting allocator; install it with `#[global_allocator]` in a test binary.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counting;

// The workspace denies unsafe code; this impl is the one exception, in a test-only crate. SAFETY:
// every method forwards to `System` with the caller's arguments unchanged (so `System`'s guarantees
// carry over) and only adds bookkeeping in const-initialised thread-locals, which never allocate.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(signed(layout.size()));
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record(signed(layout.size()));
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(-signed(layout.size()));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Count the old block until the new one exists: a moving realloc holds both for a moment.
        record(signed(new_size));
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        record(-signed(layout.size()));
        p
    }
}

/// Runs `f` on this thread and returns its result, the time it took and the peak heap bytes it had
/// allocated (0 unless [`Counting`] is the test binary's global allocator).
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, Duration, usize) {
    CURRENT.with(|c| c.set(0));
    PEAK.with(|p| p.set(0));
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    let peak = PEAK.with(Cell::get);
    (out, took, usize::try_from(peak).unwrap_or(0))
}

/// The longest a rejection may take in [`report`]: generous, for debug builds on a shared 2-core
/// machine; the printed time is the figure that matters.
pub const MAX_TIME: Duration = Duration::from_secs(5);

/// Prints one row of the bounds table (`BOUND | bound | input | code | ms | peak`) and asserts that the
/// rejection stayed within `max_peak` heap bytes and [`MAX_TIME`].
pub fn report(
    bound: &str,
    input_len: usize,
    code: &str,
    took: Duration,
    peak: usize,
    max_peak: usize,
) {
    println!(
        "BOUND | {bound} | input {input_len} B | {code} | {:.3} ms | peak {peak} B",
        took.as_secs_f64() * 1000.0
    );
    assert!(
        peak <= max_peak,
        "{bound}: peak {peak} B over the budget of {max_peak} B"
    );
    assert!(took < MAX_TIME, "{bound}: took {took:?}, over {MAX_TIME:?}");
}
