//! The rendered-feed cache's byte bound (issue 13), on the real daemon:
//! `refeed run` with many sources and a small `[server] cache_bytes`, every
//! feed requested in every format and encoding twice over. After every
//! request `/metrics` must report the cache within its bound; each feed
//! must decode and parse with all its items; and in the second round, whose
//! documents had fallen out and are rendered again, each must answer 304
//! to `If-None-Match` with the first round's `ETag`, then the same bytes
//! under the same `ETag`.

use std::collections::HashMap;
use std::io::Read;
use std::time::{Duration, Instant};

use crate::outlet::Outlet;
use crate::support::{BASE_URL, Daemon, NEVER, parse_atom, parse_rss, raw_client};

/// Sources of the test, each a feed of [`ITEMS`] items on the outlet.
const SOURCES: usize = 24;

/// Items per source feed.
const ITEMS: usize = 12;

/// The bound: a few sources' documents at once, so walking all of them
/// must evict (a source's three formats in three encodings and its items
/// take ~60 KB here).
const CACHE_BYTES: usize = 240_000;

/// The formats, by extension.
const FORMATS: [&str; 3] = ["rss", "atom", "json"];

/// `Accept-Encoding` values and the `Content-Encoding` each must get.
const ENCODINGS: [(&str, Option<&str>); 3] = [
    ("identity", None),
    ("gzip", Some("gzip")),
    ("br", Some("br")),
];

/// An RSS feed of [`ITEMS`] items for source `n`, each with a paragraph
/// of its own.
fn source_feed(n: usize) -> String {
    let mut items = String::new();
    for i in 0..ITEMS {
        let words = format!("Source {n} reports event {i} in some detail. ").repeat(8);
        items.push_str(&format!(
            "<item><title>Source {n} story {i}</title>\
             <link>http://outlet.example/s{n}/story-{i}/</link>\
             <guid>http://outlet.example/s{n}/story-{i}/</guid>\
             <pubDate>Mon, {:02} May 2024 10:00:00 GMT</pubDate>\
             <description>&lt;p&gt;{words}&lt;/p&gt;</description></item>",
            i + 1
        ));
    }
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Outlet {n}</title>\
         <link>http://outlet.example/s{n}/</link><description>d</description>{items}\
         </channel></rss>"
    )
}

/// A config of [`SOURCES`] feed sources on `outlet` under `dir`.
fn config(dir: &std::path::Path, outlet: &Outlet) -> std::path::PathBuf {
    let mut text = format!(
        "[server]\nlisten = \"127.0.0.1:0\"\nbase_url = {BASE_URL:?}\ncache_bytes = {CACHE_BYTES}\n\n\
         [storage]\npath = '{}'\n\n[fetch]\nper_host_delay = \"0s\"\n\n",
        dir.join("data/refeed.db").display()
    );
    for n in 0..SOURCES {
        let url = outlet.url(&format!("/gen/s{n}/feed/"));
        text.push_str(&format!(
            "[[source]]\nid = \"s{n}\"\nurl = {url:?}\nschedule = {NEVER:?}\n\n"
        ));
    }
    let path = dir.join("refeed.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// One sample of `/metrics` by name (no labels).
async fn metric(client: &reqwest::Client, daemon: &Daemon, name: &str) -> f64 {
    let text = client
        .get(daemon.url("/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
        .parse()
        .expect("a number")
}

/// The body decoded from `encoding`.
fn decode(encoding: Option<&str>, body: &[u8]) -> String {
    let mut out = String::new();
    match encoding {
        None => return String::from_utf8(body.to_vec()).expect("UTF-8"),
        Some("gzip") => flate2::read::GzDecoder::new(body).read_to_string(&mut out),
        Some(_) => brotli::Decompressor::new(body, 4096).read_to_string(&mut out),
    }
    .expect("decodes");
    out
}

/// Items in a document of `format`.
fn item_count(format: &str, text: &str) -> usize {
    match format {
        "rss" => parse_rss(text).items().len(),
        "atom" => parse_atom(text).entries().len(),
        _ => {
            let json: serde_json::Value = serde_json::from_str(text).expect("JSON Feed");
            json["items"].as_array().expect("items").len()
        }
    }
}

/// Waits until every source's feed holds its items.
async fn wait_for_items(client: &reqwest::Client, daemon: &Daemon) {
    let deadline = Instant::now() + Duration::from_secs(60);
    for n in 0..SOURCES {
        loop {
            let url = daemon.url(&format!("/feeds/s{n}.json"));
            let body = client.get(&url).send().await.expect("GET").text().await;
            if body.is_ok_and(|b| item_count("json", &b) == ITEMS) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "s{n} never refreshed:\n{}",
                daemon.logs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// `GET url` with `Accept-Encoding: accept`, and `If-None-Match` when
/// given.
async fn get(
    client: &reqwest::Client,
    url: &str,
    accept: &str,
    if_none_match: Option<&str>,
) -> reqwest::Response {
    let mut request = client.get(url).header("accept-encoding", accept);
    if let Some(etag) = if_none_match {
        request = request.header("if-none-match", etag);
    }
    request.send().await.expect("GET feed")
}

/// What one request answered: `ETag` and raw body.
type Answer = (String, Vec<u8>);

#[tokio::test]
async fn every_feed_in_every_format_and_encoding_stays_within_cache_bytes() {
    let outlet = Outlet::start().await;
    for n in 0..SOURCES {
        outlet.write(&format!("/gen/s{n}/feed/index.xml"), &source_feed(n));
    }
    let dir = tempfile::tempdir().expect("temporary folder");
    let daemon = Daemon::start(dir.path(), &config(dir.path(), &outlet)).await;
    let client = raw_client();
    wait_for_items(&client, &daemon).await;
    let budget = metric(&client, &daemon, "refeed_feed_cache_budget_bytes").await;
    assert_eq!(budget, CACHE_BYTES as f64);
    let ids: Vec<String> = (0..SOURCES)
        .map(|n| format!("s{n}"))
        .chain(["all".to_string()])
        .collect();
    let mut first: HashMap<(String, &str, &str), Answer> = HashMap::new();
    for round in 0..2 {
        for id in &ids {
            for format in FORMATS {
                for (accept, coding) in ENCODINGS {
                    let url = daemon.url(&format!("/feeds/{id}.{format}"));
                    let key = (id.clone(), format, accept);
                    if let Some((etag, _)) = first.get(&key) {
                        // Fallen out since round 0: rendered again to say so.
                        let unchanged = get(&client, &url, accept, Some(etag)).await;
                        assert_eq!(unchanged.status(), 304, "{url} {accept}");
                        let again = unchanged.headers().get("etag").map(|v| v.as_bytes());
                        assert_eq!(again, Some(etag.as_bytes()), "{url} {accept}: 304's ETag");
                    }
                    let response = get(&client, &url, accept, None).await;
                    assert_eq!(response.status(), 200, "{url} {accept}");
                    let header = |name| {
                        let value = response.headers().get(name);
                        value.map(|v| v.to_str().expect("ASCII").to_string())
                    };
                    assert_eq!(header("content-encoding").as_deref(), coding, "{url}");
                    let etag = header("etag").expect("an ETag");
                    let body = response.bytes().await.expect("body").to_vec();
                    let text = decode(coding, &body);
                    let want = if id == "all" { 200 } else { ITEMS };
                    assert_eq!(item_count(format, &text), want, "{url} {accept}");
                    let held = metric(&client, &daemon, "refeed_feed_cache_bytes").await;
                    assert!(
                        held <= budget,
                        "round {round}, {url} {accept}: {held} > {budget}"
                    );
                    let earlier = first
                        .entry(key)
                        .or_insert_with(|| (etag.clone(), body.clone()));
                    assert_eq!(earlier.0, etag, "{url} {accept}: the same ETag");
                    assert!(earlier.1 == body, "{url} {accept}: the same bytes");
                }
            }
        }
        let evictions = metric(&client, &daemon, "refeed_feed_cache_evictions_total").await;
        assert!(evictions > 0.0, "round {round}: walking every feed evicted");
    }
    let entries = metric(&client, &daemon, "refeed_feed_cache_entries").await;
    assert!(entries > 0.0, "the cache was used");
}
