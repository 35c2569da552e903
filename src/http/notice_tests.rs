//! The failure entry (issue 12, point 5) through the router: a source
//! failing for longer than its threshold leads each of its feeds with one
//! entry, the same one `/status.json` reports, updated while the failures
//! go on and gone after a success; cached feeds follow each step.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::status::{status_row, status_rows};
use super::test_support::{TestApp, app, get, refresh, source};
use crate::model::{RefreshRecord, SourceHealth};

const BASE: &str = "http://h/";

const CAUSE: &str = "connection refused by a.example";

/// A source with two items, whose feeds are cached before it fails.
async fn cached_app() -> TestApp {
    let app = app(BASE, vec![source("a", None, 50)]).await;
    refresh(&app, "a", None, &[1, 2]).await;
    for format in ["rss", "atom", "json"] {
        assert!(first_entry(&app, format).await.0.contains("a item"));
    }
    app
}

/// Records a failed attempt that started `hours` ago (and ends now).
async fn fail_since(app: &TestApp, hours: i64) -> DateTime<Utc> {
    let started = Utc::now() - Duration::hours(hours);
    let store = &app.state.store;
    store
        .record_failure("a", started, CAUSE, None)
        .await
        .unwrap();
    started
}

/// The first entry of `a`'s feed in `format`: (title, id, updated).
async fn first_entry(app: &TestApp, format: &str) -> (String, String, String) {
    let (_, _, body) = get(app, &format!("/feeds/a.{format}")).await;
    match format {
        "rss" => {
            let channel = rss::Channel::read_from(body.as_bytes()).unwrap();
            let item = &channel.items()[0];
            let guid = item.guid().unwrap().value().to_string();
            let title = item.title().unwrap().to_string();
            (title, guid, item.pub_date().unwrap().to_string())
        }
        "atom" => {
            let feed = atom_syndication::Feed::read_from(body.as_bytes()).unwrap();
            let entry = &feed.entries()[0];
            let updated = entry.updated().to_rfc3339();
            (entry.title().to_string(), entry.id().to_string(), updated)
        }
        _ => {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            let item = &json["items"][0];
            let text = |key: &str| item[key].as_str().unwrap_or_default().to_string();
            (text("title"), text("id"), text("date_modified"))
        }
    }
}

/// `/status.json`'s failure object of source `a`.
async fn status_failure(app: &TestApp) -> serde_json::Value {
    let (_, _, body) = get(app, "/status.json").await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json["sources"][0]["failure"].clone()
}

#[tokio::test]
async fn a_source_failing_for_7_hours_leads_every_feed_until_a_success() {
    let app = cached_app().await;
    let began = fail_since(&app, 7).await;
    let id = format!("http://h/status#a-failing-{}", began.timestamp_millis());
    let mut firsts = Vec::new();
    for format in ["rss", "atom", "json"] {
        let (title, entry_id, updated) = first_entry(&app, format).await;
        assert!(
            title.starts_with("refeed: cannot fetch a since "),
            "{format}: {title}"
        );
        assert!(title.ends_with(&format!(": {CAUSE}")), "{format}: {title}");
        assert_eq!(entry_id, id, "{format}");
        firsts.push(updated);
    }
    let failure = status_failure(&app).await;
    let since = super::status::iso_time(began);
    assert_eq!(failure["since"], since.as_str(), "/status.json agrees");
    assert_eq!(failure["cause"], CAUSE);

    // Still failing: the one entry keeps its id, its `updated` moves.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    fail_since(&app, 0).await;
    let (_, entry_id, updated) = first_entry(&app, "atom").await;
    assert_eq!(entry_id, id);
    assert_ne!(updated, firsts[1], "updated as it goes on");
    assert_eq!(status_failure(&app).await["failures"], 2);

    // A success takes it back, from the cached feeds too.
    refresh(&app, "a", None, &[1, 2]).await;
    for format in ["rss", "atom", "json"] {
        let (title, _, _) = first_entry(&app, format).await;
        assert!(title.contains("a item"), "{format}: {title}");
    }
    assert!(status_failure(&app).await.is_null());
}

#[tokio::test]
async fn a_source_failing_for_an_hour_has_no_entry() {
    let app = cached_app().await;
    fail_since(&app, 1).await;
    fail_since(&app, 0).await;
    for format in ["rss", "atom", "json"] {
        let (title, _, _) = first_entry(&app, format).await;
        assert!(title.contains("a item"), "{format}: {title}");
    }
    assert!(status_failure(&app).await.is_null());
    let (_, _, html) = get(&app, "/status").await;
    assert!(!html.contains("Cannot fetch a"), "{html}");
}

#[test]
fn a_row_carries_the_failure_notice_its_feed_leads_with() {
    let latest = Utc::now();
    let failing = |hours: i64| SourceHealth {
        source_id: "a".into(),
        last: Some(RefreshRecord {
            source_id: "a".into(),
            started: latest,
            finished: latest,
            outcome: Err(CAUSE.into()),
            retry_at: None,
        }),
        last_success: None,
        consecutive_failures: 30,
        last_seen: None,
        stale: None,
        failing_since: Some(latest - Duration::hours(hours)),
        discovery: None,
    };
    let sources = [source("a", None, 50)];
    let map = HashMap::from([("a".to_string(), failing(7))]);
    let row = &status_rows(&sources, &map, |_| None)[0];
    let failure = row.failure.as_ref().expect("failing for 7 h");
    assert_eq!(failure.latest - failure.since, Duration::hours(7));
    assert_eq!((failure.failures, failure.cause.as_str()), (30, CAUSE));
    let json = serde_json::to_value(row).unwrap();
    assert_eq!(json["failure"]["failures"], 30);
    let map = HashMap::from([("a".to_string(), failing(1))]);
    assert_eq!(status_rows(&sources, &map, |_| None)[0].failure, None);
    assert_eq!(status_row("a", map.get("a"), None).failure, None);
}
