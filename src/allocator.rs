//! How the binaries set up their allocator, mimalloc (`src/main.rs` and the
//! render benchmark, which measures what `refeed run` would hold).
//!
//! mimalloc commits its arenas' memory eagerly by default on Linux, and the
//! pages it then purges are only reset (`MADV_FREE`), so they stay in the
//! resident set: `scripts/bench-fetch` peaked at 146 MB that way and at
//! 62 MB with commit on demand (`MIMALLOC_ARENA_EAGER_COMMIT=0`), for the
//! same CPU time. mimalloc reads the option when it reserves its first
//! arena, at the Rust runtime's first allocation, so a binary sets it from
//! the ELF `.init_array`, before the runtime starts. A binary sets all of
//! this up with one line at its root: `refeed::daemon_allocator!();`.

/// mimalloc, for [`daemon_allocator!`].
pub use mimalloc::MiMalloc;

/// Makes mimalloc the binary's global allocator, committing memory on
/// demand (see the module doc): `refeed` and the render benchmark, which
/// measures what `refeed run` would hold, use it alike. mimalloc rather
/// than the system allocator because parsing a page allocates a node, its
/// attributes and its text in many small pieces and frees them all at
/// once: glibc's malloc/free were about 7% of extraction's instructions,
/// mimalloc's are about 2.5% (callgrind, `refeed extract --batch` on the
/// Dragnet dev set).
#[macro_export]
macro_rules! daemon_allocator {
    () => {
        #[global_allocator]
        static ALLOCATOR: $crate::allocator::MiMalloc = $crate::allocator::MiMalloc;

        #[cfg(target_os = "linux")]
        #[used]
        #[unsafe(link_section = ".init_array")]
        static LAZY_ARENA_COMMIT: extern "C" fn() = $crate::allocator::lazy_arena_commit;
    };
}

/// mimalloc's `mi_option_arena_eager_commit`: its id in the `mi_option_e`
/// enum of mimalloc v3's `mimalloc.h`, the version libmimalloc-sys 0.1.49
/// builds (pinned by `Cargo.lock`).
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Makes mimalloc commit arena memory on demand (see the module doc); to be
/// run from `.init_array`, before the first allocation.
pub extern "C" fn lazy_arena_commit() {
    // SAFETY: `mi_option_set` stores one value in mimalloc's option table;
    // it allocates nothing and may be called before mimalloc is initialised.
    unsafe { libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0) }
}
