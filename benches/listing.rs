//! Throughput of listing discovery alone: `scrape::discover::survey` (one
//! parse, advertised feeds, WordPress, structured data and teasers) on the
//! listing benchmark's dev pages, read and decoded up front, so the figures
//! exclude process start, file I/O and gunzipping. Reported twice: in one
//! thread, and in one process with a thread per core taking pages from a
//! shared queue (as a daemon's refreshes share the cores).
//!
//! `cargo bench --bench listing` reads the pages from
//! `../shared/bench/listing/dev/html` (or the folder in
//! `$REFEED_BENCH_PAGES`); without them it falls back to the listing test
//! fixtures, which are far smaller than real pages.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use refeed::scrape::discover;
use url::Url;

mod pages;

fn main() {
    let folder = pages::folder("../shared/bench/listing/dev/html", "tests/fixtures/listing");
    let pages = pages::load(&folder);
    let url = Url::parse("https://example.org/news/").expect("valid URL");
    pages::time_one_thread(&folder, &pages, |page| {
        std::hint::black_box(discover::survey(page, &url).ok());
    });
    let (threads, best) = all_cores(&pages, &url);
    println!(
        "one process, {threads} threads, best of {}: {:.0} pages/s",
        pages::PASSES,
        (pages.len() * ROUNDS) as f64 / best.as_secs_f64()
    );
}

/// Rounds of the page set per all-cores pass, so every thread stays busy.
const ROUNDS: usize = 8;

/// The best time for [`ROUNDS`] rounds of `pages` surveyed by one thread
/// per core, each taking the next page from a shared counter.
fn all_cores(pages: &[String], url: &Url) -> (usize, Duration) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let total = pages.len() * ROUNDS;
    let mut best = Duration::MAX;
    for _ in 0..pages::PASSES {
        let next = AtomicUsize::new(0);
        let start = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let page = &pages[i % pages.len()];
                        std::hint::black_box(discover::survey(page, url).ok());
                    }
                });
            }
        });
        best = best.min(start.elapsed());
    }
    (threads, best)
}
