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
mod tests;
