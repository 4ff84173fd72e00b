//! The allocator setting of `depthscope::allocator` (its own process: the setting is global).
//!
//! glibc's sliding mmap threshold is raised by the first free of a mapped block; a later block
//! below the new threshold then comes from the heap and stays resident once freed. That is what
//! a replay of one huge book message did: the freed line buffer raised the threshold, and the
//! parse's level list left megabytes of freed heap behind.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

/// Resident bytes of this process, from `/proc/self/statm` (pages).
fn resident() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("statm");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

/// A block of `n` bytes with every page written, so it is resident.
fn touched(n: usize) -> Vec<u8> {
    vec![1u8; n]
}

#[test]
fn a_freed_large_block_is_given_back_after_a_larger_one_was_freed() {
    depthscope::allocator::configure();
    const MB: usize = 1 << 20;
    // The 8 MB line buffer of the replay: freed, it would raise the sliding threshold to 8 MB.
    drop(std::hint::black_box(touched(8 * MB)));
    // The parse's level list, 5 MB: with the threshold raised it would come from the heap.
    let list = std::hint::black_box(touched(5 * MB));
    let held = resident();
    drop(list);
    let after = resident();
    assert!(
        held.saturating_sub(after) >= 4 * MB,
        "freeing a 5 MB block gave back {} bytes ({held} resident before, {after} after)",
        held.saturating_sub(after)
    );
}
