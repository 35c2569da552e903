//! Every listing fixture, offline and over loopback, and the `[[source]]`
//! block printed for teasers.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;
use serde_json::Value;
use tokio::task::JoinHandle;
use url::Url;

use super::{
    block_of, check_block, collapse, fast_config, fixtures, json_of, no_list_message, try_cmd,
    try_fast,
};
use crate::support::Output;

/// One listing fixture: the page and what must be found on it.
struct Listing {
    name: String,
    page: PathBuf,
    expected: Value,
}

impl Listing {
    fn url(&self) -> &str {
        self.expected["url"].as_str().expect("fixture url")
    }

    /// The expected failure, for a page without a list of articles.
    fn error(&self) -> Option<&str> {
        self.expected["error"].as_str()
    }
}

/// Every `NAME.html` with its `NAME.json` in `tests/fixtures/listing/`,
/// sorted by name; there must be some.
fn listings() -> Vec<Listing> {
    let dir = fixtures("listing");
    assert!(dir.is_dir(), "{} is missing", dir.display());
    let mut pairs: Vec<Listing> = std::fs::read_dir(&dir)
        .expect("read the listing fixtures")
        .filter_map(|entry| {
            let page = entry.expect("fixture entry").path();
            let name = page
                .file_name()?
                .to_str()?
                .strip_suffix(".html")?
                .to_owned();
            let json = page.with_extension("json");
            let text = std::fs::read_to_string(&json).ok()?;
            let expected = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", json.display()));
            Some(Listing {
                name,
                page,
                expected,
            })
        })
        .collect();
    assert!(
        !pairs.is_empty(),
        "no NAME.html + NAME.json fixture pairs in {}",
        dir.display()
    );
    pairs.sort_by(|a, b| a.name.cmp(&b.name));
    pairs
}

/// A URL compared the way the listing benchmark compares them: parsed
/// (scheme and host lower-cased, default port dropped), without its
/// fragment, `utm_*` parameters or trailing slash, so a fixture does not
/// tie detection to one spelling of a link (detection deduplicates by
/// canonical URL).
fn normal(url: &str) -> String {
    let mut parsed = Url::parse(url).unwrap_or_else(|e| panic!("bad URL {url:?}: {e}"));
    parsed.set_fragment(None);
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| !key.to_ascii_lowercase().starts_with("utm_"))
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    let path = parsed.path().trim_end_matches('/').to_owned();
    parsed.set_path(&path);
    parsed.to_string()
}

/// `(url, title)` of each item, in order.
fn pairs_of(items: &Value, map_url: &dyn Fn(&str) -> String) -> Vec<(String, String)> {
    items
        .as_array()
        .expect("items is an array")
        .iter()
        .map(|item| {
            let url = item["url"].as_str().expect("item url");
            let title = item["title"].as_str().expect("item title");
            (normal(&map_url(url)), collapse(title))
        })
        .collect()
}

/// An object's keys, sorted.
fn keys_of(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

/// Checks a `--format json` run against the fixture's expectation; item
/// URLs of the fixture go through `map_url` (the loopback origin).
fn check_listing(listing: &Listing, out: &Output, map_url: &dyn Fn(&str) -> String) {
    let name = &listing.name;
    if let Some(error) = listing.error() {
        assert!(!out.success(), "{name}: must fail:\n{out}");
        assert!(out.stderr.contains(error), "{name}: want {error:?}:\n{out}");
        assert!(
            out.stdout.is_empty(),
            "{name}: JSON output on failure:\n{out}"
        );
        return;
    }
    let value = json_of(out);
    assert_eq!(keys_of(&value), ["items", "method"], "{name}: keys");
    assert_eq!(
        value["method"], listing.expected["method"],
        "{name}: method"
    );
    let want = pairs_of(&listing.expected["items"], map_url);
    let got = pairs_of(&value["items"], &|u| u.to_owned());
    assert_eq!(got, want, "{name}: items (url, title) in page order");
    for item in value["items"].as_array().unwrap() {
        let keys = keys_of(item);
        assert_eq!(
            keys,
            ["author", "date", "image", "summary", "title", "url"],
            "{name}"
        );
        if let Some(date) = item["date"].as_str() {
            assert!(
                chrono::DateTime::parse_from_rfc3339(date).is_ok(),
                "{name}: date {date:?} is not RFC 3339"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listing_fixture_offline_in_the_benchmark_argument_order() {
    for listing in listings() {
        let page = listing.page.to_str().unwrap();
        // evaluate.py's order: CMD ... --url URL FILE.
        let out = try_cmd(&["--format", "json", "--url", listing.url(), page]).await;
        check_listing(&listing, &out, &|u| u.to_owned());
    }
}

/// Serves a listing fixture on 127.0.0.1 at its own path, its origin
/// rewritten to the server's (see [`to_loopback`]); 404 elsewhere
/// (robots.txt included: everything allowed).
async fn serve_fixture(listing: &Listing) -> (Url, SocketAddr, JoinHandle<()>) {
    let fixture = Url::parse(listing.url()).expect("fixture url");
    let html = std::fs::read_to_string(&listing.page).expect("fixture page");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    let body = to_loopback(&html, &fixture, addr);
    let path = fixture.path().to_owned();
    let router = Router::new().fallback(move |uri: Uri| {
        let answer = if uri.path() == path {
            let html = [(header::CONTENT_TYPE, "text/html; charset=UTF-8")];
            (StatusCode::OK, html, body.clone()).into_response()
        } else {
            StatusCode::NOT_FOUND.into_response()
        };
        async move { answer }
    });
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("page server");
    });
    (fixture, addr, server)
}

/// Rewrites the fixture's own origin (`https://host`, `http://host`,
/// `//host`) to the loopback server's.
fn to_loopback(text: &str, fixture: &Url, addr: SocketAddr) -> String {
    let host = fixture.host_str().expect("fixture host");
    text.replace(&format!("https://{host}"), &format!("http://{addr}"))
        .replace(&format!("http://{host}"), &format!("http://{addr}"))
        .replace(&format!("//{host}"), &format!("//{addr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listing_fixture_over_loopback_in_text_and_json() {
    let env = fast_config();
    for listing in listings() {
        let (fixture, addr, server) = serve_fixture(&listing).await;
        let url = to_loopback(listing.url(), &fixture, addr);
        let map = |u: &str| to_loopback(u, &fixture, addr);

        let out = try_fast(&env, &["--format", "json", &url]).await;
        check_listing(&listing, &out, &map);

        let out = try_fast(&env, &[&url]).await;
        match listing.error() {
            Some(_) => {
                assert!(!out.success(), "{}: {out}", listing.name);
                assert!(out.stderr.contains(&no_list_message(&url)), "{out}");
                assert!(out.stdout.contains("\nconsidered:\n"), "{out}");
            }
            None => {
                assert!(out.success(), "{}: {out}", listing.name);
                let method = listing.expected["method"].as_str().unwrap();
                assert!(
                    out.stdout.contains(&format!("\nmethod: {method} (")),
                    "{out}"
                );
                let first = &listing.expected["items"][0];
                let title = collapse(first["title"].as_str().unwrap());
                assert!(collapse(&out.stdout).contains(&title), "{out}");
                let line = format!("\nurl = '{}'\n", Url::parse(&url).unwrap());
                assert!(out.stdout.contains(&line), "{out}");
            }
        }
        server.abort();
    }
    assert!(
        !env.dir().join("data/refeed.db").exists(),
        "try opened the database"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_printed_block_for_teasers_is_a_valid_source() {
    let teasers: Vec<Listing> = listings()
        .into_iter()
        .filter(|l| l.expected["method"] == "teasers")
        .collect();
    assert!(
        !teasers.is_empty(),
        "no teaser fixture in tests/fixtures/listing"
    );
    for listing in teasers {
        let page = listing.page.to_str().unwrap();
        let out = try_cmd(&["--method", "teasers", "--url", listing.url(), page]).await;
        assert!(out.success(), "{}: {out}", listing.name);
        let block = block_of(&out);
        let parsed: toml::Table = toml::from_str(block).expect("TOML");
        let items = parsed["source"][0]["items"]
            .as_table()
            .unwrap_or_else(|| panic!("{}: teasers need [source.items]:\n{block}", listing.name));
        for key in ["item", "title", "link"] {
            assert!(items[key].is_str(), "{}: {key}:\n{block}", listing.name);
        }
        check_block(block).await;
    }
}
