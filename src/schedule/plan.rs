//! When a source runs next, as a pure function of its schedule and its
//! recent attempts (issue 5): on schedule while it succeeds; after failures,
//! backed off exponentially (with jitter, capped) and never before a
//! server's `Retry-After`; back on schedule after a success. An optional
//! per-source offset spreads sources that share a schedule.
//!
//! The daemon's scheduler and `refeed status` both call [`next_run`], so
//! the status shows the time the daemon will actually use.

mod backoff;

use std::time::Duration;

use chrono::{DateTime, Local, TimeDelta, Utc};

pub use self::backoff::{backoff, jitter_offset};

use super::Entry;
use super::cron::CronSchedule;
use crate::model::SourceHealth;

/// What the scheduler knows of a source's recent attempts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunState {
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    /// When the latest attempt ended.
    pub last_attempt: Option<DateTime<Utc>>,
    /// The server's `Retry-After` from the latest failure: not before this.
    pub retry_at: Option<DateTime<Utc>>,
}

/// The outcome of one refresh, as the workers report it to the scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Source id.
    pub id: String,
    /// Whether the refresh succeeded (a 304 is a success).
    pub ok: bool,
    /// When it ended.
    pub finished: DateTime<Utc>,
    /// The server's `Retry-After`, when it failed with one.
    pub retry_at: Option<DateTime<Utc>>,
}

/// The `[scheduler]` settings the plan depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Largest per-source offset added to scheduled runs.
    pub jitter: Duration,
    /// Longest backoff of a failing source.
    pub max_backoff: Duration,
}

/// The furthest a server's `Retry-After` may push a source's next attempt
/// past its last one. A misconfigured outlet answering `Retry-After: 31536000`
/// (a year) would otherwise silence the source until long after it
/// recovered; a day is longer than any polite rate-limit window we know of.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The gap assumed between runs when a schedule has too few upcoming runs to
/// measure one.
const FALLBACK_INTERVAL: Duration = Duration::from_secs(3600);

/// How many upcoming runs [`next_run`] inspects to find a schedule's
/// shortest gap (several, so irregular schedules like `0 9,17 * * *` count
/// their shorter gap).
const INTERVAL_SAMPLES: usize = 6;

impl RunState {
    /// The state the store's record of a source implies.
    pub fn from_health(health: &SourceHealth) -> Self {
        let last = health.last.as_ref();
        RunState {
            consecutive_failures: health.consecutive_failures,
            last_attempt: last.map(|record| record.finished),
            // A success's record carries no meaningful Retry-After.
            retry_at: last
                .filter(|record| record.outcome.is_err())
                .and_then(|record| record.retry_at),
        }
    }

    /// The state after `outcome`.
    pub fn after(&self, outcome: &Outcome) -> Self {
        if outcome.ok {
            RunState {
                consecutive_failures: 0,
                last_attempt: Some(outcome.finished),
                retry_at: None,
            }
        } else {
            RunState {
                consecutive_failures: self.consecutive_failures.saturating_add(1),
                last_attempt: Some(outcome.finished),
                retry_at: outcome.retry_at,
            }
        }
    }
}

/// When `entry` runs next after `now`: its next scheduled time (plus its
/// offset), but after failures not before the end of the backoff nor
/// before the server's `Retry-After`. `None` when the schedule never fires
/// again.
///
/// When the backoff ends after the next slot, the source runs when the
/// backoff ends rather than at the slot after it: waiting for a later slot
/// would stretch a 1-hour backoff on a daily schedule to a day.
pub fn next_run(
    entry: &Entry,
    state: &RunState,
    policy: &Policy,
    now: DateTime<Local>,
) -> Option<DateTime<Local>> {
    let scheduled = next_slot(entry, policy, now)?;
    Some(match backoff_until(entry, state, policy, now) {
        Some(earliest) => scheduled.max(earliest),
        None => scheduled,
    })
}

/// The end of a failing source's backoff: its last attempt plus
/// [`backoff`], or the server's `Retry-After` when that is later (capped at
/// [`MAX_RETRY_AFTER`] past the last attempt). `None` for a source with no
/// failures, or no recorded attempt to count from. It may lie in the past:
/// the backoff is then over.
///
/// The backoff's base interval is the shortest gap between the schedule's
/// next few runs (one hour when it has fewer than two left).
pub fn backoff_until(
    entry: &Entry,
    state: &RunState,
    policy: &Policy,
    now: DateTime<Local>,
) -> Option<DateTime<Local>> {
    let last = state.last_attempt?.with_timezone(&Local);
    if state.consecutive_failures == 0 {
        return None;
    }
    let interval = shortest_gap(&entry.schedule, now).unwrap_or(FALLBACK_INTERVAL);
    let pause = backoff(
        &entry.id,
        interval,
        state.consecutive_failures,
        policy.max_backoff,
    );
    let backed_off = add(last, pause);
    let retry = state
        .retry_at
        .map(|at| at.with_timezone(&Local).min(add(last, MAX_RETRY_AFTER)));
    Some(retry.map_or(backed_off, |retry| retry.max(backed_off)))
}

/// The first run after `now` of the schedule shifted by the source's offset.
///
/// Computed as `next_after(now − offset) + offset`, not
/// `next_after(now) + offset`: with a 10-minute offset at 12:05 on an hourly
/// schedule, the 12:00 slot's shifted time 12:10 is still ahead and must not
/// be skipped for 13:10.
fn next_slot(entry: &Entry, policy: &Policy, now: DateTime<Local>) -> Option<DateTime<Local>> {
    let offset = TimeDelta::from_std(jitter_offset(&entry.id, policy.jitter)).ok()?;
    let shifted_now = now.checked_sub_signed(offset)?;
    entry
        .schedule
        .next_after(&shifted_now)?
        .checked_add_signed(offset)
}

/// The shortest gap between the schedule's next few runs after `now`.
fn shortest_gap(schedule: &CronSchedule, now: DateTime<Local>) -> Option<Duration> {
    let times = schedule.upcoming(&now, INTERVAL_SAMPLES);
    times
        .windows(2)
        .filter_map(|pair| (pair[1] - pair[0]).to_std().ok())
        .min()
}

/// `at + pause`, with `pause` clamped to a century so an absurd configured
/// cap (`max_backoff = "1000years"`) cannot overflow chrono's range: a
/// source paused that long is stopped either way.
fn add(at: DateTime<Local>, pause: Duration) -> DateTime<Local> {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    TimeDelta::from_std(pause.min(CENTURY))
        .ok()
        .and_then(|delta| at.checked_add_signed(delta))
        .unwrap_or(at)
}

#[cfg(test)]
mod tests;
