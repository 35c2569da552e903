//! `refeed status`: each source's health, from the database and the config:
//! one aligned line per source (outcome, last attempt, last success,
//! failures, items, method and since when, next run), then a line per
//! error, stale warning, method change and WordPress API refusal.
//! The words are `/status`'s ([`http::status`]); the next run is computed
//! as the daemon's scheduler does ([`schedule::next_run`] over the stored
//! record), so it shows when the daemon will actually try again. With a
//! source id it shows that source's row and its recent refreshes
//! (`history.rs`). The [`Report`] says whether every source shown is
//! healthy, for the exit status of a monitoring check (issue 12).

use std::collections::HashMap;

use chrono::{DateTime, Local, Utc};

use crate::config::Config;
use crate::http::status::{StatusRow, iso_time, relative_time, status_rows, with_fleet_schedule};
use crate::model::SourceHealth;
use crate::schedule;
use crate::store::Store;

mod history;

pub use history::{DEFAULT_HISTORY, MAX_HISTORY};

/// What `refeed status` prints, and whether it is good news.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The text for standard output.
    pub text: String,
    /// False when a source shown is failing (its latest refresh failed) or
    /// stale: `refeed status` then exits 1. A source never refreshed yet is
    /// neither.
    pub healthy: bool,
}

/// The report printed by `refeed status`: every source, or with `source`
/// that one and its latest `limit` refreshes (an error naming the id when
/// it is not configured).
pub async fn status(config: &Config, source: Option<&str>, limit: u32) -> anyhow::Result<Report> {
    if let Some(id) = source {
        history::known_source(config, id)?;
    }
    let store = super::commands::open_existing(config).await?;
    let read = read(&store, config, source, limit).await;
    store.close().await;
    let (rows, records) = read?;
    let now = Utc::now();
    let healthy = rows.iter().all(is_healthy);
    let text = match source {
        Some(_) => history::render_source(&rows, &records, now),
        None => render(&rows, now),
    };
    Ok(Report { text, healthy })
}

/// The status rows of every configured source (or of `source` only), and
/// `source`'s latest `limit` refresh records.
async fn read(
    store: &Store,
    config: &Config,
    source: Option<&str>,
    limit: u32,
) -> anyhow::Result<(Vec<StatusRow>, Vec<crate::model::RefreshRecord>)> {
    let health = store.source_health().await?;
    let records = match source {
        Some(id) => store.refresh_history(id, limit).await?,
        None => Vec::new(),
    };
    let next = next_runs(config, &health, Local::now());
    let mut sources = config.source_meta();
    sources.retain(|s| source.is_none_or(|wanted| wanted == s.id));
    let mut rows = status_rows(&sources, &health, |id| next.get(id).copied().flatten());
    if store.is_shared() {
        // The fleet's schedule, as its instances planned it (issue 13).
        let schedule = store.shared_schedule(Utc::now()).await?;
        with_fleet_schedule(&mut rows, &schedule);
    }
    Ok((rows, records))
}

/// Neither failing nor stale.
fn is_healthy(row: &StatusRow) -> bool {
    row.outcome != crate::http::status::OutcomeKind::Error && row.stale.is_none()
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
mod tests;
