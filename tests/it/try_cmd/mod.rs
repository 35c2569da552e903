//! `refeed try`: the preview of a source, offline on a saved page
//! (`try FILE --url URL`, the listing benchmark's command contract) and
//! over loopback (`try http://127.0.0.1:PORT/...`), in text and JSON.
//!
//! - Every fixture pair `tests/fixtures/listing/NAME.html` + `NAME.json`
//!   (`{"url", "method", "items": [{"url", "title"}]}`, or `{"url",
//!   "error"}` for a page without a list of articles) is checked offline
//!   and served on 127.0.0.1: the method, and every item's URL and title
//!   in page order (or the failure).
//! - The fixture outlet's RSS feed is found as a feed.
//! - The user's own selectors (`--item/--title/--link/...`) on the fixture
//!   outlet's tag archive, with the warnings (an item selector matching
//!   nothing, a date selector reading no date).
//! - The printed `[[source]]` block is valid TOML that `refeed check`
//!   accepts.
//! - Nothing found: exit status 1, the pipeline's message, and in text
//!   what was considered.
//! - No database is written, robots.txt is obeyed, and `--full-text`
//!   shows the first article.

mod listings;
mod pages;

use std::path::{Path, PathBuf};

use serde_json::Value;
use url::Url;

use crate::support::{Output, TestEnv, run_refeed};

/// The fixture outlet's tag archive.
const TAG: &str = "/tag/bolivia/";

/// The tag archive's selectors (the fixtures' README), as `refeed try`
/// options.
const SELECTORS: [&str; 10] = [
    "--item",
    "article.post",
    "--title",
    "h2.entry-title a",
    "--link",
    "h2.entry-title a",
    "--date",
    "time.entry-date",
    "--author",
    ".author",
];

/// The message of a page without a list of articles.
fn no_list_message(url: &str) -> String {
    format!(
        "found no list of articles on {url}: add [source.items] selectors \
         (refeed try {url} shows what was considered)"
    )
}

/// `tests/fixtures/NAME`.
fn fixtures(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `refeed try ARGS` in a folder without a config file.
async fn try_cmd(args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().expect("temporary folder");
    let mut all = vec!["try".to_owned()];
    all.extend(args.iter().map(|a| a.to_string()));
    run_refeed(cwd.path(), &all).await
}

/// A config whose only settings are `[fetch]` without a per-host delay
/// (every page here is one host; the default 1 s would slow each try).
fn fast_config() -> TestEnv {
    TestEnv::with_settings(&[], "[fetch]\ntimeout = \"10s\"\nper_host_delay = \"0s\"\n")
}

/// `refeed try ARGS --config FILE` with [`fast_config`].
async fn try_fast(env: &TestEnv, args: &[&str]) -> Output {
    let mut all = vec!["try"];
    all.extend_from_slice(args);
    env.refeed(&all).await
}

/// The JSON a successful `--format json` printed.
fn json_of(out: &Output) -> Value {
    assert!(out.success(), "{out}");
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

/// Titles compare with whitespace collapsed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `[[source]]` block at the end of a text report.
fn block_of(out: &Output) -> &str {
    let at = out
        .stdout
        .find("[[source]]")
        .unwrap_or_else(|| panic!("no block:\n{out}"));
    &out.stdout[at..]
}

/// `refeed check` on a config holding `block` (and nothing else but the
/// server and storage): its output, which must be a success.
async fn check_block(block: &str) -> String {
    let parsed: toml::Table =
        toml::from_str(block).unwrap_or_else(|e| panic!("not TOML ({e}):\n{block}"));
    assert!(parsed["source"][0]["url"].is_str(), "{block}");
    let env = TestEnv::with_settings(&[], block);
    let out = env.refeed(&["check"]).await;
    assert!(
        out.success(),
        "refeed check refused the block:\n{block}\n{out}"
    );
    out.stdout
}

/// `(path, title)` of each JSON item.
fn paths_of(value: &Value) -> Vec<(String, String)> {
    value["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| {
            let url = Url::parse(item["url"].as_str().expect("url")).expect("absolute url");
            (
                url.path().to_owned(),
                collapse(item["title"].as_str().unwrap()),
            )
        })
        .collect()
}
