//! `refeed status SOURCE_ID`: the source's row of the status table, then
//! its latest refresh records, newest first: when each started, how long it
//! took, and its outcome (counts, or the error and any `Retry-After`). The
//! records are the store's ([`Store::refresh_history`]); the words are
//! `/status`'s ([`describe_outcome`]).
//!
//! [`Store::refresh_history`]: crate::store::Store::refresh_history

use chrono::{DateTime, Utc};

use super::{one_line, render};
use crate::config::Config;
use crate::http::status::{OutcomeKind, StatusRow, describe_outcome, iso_time};
use crate::model::RefreshRecord;

/// Refreshes shown when `--limit` is not given.
pub const DEFAULT_HISTORY: u32 = 20;

/// The most refreshes `--limit` may ask for: one query, bounded output.
pub const MAX_HISTORY: u32 = 1000;

/// `Ok` when `id` is a configured source; else an error naming it and the
/// configured ids (the first few), so a typo is seen at once.
pub(super) fn known_source(config: &Config, id: &str) -> anyhow::Result<()> {
    if config.sources.iter().any(|s| s.id == id) {
        return Ok(());
    }
    const NAMED: usize = 10;
    let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
    let mut known = ids
        .iter()
        .take(NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > NAMED {
        known.push_str(&format!(" and {} more", ids.len() - NAMED));
    }
    if known.is_empty() {
        known = "none".into();
    }
    anyhow::bail!(
        "unknown source {id:?}: {} configures no source with that id (its sources: {known})",
        config.path.display()
    )
}

/// The source's status table, then its refreshes.
pub(super) fn render_source(
    rows: &[StatusRow],
    records: &[RefreshRecord],
    now: DateTime<Utc>,
) -> String {
    let mut out = render(rows, now);
    out.push('\n');
    if records.is_empty() {
        out.push_str("no refresh recorded yet\n");
        return out;
    }
    out.push_str("recent refreshes, newest first:\n");
    let lines: Vec<[String; 3]> = records.iter().map(record_cells).collect();
    out.push_str(&table(&lines));
    out
}

/// Started (UTC), duration, outcome.
fn record_cells(record: &RefreshRecord) -> [String; 3] {
    let word = OutcomeKind::of(Some(record)).word();
    let mut outcome = format!("{word}: {}", one_line(&describe_outcome(Some(record))));
    if let Some(at) = record.retry_at {
        outcome.push_str(&format!(" (server asked to wait until {})", iso_time(at)));
    }
    [
        iso_time(record.started),
        duration(record.finished - record.started),
        outcome,
    ]
}

/// The records under a header, columns padded to their widest cell.
fn table(lines: &[[String; 3]]) -> String {
    let header = ["STARTED", "DURATION", "OUTCOME"].map(String::from);
    let rows: Vec<&[String; 3]> = std::iter::once(&header).chain(lines).collect();
    let width = |c: usize| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let (started, took) = (width(0), width(1));
    rows.iter()
        .map(|[a, b, c]| format!("{a:<started$}  {b:>took$}  {c}\n"))
        .collect()
}

/// A refresh's length: `850 ms`, `2.3 s`, `4 min 5 s`.
fn duration(took: chrono::TimeDelta) -> String {
    let ms = took.num_milliseconds().max(0);
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{}.{} s", ms / 1000, ms % 1000 / 100),
        _ => format!("{} min {} s", ms / 60_000, ms % 60_000 / 1000),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::http::status::status_row;
    use crate::model::RefreshCounts;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 4, minute, 0).unwrap()
    }

    fn record(minute: u32, took_ms: i64, outcome: Result<RefreshCounts, String>) -> RefreshRecord {
        RefreshRecord {
            source_id: "city".into(),
            started: at(minute),
            finished: at(minute) + TimeDelta::milliseconds(took_ms),
            outcome,
            retry_at: None,
        }
    }

    #[test]
    fn each_refresh_is_a_line_with_start_duration_and_outcome() {
        let counts = RefreshCounts {
            seen: 12,
            new: 2,
            ..RefreshCounts::default()
        };
        let not_modified = RefreshCounts {
            not_modified: true,
            ..RefreshCounts::default()
        };
        let mut limited = record(
            30,
            2_345,
            Err("http://city.test/ answered\nHTTP 503".into()),
        );
        limited.retry_at = Some(at(45));
        let records = [
            limited,
            record(20, 850, Ok(not_modified)),
            record(10, 65_000, Ok(counts)),
        ];
        let rows = [status_row("city", None, None)];
        let out = render_source(&rows, &records, at(31));
        let history = out
            .split("recent refreshes, newest first:\n")
            .nth(1)
            .unwrap();
        assert_eq!(
            history.lines().collect::<Vec<_>>(),
            [
                "STARTED                DURATION  OUTCOME",
                "2026-12-07T04:30:00Z      2.3 s  error: http://city.test/ answered HTTP 503 \
                 (server asked to wait until 2026-12-07T04:45:00Z)",
                "2026-12-07T04:20:00Z     850 ms  304: not modified (nothing changed)",
                "2026-12-07T04:10:00Z  1 min 5 s  ok: 12 seen, 2 new, 0 updated",
            ]
        );
        assert!(out.starts_with("SOURCE  OUTCOME"), "{out}");
    }

    #[test]
    fn a_source_without_records_says_so() {
        let rows = [status_row("city", None, None)];
        let out = render_source(&rows, &[], at(0));
        assert!(out.ends_with("\nno refresh recorded yet\n"), "{out}");
    }

    #[test]
    fn an_unknown_id_is_named_with_the_configured_ones() {
        let text = "[[source]]\nid = \"city\"\nurl = \"https://city.example/feed\"\n\
                    schedule = \"*/15 * * * *\"\n";
        let config = Config::parse(text, Path::new("refeed.toml")).unwrap();
        assert!(known_source(&config, "city").is_ok());
        let err = known_source(&config, "cty").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown source \"cty\": refeed.toml configures no source with that id \
             (its sources: city)"
        );
    }
}
