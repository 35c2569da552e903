//! Tests of `refeed status`: the table, its details, health and the store read.

use std::path::Path;

use chrono::{Duration, TimeZone};

use super::*;
use crate::http::status::{MethodRow, OutcomeKind, StaleRow, status_row};
use crate::model::{DiscoveryRecord, Method};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 12, 0, 0).unwrap()
}

fn found(method: Method, previous: Option<Method>) -> DiscoveryRecord {
    DiscoveryRecord {
        method,
        pattern: None,
        items: 12,
        wordpress_refused: None,
        since: now() - Duration::days(2),
        previous,
    }
}

fn row(id: &str, outcome: OutcomeKind, text: &str) -> StatusRow {
    StatusRow {
        outcome,
        outcome_text: text.into(),
        last_attempt: Some(now() - Duration::minutes(3)),
        last_success: Some(now() - Duration::minutes(3)),
        items: Some(12),
        next_run: Some(now() + Duration::minutes(27)),
        running_on: None,
        ..status_row(id, None, None)
    }
}

#[test]
fn the_table_is_aligned_with_one_line_per_source() {
    let rows = [
        StatusRow {
            discovery: Some(MethodRow::from(&found(Method::Teasers, None))),
            ..row("outlet-a", OutcomeKind::Ok, "12 seen, 2 new, 0 updated")
        },
        row(
            "b",
            OutcomeKind::NotModified,
            "not modified (nothing changed)",
        ),
        status_row("never-run", None, None),
    ];
    let out = render(&rows, now());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(
        lines[0],
        "SOURCE     OUTCOME  LAST ATTEMPT  LAST SUCCESS  FAILURES  ITEMS  METHOD   SINCE       NEXT RUN"
    );
    assert_eq!(
        lines[1],
        "outlet-a   ok       3 min ago     3 min ago            0     12  teasers  2 days ago  in 27 min"
    );
    assert_eq!(
        lines[2],
        "b          304      3 min ago     3 min ago            0     12  -        -           in 27 min"
    );
    assert_eq!(
        lines[3],
        "never-run  never    never         never                0      -  -        -           not scheduled"
    );
}

#[test]
fn errors_and_stale_warnings_get_detail_lines() {
    let failing = StatusRow {
        consecutive_failures: 2,
        retry_at: Some(now() + Duration::hours(1)),
        ..row(
            "down",
            OutcomeKind::Error,
            "HTTP 503\nfrom https://down.example/",
        )
    };
    let stale = StatusRow {
        stale: Some(StaleRow {
            kind: "listing",
            since: now() - Duration::hours(2),
            message: "the listing yielded no items".into(),
        }),
        ..row("broken", OutcomeKind::Ok, "0 seen, 0 new, 0 updated")
    };
    let out = render(&[failing, stale], now());
    assert!(out.contains("\ndown    error       3 min ago"), "{out}");
    assert!(out.contains("\nbroken  ok (stale)"), "{out}");
    let details: Vec<&str> = out.split("\n\n").nth(1).unwrap().lines().collect();
    assert_eq!(
        details,
        [
            "down: error: HTTP 503 from https://down.example/ (server asked to wait until 2024-06-01T13:00:00Z)",
            "broken: stale since 2024-06-01T10:00:00Z: the listing yielded no items",
        ]
    );
}

#[test]
fn a_method_change_and_a_wordpress_refusal_get_detail_lines() {
    let mut found = found(Method::Wordpress, Some(Method::Teasers));
    let moved = StatusRow {
        discovery: Some(MethodRow::from(&found)),
        ..row("moved", OutcomeKind::Ok, "10 seen, 0 new, 0 updated")
    };
    found.method = Method::Teasers;
    found.previous = None;
    found.wordpress_refused = Some("HTTP 403\nfrom /wp-json/".into());
    let refused = StatusRow {
        discovery: Some(MethodRow::from(&found)),
        ..row("refused", OutcomeKind::Ok, "10 seen, 0 new, 0 updated")
    };
    let out = render(&[moved, refused], now());
    assert!(
        out.contains(
            "\nmoved    ok       3 min ago     3 min ago            0     12  wordpress  2 days ago"
        ),
        "{out}"
    );
    let details: Vec<&str> = out.split("\n\n").nth(1).unwrap().lines().collect();
    assert_eq!(
        details,
        [
            "moved: method changed from teasers to wordpress on 2024-05-30T12:00:00Z",
            "refused: WordPress REST API not used: HTTP 403 from /wp-json/",
        ]
    );
}

#[test]
fn failing_or_stale_sources_are_unhealthy_and_never_run_ones_are_not() {
    let stale = StatusRow {
        stale: Some(StaleRow {
            kind: "listing",
            since: now(),
            message: "the listing yielded no items".into(),
        }),
        ..row("broken", OutcomeKind::Ok, "0 seen, 0 new, 0 updated")
    };
    assert!(!is_healthy(&stale));
    assert!(!is_healthy(&row("down", OutcomeKind::Error, "HTTP 500")));
    assert!(is_healthy(&row("ok", OutcomeKind::Ok, "1 seen")));
    assert!(is_healthy(&row("same", OutcomeKind::NotModified, "304")));
    assert!(is_healthy(&status_row("new", None, None)));
}

#[test]
fn no_sources_says_so() {
    assert_eq!(render(&[], now()), "no sources are configured\n");
}

#[tokio::test]
async fn status_reads_the_store_and_plans_the_next_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("refeed.db");
    let text = format!(
        "[storage]\npath = {db:?}\n\n\
         [[source]]\nid = \"ok\"\nurl = \"https://ok.example/feed\"\nschedule = \"*/15 * * * *\"\n\n\
         [[source]]\nid = \"down\"\nurl = \"https://down.example/feed\"\nschedule = \"*/15 * * * *\"\n\n\
         [[source]]\nid = \"new\"\nurl = \"https://new.example/feed\"\nschedule = \"*/15 * * * *\"\n"
    );
    let config = Config::parse(&text, Path::new("test.toml")).unwrap();
    let store = Store::open(&db).await.unwrap();
    let found = found(Method::Structured, None);
    let refresh = crate::store::RefreshCommit {
        source: "ok",
        page_title: None,
        items: &[],
        started: Utc::now(),
        validators: &[],
        rules: "r",
        stale: crate::model::StaleVerdict::Unknown,
        discovery: Some(&found),
    };
    store.commit(&refresh).await.unwrap();
    let started = Utc::now();
    store
        .record_failure("down", started, "HTTP 500", None)
        .await
        .unwrap();
    store
        .record_failure("down", started, "HTTP 502", None)
        .await
        .unwrap();
    store.close().await;

    let report = status(&config, None, DEFAULT_HISTORY).await.unwrap();
    assert!(!report.healthy, "down is failing");
    let out = report.text;
    let line = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} in {out}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    // The last cell: "in N min" (or "just now").
    let minutes_ahead = |id: &str| -> u32 {
        let cells = line(id);
        match cells[cells.len() - 2..] {
            [_, "now"] => 0,
            [n, "min"] => n.parse().unwrap(),
            _ => panic!("next run of {id} in {out}"),
        }
    };
    assert_eq!(line("ok")[..2], ["ok", "ok"], "{out}");
    assert!(line("ok").contains(&"structured"), "the method: {out}");
    assert!(minutes_ahead("ok") <= 15, "on its */15 schedule: {out}");
    assert_eq!(line("down")[1], "error", "{out}");
    assert!(line("down").contains(&"2"), "two failures: {out}");
    assert!(minutes_ahead("down") >= 20, "backed off: {out}");
    assert_eq!(line("new")[1..4], ["never", "never", "never"], "{out}");
    assert!(out.contains("down: error: HTTP 502"), "{out}");
}
