//! Source health as people read it (issue 5, "Visible health"): one
//! [`StatusRow`] per configured source, built from what the store knows
//! ([`SourceHealth`]) and the next run. Shared by `/status`, `/status.json`
//! and `refeed status`, so all three use the same words. Pure: no I/O, and
//! "now" is a parameter.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::model::{RefreshRecord, SourceHealth, SourceMeta, StaleWarning};

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
        .map(|source| {
            let health = health.get(&source.id);
            StatusRow {
                failure: health
                    .and_then(|h| h.failure_notice(source.refresh_interval))
                    .map(FailureRow::from),
                ..status_row(&source.id, health, next_run(&source.id))
            }
        })
        .collect()
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
mod tests {
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
}
