//! systemd's watchdog and status line for `refeed run` (issue 12, point 3).
//!
//! `WATCHDOG=1` is sent every half `WatchdogSec=` only while the daemon
//! works: the scheduler loop has turned recently (its heartbeat, published
//! at least every [`schedule::MAX_SLEEP`]) and the database answers a
//! trivial query in time. Otherwise no ping is sent and systemd restarts the
//! service once the interval runs out. `STATUS=` ("12 sources, 1 failing,
//! next refresh in 4 min") is recomputed every [`STATUS_PERIOD`] and sent
//! when it changed. The same liveness rule answers `/readyz`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::http::SourceList;
use crate::model::HealthTally;
use crate::schedule::{self, NextRuns};
use crate::store::Store;
use crate::systemd;

/// Oldest scheduler heartbeat that still counts as alive: four turns of
/// the loop missed.
pub const HEARTBEAT_MAX_AGE: Duration = Duration::from_secs(4 * schedule::MAX_SLEEP.as_secs());

/// Longest wait for the database's answer (less when the watchdog interval
/// is short: a quarter of it).
pub const DB_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the `STATUS=` line is recomputed (one health query).
pub const STATUS_PERIOD: Duration = Duration::from_secs(5);

/// Whether the scheduler loop is alive, judged by its heartbeat's age.
pub fn scheduler_alive(heartbeat_age: Option<Duration>) -> Result<(), String> {
    match heartbeat_age {
        None => Err("scheduler: not started".into()),
        Some(age) if age > HEARTBEAT_MAX_AGE => Err(format!(
            "scheduler: last turned {}s ago (limit {}s)",
            age.as_secs(),
            HEARTBEAT_MAX_AGE.as_secs()
        )),
        Some(_) => Ok(()),
    }
}

/// The watchdog's decision: ping only when the scheduler is alive and the
/// database answered. The error says why not (logged).
pub fn judge(heartbeat_age: Option<Duration>, database: Result<(), String>) -> Result<(), String> {
    scheduler_alive(heartbeat_age).and(database)
}

/// The status line: sources, failing ones, stale ones (when any), and when
/// the next refresh is due.
pub fn status_line(
    total: usize,
    failing: usize,
    stale: usize,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let plural = if total == 1 { "" } else { "s" };
    let mut line = format!("{total} source{plural}, {failing} failing");
    if stale > 0 {
        line.push_str(&format!(", {stale} stale"));
    }
    match next {
        Some(next) => line.push_str(&format!(", next refresh {}", due_in(next - now))),
        None => line.push_str(", no refresh planned"),
    }
    line
}

/// "in 4 min", "in 30 s", "in 3 h", "now".
fn due_in(wait: chrono::TimeDelta) -> String {
    let secs = wait.num_seconds();
    match secs {
        ..=0 => "now".into(),
        1..=89 => format!("in {secs} s"),
        90..=5399 => format!("in {} min", (secs + 30) / 60),
        _ => format!("in {} h", (secs + 1800) / 3600),
    }
}

/// What the watchdog task watches.
pub struct Watched {
    /// The scheduler's board (heartbeat and next runs).
    pub board: NextRuns,
    /// The database.
    pub store: Store,
    /// The configured sources (a reload swaps them).
    pub sources: SourceList,
}

impl Watched {
    /// The liveness check, with the database given `within` to answer.
    async fn check(&self, within: Duration) -> Result<(), String> {
        let database = self.store.answers(within).await;
        judge(self.board.heartbeat_age(), database)
    }

    /// The current status line (a health query).
    async fn status(&self) -> String {
        let health = match self.store.source_health().await {
            Ok(health) => health,
            Err(err) => return format!("cannot read source health: {err}"),
        };
        let sources = self.sources.load();
        let tally = HealthTally::of(sources.iter().map(|s| s.id.as_str()), &health);
        let next = self.board.soonest();
        status_line(tally.sources, tally.failing, tally.stale, next, Utc::now())
    }
}

/// Pings the watchdog (when systemd asks for one) and keeps `STATUS=`
/// current (when systemd listens), until `shutdown`. `None` when there is
/// nothing to do.
pub fn spawn(watched: Watched, shutdown: CancellationToken) -> Option<JoinHandle<()>> {
    let interval = systemd::watchdog_interval();
    if interval.is_none() && !systemd::listening() {
        return None;
    }
    Some(tokio::spawn(watch(watched, interval, Systemd, shutdown)))
}

/// Where the task's notifications go: systemd in the daemon, a list in
/// tests.
trait Notifier: Send + 'static {
    /// `WATCHDOG=1`.
    fn watchdog(&self);
    /// `STATUS=line`.
    fn status(&self, line: &str);
}

/// The service manager, through `NOTIFY_SOCKET`.
struct Systemd;

impl Notifier for Systemd {
    fn watchdog(&self) {
        systemd::watchdog();
    }

    fn status(&self, line: &str) {
        systemd::status(line);
    }
}

async fn watch(
    watched: Watched,
    interval: Option<Duration>,
    notifier: impl Notifier,
    shutdown: CancellationToken,
) {
    let half = interval.map_or(Duration::MAX, |i| i / 2);
    let db_timeout = interval.map_or(DB_TIMEOUT, |i| (i / 4).min(DB_TIMEOUT));
    // The first ping after half an interval: the scheduler has turned by then.
    let half = half.min(Duration::from_secs(24 * 3600));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + half, half);
    let mut status = tokio::time::interval(STATUS_PERIOD);
    // A slow check delays the next one rather than bursting pings after it.
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    status.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut shown = String::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ping.tick(), if interval.is_some() => match watched.check(db_timeout).await {
                Ok(()) => notifier.watchdog(),
                Err(why) => tracing::warn!(reason = %why, "not pinging the systemd watchdog"),
            },
            _ = status.tick() => {
                let line = watched.status().await;
                if line != shown {
                    notifier.status(&line);
                    shown = line;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    const FRESH: Option<Duration> = Some(Duration::from_secs(1));

    #[test]
    fn pings_when_the_scheduler_turned_recently_and_the_database_answered() {
        assert_eq!(judge(FRESH, Ok(())), Ok(()));
        assert_eq!(judge(Some(HEARTBEAT_MAX_AGE), Ok(())), Ok(()));
    }

    #[test]
    fn no_ping_when_the_heartbeat_is_old() {
        let old = Some(HEARTBEAT_MAX_AGE + Duration::from_secs(1));
        let why = judge(old, Ok(())).unwrap_err();
        assert!(why.starts_with("scheduler: last turned 21s ago"), "{why}");
        assert!(judge(None, Ok(())).unwrap_err().contains("not started"));
    }

    #[test]
    fn no_ping_when_the_database_fails() {
        let why = judge(FRESH, Err("database: no answer within 10s".into()));
        assert_eq!(why, Err("database: no answer within 10s".into()));
    }

    #[test]
    fn the_heartbeat_limit_allows_several_missed_turns() {
        assert!(HEARTBEAT_MAX_AGE >= 3 * schedule::MAX_SLEEP);
        assert!(DB_TIMEOUT < HEARTBEAT_MAX_AGE);
    }

    #[test]
    fn status_line_counts_sources_and_says_when_the_next_refresh_is() {
        let now = Utc::now();
        let next = Some(now + TimeDelta::minutes(4));
        assert_eq!(
            status_line(12, 1, 0, next, now),
            "12 sources, 1 failing, next refresh in 4 min"
        );
        assert_eq!(
            status_line(1, 0, 2, Some(now + TimeDelta::seconds(30)), now),
            "1 source, 0 failing, 2 stale, next refresh in 30 s"
        );
        assert_eq!(
            status_line(3, 0, 0, Some(now - TimeDelta::seconds(1)), now),
            "3 sources, 0 failing, next refresh now"
        );
        assert_eq!(
            status_line(3, 0, 0, Some(now + TimeDelta::hours(5)), now),
            "3 sources, 0 failing, next refresh in 5 h"
        );
        assert_eq!(
            status_line(0, 0, 0, None, now),
            "0 sources, 0 failing, no refresh planned"
        );
    }

    #[tokio::test]
    async fn the_check_fails_on_a_closed_database_or_a_silent_scheduler() {
        let dir = tempfile::TempDir::new().unwrap();
        let store = Store::open(&dir.path().join("refeed.db")).await.unwrap();
        let watched = Watched {
            board: NextRuns::new(),
            store: store.clone(),
            sources: SourceList::new(vec![]),
        };
        // No scheduler has ever turned on this board.
        let why = watched.check(DB_TIMEOUT).await.unwrap_err();
        assert!(why.contains("scheduler: not started"), "{why}");
        store.close().await;
        assert!(watched.store.answers(DB_TIMEOUT).await.is_err());
    }
}

#[cfg(test)]
mod task_tests {
    //! The task itself, with a notifier that records instead of systemd.

    use std::sync::{Arc, Mutex};

    use tempfile::TempDir;
    use tokio::sync::mpsc;

    use super::*;
    use crate::schedule::cron::CronSchedule;
    use crate::schedule::{Entry, Policy, RunState};

    /// A watchdog interval of 200 ms: a check every 100 ms.
    const INTERVAL: Duration = Duration::from_millis(200);

    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<Vec<String>>>);

    impl Notifier for Recorded {
        fn watchdog(&self) {
            self.0.lock().unwrap().push("WATCHDOG=1".into());
        }

        fn status(&self, line: &str) {
            self.0.lock().unwrap().push(format!("STATUS={line}"));
        }
    }

    impl Recorded {
        fn pings(&self) -> usize {
            let seen = self.0.lock().unwrap();
            seen.iter().filter(|l| *l == "WATCHDOG=1").count()
        }
    }

    /// A scheduler loop beating on `board` until `shutdown`.
    fn scheduler(board: &NextRuns, shutdown: &CancellationToken) {
        let entry = Entry {
            id: "a".into(),
            schedule: CronSchedule::parse("@yearly").unwrap(),
        };
        let policy = Policy {
            jitter: Duration::ZERO,
            max_backoff: Duration::from_secs(3600),
        };
        let (due, _) = mpsc::channel(1);
        tokio::spawn(schedule::run(
            vec![(entry, RunState::default())],
            policy,
            due,
            mpsc::unbounded_channel().1,
            mpsc::channel(1).1,
            board.clone(),
            shutdown.clone(),
        ));
    }

    /// Runs the task over `board` and `store` for `long`; what it sent.
    async fn watch_for(board: NextRuns, store: &Store, long: Duration) -> Recorded {
        let recorded = Recorded::default();
        let watched = Watched {
            board,
            store: store.clone(),
            sources: SourceList::new(vec![crate::model::SourceMeta {
                id: "a".into(),
                title: None,
                url: url::Url::parse("https://a.example/").unwrap(),
                max_items: 10,
                refresh_interval: Duration::from_secs(3600),
            }]),
        };
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(watch(
            watched,
            Some(INTERVAL),
            recorded.clone(),
            shutdown.clone(),
        ));
        tokio::time::sleep(long).await;
        shutdown.cancel();
        task.await.unwrap();
        recorded
    }

    #[tokio::test]
    async fn pings_while_the_scheduler_beats_and_the_database_answers() {
        let dir = TempDir::new().unwrap();
        let store = Store::open(&dir.path().join("refeed.db")).await.unwrap();
        let (board, stop) = (NextRuns::new(), CancellationToken::new());
        scheduler(&board, &stop);
        let recorded = watch_for(board, &store, Duration::from_millis(1000)).await;
        assert!(recorded.pings() >= 3, "{:?}", recorded.0);
        let seen = recorded.0.lock().unwrap().clone();
        assert!(
            seen.iter()
                .any(|l| l.starts_with("STATUS=1 source, 0 failing, next refresh in")),
            "{seen:?}"
        );
        stop.cancel();
    }

    #[tokio::test]
    async fn no_ping_for_a_scheduler_that_never_beats() {
        let dir = TempDir::new().unwrap();
        let store = Store::open(&dir.path().join("refeed.db")).await.unwrap();
        let recorded = watch_for(NextRuns::new(), &store, Duration::from_millis(700)).await;
        assert_eq!(recorded.pings(), 0, "{:?}", recorded.0);
    }

    #[tokio::test]
    async fn no_ping_when_the_database_is_gone() {
        let dir = TempDir::new().unwrap();
        let store = Store::open(&dir.path().join("refeed.db")).await.unwrap();
        let (board, stop) = (NextRuns::new(), CancellationToken::new());
        scheduler(&board, &stop);
        store.close().await;
        let recorded = watch_for(board, &store, Duration::from_millis(700)).await;
        assert_eq!(recorded.pings(), 0, "{:?}", recorded.0);
        stop.cancel();
    }
}
