//! `/status`, `/status.json` and the stale-source entry, through the router
//! over a real store holding every kind of source health (issue 5).

use std::sync::Arc;

use atom_syndication::Feed;
use axum::http::StatusCode;
use axum::http::header::CACHE_CONTROL;
use chrono::{DateTime, TimeZone, Utc};
use rss::Channel;

use super::test_support::{TestApp, app, content_type, get, new_item, refresh, source};
use crate::model::{DiscoveryRecord, Method, NewItem, StaleKind, StaleVerdict};
use crate::store::RefreshCommit;

const BASE: &str = "http://host/refeed/";
const EVIL: &str = "HTTP 500 from https://down.example/?a=1&b=<2> \"oops\"";
const EVIL_ESCAPED: &str =
    "HTTP 500 from https://down.example/?a=1&amp;b=&lt;2&gt; &quot;oops&quot;";
const STALE_MESSAGE: &str = "the listing yielded no items (the last successful refresh yielded 2)";

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, hour, 0, 0).unwrap()
}

/// Commits a refresh of `source` holding items `ns` with a stale verdict.
async fn commit(app: &TestApp, source: &str, ns: &[u32], stale: StaleVerdict) {
    let items: Vec<NewItem> = ns.iter().map(|&n| new_item(source, n)).collect();
    let refresh = RefreshCommit {
        source,
        page_title: None,
        items: &items,
        started: Utc::now(),
        validators: &[],
        rules: "r1",
        discovery: None,
        stale,
    };
    app.state.store.commit(&refresh).await.unwrap();
}

fn stale_verdict() -> StaleVerdict {
    StaleVerdict::Stale {
        kind: StaleKind::Listing,
        message: STALE_MESSAGE.into(),
    }
}

/// Sources `ok`, `same` (answered 304), `down` (2 failures after a
/// success), `new` (never refreshed) and `broken` (stale), in that order;
/// only `ok` has a known next run.
async fn health_app() -> TestApp {
    let ids = ["ok", "same", "down", "new", "broken"];
    let mut app = app(BASE, ids.iter().map(|id| source(id, None, 10)).collect()).await;
    let next = at(12);
    let lookup: super::NextRunLookup = Arc::new(move |id: &str| (id == "ok").then_some(next));
    app.state = app.state.clone().with_next_runs(lookup);
    refresh(&app, "ok", None, &[1, 2]).await;
    refresh(&app, "same", None, &[1, 2, 3]).await;
    let store = &app.state.store;
    store.record_not_modified("same", at(9)).await.unwrap();
    refresh(&app, "down", None, &[1]).await;
    store
        .record_failure("down", at(9), "timed out", None)
        .await
        .unwrap();
    let retry = Some(at(11));
    store
        .record_failure("down", at(10), EVIL, retry)
        .await
        .unwrap();
    commit(&app, "broken", &[1, 2], StaleVerdict::Healthy).await;
    commit(&app, "broken", &[], stale_verdict()).await;
    app
}

/// The `<tr>` of source `id`, and its warning row (`<tr id="{id}-…">`) if any.
fn rows<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<tr id=\"{id}\"")).expect(id);
    let rest = &html[start..];
    let own = format!("<tr id=\"{id}-");
    let next = rest
        .match_indices("<tr id=\"")
        .map(|(i, _)| i)
        .find(|&i| i > 0 && !rest[i..].starts_with(&own))
        .unwrap_or(rest.len());
    let end = rest[..next].rfind("</tr>").unwrap() + "</tr>".len();
    &rest[..end]
}

#[tokio::test]
async fn status_page_shows_one_row_per_source_in_config_order() {
    let app = health_app().await;
    let (status, headers, html) = get(&app, "/status").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "text/html; charset=utf-8");
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    let order: Vec<usize> = ["ok", "same", "down", "new", "broken"]
        .iter()
        .map(|id| html.find(&format!("<tr id=\"{id}\"")).unwrap())
        .collect();
    assert!(order.is_sorted(), "config order: {order:?}");

    let ok = rows(&html, "ok");
    assert!(
        ok.contains("<a href=\"http://host/refeed/status/ok\">ok</a>"),
        "{ok}"
    );
    assert!(
        ok.contains("<td class=\"outcome\">2 seen, 2 new, 0 updated</td>"),
        "{ok}"
    );
    assert!(
        ok.contains("<td class=\"num\">0</td><td class=\"num\">2</td>"),
        "{ok}"
    );
    assert!(
        ok.contains("datetime=\"2024-06-01T12:00:00Z\""),
        "next run: {ok}"
    );

    let same = rows(&html, "same");
    assert!(
        same.contains(">not modified (nothing changed)</td>"),
        "{same}"
    );
    assert!(
        same.contains("<td class=\"num\">3</td>"),
        "items of the last parse: {same}"
    );
    assert!(same.contains("<td>not scheduled</td>"), "{same}");
}

#[tokio::test]
async fn status_page_shows_failures_escaped_never_and_stale() {
    let app = health_app().await;
    let (_, _, html) = get(&app, "/status").await;
    assert!(!html.contains("<2>"), "unescaped error text");

    let down = rows(&html, "down");
    assert!(down.contains("class=\"error\""), "{down}");
    assert!(down.contains(&format!("<td class=\"outcome\">{EVIL_ESCAPED} (server asked to wait until <time datetime=\"2024-06-01T11:00:00Z\"")), "{down}");
    assert!(
        down.contains("<td class=\"num\">2</td><td class=\"num\">1</td>"),
        "2 failures, 1 item: {down}"
    );
    // Its first failure started long ago (the fixture's 2024 dates): it
    // also has a failure row, with a time of its own.
    let row = down.split("</tr>").next().unwrap();
    let attempts = row.matches("<time").count();
    assert_eq!(attempts, 3, "attempt, retry-after and last success: {down}");
    assert!(
        down.contains("<strong>Cannot fetch down</strong>"),
        "{down}"
    );

    let new = rows(&html, "new");
    assert!(
        new.contains("<td>never</td><td class=\"outcome\">never</td><td>never</td>"),
        "{new}"
    );
    assert!(
        new.contains("<td class=\"num\">0</td><td class=\"num\">–</td>"),
        "{new}"
    );

    let broken = rows(&html, "broken");
    let since = app.state.store.stale_warnings().await.unwrap()["broken"].since;
    let warning_id = format!("broken-{}", since.timestamp_millis());
    assert!(
        broken.contains(&format!("<tr id=\"{warning_id}\" class=\"stale-warning\">")),
        "{broken}"
    );
    assert!(
        broken.contains(&format!("</time>): {STALE_MESSAGE}</td></tr>")),
        "{broken}"
    );
    assert!(!rows(&html, "ok").contains("stale-warning"));
}

#[tokio::test]
async fn status_json_has_the_same_data() {
    let app = health_app().await;
    let (status, headers, body) = get(&app, "/status.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "application/json");
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let sources = json["sources"].as_array().unwrap();
    let ids: Vec<&str> = sources.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ok", "same", "down", "new", "broken"]);
    let [ok, same, down, new, broken] = &sources[..] else {
        unreachable!()
    };
    assert_eq!(ok["outcome"], "ok");
    assert_eq!(ok["counts"]["seen"], 2);
    assert_eq!(ok["next_run"], "2024-06-01T12:00:00Z");
    assert_eq!(same["outcome"], "not_modified");
    assert_eq!(same["outcome_text"], "not modified (nothing changed)");
    assert_eq!(same["items"], 3);
    assert_eq!(down["outcome"], "error");
    assert_eq!(
        down["outcome_text"], EVIL,
        "raw text: JSON needs no escaping"
    );
    assert_eq!(down["consecutive_failures"], 2);
    assert_eq!(down["retry_at"], "2024-06-01T11:00:00Z");
    assert!(down["last_success"].is_string());
    assert_eq!(new["outcome"], "never");
    assert!(new["last_attempt"].is_null() && new["items"].is_null());
    assert_eq!(broken["stale"]["kind"], "listing");
    assert_eq!(broken["stale"]["message"], STALE_MESSAGE);
    assert!(json["generated_at"].is_string());
}

#[tokio::test]
async fn status_shows_each_sources_method_and_its_last_change() {
    let app = app(
        BASE,
        vec![source("wp", None, 10), source("plain", None, 10)],
    )
    .await;
    let found = |method, items| DiscoveryRecord {
        method,
        pattern: None,
        items,
        wordpress_refused: None,
        since: at(0),
        previous: None,
    };
    let items = [new_item("wp", 1)];
    for (started, record) in [
        (at(8), found(Method::Teasers, 12)),
        (at(9), found(Method::Wordpress, 10)),
    ] {
        let refresh = RefreshCommit {
            source: "wp",
            page_title: None,
            items: &items,
            started,
            validators: &[],
            rules: "r1",
            discovery: Some(&record),
            stale: StaleVerdict::Unknown,
        };
        app.state.store.commit(&refresh).await.unwrap();
    }
    refresh(&app, "plain", None, &[1]).await;

    let (_, _, html) = get(&app, "/status").await;
    let wp = rows(&html, "wp");
    assert!(
        wp.contains(
            "<td class=\"method\">wordpress <small>(since <time datetime=\"2024-06-01T09:00:00Z\""
        ),
        "{wp}"
    );
    assert!(
        wp.contains("wp: method changed from teasers to wordpress on <time datetime=\"2024-06-01T09:00:00Z\">"),
        "{wp}"
    );
    let plain = rows(&html, "plain");
    assert!(plain.contains("<td class=\"method\">–</td>"), "{plain}");
    assert!(!plain.contains("method-change"), "{plain}");

    let (_, _, body) = get(&app, "/status.json").await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let discovery = &json["sources"][0]["discovery"];
    assert_eq!(discovery["method"], "wordpress");
    assert_eq!(discovery["since"], "2024-06-01T09:00:00Z");
    assert_eq!(discovery["previous"], "teasers");
    assert_eq!(
        discovery["change"],
        "method changed from teasers to wordpress"
    );
    assert_eq!(discovery["items"], 10);
    assert!(json["sources"][1]["discovery"].is_null());
}

#[tokio::test]
async fn index_links_the_status_page() {
    let app = app(BASE, vec![source("a", None, 5)]).await;
    let (_, _, html) = get(&app, "/").await;
    assert!(
        html.contains("<a href=\"http://host/refeed/status\">Source health</a>"),
        "{html}"
    );
}

/// The ids of an Atom feed's entries.
async fn atom_ids(app: &TestApp, uri: &str) -> Vec<String> {
    let (_, _, body) = get(app, uri).await;
    let feed = Feed::read_from(body.as_bytes()).unwrap();
    feed.entries.into_iter().map(|e| e.id).collect()
}

#[tokio::test]
async fn a_stale_source_feed_leads_with_one_warning_entry_until_it_recovers() {
    let app = app(BASE, vec![source("a", None, 5), source("b", None, 5)]).await;
    commit(&app, "a", &[1, 2], StaleVerdict::Healthy).await;
    commit(&app, "b", &[3], StaleVerdict::Healthy).await;
    let healthy = atom_ids(&app, "/feeds/a.atom").await;
    assert_eq!(healthy.len(), 2);

    // Same items, now stale: only the warning changes, and the feed follows.
    commit(&app, "a", &[1, 2], stale_verdict()).await;
    let since = app.state.store.stale_warnings().await.unwrap()["a"].since;
    let id = format!("http://host/refeed/status#a-{}", since.timestamp_millis());
    let stale = atom_ids(&app, "/feeds/a.atom").await;
    assert_eq!(stale[0], id);
    assert_eq!(stale[1..], healthy[..], "one extra entry, first");

    let (_, _, body) = get(&app, "/feeds/a.atom").await;
    let entry = &Feed::read_from(body.as_bytes()).unwrap().entries[0];
    assert_eq!(entry.title.value, "refeed: source \"a\" may be broken");
    assert!(body.contains(STALE_MESSAGE), "{body}");
    let (_, _, body) = get(&app, "/feeds/a.rss").await;
    let channel = Channel::read_from(body.as_bytes()).unwrap();
    assert_eq!(channel.items[0].guid.as_ref().unwrap().value, id);
    assert_eq!(channel.items.len(), 3);
    let (_, _, body) = get(&app, "/feeds/a.json").await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["items"][0]["id"], id.as_str());

    assert!(
        !atom_ids(&app, "/feeds/all.atom").await.contains(&id),
        "not in all"
    );
    assert!(!atom_ids(&app, "/feeds/b.atom").await.contains(&id));

    // Still stale at the next refresh, and rendered afresh: the same entry.
    commit(&app, "a", &[1, 2, 4], stale_verdict()).await;
    let fresh = TestApp::with_state(&app, super::FeedCache::default());
    assert_eq!(atom_ids(&fresh, "/feeds/a.atom").await[0], id);
    assert_eq!(atom_ids(&app, "/feeds/a.atom").await[0], id);

    commit(&app, "a", &[1, 2, 4], StaleVerdict::Healthy).await;
    let recovered = atom_ids(&app, "/feeds/a.atom").await;
    assert!(!recovered.contains(&id), "gone once healthy: {recovered:?}");
    assert_eq!(recovered.len(), 3);
}

#[tokio::test]
async fn status_page_is_compressed_for_browsers_that_ask() {
    use axum::http::Request;
    use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING};

    let app = health_app().await;
    for uri in ["/status", "/status.json"] {
        let request = Request::get(uri).header(ACCEPT_ENCODING, "gzip");
        let (status, headers, body) = super::test_support::send(&app, request).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[CONTENT_ENCODING], "gzip", "{uri}");
        let text = super::rendered::tests::decode(Some("gzip"), &body);
        assert!(text.contains("broken"), "{uri}: {text}");
    }
}
