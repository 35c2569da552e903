//! Parse bombs (issue 9): pages that would hold html5ever for minutes
//! (200,000 nested `<div>`s in a listing or an article, 100,000 escaped
//! ones in a feed item) are refused unparsed with a specific error while a
//! healthy source beside them is served, and SIGTERM ends `refeed run`
//! within 10 s even while a slow (but allowed) page is being parsed.

use std::time::{Duration, Instant};

use crate::outlet::Outlet;
use crate::support::{Daemon, SourceToml, TestEnv, http_get, parse_rss, signal};

/// systemd's `TimeoutStopSec` budget the issue sets.
const STOP_LIMIT: Duration = Duration::from_secs(10);

/// Every source must have been refreshed within this (a bomb parsed by
/// html5ever takes minutes of CPU; refused, it takes milliseconds).
const REFRESH_LIMIT: Duration = Duration::from_secs(60);

const DEPTH: usize = 200_000;

fn listing(links: &[(&str, &str)], filler: &str) -> String {
    let items: String = links
        .iter()
        .map(|(href, title)| {
            format!(
                "<article><h2 class=\"entry-title\"><a href=\"{href}\">{title}</a></h2>\
                 <div class=\"entry-summary\"><p>About {title}.</p></div></article>"
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>Bombs</title></head><body>{items}{filler}</body></html>"
    )
}

fn feed(origin: &str) -> String {
    let item = |n: usize, description: &str| {
        format!(
            "<item><title>Feed item {n}</title><link>{origin}/feed-item-{n}/</link>\
             <description>{description}</description></item>"
        )
    };
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title><link>{origin}/</link>{}{}</channel></rss>",
        item(1, &"&lt;div&gt;".repeat(100_000)),
        item(2, "&lt;p&gt;A fine summary.&lt;/p&gt;"),
    )
}

/// `/status.json`'s rows once every source has been attempted.
async fn status_rows(daemon: &Daemon) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + REFRESH_LIMIT;
    while Instant::now() < deadline {
        let fetched = http_get(&daemon.url("/status.json")).await;
        let document: serde_json::Value =
            serde_json::from_str(&fetched.body).expect("/status.json is JSON");
        let rows = document["sources"].as_array().expect("sources").clone();
        if rows.iter().all(|row| row["outcome"] != "never") {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!(
        "not every source was refreshed within {REFRESH_LIMIT:?}:\n{}",
        daemon.logs()
    );
}

fn row<'a>(rows: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    rows.iter()
        .find(|row| row["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in /status.json"))
}

async fn served_titles(daemon: &Daemon, id: &str) -> Vec<String> {
    let feed = http_get(&daemon.url(&format!("/feeds/{id}.rss"))).await;
    assert_eq!(feed.status, 200, "{id}: {}", feed.body);
    parse_rss(&feed.body)
        .items()
        .iter()
        .map(|i| i.title().unwrap_or_default().to_owned())
        .collect()
}

async fn stop(mut daemon: Daemon) {
    let sent = Instant::now();
    signal(daemon.pid(), "TERM");
    let status = daemon.wait_exit(STOP_LIMIT + Duration::from_secs(20)).await;
    let took = sent.elapsed();
    let logs = daemon.logs();
    let status = status.unwrap_or_else(|| panic!("still running 30 s after SIGTERM:\n{logs}"));
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM:\n{logs}");
    assert!(took <= STOP_LIMIT, "took {took:?} to stop:\n{logs}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bombs_are_refused_and_a_healthy_source_is_served() {
    let outlet = Outlet::start().await;
    let origin = outlet.origin();
    let bomb = "<div>".repeat(DEPTH);
    outlet.write(
        "bombs/deep/index.html",
        &listing(&[("/bombs/never/", "Never read")], &bomb),
    );
    outlet.write(
        "bombs/list/index.html",
        &listing(&[("/bombs/article/", "Bombed article")], ""),
    );
    outlet.write(
        "bombs/article/index.html",
        &format!("<html><body><p>Teaser</p>{bomb}"),
    );
    outlet.write("bombs/feed/index.xml", &feed(&origin));
    let env = TestEnv::new(
        &[
            SourceToml::listing("good", &outlet.url("/tag/bolivia/")),
            SourceToml::listing("deep-listing", &outlet.url("/bombs/deep/")),
            SourceToml::listing("deep-article", &outlet.url("/bombs/list/")).full_text(),
            SourceToml::feed("deep-feed", &outlet.url("/bombs/feed/")),
        ],
        "30s",
    );
    let daemon = env.daemon().await;
    let rows = status_rows(&daemon).await;

    assert_eq!(row(&rows, "good")["outcome"], "ok", "{rows:?}");
    assert_eq!(served_titles(&daemon, "good").await.len(), 12);

    let deep = row(&rows, "deep-listing");
    assert_eq!(deep["outcome"], "error", "{deep}");
    assert_eq!(
        deep["outcome_text"].as_str().unwrap_or_default(),
        format!(
            "refusing to parse {}: page too deeply nested: depth 200000, limit 1000",
            outlet.url("/bombs/deep/")
        ),
        "{deep}"
    );
    assert!(served_titles(&daemon, "deep-listing").await.is_empty());

    // A bombed article is skipped like any failed article: the item is
    // stored from the listing, and the refusal is logged with its URL.
    assert_eq!(row(&rows, "deep-article")["outcome"], "ok", "{rows:?}");
    assert_eq!(
        served_titles(&daemon, "deep-article").await,
        ["Bombed article"]
    );
    let logs = daemon.logs();
    assert!(
        logs.contains("page too deeply nested: depth 200000, limit 1000")
            && logs.contains("/bombs/article/"),
        "{logs}"
    );

    // A bombed feed item loses its summary, not its place in the feed.
    assert_eq!(row(&rows, "deep-feed")["outcome"], "ok", "{rows:?}");
    let feed = http_get(&daemon.url("/feeds/deep-feed.rss")).await;
    let channel = parse_rss(&feed.body);
    let items = channel.items();
    assert_eq!(items.len(), 2, "{}", feed.body);
    let summary = |title: &str| {
        items
            .iter()
            .find(|i| i.title() == Some(title))
            .and_then(|i| i.description())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(!summary("Feed item 1").contains("div"), "{}", feed.body);
    assert!(summary("Feed item 2").contains("A fine summary."));
    assert!(
        logs.contains("page too deeply nested: depth 100000, limit 1000"),
        "{logs}"
    );

    stop(daemon).await;
}

/// An article within every limit that still takes long to parse and
/// extract in a debug build (about 0.7 s in a release build): 99,000
/// paragraphs 49 elements deep.
fn slow_article() -> String {
    format!(
        "<html><body>{}{}</body></html>",
        "<span>".repeat(49),
        "<p>x</p>".repeat(99_000)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_a_page_is_parsed_exits_within_ten_seconds() {
    let outlet = Outlet::start().await;
    outlet.write(
        "slow/index.html",
        &listing(&[("/slow/article/", "Slow article")], ""),
    );
    outlet.write("slow/article/index.html", &slow_article());
    let env = TestEnv::new(
        &[SourceToml::listing("slow", &outlet.url("/slow/")).full_text()],
        "30s",
    );
    let daemon = env.daemon().await;
    for _ in 0..800 {
        if outlet.hits("/slow/article/") > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let logs = daemon.logs();
    assert!(outlet.hits("/slow/article/") > 0, "never fetched:\n{logs}");
    // Let the parse begin.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop(daemon).await;
}
