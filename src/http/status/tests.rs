//! Tests of the parent module.

use chrono::{Duration, TimeZone};

use super::*;
use crate::model::{RefreshCounts, StaleKind};

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, hour, minute, 0).unwrap()
}

fn record(outcome: Result<RefreshCounts, String>) -> RefreshRecord {
    RefreshRecord {
        source_id: "a".into(),
        started: at(8, 0),
        finished: at(8, 1),
        outcome,
        retry_at: Some(at(9, 0)),
    }
}

fn counts(seen: u32, new: u32, not_modified: bool) -> RefreshCounts {
    RefreshCounts {
        seen,
        new,
        updated: 0,
        not_modified,
        ..RefreshCounts::default()
    }
}

#[test]
fn outcomes_are_described_in_words() {
    let ok = record(Ok(counts(12, 2, false)));
    let not_modified = record(Ok(counts(0, 0, true)));
    let failed = record(Err("HTTP 503 from https://a.example/".into()));
    assert_eq!(describe_outcome(Some(&ok)), "12 seen, 2 new, 0 updated");
    assert_eq!(
        describe_outcome(Some(&not_modified)),
        "not modified (nothing changed)"
    );
    assert_eq!(
        describe_outcome(Some(&failed)),
        "HTTP 503 from https://a.example/"
    );
    assert_eq!(describe_outcome(None), "never");
    let words: Vec<&str> = [Some(&ok), Some(&not_modified), Some(&failed), None]
        .map(|r| OutcomeKind::of(r).word())
        .to_vec();
    assert_eq!(words, ["ok", "304", "error", "never"]);
}

#[test]
fn a_failing_row_keeps_the_last_success_and_the_retry_time() {
    let health = SourceHealth {
        source_id: "a".into(),
        last: Some(record(Err("timed out".into()))),
        last_success: Some(at(7, 0)),
        consecutive_failures: 2,
        last_seen: Some(12),
        stale: None,
        failing_since: None,
        discovery: None,
    };
    let row = status_row("a", Some(&health), Some(at(10, 0)));
    assert_eq!(row.outcome, OutcomeKind::Error);
    assert_eq!(row.outcome_text, "timed out");
    assert_eq!(row.counts, None);
    assert_eq!(row.last_attempt, Some(at(8, 1)), "when it ended");
    assert_eq!(row.last_success, Some(at(7, 0)));
    assert_eq!(row.consecutive_failures, 2);
    assert_eq!(row.items, Some(12));
    assert_eq!(row.next_run, Some(at(10, 0)));
    assert_eq!(row.retry_at, Some(at(9, 0)));
}

#[test]
fn rows_follow_the_given_order_and_unknown_sources_are_never_refreshed() {
    let stale = StaleWarning {
        kind: StaleKind::Listing,
        since: at(6, 0),
        message: "the listing yielded no items".into(),
    };
    let health = SourceHealth {
        source_id: "b".into(),
        last: Some(record(Ok(counts(0, 0, false)))),
        last_success: Some(at(8, 1)),
        consecutive_failures: 0,
        last_seen: Some(0),
        stale: Some(stale),
        failing_since: None,
        discovery: None,
    };
    let map = HashMap::from([("b".to_string(), health)]);
    let rows = status_rows(&[meta("b"), meta("a")], &map, |id| {
        (id == "a").then(|| at(9, 0))
    });
    assert_eq!(rows[0].id, "b");
    assert_eq!(rows[0].retry_at, None, "only a failure has one");
    assert_eq!(rows[0].stale.as_ref().unwrap().kind, "listing");
    assert_eq!(rows[1].outcome, OutcomeKind::Never);
    assert_eq!(rows[1].last_attempt, None);
    assert_eq!(rows[1].next_run, Some(at(9, 0)));
}

fn meta(id: &str) -> SourceMeta {
    SourceMeta {
        id: id.into(),
        title: None,
        url: url::Url::parse("https://a.example/").unwrap(),
        max_items: 50,
        refresh_interval: std::time::Duration::from_secs(900),
    }
}

#[test]
fn rows_serialize_with_iso_times_and_nulls() {
    let health = SourceHealth {
        source_id: "a".into(),
        last: Some(record(Ok(counts(12, 2, false)))),
        last_success: Some(at(8, 1)),
        consecutive_failures: 0,
        last_seen: Some(12),
        stale: None,
        failing_since: None,
        discovery: None,
    };
    let json = serde_json::to_value(status_row("a", Some(&health), None)).unwrap();
    assert_eq!(json["outcome"], "ok");
    assert_eq!(json["counts"]["new"], 2);
    assert_eq!(json["last_attempt"], "2024-06-01T08:01:00Z");
    assert!(json["next_run"].is_null() && json["stale"].is_null());
}

#[test]
fn relative_times_read_naturally_both_ways() {
    let now = at(12, 0);
    let cases = [
        (Duration::seconds(-20), "just now"),
        (Duration::minutes(-3), "3 min ago"),
        (Duration::minutes(12), "in 12 min"),
        (Duration::minutes(-65), "1 h 5 min ago"),
        (Duration::minutes(60), "in 1 h"),
        (Duration::hours(5), "in 5 h"),
        (Duration::hours(-47), "47 h ago"),
        (Duration::days(-4), "4 days ago"),
    ];
    for (offset, want) in cases {
        assert_eq!(relative_time(now + offset, now), want, "{offset}");
    }
}
