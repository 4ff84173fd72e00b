//! What depthscope asks of the C allocator: a fixed mmap threshold for replays, and giving free
//! pages back after a burst.
//!
//! glibc serves blocks above its mmap threshold from their own mappings, returned to the system
//! when freed, and the rest from its heap, which keeps freed room resident until the free room
//! at its top exceeds the trim threshold. Both thresholds slide: the first free of a mapped
//! block raises them to that block's size (up to 32 MiB). A replay of one 8 MB book message
//! frees its 8 MB line buffer before parsing it, so from then on the parse's level list grows
//! through heap blocks of up to 5 MB that stay resident once it moves on: 4 MB of the 32 MB
//! the message cost above an empty replay (`docs/performance.md`, replay memory). With the
//! threshold fixed at glibc's own starting value, blocks of 128 KiB and more always come from
//! their own mappings and go back when freed; smaller ones, nearly all the per-message and
//! per-tick traffic, stay on the heap as before. (1 MiB measured the same on the replay.)
//!
//! Only `replay` sets it. A session allocates blocks above 128 KiB all the time (a served frame's
//! JSON for each of 200 readers, the engine's frame), and with the threshold fixed each is a
//! fresh mapping whose pages fault in as they are written, and freed heap is trimmed back to the
//! system as soon as 128 KiB is free: `serve --demo` under the `serve_load` bench took 41 % of a
//! core against 14 % with the allocator left to slide its thresholds, and its REST p99 went from
//! 17 ms to 62 ms (paired runs).

/// Blocks of at least this many bytes get their own mapping.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: i32 = 128 << 10;

/// Fix glibc's mmap threshold (and with it the trim threshold) for the process. Call once at
/// start, before any thread is spawned. Elsewhere (musl, other systems) it does nothing.
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// `M_MMAP_THRESHOLD` of glibc's `<malloc.h>`.
        const M_MMAP_THRESHOLD: i32 = -3;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        // SAFETY: `mallopt` only changes allocator parameters; glibc takes its own lock, and
        // no block already allocated is affected. It returns 0 for a value it rejects, which
        // leaves the default (sliding) behaviour: nothing to handle.
        let _ = unsafe { mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) };
    }
}

/// Gives the system back the allocator's free pages in every arena (glibc's `malloc_trim(0)`),
/// not only the free room at the top of the heap that glibc trims by itself. For after a burst
/// that freed far more than stays in use, such as the demo's simulated past: called by hand
/// from `gdb` 75 s into a warm demo, it took the resident memory from 232 to 172 MB. Elsewhere
/// (musl, other systems) it does nothing.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> i32;
        }
        // SAFETY: `malloc_trim` takes each arena's lock while it returns free pages; it never
        // touches a block in use. Its result (whether memory went back) needs no handling.
        let _ = unsafe { malloc_trim(0) };
    }
}
