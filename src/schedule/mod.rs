//! Decides *when* each source is refreshed, and nothing else: it emits source
//! ids onto a bounded channel at their run times; workers elsewhere (`app`)
//! do the refreshing and report each [`Outcome`] back, so a failing source
//! backs off and a recovered one returns to its schedule (issue 5). The
//! timing rules themselves are pure functions ([`next_run`], [`backoff`],
//! [`jitter_offset`]) that `refeed status` can call too.
//!
//! A running scheduler also takes [`Command`]s (issue 12): replace its
//! entries after a config reload, or run sources now (`refeed refresh`).
//!
//! Schedules are evaluated in the machine's local time zone, as cron does.

mod command;
pub mod cron;
#[cfg(test)]
mod heartbeat_tests;
mod plan;

pub use command::{Command, Replacement, RunNow};
pub use plan::{Outcome, Policy, RunState, backoff, backoff_until, jitter_offset, next_run};

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Local, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use self::cron::CronSchedule;

/// Longest single sleep: the scheduler wakes at least this often to re-read
/// the clock, so a suspended machine or a clock change delays runs by at most
/// this much instead of until the next computed instant, and to publish its
/// heartbeat (issue 12: the watchdog and `/readyz` judge it by that).
pub const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// One source's schedule.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Source id emitted when due.
    pub id: String,
    /// When it is due.
    pub schedule: CronSchedule,
}

/// The scheduler's view of when each source runs next, shared with `/status`
/// so the page shows the time the daemon will actually use (backoff and
/// `Retry-After` included), not one recomputed from the schedule alone.
///
/// Cheap to clone (one `Arc`); the scheduler writes, readers only [`get`].
/// A std `Mutex` suffices: it is held for one map operation, never across
/// an `.await`.
///
/// [`get`]: NextRuns::get
#[derive(Debug, Clone, Default)]
pub struct NextRuns {
    inner: Arc<Mutex<HashMap<String, Option<DateTime<Utc>>>>>,
    /// When the scheduler loop last turned (see [`NextRuns::heartbeat_age`]).
    beat: Arc<Mutex<Option<Instant>>>,
}

impl NextRuns {
    /// An empty board: [`get`](Self::get) answers `None` for every source
    /// until a scheduler writes to it.
    pub fn new() -> Self {
        Self::default()
    }

    /// When the source runs next; `None` when unknown (no scheduler, or not
    /// yet planned) or when its schedule never fires again.
    pub fn get(&self, id: &str) -> Option<DateTime<Utc>> {
        self.lock().get(id).copied().flatten()
    }

    /// How long ago the scheduler loop last turned; `None` before its
    /// first turn. It turns at least every [`MAX_SLEEP`], so a much older
    /// heartbeat means a hung scheduler.
    pub fn heartbeat_age(&self) -> Option<Duration> {
        let beat = *self.beat.lock().unwrap_or_else(|p| p.into_inner());
        beat.map(|at| at.elapsed())
    }

    /// The soonest next run of any source.
    pub fn soonest(&self) -> Option<DateTime<Utc>> {
        self.lock().values().flatten().min().copied()
    }

    fn beat(&self) {
        *self.beat.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    fn set(&self, id: &str, next: Option<DateTime<Local>>) {
        let next = next.map(|t| t.with_timezone(&Utc));
        self.lock().insert(id.to_owned(), next);
    }

    fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<DateTime<Utc>>>> {
        // A panic while holding the lock cannot leave the map half-updated
        // (every operation is a single insert or get): keep using it.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One source as the loop tracks it.
struct Slot {
    entry: Entry,
    state: RunState,
    next: Option<DateTime<Local>>,
}

/// Emits each entry's id on `due` when it is due, until `shutdown`.
///
/// At start every source that is not backing off is emitted at once (the
/// daemon refreshes everything when it starts); one still within its backoff
/// or `Retry-After` (from `state`, as the store last recorded it) waits for
/// its [`next_run`]. Each [`Outcome`] received on `outcomes` updates that
/// source's state and re-plans it from now. Every planned time is written to
/// `board`.
///
/// When the workers are so busy that the queue is full, the run is skipped
/// (and logged) rather than queued behind itself: the next run comes anyway.
///
/// Each [`Command`] received on `commands` is applied at once.
pub async fn run(
    entries: Vec<(Entry, RunState)>,
    policy: Policy,
    due: mpsc::Sender<String>,
    mut outcomes: mpsc::UnboundedReceiver<Outcome>,
    mut commands: mpsc::Receiver<Command>,
    board: NextRuns,
    shutdown: CancellationToken,
) {
    let mut slots = start(entries, &policy, &due, &board);
    let mut outcomes_open = true;
    let mut commands_open = true;
    loop {
        board.beat();
        let wait = time_to_next(&slots).min(MAX_SLEEP);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => emit_due(&mut slots, &policy, &due, &board),
            outcome = outcomes.recv(), if outcomes_open => match outcome {
                Some(outcome) => record(&mut slots, &outcome, &policy, &board),
                // Every sender is gone (e.g. the workers stopped): keep
                // scheduling without outcomes instead of spinning on `None`.
                None => outcomes_open = false,
            },
            command = commands.recv(), if commands_open => match command {
                Some(command) => command::apply(command, &mut slots, &policy, &due, &board),
                None => commands_open = false,
            },
        }
    }
}

/// Plans every entry, emitting those not backing off.
fn start(
    entries: Vec<(Entry, RunState)>,
    policy: &Policy,
    due: &mpsc::Sender<String>,
    board: &NextRuns,
) -> Vec<Slot> {
    let now = Local::now();
    entries
        .into_iter()
        .map(|(entry, state)| command::new_slot(entry, state, policy, due, board, now))
        .collect()
}

/// How long until the earliest planned run (zero when one is overdue);
/// `MAX_SLEEP` when nothing is planned.
fn time_to_next(slots: &[Slot]) -> std::time::Duration {
    match slots.iter().filter_map(|s| s.next).min() {
        Some(wake) => (wake - Local::now()).to_std().unwrap_or_default(),
        None => MAX_SLEEP,
    }
}

fn emit_due(slots: &mut [Slot], policy: &Policy, due: &mpsc::Sender<String>, board: &NextRuns) {
    let now = Local::now();
    for slot in slots.iter_mut() {
        if slot.next.is_some_and(|t| t <= now) {
            emit(due, &slot.entry.id);
            slot.next = next_run(&slot.entry, &slot.state, policy, now);
            board.set(&slot.entry.id, slot.next);
        }
    }
}

/// Applies a worker's report and re-plans that source from now.
fn record(slots: &mut [Slot], outcome: &Outcome, policy: &Policy, board: &NextRuns) {
    let Some(slot) = slots.iter_mut().find(|s| s.entry.id == outcome.id) else {
        tracing::debug!(source = %outcome.id, "outcome for an unscheduled source");
        return;
    };
    slot.state = slot.state.after(outcome);
    slot.next = next_run(&slot.entry, &slot.state, policy, Local::now());
    board.set(&slot.entry.id, slot.next);
    if !outcome.ok {
        tracing::info!(
            source = %outcome.id,
            consecutive_failures = slot.state.consecutive_failures,
            next_run = %slot.next.map_or_else(|| "none".to_owned(), |at| at.to_string()),
            "refresh failed; backing off"
        );
    }
}

fn emit(due: &mpsc::Sender<String>, id: &str) {
    match due.try_send(id.to_owned()) {
        Ok(()) => tracing::debug!(source = id, "refresh due"),
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!(
                source = id,
                "all workers busy and queue full; skipping this run"
            )
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {}
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{TimeDelta, Timelike};

    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);
    const POLICY: Policy = Policy {
        jitter: Duration::ZERO,
        max_backoff: Duration::from_secs(6 * 3600),
    };

    fn entry(id: &str, expr: &str) -> Entry {
        Entry {
            id: id.into(),
            schedule: CronSchedule::parse(expr).unwrap(),
        }
    }

    /// A running scheduler and the handles a test drives it with.
    struct Harness {
        due: mpsc::Receiver<String>,
        outcomes: mpsc::UnboundedSender<Outcome>,
        board: NextRuns,
        shutdown: CancellationToken,
        task: tokio::task::JoinHandle<()>,
    }

    fn spawn(entries: Vec<(Entry, RunState)>) -> Harness {
        let (due_tx, due) = mpsc::channel(8);
        let (outcomes, outcomes_rx) = mpsc::unbounded_channel();
        let board = NextRuns::new();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(run(
            entries,
            POLICY,
            due_tx,
            outcomes_rx,
            mpsc::channel(1).1,
            board.clone(),
            shutdown.clone(),
        ));
        Harness {
            due,
            outcomes,
            board,
            shutdown,
            task,
        }
    }

    async fn recv(due: &mut mpsc::Receiver<String>) -> Option<String> {
        tokio::time::timeout(Duration::from_secs(3), due.recv())
            .await
            .ok()
            .flatten()
    }

    /// Polls the board until `id`'s next run satisfies `check`.
    async fn board_until(
        board: &NextRuns,
        id: &str,
        check: impl Fn(DateTime<Utc>) -> bool,
    ) -> DateTime<Utc> {
        for _ in 0..300 {
            if let Some(next) = board.get(id).filter(|t| check(*t)) {
                return next;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "board never showed the expected time for {id}: {:?}",
            board.get(id)
        );
    }

    fn failing(failures: u32, last: DateTime<Utc>) -> RunState {
        RunState {
            consecutive_failures: failures,
            last_attempt: Some(last),
            retry_at: None,
        }
    }

    #[tokio::test]
    async fn emits_due_sources_and_stops_on_shutdown() {
        let mut h = spawn(vec![(
            entry("every-second", "* * * * * *"),
            RunState::default(),
        )]);
        // Once at start, then again on the next second.
        assert_eq!(recv(&mut h.due).await.as_deref(), Some("every-second"));
        assert_eq!(recv(&mut h.due).await.as_deref(), Some("every-second"));
        h.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(1), h.task)
            .await
            .expect("scheduler stops on shutdown")
            .unwrap();
    }

    #[tokio::test]
    async fn emits_at_start_except_sources_still_backing_off() {
        let now = Utc::now();
        let yearly = entry("yearly", "@yearly");
        let expected_yearly = yearly.schedule.next_after(&now).unwrap();
        let mut h = spawn(vec![
            (yearly, RunState::default()),
            (entry("held", "0 * * * *"), failing(3, now)),
            (
                entry("recovered", "0 * * * *"),
                failing(3, now - TimeDelta::days(1)),
            ),
        ]);
        let mut started = vec![recv(&mut h.due).await, recv(&mut h.due).await];
        started.sort();
        assert_eq!(
            started,
            [Some("recovered".to_owned()), Some("yearly".to_owned())]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            h.due.try_recv().is_err(),
            "a backing-off source ran at start"
        );
        assert_eq!(h.board.get("yearly"), Some(expected_yearly));
        let pause = TimeDelta::from_std(backoff("held", HOUR, 3, POLICY.max_backoff)).unwrap();
        assert_eq!(h.board.get("held"), Some(now + pause));
        h.shutdown.cancel();
    }

    #[tokio::test]
    async fn a_failure_backs_off_and_a_success_returns_to_the_schedule() {
        let long_ago = Utc::now() - TimeDelta::days(1);
        let mut h = spawn(vec![(entry("news", "0 * * * *"), failing(2, long_ago))]);
        assert_eq!(recv(&mut h.due).await.as_deref(), Some("news"));
        let finished = Utc::now();
        let report = |ok| Outcome {
            id: "news".into(),
            ok,
            finished,
            retry_at: None,
        };
        h.outcomes.send(report(false)).unwrap();
        // A third failure on an hourly schedule: 4 h less up to a quarter.
        let pause = TimeDelta::from_std(backoff("news", HOUR, 3, POLICY.max_backoff)).unwrap();
        assert!(pause >= TimeDelta::hours(3));
        let next = board_until(&h.board, "news", |t| t > finished + TimeDelta::hours(1)).await;
        assert_eq!(next, finished + pause);

        h.outcomes.send(report(true)).unwrap();
        let next = board_until(&h.board, "news", |t| t <= finished + TimeDelta::hours(1)).await;
        let local = next.with_timezone(&Local);
        assert_eq!((local.minute(), local.second()), (0, 0), "top of the hour");
        assert!(next > finished);
        h.shutdown.cancel();
    }

    #[tokio::test]
    async fn keeps_scheduling_when_no_one_reports_outcomes() {
        let (due_tx, mut due) = mpsc::channel(8);
        let shutdown = CancellationToken::new();
        let entries = vec![(entry("every-second", "* * * * * *"), RunState::default())];
        // The sender is dropped at once: the loop must not stop or spin.
        let closed = mpsc::unbounded_channel().1;
        let task = tokio::spawn(run(
            entries,
            POLICY,
            due_tx,
            closed,
            mpsc::channel(1).1,
            NextRuns::new(),
            shutdown.clone(),
        ));
        assert!(recv(&mut due).await.is_some());
        assert!(recv(&mut due).await.is_some());
        shutdown.cancel();
        task.await.unwrap();
    }

    #[test]
    fn a_full_queue_skips_instead_of_blocking() {
        let (tx, mut rx) = mpsc::channel(1);
        emit(&tx, "a");
        emit(&tx, "b");
        assert_eq!(rx.try_recv().unwrap(), "a");
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn the_board_is_shared_between_clones() {
        let board = NextRuns::new();
        let reader = board.clone();
        assert_eq!(reader.get("news"), None);
        let at = Local::now();
        board.set("news", Some(at));
        assert_eq!(reader.get("news"), Some(at.with_timezone(&Utc)));
        board.set("news", None);
        assert_eq!(reader.get("news"), None);
    }
}
