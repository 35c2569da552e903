//! `GET /metrics` (issue 12, point 4): after `refeed run` refreshed sources
//! on the loopback outlet, the counters say what happened, and the whole
//! exposition passes `promtool check metrics` (Prometheus's own parser and
//! linter; Debian package `prometheus`). Without promtool the check skips
//! with a message, unless `REFEED_REQUIRE_PROMTOOL` is set (as in CI).

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, http_get};

/// One sample: metric name and labels.
type Series = (String, BTreeMap<String, String>);

/// Parses the text format's samples (comments skipped). Label values here
/// hold no quotes or commas, so a plain split is enough.
fn samples(text: &str) -> BTreeMap<Series, f64> {
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').expect("name and value");
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let labels = labels
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').expect("label pair");
                (k.to_owned(), v.trim_matches('"').to_owned())
            })
            .collect();
        out.insert((name.to_owned(), labels), value.parse().expect("a number"));
    }
    out
}

/// The value of `name{labels}`, 0 when absent.
fn value(samples: &BTreeMap<Series, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let labels = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    samples
        .get(&(name.to_owned(), labels))
        .copied()
        .unwrap_or(0.0)
}

/// `promtool check metrics` on `text`; `None` when promtool is missing
/// (and not required).
fn promtool(text: &str) -> Option<(bool, String)> {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(err) if std::env::var_os("REFEED_REQUIRE_PROMTOOL").is_some() => {
            panic!("promtool is required (REFEED_REQUIRE_PROMTOOL) but cannot run: {err}")
        }
        Err(err) => {
            eprintln!("skipping promtool check metrics: {err} (apt-get install prometheus)");
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some((out.status.success(), said))
}

/// A loopback address where nothing listens (bound, then let go).
fn closed_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// Scrapes until `done` holds, for at most a minute.
async fn scrape_until(url: &str, done: impl Fn(&BTreeMap<Series, f64>) -> bool) -> String {
    for _ in 0..600 {
        let text = http_get(url).await.body;
        if done(&samples(&text)) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "metrics never showed the refreshes:\n{}",
        http_get(url).await.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_refreshes_fetches_and_feed_requests_and_pass_promtool() {
    let outlet = Outlet::start().await;
    outlet.write("/robots.txt", "User-agent: *\nDisallow: /private/\n");
    let listing = outlet.url("/tag/bolivia/");
    let env = TestEnv::new(
        &[
            SourceToml::listing("full", &listing).full_text(),
            SourceToml::listing("warm", &listing),
            SourceToml::listing("broken", &outlet.url("/broken/500")),
            SourceToml::listing("private", &outlet.url("/private/")),
            SourceToml::listing("down", &format!("http://{}/news/", closed_port())),
        ],
        "5s",
    );
    // `once` stores the listing's validators: the daemon's first refresh
    // of `warm` is a 304 (and `once` itself records no metrics).
    let once = env.refeed(&["once", "warm"]).await;
    assert!(once.success(), "{once}");
    let daemon = env.daemon().await;
    let url = daemon.url("/metrics");
    let refreshes = "refeed_refreshes_total";
    let text = scrape_until(&url, |m| {
        value(m, refreshes, &[("outcome", "failed"), ("source", "down")]) == 1.0
            && value(m, refreshes, &[("outcome", "ok"), ("source", "full")]) == 1.0
            && value(
                m,
                refreshes,
                &[("outcome", "not_modified"), ("source", "warm")],
            ) == 1.0
            && value(m, refreshes, &[("outcome", "failed"), ("source", "broken")]) == 1.0
            && value(
                m,
                refreshes,
                &[("outcome", "failed"), ("source", "private")],
            ) == 1.0
    })
    .await;
    let m = samples(&text);
    let logs = daemon.logs();
    let items = |change| {
        value(
            &m,
            "refeed_items_total",
            &[("change", change), ("source", "full")],
        )
    };
    assert_eq!(
        (items("new"), items("updated")),
        (12.0, 0.0),
        "{text}\n{logs}"
    );
    // The listing and its twelve articles, each extracted once (the
    // outlet's robots.txt answer was saved by `once` and is not asked again).
    let fetches = |class| value(&m, "refeed_fetches_total", &[("class", class)]);
    assert_eq!(fetches("2xx"), 13.0, "{text}\n{logs}");
    assert_eq!(fetches("3xx"), 1.0, "{text}");
    assert_eq!(fetches("5xx"), 1.0, "{text}");
    assert_eq!(value(&m, "refeed_fetch_not_modified_total", &[]), 1.0);
    // The down host's robots.txt request failed: an error, not a refusal.
    assert_eq!(fetches("error"), 1.0, "{text}");
    assert_eq!(value(&m, "refeed_robots_refusals_total", &[]), 1.0);
    assert!(
        value(&m, "refeed_fetch_bytes_total", &[]) > 10_000.0,
        "{text}"
    );
    assert_eq!(
        value(&m, "refeed_extraction_duration_seconds_count", &[]),
        12.0
    );
    let full = [("source", "full")];
    assert_eq!(
        value(&m, "refeed_refresh_duration_seconds_count", &full),
        1.0
    );
    assert_eq!(value(&m, "refeed_sources", &[]), 5.0);
    assert_eq!(value(&m, "refeed_sources_backing_off", &[]), 3.0);
    assert_eq!(value(&m, "refeed_sources_stale", &[]), 0.0);

    // A miss renders, the next request hits; an unknown feed is a 404.
    for path in ["/feeds/full.atom", "/feeds/full.atom", "/feeds/nope.rss"] {
        http_get(&daemon.url(path)).await;
    }
    let text = http_get(&url).await.body;
    let m = samples(&text);
    let requests = |format, status| {
        value(
            &m,
            "refeed_feed_requests_total",
            &[("format", format), ("status", status)],
        )
    };
    assert_eq!(requests("atom", "200"), 2.0, "{text}");
    assert_eq!(requests("rss", "404"), 1.0, "{text}");
    assert_eq!(
        value(&m, "refeed_feed_cache_misses_total", &[]),
        1.0,
        "{text}"
    );
    assert_eq!(
        value(&m, "refeed_feed_cache_hits_total", &[]),
        1.0,
        "{text}"
    );
    // No URL or host from the wild is a label value.
    assert!(!text.contains("127.0.0.1"), "{text}");

    if let Some((ok, said)) = promtool(&text) {
        assert!(
            ok && said.trim().is_empty(),
            "promtool check metrics:\n{said}\n{text}"
        );
    }
}
