//! Tests of the parent module.

use chrono::TimeZone;

use super::*;
use crate::model::{RefreshCounts, RefreshRecord};

const MIN: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn entry(id: &str, expr: &str) -> Entry {
    Entry {
        id: id.into(),
        schedule: CronSchedule::parse(expr).unwrap(),
    }
}

fn at(h: u32, m: u32, s: u32) -> DateTime<Local> {
    // Mid-June: no daylight-saving change near it in any zone.
    Local.with_ymd_and_hms(2026, 6, 15, h, m, s).unwrap()
}

fn policy(jitter: Duration) -> Policy {
    Policy {
        jitter,
        max_backoff: 6 * HOUR,
    }
}

fn failing(failures: u32, last: DateTime<Local>, retry_at: Option<DateTime<Local>>) -> RunState {
    RunState {
        consecutive_failures: failures,
        last_attempt: Some(last.with_timezone(&Utc)),
        retry_at: retry_at.map(|t| t.with_timezone(&Utc)),
    }
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap()
}

#[test]
fn a_healthy_source_runs_at_its_next_slot() {
    let e = entry("news", "*/15 * * * *");
    let next = next_run(
        &e,
        &RunState::default(),
        &policy(Duration::ZERO),
        at(12, 7, 30),
    );
    assert_eq!(next, Some(at(12, 15, 0)));
    // Exactly on a slot: the next one, never the same instant again.
    let next = next_run(
        &e,
        &RunState::default(),
        &policy(Duration::ZERO),
        at(12, 15, 0),
    );
    assert_eq!(next, Some(at(12, 30, 0)));
}

#[test]
fn the_offset_shifts_runs_without_skipping_a_slot() {
    let e = entry("news", "0 * * * *");
    let p = policy(HOUR);
    let offset = delta(jitter_offset("news", HOUR));
    assert!(offset > TimeDelta::zero(), "test needs a non-zero offset");
    let slot = at(12, 0, 0) + offset;
    let state = RunState::default();
    // Just before 12:00 + offset: that shifted slot, not 13:00 + offset.
    let just_before = slot - TimeDelta::seconds(1);
    assert_eq!(next_run(&e, &state, &p, just_before), Some(slot));
    assert_eq!(next_run(&e, &state, &p, at(12, 0, 0)), Some(slot));
    assert_eq!(
        next_run(&e, &state, &p, slot),
        Some(slot + TimeDelta::hours(1))
    );
}

#[test]
fn a_failing_source_waits_for_its_backoff_not_the_slot_after_it() {
    let e = entry("news", "*/15 * * * *");
    let last = at(12, 0, 10);
    let state = failing(3, last, None);
    let pause = backoff("news", 15 * MIN, 3, 6 * HOUR);
    assert!(pause >= 45 * MIN);
    let next = next_run(&e, &state, &policy(Duration::ZERO), at(12, 1, 0));
    assert_eq!(next, Some(last + delta(pause)));
}

#[test]
fn a_backoff_shorter_than_the_schedule_keeps_the_slot() {
    let e = entry("news", "0 9 * * *"); // daily
    let state = failing(1, at(9, 0, 5), None);
    // The interval (a day) exceeds the 6 h cap: the backoff is at most
    // 6 h, so tomorrow's slot comes later and wins.
    let pause = backoff("news", 24 * HOUR, 1, 6 * HOUR);
    assert!(pause <= 6 * HOUR && pause >= 6 * HOUR * 3 / 4);
    let next = next_run(&e, &state, &policy(Duration::ZERO), at(9, 0, 6));
    assert_eq!(next, Some(at(9, 0, 0) + TimeDelta::days(1)));
}

#[test]
fn a_later_retry_after_wins_and_a_crazy_one_is_capped_at_a_day() {
    let e = entry("news", "*/15 * * * *");
    let last = at(12, 0, 0);
    let p = policy(Duration::ZERO);
    let retry = at(15, 0, 0);
    let next = next_run(&e, &failing(1, last, Some(retry)), &p, at(12, 0, 1));
    assert_eq!(next, Some(retry));
    let year_later = last + TimeDelta::days(365);
    let next = next_run(&e, &failing(1, last, Some(year_later)), &p, at(12, 0, 1));
    assert_eq!(next, Some(last + TimeDelta::hours(24)));
    // An earlier Retry-After does not shorten the backoff.
    let soon = at(12, 0, 5);
    let next = next_run(&e, &failing(4, last, Some(soon)), &p, at(12, 0, 1));
    let pause = backoff("news", 15 * MIN, 4, 6 * HOUR);
    assert_eq!(next, Some(last + delta(pause)));
}

#[test]
fn a_success_returns_the_source_to_its_schedule() {
    let e = entry("news", "*/15 * * * *");
    let state = failing(5, at(12, 0, 0), Some(at(14, 0, 0)));
    let outcome = Outcome {
        id: "news".into(),
        ok: true,
        finished: at(12, 20, 0).with_timezone(&Utc),
        retry_at: None,
    };
    let state = state.after(&outcome);
    assert_eq!(state.consecutive_failures, 0);
    assert_eq!(state.retry_at, None);
    let next = next_run(&e, &state, &policy(Duration::ZERO), at(12, 20, 0));
    assert_eq!(next, Some(at(12, 30, 0)));
}

#[test]
fn a_failure_counts_up_and_keeps_the_servers_retry_after() {
    let finished = at(12, 0, 0).with_timezone(&Utc);
    let retry_at = Some(at(13, 0, 0).with_timezone(&Utc));
    let outcome = Outcome {
        id: "news".into(),
        ok: false,
        finished,
        retry_at,
    };
    let state = RunState::default().after(&outcome).after(&outcome);
    assert_eq!(state.consecutive_failures, 2);
    assert_eq!(state.last_attempt, Some(finished));
    assert_eq!(state.retry_at, retry_at);
}

#[test]
fn huge_failure_counts_keep_the_state_and_the_plan_sane() {
    let state = failing(u32::MAX, at(12, 0, 0), None);
    let outcome = Outcome {
        id: "news".into(),
        ok: false,
        finished: at(12, 5, 0).with_timezone(&Utc),
        retry_at: None,
    };
    assert_eq!(state.after(&outcome).consecutive_failures, u32::MAX);
    let e = entry("news", "*/15 * * * *");
    let p = policy(Duration::ZERO);
    let next = next_run(&e, &state, &p, at(12, 1, 0)).unwrap();
    assert!(next <= at(18, 0, 0) && next >= at(16, 30, 0), "{next}");
    let never = Policy {
        jitter: Duration::ZERO,
        max_backoff: Duration::MAX,
    };
    // An absurd cap still yields a time (a century away), not a panic.
    assert!(next_run(&e, &state, &never, at(12, 1, 0)).is_some());
}

#[test]
fn from_health_reads_the_latest_record() {
    let finished = at(12, 0, 0).with_timezone(&Utc);
    let retry_at = Some(at(13, 0, 0).with_timezone(&Utc));
    let record = |outcome| RefreshRecord {
        source_id: "news".into(),
        started: finished - TimeDelta::seconds(3),
        finished,
        outcome,
        retry_at,
    };
    let mut health = SourceHealth {
        source_id: "news".into(),
        last: Some(record(Err("HTTP 429".into()))),
        last_success: None,
        consecutive_failures: 3,
        last_seen: None,
        stale: None,
        failing_since: None,
        discovery: None,
    };
    let expected = RunState {
        consecutive_failures: 3,
        last_attempt: Some(finished),
        retry_at,
    };
    assert_eq!(RunState::from_health(&health), expected);
    // A successful record's Retry-After means nothing.
    health.last = Some(record(Ok(RefreshCounts::default())));
    health.consecutive_failures = 0;
    assert_eq!(RunState::from_health(&health).retry_at, None);
    health.last = None;
    assert_eq!(RunState::from_health(&health), RunState::default());
}
