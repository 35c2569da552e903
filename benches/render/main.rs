//! Feeds rendered from the database (issue 13), in two parts.
//!
//! **Cold renders at a million stored items** (`cargo bench --bench
//! render`): a 50-item feed must render from the database in O(limit),
//! however many items are stored (target: p99 <= 10 ms for a source feed
//! and for `all`). It builds two databases in a temporary folder ([`db`]):
//! - `even`: 1,000 sources x 1,000 items;
//! - `skewed`: one source with 500,000 items and 500 sources x 1,000.
//!
//! Then, with every source configured at `max_items = 50` (so `all` holds
//! 200 items), it times, per feed id sampled and per format:
//! - `render`: `refeed::http::render_feed` (the store read and the
//!   document, what `refeed feed` does; no compression);
//! - `http identity|gzip|br`: `GET /feeds/{id}.{ext}` through the router
//!   with a cache of 0 bytes, so every request is a cold render, compressed
//!   in the encoding asked for as the daemon does on a cache miss.
//!
//! It prints p50/p99/max in milliseconds and the database's bytes per
//! stored item. `REFEED_BENCH_ITEMS=100000` scales the databases down (a
//! tenth) for a quick run.
//!
//! **The cache's memory** (`cargo bench --bench render -- memory`): every
//! feed of 10,000 sources requested in every format and encoding must keep
//! the process's RSS within `[server] cache_bytes` plus a fixed base; see
//! [`memory`].

mod db;
mod memory;

// The daemon's allocator, set up alike (`refeed::allocator`), so the
// memory part measures what `refeed run` would hold.
refeed::daemon_allocator!();

use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::http::Request;
use axum::http::header::ACCEPT_ENCODING;
use refeed::http::{AppState, FeedCache, FeedFormat, render_feed, router};
use refeed::model::SourceMeta;
use refeed::store::Store;
use tower::ServiceExt;
use url::Url;

/// Sources sampled per database and pass.
const SAMPLES: usize = 60;

/// One database to build: `(sources, items each)` groups.
struct Layout {
    name: &'static str,
    groups: Vec<(usize, usize)>,
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if std::env::args().any(|arg| arg == "memory") {
        runtime.block_on(memory::bench());
        return;
    }
    let total = env_number("REFEED_BENCH_ITEMS").unwrap_or(1_000_000);
    let scale = total / 1_000;
    let layouts = [
        Layout {
            name: "even",
            groups: vec![(1_000, scale)],
        },
        Layout {
            name: "skewed",
            groups: vec![(1, total / 2), (500, scale)],
        },
    ];
    for layout in layouts {
        runtime.block_on(bench(&layout));
    }
}

async fn bench(layout: &Layout) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("refeed.db");
    let store = Store::open(&path).await.expect("open the store");
    let started = Instant::now();
    let (sources, items) = db::generate(&path, &layout.groups).await;
    let size = db::database_bytes(&path).await;
    println!(
        "\n== {}: {} sources, {items} items, generated in {:.1} s; database {:.0} MB, {:.0} bytes/item",
        layout.name,
        sources.len(),
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6,
        size as f64 / items as f64,
    );
    let base = Url::parse("http://refeed.test/").expect("valid URL");
    let state = AppState::new(store, sources.clone(), base, None).with_cache(FeedCache::new(0));
    let mut ids: Vec<String> = sample(&sources);
    ids.push("all".into());
    for (label, ids) in [
        ("source", &ids[..ids.len() - 1]),
        ("all", &ids[ids.len() - 1..]),
    ] {
        let rounds = if label == "all" { SAMPLES } else { 1 };
        for format in FeedFormat::ALL {
            let times = time_renders(&state, ids, format, rounds).await;
            report(label, format, "render", &times);
        }
        for (encoding, accept) in [("identity", "identity"), ("gzip", "gzip"), ("br", "br")] {
            let format = FeedFormat::Atom;
            let times = time_requests(&state, ids, format, accept, rounds).await;
            report(label, format, &format!("http {encoding}"), &times);
        }
    }
}

/// A number from the environment.
fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok()?.parse().ok()
}

/// [`SAMPLES`] source ids spread over the list, the first (the skewed
/// database's big source) always among them.
fn sample(sources: &[SourceMeta]) -> Vec<String> {
    let step = (sources.len() / SAMPLES).max(1);
    sources
        .iter()
        .step_by(step)
        .take(SAMPLES)
        .map(|s| s.id.clone())
        .collect()
}

/// Times `render_feed` over `ids`, `rounds` times.
async fn time_renders(
    state: &AppState,
    ids: &[String],
    format: FeedFormat,
    rounds: usize,
) -> Vec<Duration> {
    let mut times = Vec::new();
    for _ in 0..rounds {
        for id in ids {
            let started = Instant::now();
            let body = render_feed(state, id, format).await.expect("render");
            times.push(started.elapsed());
            assert!(body.is_some_and(|b| b.len() > 1_000), "{id} rendered");
        }
    }
    times
}

/// Times cold `GET /feeds/{id}.{ext}` with `Accept-Encoding: accept`.
async fn time_requests(
    state: &AppState,
    ids: &[String],
    format: FeedFormat,
    accept: &str,
    rounds: usize,
) -> Vec<Duration> {
    let app = router(state.clone());
    let mut times = Vec::new();
    for _ in 0..rounds {
        for id in ids {
            let uri = format!("/feeds/{id}.{}", format.extension());
            let request = Request::get(uri)
                .header(ACCEPT_ENCODING, accept)
                .body(Body::empty())
                .expect("request");
            let started = Instant::now();
            let response = app.clone().oneshot(request).await.expect("response");
            let body = to_bytes(response.into_body(), usize::MAX).await;
            times.push(started.elapsed());
            assert!(body.is_ok_and(|b| b.len() > 100), "{id} served");
        }
    }
    times
}

/// Prints p50, p99 and max of `times` in milliseconds.
fn report(label: &str, format: FeedFormat, what: &str, times: &[Duration]) {
    let mut sorted = times.to_vec();
    sorted.sort();
    let at = |q: f64| {
        let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[i].as_secs_f64() * 1e3
    };
    println!(
        "{label:>6} {:>4} {what:<13} n={:<4} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        format.extension(),
        sorted.len(),
        at(0.5),
        at(0.99),
        at(1.0),
    );
}
