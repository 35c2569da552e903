//! `refeed status`: each source's health, from the database and the config:
//! one aligned line per source (outcome, last attempt, last success,
//! failures, items, method and since when, next run), then a line per
//! error, stale warning, method change and WordPress API refusal.
//! The words are `/status`'s ([`http::status`]); the next run is computed
//! as the daemon's scheduler does ([`schedule::next_run`] over the stored
//! record), so it shows when the daemon will actually try again.

use std::collections::HashMap;

use chrono::{DateTime, Local, Utc};

use crate::config::Config;
use crate::http::status::{StatusRow, iso_time, relative_time, status_rows};
use crate::model::SourceHealth;
use crate::schedule;

/// The report printed by `refeed status`.
pub async fn status(config: &Config) -> anyhow::Result<String> {
    let store = super::commands::open_existing(config).await?;
    let health = store.source_health().await;
    store.close().await;
    let health = health?;
    let now = Local::now();
    let next = next_runs(config, &health, now);
    let sources = config.source_meta();
    let rows = status_rows(&sources, &health, |id| next.get(id).copied().flatten());
    Ok(render(&rows, now.to_utc()))
}

/// When each configured source runs next, by the scheduler's rules (the
/// daemon plans from the same entries, states and policy).
fn next_runs(
    config: &Config,
    health: &HashMap<String, SourceHealth>,
    now: DateTime<Local>,
) -> HashMap<String, Option<DateTime<Utc>>> {
    let policy = super::scheduling_policy(config);
    super::schedule_entries(config, health)
        .into_iter()
        .map(|(entry, state)| {
            let next = schedule::next_run(&entry, &state, &policy, now);
            (entry.id, next.map(|t| t.to_utc()))
        })
        .collect()
}

/// The table header.
const HEADER: [&str; COLUMNS] = [
    "SOURCE",
    "OUTCOME",
    "LAST ATTEMPT",
    "LAST SUCCESS",
    "FAILURES",
    "ITEMS",
    "METHOD",
    "SINCE",
    "NEXT RUN",
];

/// Columns of the table.
const COLUMNS: usize = 9;

/// The table, then the details that do not fit in it.
fn render(rows: &[StatusRow], now: DateTime<Utc>) -> String {
    if rows.is_empty() {
        return "no sources are configured\n".into();
    }
    let mut table = vec![HEADER.map(String::from)];
    table.extend(rows.iter().map(|row| cells(row, now)));
    let mut out = aligned(&table);
    let details: Vec<String> = rows.iter().flat_map(details).collect();
    if !details.is_empty() {
        out.push('\n');
        out.extend(details.into_iter().map(|line| line + "\n"));
    }
    out
}

/// One source's cells, in [`HEADER`] order.
fn cells(row: &StatusRow, now: DateTime<Utc>) -> [String; COLUMNS] {
    let when = |at: Option<DateTime<Utc>>, missing: &str| {
        at.map_or(missing.to_string(), |at| relative_time(at, now))
    };
    let outcome = match row.stale {
        Some(_) => format!("{} (stale)", row.outcome.word()),
        None => row.outcome.word().to_string(),
    };
    [
        row.id.clone(),
        outcome,
        when(row.last_attempt, "never"),
        when(row.last_success, "never"),
        row.consecutive_failures.to_string(),
        row.items.map_or("-".into(), |n| n.to_string()),
        row.discovery.as_ref().map_or("-", |d| d.method).to_string(),
        when(row.discovery.as_ref().map(|d| d.since), "-"),
        when(row.next_run, "not scheduled"),
    ]
}

/// Columns padded to their widest cell, two spaces apart; numbers right-
/// aligned.
fn aligned(table: &[[String; COLUMNS]]) -> String {
    let widths: Vec<usize> = (0..COLUMNS)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in table {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &width))| match c {
                4 | 5 => format!("{cell:>width$}"),
                _ => format!("{cell:<width$}"),
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The error, stale-warning and method lines of one source, with exact
/// UTC times.
fn details(row: &StatusRow) -> Vec<String> {
    let mut lines = Vec::new();
    if row.outcome == crate::http::status::OutcomeKind::Error {
        let mut line = format!("{}: error: {}", row.id, one_line(&row.outcome_text));
        if let Some(at) = row.retry_at {
            line.push_str(&format!(" (server asked to wait until {})", iso_time(at)));
        }
        lines.push(line);
    }
    if let Some(stale) = &row.stale {
        lines.push(format!(
            "{}: stale since {}: {}",
            row.id,
            iso_time(stale.since),
            one_line(&stale.message)
        ));
    }
    if let Some(discovery) = &row.discovery {
        if let Some(change) = &discovery.change {
            let at = iso_time(discovery.since);
            lines.push(format!("{}: {change} on {at}", row.id));
        }
        if let Some(reason) = &discovery.wordpress_refused {
            let reason = one_line(reason);
            lines.push(format!("{}: WordPress REST API not used: {reason}", row.id));
        }
    }
    lines
}

/// Messages quote servers: keep each on one terminal line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::http::status::{MethodRow, OutcomeKind, StaleRow, status_row};
    use crate::model::{DiscoveryRecord, Method};
    use crate::store::Store;

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
        assert!(out.contains("\nmoved    ok       3 min ago     3 min ago            0     12  wordpress  2 days ago"), "{out}");
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

        let out = status(&config).await.unwrap();
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
}
