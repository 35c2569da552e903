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

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use refeed::scrape::discover;
use url::Url;

/// Passes over the whole page set; the best pass is reported.
const PASSES: usize = 5;

fn main() {
    let folder = page_folder();
    let pages = load_pages(&folder);
    assert!(!pages.is_empty(), "no pages in {}", folder.display());
    let bytes: usize = pages.iter().map(String::len).sum();
    let url = Url::parse("https://example.org/news/").expect("valid URL");

    let mut best = Duration::MAX;
    let mut per_page = Vec::with_capacity(pages.len());
    for _ in 0..PASSES {
        per_page.clear();
        let start = Instant::now();
        for page in &pages {
            let t = Instant::now();
            std::hint::black_box(discover::survey(page, &url).ok());
            per_page.push(t.elapsed());
        }
        best = best.min(start.elapsed());
    }
    per_page.sort();
    let secs = best.as_secs_f64();
    let (threads, parallel) = all_cores(&pages, &url);
    println!("pages: {} from {}", pages.len(), folder.display());
    println!(
        "size: {:.0} KB average",
        bytes as f64 / pages.len() as f64 / 1024.0
    );
    println!(
        "one thread, best of {PASSES}: {:.0} pages/s, {:.1} MB/s",
        pages.len() as f64 / secs,
        bytes as f64 / secs / 1e6
    );
    println!(
        "one process, {threads} threads, best of {PASSES}: {:.0} pages/s",
        (pages.len() * ROUNDS) as f64 / parallel.as_secs_f64()
    );
    println!(
        "per page: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms(per_page[per_page.len() / 2]),
        ms(per_page[per_page.len() * 95 / 100]),
        ms(per_page[per_page.len() - 1])
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
    for _ in 0..PASSES {
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn page_folder() -> PathBuf {
    if let Some(dir) = std::env::var_os("REFEED_BENCH_PAGES") {
        return dir.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dev = root.join("../shared/bench/listing/dev/html");
    if dev.is_dir() {
        dev
    } else {
        root.join("tests/fixtures/listing")
    }
}

/// Every `.html` / `.html.gz` in `folder`, decoded.
fn load_pages(folder: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.to_string_lossy();
            name.ends_with(".html") || name.ends_with(".html.gz")
        })
        .collect();
    paths.sort();
    paths.iter().map(|p| read(p)).collect()
}

fn read(path: &Path) -> String {
    let raw = std::fs::read(path).expect("read page");
    if path.extension().is_some_and(|e| e == "gz") {
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut plain)
            .expect("gunzip page");
        return refeed::fetch::decode(&plain, None);
    }
    refeed::fetch::decode(&raw, None)
}
