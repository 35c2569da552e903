//! Source health as people read it (issue 5, "Visible health"): one
//! [`StatusRow`] per configured source, built from what the store knows
//! ([`SourceHealth`]) and the next run. Shared by `/status`, `/status.json`
//! and `refeed status`, so all three use the same words. Pure: no I/O, and
//! "now" is a parameter.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::model::{RefreshRecord, ScheduledRun, SourceHealth, SourceMeta, StaleWarning};

mod failure;
mod history;
mod method;

pub use failure::FailureRow;
pub use history::{HISTORY_LIMIT, HistoryRow, SourceDetail, duration_text};
pub use method::MethodRow;

/// How the latest refresh attempt of a source ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    /// It parsed the page and stored what was new.
    Ok,
    /// The outlet answered `304 Not Modified`: nothing changed.
    NotModified,
    /// It failed.
    Error,
    /// The source was never refreshed.
    Never,
}

impl OutcomeKind {
    /// The outcome of `record` (`Never` when there is none).
    pub fn of(record: Option<&RefreshRecord>) -> Self {
        match record.map(|r| &r.outcome) {
            None => Self::Never,
            Some(Ok(counts)) if counts.not_modified => Self::NotModified,
            Some(Ok(_)) => Self::Ok,
            Some(Err(_)) => Self::Error,
        }
    }

    /// The machine name, for `/status.json` and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NotModified => "not_modified",
            Self::Error => "error",
            Self::Never => "never",
        }
    }

    /// The short word of the `refeed status` table.
    pub fn word(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::NotModified => "304",
            Self::Error => "error",
            Self::Never => "never",
        }
    }
}

impl Serialize for OutcomeKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The outcome in words: `12 seen, 2 new, 0 updated`, `not modified (nothing
/// changed)`, the recorded error message, or `never`.
pub fn describe_outcome(record: Option<&RefreshRecord>) -> String {
    match record.map(|r| &r.outcome) {
        None => "never".into(),
        Some(Ok(c)) if c.not_modified => "not modified (nothing changed)".into(),
        Some(Ok(c)) => format!("{} seen, {} new, {} updated", c.seen, c.new, c.updated),
        Some(Err(message)) => message.clone(),
    }
}

/// The counts of a refresh that parsed a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Distinct items the page held.
    pub seen: u32,
    /// Items stored for the first time.
    pub new: u32,
    /// Known items that changed.
    pub updated: u32,
}

/// A stale-source warning as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleRow {
    /// `listing` or `extraction`.
    pub kind: &'static str,
    /// When the source was first found stale.
    #[serde(serialize_with = "serialize_time")]
    pub since: DateTime<Utc>,
    /// What changed, for people.
    pub message: String,
}

impl From<&StaleWarning> for StaleRow {
    fn from(warning: &StaleWarning) -> Self {
        Self {
            kind: warning.kind.as_str(),
            since: warning.since,
            message: warning.message.clone(),
        }
    }
}

/// One source's health, as every status view shows it; also the object of
/// `/status.json` (times in RFC 3339 UTC, `null` when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusRow {
    /// Source id.
    pub id: String,
    /// How the latest attempt ended.
    pub outcome: OutcomeKind,
    /// [`describe_outcome`] of the latest attempt.
    pub outcome_text: String,
    /// The counts of the latest attempt when it parsed a page.
    pub counts: Option<Counts>,
    /// When the latest attempt ended.
    #[serde(serialize_with = "optional_time")]
    pub last_attempt: Option<DateTime<Utc>>,
    /// When the latest success (304s included) ended.
    #[serde(serialize_with = "optional_time")]
    pub last_success: Option<DateTime<Utc>>,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    /// Items the latest page that was parsed held.
    pub items: Option<u32>,
    /// When the source runs next, if known.
    #[serde(serialize_with = "optional_time")]
    pub next_run: Option<DateTime<Utc>>,
    /// On PostgreSQL, the instance of the fleet running its refresh now
    /// (it holds the lease).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_on: Option<String>,
    /// A failing server's `Retry-After`: not before this.
    #[serde(serialize_with = "optional_time")]
    pub retry_at: Option<DateTime<Utc>>,
    /// The stale-source warning, while it stands.
    pub stale: Option<StaleRow>,
    /// The failure notice, while the source's feeds carry one (issue 12).
    pub failure: Option<FailureRow>,
    /// How the items are found, once a refresh recorded it.
    pub discovery: Option<MethodRow>,
}

/// The row of source `id`, whose stored health is `health` (`None`: never
/// refreshed).
pub fn status_row(
    id: &str,
    health: Option<&SourceHealth>,
    next_run: Option<DateTime<Utc>>,
) -> StatusRow {
    let last = health.and_then(|h| h.last.as_ref());
    let counts = match last.map(|r| &r.outcome) {
        Some(Ok(c)) if !c.not_modified => Some(Counts {
            seen: c.seen,
            new: c.new,
            updated: c.updated,
        }),
        _ => None,
    };
    StatusRow {
        id: id.to_string(),
        outcome: OutcomeKind::of(last),
        outcome_text: describe_outcome(last),
        counts,
        last_attempt: last.map(|r| r.finished),
        last_success: health.and_then(|h| h.last_success),
        consecutive_failures: health.map_or(0, |h| h.consecutive_failures),
        items: health.and_then(|h| h.last_seen),
        next_run,
        running_on: None,
        retry_at: last.filter(|r| r.outcome.is_err()).and_then(|r| r.retry_at),
        stale: health.and_then(|h| h.stale.as_ref()).map(StaleRow::from),
        failure: None,
        discovery: health
            .and_then(|h| h.discovery.as_ref())
            .map(MethodRow::from),
    }
}

/// One row per source, in the order given (config order), with the
/// failure notice its refresh interval calls for.
pub fn status_rows(
    sources: &[SourceMeta],
    health: &HashMap<String, SourceHealth>,
    next_run: impl Fn(&str) -> Option<DateTime<Utc>>,
) -> Vec<StatusRow> {
    sources
        .iter()
        .map(|source| source_row(source, health.get(&source.id), next_run(&source.id)))
        .collect()
}

/// Takes each row's next run, and the instance running it, from the
/// fleet's shared `schedule` (PostgreSQL, issue 13) instead of this
/// process's own planning: any instance of the fleet may run it.
pub fn with_fleet_schedule(rows: &mut [StatusRow], schedule: &HashMap<String, ScheduledRun>) {
    for row in rows {
        let run = schedule.get(&row.id).cloned().unwrap_or_default();
        row.next_run = run.next_run;
        row.running_on = run.running_on;
    }
}

/// The row of a configured source: [`status_row`] plus the failure notice
/// its refresh interval calls for.
pub fn source_row(
    source: &SourceMeta,
    health: Option<&SourceHealth>,
    next_run: Option<DateTime<Utc>>,
) -> StatusRow {
    StatusRow {
        failure: health
            .and_then(|h| h.failure_notice(source.refresh_interval))
            .map(FailureRow::from),
        ..status_row(&source.id, health, next_run)
    }
}

/// `at` relative to `now`: `just now`, `3 min ago`, `in 2 h 5 min`,
/// `4 days ago`.
pub fn relative_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let span = span(seconds.unsigned_abs());
    match seconds {
        -59..=59 => "just now".into(),
        s if s < 0 => format!("{span} ago"),
        _ => format!("in {span}"),
    }
}

/// A length of time, coarser the longer it is.
fn span(seconds: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    match seconds {
        s if s < HOUR => format!("{} min", s / MINUTE),
        s if s < 2 * HOUR && s % HOUR >= MINUTE => {
            format!("1 h {} min", s % HOUR / MINUTE)
        }
        s if s < 2 * DAY => format!("{} h", s / HOUR),
        s => format!("{} days", s / DAY),
    }
}

/// A time as RFC 3339 UTC with whole seconds: `2024-06-01T08:00:00Z`.
pub fn iso_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Serializes a time as [`iso_time`] (for `#[serde(serialize_with)]`).
pub(super) fn serialize_time<S: Serializer>(
    at: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&iso_time(*at))
}

/// Serializes an optional time as [`iso_time`] or `null`.
pub(super) fn optional_time<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => serialize_time(at, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests;
