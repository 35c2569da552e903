//! What the single-thread page benchmarks share: finding and decoding the
//! pages up front, timing one function over them, and printing the figures.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Passes over the whole page set; the best pass is reported.
pub const PASSES: usize = 5;

/// `$REFEED_BENCH_PAGES`, else `dev` (relative to the crate) when it
/// exists, else `fallback` (the test fixtures, far smaller than real pages).
pub fn folder(dev: &str, fallback: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("REFEED_BENCH_PAGES") {
        return dir.into();
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dev = root.join(dev);
    if dev.is_dir() {
        dev
    } else {
        root.join(fallback)
    }
}

/// Every `.html` / `.html.gz` below `folder`, decoded, in path order.
pub fn load(folder: &Path) -> Vec<String> {
    let mut paths = Vec::new();
    collect(folder, &mut paths);
    paths.sort();
    let pages: Vec<String> = paths.iter().map(|p| read(p)).collect();
    assert!(!pages.is_empty(), "no pages in {}", folder.display());
    pages
}

fn collect(folder: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        let name = path.to_string_lossy();
        if path.is_dir() {
            collect(&path, out);
        } else if name.ends_with(".html") || name.ends_with(".html.gz") {
            out.push(path);
        }
    }
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

/// Runs `work` on every page in one thread, [`PASSES`] times, and prints
/// pages/s and MB/s of the best pass and the per-page median, p95 and max.
pub fn time_one_thread(folder: &Path, pages: &[String], mut work: impl FnMut(&str)) {
    let bytes: usize = pages.iter().map(String::len).sum();
    let mut best = Duration::MAX;
    let mut per_page = Vec::with_capacity(pages.len());
    for _ in 0..PASSES {
        per_page.clear();
        let start = Instant::now();
        for page in pages {
            let t = Instant::now();
            work(page);
            per_page.push(t.elapsed());
        }
        best = best.min(start.elapsed());
    }
    per_page.sort();
    let secs = best.as_secs_f64();
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
        "per page: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        ms(per_page[per_page.len() / 2]),
        ms(per_page[per_page.len() * 95 / 100]),
        ms(per_page[per_page.len() - 1])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
