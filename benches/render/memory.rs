//! The rendered-feed cache's memory (issue 13): requesting every feed of
//! 10,000 sources in every format and encoding must keep the process's
//! RSS within `[server] cache_bytes` plus a fixed base.
//!
//! `cargo bench --bench render -- memory` builds a database of 10,000
//! sources x 50 items ([`db`](super::db); `REFEED_BENCH_SOURCES` to change
//! the count), then:
//! 1. warms up: the first [`WARM_UP`] sources in every format and
//!    encoding through a cache of 0 bytes (thread pools, allocator arenas,
//!    SQLite's page caches, the compressors' buffers), and reads the
//!    process's `VmRSS`: the base;
//! 2. for each bound in `REFEED_BENCH_CACHE_BYTES` (comma-separated bytes,
//!    default 16 MiB then 64 MiB, the default `cache_bytes`), a fresh
//!    `FeedCache` of that bound and `GET /feeds/{id}.{rss,atom,json}` in
//!    identity, gzip and br for every source and `all` through the router
//!    (what the daemon serves), reading `VmRSS` and the cache's accounted
//!    bytes every [`EVERY`] sources.
//!
//! It prints, per bound, the bytes served, the cache's highest accounted
//! bytes, its evictions, the highest `VmRSS` seen and its growth over the
//! base, and `VmHWM` (the kernel's high-water mark).

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::http::Request;
use axum::http::header::ACCEPT_ENCODING;
use refeed::http::{AppState, FeedCache, FeedFormat, router};
use refeed::model::SourceMeta;
use refeed::store::Store;
use tower::ServiceExt;
use url::Url;

use super::{db, env_number};

/// Sources requested before the base is read.
const WARM_UP: usize = 100;

/// Sources between two readings of `VmRSS`.
const EVERY: usize = 250;

/// Bytes in a MiB.
const MIB: f64 = 1024.0 * 1024.0;

/// What one walk over every feed saw.
#[derive(Debug, Default)]
struct Walk {
    /// Body bytes served.
    served: usize,
    /// Highest accounted bytes of the cache.
    held: usize,
    /// Highest `VmRSS`, in KiB.
    rss_kib: u64,
}

/// Runs the memory bench; see the module docs.
pub async fn bench() {
    let count = env_number("REFEED_BENCH_SOURCES").unwrap_or(10_000);
    let bounds: Vec<usize> = match std::env::var("REFEED_BENCH_CACHE_BYTES") {
        Ok(list) => list
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .collect(),
        Err(_) => vec![16 << 20, 64 << 20],
    };
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("refeed.db");
    let store = Store::open(&path).await.expect("open the store");
    let started = Instant::now();
    let (sources, items) = db::generate(&path, &[(count, db::MAX_ITEMS)]).await;
    println!(
        "== memory: {count} sources, {items} items, generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let base_url = Url::parse("http://refeed.test/").expect("valid URL");
    let state = |bytes| {
        let state = AppState::new(store.clone(), sources.clone(), base_url.clone(), None);
        state.with_cache(FeedCache::new(bytes))
    };
    walk(&state(0), &sources[..WARM_UP.min(count)]).await;
    let base = status_kib("VmRSS:");
    println!("base VmRSS after warm-up: {:.1} MiB", base as f64 / 1024.0);
    for bound in bounds {
        let state = state(bound);
        let started = Instant::now();
        let seen = walk(&state, &sources).await;
        let stats = state.cache.stats();
        println!(
            "cache_bytes {:>6.1} MiB: served {:>7.1} MiB in {:.0} s; cache held at most {:.1} MiB \
             ({} evictions, {} entries at the end); VmRSS at most {:.1} MiB = base + {:.1} MiB; VmHWM {:.1} MiB",
            bound as f64 / MIB,
            seen.served as f64 / MIB,
            started.elapsed().as_secs_f64(),
            seen.held as f64 / MIB,
            stats.evictions,
            stats.entries,
            seen.rss_kib as f64 / 1024.0,
            seen.rss_kib.saturating_sub(base) as f64 / 1024.0,
            status_kib("VmHWM:") as f64 / 1024.0,
        );
        assert!(seen.held <= bound, "the cache kept its bound");
    }
}

/// Requests every feed of `sources`, then `all`, in every format and
/// encoding.
async fn walk(state: &AppState, sources: &[SourceMeta]) -> Walk {
    let app = router(state.clone());
    let ids = sources.iter().map(|s| s.id.as_str()).chain(["all"]);
    let mut seen = Walk::default();
    for (n, id) in ids.enumerate() {
        for format in FeedFormat::ALL {
            for accept in ["identity", "gzip", "br"] {
                let uri = format!("/feeds/{id}.{}", format.extension());
                let request = Request::get(uri)
                    .header(ACCEPT_ENCODING, accept)
                    .body(Body::empty())
                    .expect("request");
                let response = app.clone().oneshot(request).await.expect("response");
                assert_eq!(response.status(), 200, "{id} {accept}");
                let body = to_bytes(response.into_body(), usize::MAX).await;
                seen.served += body.expect("body").len();
            }
        }
        seen.held = seen.held.max(state.cache.stats().bytes);
        if n % EVERY == 0 {
            seen.rss_kib = seen.rss_kib.max(status_kib("VmRSS:"));
        }
    }
    seen.rss_kib = seen.rss_kib.max(status_kib("VmRSS:"));
    seen
}

/// A `kB` field of `/proc/self/status` (0 where there is none).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
