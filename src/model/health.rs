//! What the store knows of a source's health: its latest refresh, failures
//! in a row, and the stale-source warning, from which `/status`, `refeed
//! status` and the scheduler's backoff are computed.

use chrono::{DateTime, Utc};

use std::time::Duration;

use super::{DiscoveryRecord, RefreshCounts};

/// A source whose listing or articles suddenly yield nothing: its selectors
/// or the outlet's markup probably changed (issue 5). Shown in the log, on
/// `/status` and as one entry in the source's own feed until it recovers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleWarning {
    /// Which check fired.
    pub kind: StaleKind,
    /// When the source was first found stale (kept while it stays stale, so
    /// the feed entry keeps one id and date).
    pub since: DateTime<Utc>,
    /// What changed, for people: "the listing yielded no items (the last
    /// successful refresh yielded 12)".
    pub message: String,
}

/// The two ways a source goes stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleKind {
    /// The listing or feed used to yield items and now yields none (twice
    /// in a row).
    Listing,
    /// Article extraction used to yield text and now yields almost none.
    Extraction,
}

impl StaleKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Extraction => "extraction",
        }
    }

    /// The inverse of [`StaleKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "listing" => Some(Self::Listing),
            "extraction" => Some(Self::Extraction),
            _ => None,
        }
    }
}

/// What a refresh concluded about staleness, for the store to persist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleVerdict {
    /// No evidence either way (e.g. no article was extracted this time):
    /// keep whatever is stored.
    Unknown,
    /// The source is healthy: clear a stored warning.
    Healthy,
    /// The source is stale: store the warning (keeping an earlier `since`
    /// when it was already stale for the same reason).
    Stale {
        /// Which check fired.
        kind: StaleKind,
        /// What changed, for people.
        message: String,
    },
}

/// The health of one source as the store knows it: what `/status`,
/// `refeed status` and the scheduler's backoff are computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHealth {
    /// Source id.
    pub source_id: String,
    /// The latest refresh attempt, if any.
    pub last: Option<RefreshRecord>,
    /// When the latest successful refresh (304s included) ended.
    pub last_success: Option<DateTime<Utc>>,
    /// Failed attempts since the last success (0 after a success).
    pub consecutive_failures: u32,
    /// Items the latest successful refresh that parsed a page saw (a 304
    /// keeps the earlier count).
    pub last_seen: Option<u32>,
    /// The stale-source warning, while it stands.
    pub stale: Option<StaleWarning>,
    /// While the latest attempt failed: when the first failed attempt since
    /// the latest success started (the store keeps that record whatever its
    /// age, so this date never drifts while the failures go on).
    pub failing_since: Option<DateTime<Utc>>,
    /// How the source's items were found, as its last successful refresh
    /// stored it (issue 10); `None` until one did.
    pub discovery: Option<DiscoveryRecord>,
}

/// The record of the latest refresh attempt of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// Source id.
    pub source_id: String,
    /// When the attempt started.
    pub started: DateTime<Utc>,
    /// When it ended.
    pub finished: DateTime<Utc>,
    /// `Ok(counts)` or `Err(message)`.
    pub outcome: Result<RefreshCounts, String>,
    /// A failed attempt whose server said when to come back (`Retry-After`
    /// on a 429 or 503): not before this instant.
    pub retry_at: Option<DateTime<Utc>>,
}

/// A source's place in the fleet's shared schedule (PostgreSQL, issue 13).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduledRun {
    /// When it is due next (`None`: never again).
    pub next_run: Option<DateTime<Utc>>,
    /// The instance whose unexpired lease runs its refresh now.
    pub running_on: Option<String>,
}

/// A source failing for at least this long may get a failure notice
/// (issue 12, point 5): the notice's threshold is never shorter. Six hours
/// ride out an outlet's maintenance night without crying wolf.
pub const FAILURE_NOTICE_MIN_AGE: Duration = Duration::from_secs(6 * 3600);

/// ... and never shorter than this many scheduled runs: a source refreshed
/// daily gets its notice after three failed days, not after one failure.
pub const FAILURE_NOTICE_RUNS: u32 = 3;

/// How long a source refreshed every `refresh_interval` must have been
/// failing before its feed says so: the larger of
/// [`FAILURE_NOTICE_RUNS`] intervals and [`FAILURE_NOTICE_MIN_AGE`].
pub fn failure_notice_after(refresh_interval: Duration) -> Duration {
    refresh_interval
        .saturating_mul(FAILURE_NOTICE_RUNS)
        .max(FAILURE_NOTICE_MIN_AGE)
}

/// A source that has been failing for longer than
/// [`failure_notice_after`]: shown as one entry at the top of its feed and
/// on `/status`, from the same stored health, until a refresh succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureNotice {
    /// When the first failed attempt started (the notice's date and id).
    pub since: DateTime<Utc>,
    /// When the latest failed attempt ended (the notice's `updated`).
    pub latest: DateTime<Utc>,
    /// Failed attempts since the latest success.
    pub failures: u32,
    /// The latest attempt's error message.
    pub cause: String,
}

/// How many of the configured sources are failing (their latest refresh
/// failed) and how many stale: what `/metrics` and systemd's `STATUS=`
/// report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthTally {
    /// Configured sources.
    pub sources: usize,
    /// Of them, failing.
    pub failing: usize,
    /// Of them, stale.
    pub stale: usize,
}

impl HealthTally {
    /// The tally of the sources `ids` by their stored `health` (a source
    /// without any counts as neither failing nor stale).
    pub fn of<'a>(
        ids: impl IntoIterator<Item = &'a str>,
        health: &std::collections::HashMap<String, SourceHealth>,
    ) -> Self {
        let mut tally = Self::default();
        for id in ids {
            tally.sources += 1;
            if let Some(h) = health.get(id) {
                tally.failing += usize::from(h.consecutive_failures > 0);
                tally.stale += usize::from(h.stale.is_some());
            }
        }
        tally
    }
}

impl SourceHealth {
    /// The failure notice this health calls for with the source's refresh
    /// interval, if any. Judged at the latest attempt, not at "now": the
    /// notice then depends on stored health alone, so `/status` and the
    /// cached feeds always agree, and it appears with the first failed
    /// attempt past the threshold.
    pub fn failure_notice(&self, refresh_interval: Duration) -> Option<FailureNotice> {
        let last = self.last.as_ref()?;
        let cause = last.outcome.as_ref().err()?;
        let since = self.failing_since?;
        let lasted = (last.finished - since).to_std().ok()?;
        (lasted > failure_notice_after(refresh_interval)).then(|| FailureNotice {
            since,
            latest: last.finished,
            failures: self.consecutive_failures,
            cause: cause.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn failing(hours: i64, error: Option<&str>) -> SourceHealth {
        let since = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
        let finished = since + chrono::Duration::hours(hours);
        SourceHealth {
            source_id: "a".into(),
            last: Some(RefreshRecord {
                source_id: "a".into(),
                started: finished,
                finished,
                outcome: error.map_or(Ok(RefreshCounts::default()), |e| Err(e.into())),
                retry_at: None,
            }),
            last_success: None,
            consecutive_failures: 4,
            last_seen: None,
            stale: None,
            failing_since: error.map(|_| since),
            discovery: None,
        }
    }

    const QUARTER: Duration = Duration::from_secs(900);

    #[test]
    fn the_threshold_is_three_runs_or_six_hours_whichever_is_longer() {
        assert_eq!(failure_notice_after(QUARTER), FAILURE_NOTICE_MIN_AGE);
        let daily = Duration::from_secs(86_400);
        assert_eq!(failure_notice_after(daily), daily * 3);
        assert_eq!(failure_notice_after(Duration::MAX), Duration::MAX);
    }

    #[test]
    fn a_notice_needs_a_failing_latest_attempt_past_the_threshold() {
        let notice = failing(7, Some("HTTP 500"))
            .failure_notice(QUARTER)
            .unwrap();
        assert_eq!(notice.cause, "HTTP 500");
        assert_eq!(notice.latest - notice.since, chrono::Duration::hours(7));
        assert_eq!(notice.failures, 4);
        assert_eq!(failing(1, Some("HTTP 500")).failure_notice(QUARTER), None);
        assert_eq!(failing(6, Some("HTTP 500")).failure_notice(QUARTER), None);
        assert_eq!(failing(7, None).failure_notice(QUARTER), None, "recovered");
        let daily = Duration::from_secs(86_400);
        assert_eq!(failing(7, Some("HTTP 500")).failure_notice(daily), None);
        assert!(failing(73, Some("x")).failure_notice(daily).is_some());
    }
}
