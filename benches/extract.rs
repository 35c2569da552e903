//! Throughput of the article extractor alone: pages are read and decoded up
//! front, then `extract::article` runs on each in one thread, so the figures
//! exclude process start, file I/O and gunzipping.
//!
//! `cargo bench --bench extract` reads the extraction benchmark's dev pages
//! from `../shared/bench/extraction/dev/html` (or the folder in
//! `$REFEED_BENCH_PAGES`); without them it falls back to the test fixtures,
//! which are far smaller than real pages.

use refeed::extract::{self, ArticleRules};
use url::Url;

mod pages;

fn main() {
    let folder = pages::folder("../shared/bench/extraction/dev/html", "tests/fixtures");
    let pages = pages::load(&folder);
    let url = Url::parse("https://example.org/news/article").expect("valid URL");
    let rules = ArticleRules::default();
    pages::time_one_thread(&folder, &pages, |page| {
        std::hint::black_box(extract::article(page, &url, &rules).ok());
    });
}
