//! The hostile test bed (issue 5): one loopback origin per way an outlet
//! misbehaves (error statuses, Retry-After, a dripping or silent body, a
//! reset or truncated connection, a gzip bomb, a 50 MB page, a redirect loop,
//! binary or non-web content, malformed HTML, an ill-formed feed, lying and
//! legacy charsets, robots.txt), refreshed together with one good source.
//!
//! For each: the refresh ends within its time bound with its own specific
//! error, nothing of a failed source is stored, the good source (and the
//! sources whose markup or charset an HTML parser and decoder can recover)
//! are stored and served, and `refeed run` stays up.

#[path = "hostile/bed.rs"]
mod bed;
#[path = "hostile/pages.rs"]
mod pages;
#[path = "hostile/server.rs"]
mod server;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

use crate::support::{Daemon, NEVER, Output, SourceToml, TestEnv, http_get, parse_rss};
use bed::{Bed, Expect, SETTINGS, hang_errors};
use pages::listing;
use server::{Behaviour, Host};

/// The total timeout in `SETTINGS`.
const TIMEOUT: Duration = Duration::from_secs(3);

/// A single refresh of one misbehaving source may overrun its timeout by
/// this much (process start, database, the error being recorded).
const SLACK: Duration = Duration::from_secs(2);

/// A whole `refeed once` over the bed: sources run in parallel, so the
/// slowest (the drip, 3 s) bounds it, plus process start and generous
/// slack for a loaded 2-core CI machine.
const ONCE_LIMIT: Duration = Duration::from_secs(25);

/// The item titles of a source's stored feed.
async fn stored_titles(env: &TestEnv, id: &str) -> BTreeSet<String> {
    let feed = parse_rss(&env.feed(id, "rss").await);
    titles(&feed)
}

fn titles(feed: &rss::Channel) -> BTreeSet<String> {
    feed.items()
        .iter()
        .map(|item| item.title().unwrap_or_default().to_owned())
        .collect()
}

fn expected_titles(titles: &[&str]) -> BTreeSet<String> {
    titles.iter().map(|t| t.to_string()).collect()
}

/// Checks every source's `once` summary line and stored feed; returns the
/// mismatches (all of them, so one run shows every misbehaviour handled
/// wrongly).
async fn check_once(bed: &Bed, env: &TestEnv, once: &Output) -> Vec<String> {
    let mut wrong = Vec::new();
    for case in &bed.cases {
        let line = once.line(case.id);
        let stored = stored_titles(env, case.id).await;
        match &case.expect {
            Expect::Error(fragments) => {
                let prefix = format!("{}: error: ", case.id);
                if !line.starts_with(&prefix) || !has_fragment(line, fragments) {
                    wrong.push(format!(
                        "expected an error with one of {fragments:?}, got: {line}"
                    ));
                }
                if !stored.is_empty() {
                    wrong.push(format!("{}: failed, yet its feed has {stored:?}", case.id));
                }
            }
            Expect::Items(titles) => {
                let n = titles.len();
                let ok = format!("{}: ok, {n} seen, {n} new, 0 updated", case.id);
                if line != ok {
                    wrong.push(format!("expected `{ok}`, got: {line}"));
                }
                if stored != expected_titles(titles) {
                    wrong.push(format!(
                        "{}: expected titles {titles:?}, stored {stored:?}",
                        case.id
                    ));
                }
            }
        }
    }
    wrong
}

fn has_fragment(message: &str, fragments: &[String]) -> bool {
    fragments.iter().any(|f| message.contains(f.as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_run_over_every_misbehaviour_stores_only_whole_pages() {
    let bed = Bed::start().await;
    let env = bed.env();

    let once = env.refeed(&["once"]).await;
    assert!(!once.success(), "once must fail when sources fail:\n{once}");
    assert!(
        once.elapsed < ONCE_LIMIT,
        "once took {:?} (limit {ONCE_LIMIT:?}):\n{once}",
        once.elapsed
    );
    let wrong = check_once(&bed, &env, &once).await;
    assert!(wrong.is_empty(), "{}\n\n{once}", wrong.join("\n"));

    // The disallowed page was fetched once: by the source ignoring robots.txt.
    let robots_host = bed.pages_requested("robots");
    assert_eq!(
        robots_host,
        ["/private/news/"],
        "robots.txt was not honoured"
    );
    // The loop was noticed when /a came round again, not after ten redirects.
    let looped = bed.pages_requested("redirect-loop");
    assert!(looped.len() <= 3, "followed the loop: {looped:?}");

    // `refeed status` keeps the 503's Retry-After: the server's wait, not
    // the one-minute backoff of the other failures.
    let status = env.refeed(&["status"]).await;
    // Sources are failing: the monitoring check says so.
    assert_eq!(status.status.code(), Some(1), "{status}");
    let detail = status
        .stdout
        .lines()
        .find(|line| line.starts_with("e503: error: "))
        .unwrap_or_else(|| panic!("no error line for e503:\n{status}"));
    assert!(
        detail.contains("answered HTTP 503, retry after 120s"),
        "{detail}"
    );
    let until = detail
        .split("(server asked to wait until ")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no Retry-After time in: {detail}"));
    let until: DateTime<Utc> = until.parse().expect("an RFC 3339 time");
    let ahead = until - Utc::now();
    assert!(
        ahead > TimeDelta::seconds(100) && ahead <= TimeDelta::seconds(120),
        "retry {ahead} ahead: {detail}"
    );

    // Another process within the Retry-After window leaves the host alone
    // (robots.txt included) and says why.
    let before = bed.requests_to("e503");
    let again = env.refeed(&["once", "e503"]).await;
    let line = again.line("e503");
    assert!(
        line.starts_with("e503: error: ") && line.contains("its host asked to wait until"),
        "{line}"
    );
    assert_eq!(
        bed.requests_to("e503"),
        before,
        "the host was contacted within its Retry-After"
    );
}

/// Gives sources `ids` the schedule `* * * * *` in `env`'s config, where a
/// failure's next run depends on its backoff and Retry-After (every source
/// of `SourceToml` runs once a year, which would hide both).
fn every_minute(env: &TestEnv, ids: &[&str]) {
    let path = env.dir().join("refeed.toml");
    let mut text = std::fs::read_to_string(&path).expect("read the config");
    for id in ids {
        let table = text
            .find(&format!("id = {id:?}\n"))
            .expect("source in config");
        let at = table
            + text[table..]
                .find(&format!("schedule = {NEVER:?}"))
                .expect("schedule");
        text.replace_range(
            at..at + format!("schedule = {NEVER:?}").len(),
            "schedule = \"* * * * *\"",
        );
    }
    std::fs::write(&path, text).expect("write the config");
}

/// `/status.json`'s row of each source, once every source has been
/// attempted (`None` if that takes longer than `limit`).
async fn status_when_all_attempted(daemon: &Daemon, limit: Duration) -> Option<serde_json::Value> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        let fetched = http_get(&daemon.url("/status.json")).await;
        assert_eq!(fetched.status, 200, "{}", fetched.body);
        let document: serde_json::Value =
            serde_json::from_str(&fetched.body).expect("/status.json is JSON");
        let sources = document["sources"].as_array().expect("sources");
        if sources.iter().all(|row| row["outcome"] != "never") {
            return Some(document);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    None
}

fn json_time(value: &serde_json::Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .expect("an RFC 3339 time")
}

/// Checks each source's `/status.json` row and served feed.
async fn check_daemon(bed: &Bed, daemon: &Daemon, document: &serde_json::Value) -> Vec<String> {
    let mut wrong = Vec::new();
    let rows = document["sources"].as_array().expect("sources");
    for case in &bed.cases {
        let Some(row) = rows.iter().find(|row| row["id"] == case.id) else {
            wrong.push(format!("{}: not in /status.json", case.id));
            continue;
        };
        let text = row["outcome_text"].as_str().unwrap_or_default();
        let feed = http_get(&daemon.url(&format!("/feeds/{}.rss", case.id))).await;
        let served = match feed.status {
            200 => titles(&parse_rss(&feed.body)),
            status => {
                wrong.push(format!("{}: its feed answered {status}", case.id));
                continue;
            }
        };
        match &case.expect {
            Expect::Error(fragments) => {
                if row["outcome"] != "error" || !has_fragment(text, fragments) {
                    wrong.push(format!(
                        "{}: expected one of {fragments:?}, got {row}",
                        case.id
                    ));
                }
                if !served.is_empty() {
                    wrong.push(format!("{}: failed, yet serves {served:?}", case.id));
                }
            }
            Expect::Items(titles) => {
                if row["outcome"] != "ok" || row["items"] != titles.len() {
                    wrong.push(format!(
                        "{}: expected ok with {} items, got {row}",
                        case.id,
                        titles.len()
                    ));
                }
                if served != expected_titles(titles) {
                    wrong.push(format!(
                        "{}: expected {titles:?}, serves {served:?}",
                        case.id
                    ));
                }
            }
        }
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_stays_up_and_reports_each_misbehaviour() {
    let bed = Bed::start().await;
    let env = bed.env();
    every_minute(&env, &["e500", "e503"]);
    let mut daemon = env.daemon().await;

    let document = status_when_all_attempted(&daemon, ONCE_LIMIT)
        .await
        .unwrap_or_else(|| panic!("not every source was attempted:\n{}", daemon.logs()));
    assert!(daemon.is_running(), "run died:\n{}", daemon.logs());
    let health = http_get(&daemon.url("/healthz")).await;
    assert_eq!(health.status, 200, "{}", health.body);
    let wrong = check_daemon(&bed, &daemon, &document).await;
    assert!(wrong.is_empty(), "{}\n\n{document:#}", wrong.join("\n"));

    // Both run every minute: the 503 waits out its Retry-After (120 s), the
    // 500 only its first backoff (one interval, less jitter) and the next slot.
    let row = |id: &str| {
        let rows = document["sources"].as_array().expect("sources");
        rows.iter()
            .find(|row| row["id"] == id)
            .expect("row")
            .clone()
    };
    let (e503, e500) = (row("e503"), row("e500"));
    let waits =
        |row: &serde_json::Value| json_time(&row["next_run"]) - json_time(&row["last_attempt"]);
    assert!(waits(&e503) >= TimeDelta::seconds(118), "{e503}");
    assert!(
        json_time(&e503["retry_at"]) >= json_time(&e503["last_attempt"]) + TimeDelta::seconds(118),
        "{e503}"
    );
    assert!(waits(&e500) <= TimeDelta::seconds(90), "{e500}");

    let page = http_get(&daemon.url("/status")).await;
    assert_eq!(page.status, 200);
    for case in &bed.cases {
        assert!(page.body.contains(case.id), "/status lacks {}", case.id);
    }
    assert!(daemon.is_running(), "run died:\n{}", daemon.logs());
}

/// A single-source `once` against one slow host: its line and wall time.
async fn once_alone(id: &'static str, behaviour: Behaviour) -> Output {
    let host = Host::start(behaviour).await;
    let env = TestEnv::with_settings(&[SourceToml::listing(id, &host.url("/news/"))], SETTINGS);
    env.refeed(&["once"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_body_ends_at_the_total_timeout() {
    let body = Arc::new(listing(&["Dripped story"], "").into_bytes());
    let once = once_alone("drip", Behaviour::Drip(body)).await;
    let line = once.line("drip");
    assert!(
        line.starts_with("drip: error: ") && line.contains("did not finish within 3s"),
        "{line}"
    );
    assert!(
        once.elapsed >= TIMEOUT,
        "ended before the timeout: {:?}",
        once.elapsed
    );
    assert!(
        once.elapsed < TIMEOUT + SLACK,
        "took {:?}:\n{once}",
        once.elapsed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_after_the_headers_ends_at_a_timeout() {
    let once = once_alone("hang", Behaviour::HangAfterHeaders).await;
    let line = once.line("hang");
    let timeouts = hang_errors();
    assert!(
        line.starts_with("hang: error: ") && has_fragment(line, &timeouts),
        "{line}"
    );
    assert!(
        once.elapsed < TIMEOUT + SLACK,
        "took {:?}:\n{once}",
        once.elapsed
    );
}
