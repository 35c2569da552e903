//! One source's recent refresh attempts as `/status/{id}` (and `refeed
//! status ID`) show them: when each started, how long it took, how it ended
//! (its counts or its error) and a server's `Retry-After`. Pure.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Counts, OutcomeKind, StatusRow, describe_outcome, optional_time, serialize_time};
use crate::model::RefreshRecord;

/// How many attempts `/status/{id}` lists (newest first).
pub const HISTORY_LIMIT: u32 = 50;

/// One refresh attempt, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryRow {
    /// When it started.
    #[serde(serialize_with = "serialize_time")]
    pub started: DateTime<Utc>,
    /// How long it took, in milliseconds (0 if the clock went back).
    pub duration_ms: u64,
    /// How it ended.
    pub outcome: OutcomeKind,
    /// [`describe_outcome`]: its counts in words, or its error message.
    pub outcome_text: String,
    /// Its counts when it parsed a page.
    pub counts: Option<Counts>,
    /// A failing server's `Retry-After`: not before this.
    #[serde(serialize_with = "optional_time")]
    pub retry_at: Option<DateTime<Utc>>,
}

impl From<&RefreshRecord> for HistoryRow {
    fn from(record: &RefreshRecord) -> Self {
        let counts = match &record.outcome {
            Ok(c) if !c.not_modified => Some(Counts {
                seen: c.seen,
                new: c.new,
                updated: c.updated,
            }),
            _ => None,
        };
        let millis = (record.finished - record.started).num_milliseconds();
        Self {
            started: record.started,
            duration_ms: u64::try_from(millis).unwrap_or(0),
            outcome: OutcomeKind::of(Some(record)),
            outcome_text: describe_outcome(Some(record)),
            counts,
            retry_at: record.retry_at.filter(|_| record.outcome.is_err()),
        }
    }
}

/// Everything `/status/{id}` shows of one source: its health (the row
/// `/status` shows, next run included), its title and its recent attempts,
/// newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceDetail {
    /// The source's title (configured, scraped, or its id).
    pub title: String,
    /// The page the source reads.
    pub url: String,
    /// Its health, as on `/status`.
    pub health: StatusRow,
    /// Its latest attempts, newest first, at most [`HISTORY_LIMIT`].
    pub history: Vec<HistoryRow>,
}

/// A duration for people: `850 ms`, `4.2 s`, `3 min 5 s`.
pub fn duration_text(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{} min {} s", ms / 60_000, ms % 60_000 / 1000),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::RefreshCounts;

    fn record(seconds: i64, outcome: Result<RefreshCounts, String>) -> RefreshRecord {
        let started = Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap();
        RefreshRecord {
            source_id: "a".into(),
            started,
            finished: started + chrono::Duration::milliseconds(seconds),
            outcome,
            retry_at: Some(started + chrono::Duration::hours(1)),
        }
    }

    #[test]
    fn an_attempt_keeps_its_duration_counts_and_the_retry_time_of_a_failure() {
        let counts = RefreshCounts {
            seen: 9,
            new: 2,
            ..RefreshCounts::default()
        };
        let ok = HistoryRow::from(&record(4_200, Ok(counts)));
        assert_eq!(ok.duration_ms, 4_200);
        assert_eq!(ok.outcome, OutcomeKind::Ok);
        assert_eq!(ok.outcome_text, "9 seen, 2 new, 0 updated");
        assert_eq!(ok.counts.map(|c| c.new), Some(2));
        assert_eq!(ok.retry_at, None, "only a failure has one");
        let failed = HistoryRow::from(&record(-5, Err("HTTP 503".into())));
        assert_eq!(failed.duration_ms, 0);
        assert_eq!(failed.outcome_text, "HTTP 503");
        assert!(failed.retry_at.is_some());
        let json = serde_json::to_value(&failed).unwrap();
        assert_eq!(json["started"], "2024-06-01T08:00:00Z");
        assert_eq!(json["outcome"], "error");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(850), "850 ms");
        assert_eq!(duration_text(4_240), "4.2 s");
        assert_eq!(duration_text(185_000), "3 min 5 s");
    }
}
