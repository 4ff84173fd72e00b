//! The memory one huge book message takes while it is applied (issue 19: replay memory within
//! 4× the input file). A counting allocator measures, on the test's own thread, the most bytes
//! held at once beyond what was held before the message, and what the book keeps after it.
//!
//! The message is the repro: a snapshot, then one delta of 400,000 bids alternating low
//! and high, so every level lands mid-side and the side is applied as one sorted merge.

use depthscope::book::{Book, DepthModel, Level, MAX_LEVELS};
use depthscope::market::Side;
use depthscope::num::Dec;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Bytes this thread holds from the allocator, and the most it held since the last reset.
struct Counting;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    // `try_with`: the allocator also serves threads whose locals are being torn down.
    let _ = HELD.try_with(|held| {
        let now = held.get() + delta;
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        track(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        track(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as held twice for the moment a moving realloc copies: the honest bound.
        track(new_size as isize);
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        track(-(layout.size() as isize));
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns (the most bytes held at once beyond those held before, the bytes still
/// held after), on this thread.
fn measured(f: impl FnOnce()) -> (isize, isize) {
    let before = HELD.with(Cell::get);
    PEAK.with(|p| p.set(before));
    f();
    (PEAK.with(Cell::get) - before, HELD.with(Cell::get) - before)
}

const N: i64 = 400_000;

/// The message: 400k bids alternating low and high (ticks of 0.01).
fn alternating() -> Vec<(Side, Level)> {
    (0..N)
        .map(|k| {
            if k % 2 == 0 {
                100_000 + k / 2
            } else {
                900_000 - k / 2
            }
        })
        .map(|tick| (Side::Bid, level(tick)))
        .collect()
}

fn level(tick: i64) -> Level {
    Level::new(
        Dec::from_parts(tick, 2).unwrap(),
        Dec::from_parts(1, 0).unwrap(),
    )
}

/// Applies the message as a feed does and returns (transient peak, kept) in bytes.
fn apply(mut book: Book, levels: &[(Side, Level)]) -> (isize, isize, Book) {
    book.load_snapshot([level(900_050)], [level(900_100)], None);
    let mut removed = 0usize;
    let (peak, kept) = measured(|| {
        book.apply_all(levels, |_, _| removed += 1);
        book.end_message(|_, _| removed += 1);
    });
    (peak, kept, book)
}

/// A book bounded by [`MAX_LEVELS`]: the merge holds no copy of the message and never builds a
/// side longer than the book keeps. It used to copy every level with its key (48 bytes a
/// level) and build a side of old + new levels before cutting it: 2.9× the message's own
/// level list at once, where it is now below 1×.
#[test]
fn a_huge_message_is_merged_without_copying_it() {
    let levels = alternating();
    let message = std::mem::size_of_val(levels.as_slice()) as isize;
    let (peak, kept, book) = apply(Book::new(DepthModel::SnapshotThenDiffs), &levels);
    assert_eq!(
        book.bids().len(),
        MAX_LEVELS,
        "the side is cut to its bound"
    );
    assert_eq!(book.capped_levels(), (N as u64 + 1) - MAX_LEVELS as u64);
    println!(
        "message {:.1} MB: transient peak {:.1} MB, kept {:.1} MB",
        message as f64 / 1e6,
        peak as f64 / 1e6,
        kept as f64 / 1e6
    );
    assert!(
        peak <= message,
        "applying a {message}-byte level list held {peak} bytes at once"
    );
    assert!(
        peak - kept <= message / 8,
        "beyond the side it keeps, the merge held {} bytes",
        peak - kept
    );
}

/// A venue's own window (OKX's 400 levels): the merged side is never longer than the window,
/// so the whole message costs about its sort order (4 bytes a level) and nothing more.
#[test]
fn a_huge_message_to_a_maintained_book_costs_its_sort_order_only() {
    let levels = alternating();
    let message = std::mem::size_of_val(levels.as_slice()) as isize;
    let (peak, kept, book) = apply(Book::new(DepthModel::Maintained(400)), &levels);
    assert_eq!(book.bids().len(), 400);
    assert_eq!(book.bids().best().unwrap().price, level(900_050).price);
    println!(
        "message {:.1} MB: transient peak {:.2} MB, kept {:.2} MB",
        message as f64 / 1e6,
        peak as f64 / 1e6,
        kept as f64 / 1e6
    );
    assert!(
        peak <= N as isize * 5 + (1 << 20),
        "a {N}-level message to a 400-level book held {peak} bytes at once"
    );
}
