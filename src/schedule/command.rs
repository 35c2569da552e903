//! What the daemon may ask of a running scheduler (issue 12), still only
//! about *when*: [`Command::Replace`] swaps its entries after a config
//! reload (new sources start, removed ones stop, changed ones leave their
//! backoff and run at once), and [`Command::RunNow`] runs sources at once,
//! bypassing schedule and backoff (`refeed refresh`). Politeness is not the
//! scheduler's: the ids go to the same workers and the same fetcher.

use std::collections::HashMap;

use chrono::{DateTime, Local};
use tokio::sync::{mpsc, oneshot};

use super::{Entry, NextRuns, Policy, RunState, Slot, backoff_until, next_run};

/// A request to the running scheduler.
#[derive(Debug)]
pub enum Command {
    /// Replace every entry (a config reload): see [`Replacement`].
    Replace(Vec<Replacement>),
    /// Emit these sources now, whatever their schedule and backoff; the
    /// reply says what became of each id, in the order given.
    RunNow {
        /// Source ids.
        ids: Vec<String>,
        /// Where the answer goes.
        reply: oneshot::Sender<Vec<(String, RunNow)>>,
    },
}

/// One entry of a [`Command::Replace`].
#[derive(Debug, Clone)]
pub struct Replacement {
    /// The source's schedule.
    pub entry: Entry,
    /// The state its stored health implies: used for a source the
    /// scheduler does not know yet (a source added to the config).
    pub state: RunState,
    /// Its config changed (e.g. a URL fix): it forgets its failures and
    /// runs at once instead of waiting out its backoff.
    pub changed: bool,
}

/// What a [`Command::RunNow`] did with one id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunNow {
    /// Handed to the workers.
    Queued,
    /// Not a scheduled source.
    Unknown,
    /// Every worker is busy and the queue is full: not run.
    QueueFull,
}

/// Applies `command` to the scheduler's slots.
pub(super) fn apply(
    command: Command,
    slots: &mut Vec<Slot>,
    policy: &Policy,
    due: &mpsc::Sender<String>,
    board: &NextRuns,
) {
    match command {
        Command::Replace(entries) => replace(slots, entries, policy, due, board),
        Command::RunNow { ids, reply } => {
            let answers = ids
                .into_iter()
                .map(|id| {
                    let answer = run_now(slots, &id, due);
                    (id, answer)
                })
                .collect();
            // The asker may have given up waiting: nothing to do then.
            let _ = reply.send(answers);
        }
    }
}

/// A new slot for `entry`: emitted at once unless it is still backing off.
pub(super) fn new_slot(
    entry: Entry,
    state: RunState,
    policy: &Policy,
    due: &mpsc::Sender<String>,
    board: &NextRuns,
    now: DateTime<Local>,
) -> Slot {
    let held = backoff_until(&entry, &state, policy, now).is_some_and(|t| t > now);
    if !held {
        super::emit(due, &entry.id);
    }
    let next = next_run(&entry, &state, policy, now);
    board.set(&entry.id, next);
    Slot { entry, state, next }
}

/// Swaps the slots for `entries`: an unchanged source keeps its state and
/// next run; a changed one starts afresh (no failures) and runs now; a new
/// one starts from its stored state; the others are dropped.
fn replace(
    slots: &mut Vec<Slot>,
    entries: Vec<Replacement>,
    policy: &Policy,
    due: &mpsc::Sender<String>,
    board: &NextRuns,
) {
    let now = Local::now();
    let mut old: HashMap<String, Slot> = slots
        .drain(..)
        .map(|slot| (slot.entry.id.clone(), slot))
        .collect();
    for Replacement {
        entry,
        state,
        changed,
    } in entries
    {
        let slot = match old.remove(&entry.id) {
            Some(kept) if !changed => Slot { entry, ..kept },
            Some(_) => new_slot(entry, RunState::default(), policy, due, board, now),
            None => new_slot(entry, state, policy, due, board, now),
        };
        slots.push(slot);
    }
    for id in old.keys() {
        tracing::info!(source = %id, "source removed from the config; no longer scheduled");
        board.remove(id);
    }
}

/// Emits `id` now if it is scheduled.
fn run_now(slots: &[Slot], id: &str, due: &mpsc::Sender<String>) -> RunNow {
    if !slots.iter().any(|slot| slot.entry.id == id) {
        return RunNow::Unknown;
    }
    match due.try_send(id.to_owned()) {
        Ok(()) => {
            tracing::info!(source = id, "refresh asked for; running now");
            RunNow::Queued
        }
        Err(_) => RunNow::QueueFull,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{TimeDelta, Utc};
    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::schedule::cron::CronSchedule;
    use crate::schedule::{Outcome, run};

    const POLICY: Policy = Policy {
        jitter: Duration::ZERO,
        max_backoff: Duration::from_secs(6 * 3600),
    };

    fn entry(id: &str) -> Entry {
        Entry {
            id: id.into(),
            schedule: CronSchedule::parse("@yearly").unwrap(),
        }
    }

    fn backing_off() -> RunState {
        RunState {
            consecutive_failures: 5,
            last_attempt: Some(Utc::now()),
            retry_at: None,
        }
    }

    struct Harness {
        due: mpsc::Receiver<String>,
        commands: mpsc::Sender<Command>,
        board: NextRuns,
        shutdown: CancellationToken,
        _outcomes: mpsc::UnboundedSender<Outcome>,
    }

    fn spawn(entries: Vec<(Entry, RunState)>) -> Harness {
        let (due_tx, due) = mpsc::channel(8);
        let (outcomes, outcomes_rx) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::channel(4);
        let board = NextRuns::new();
        let shutdown = CancellationToken::new();
        let (b, s) = (board.clone(), shutdown.clone());
        tokio::spawn(run(entries, POLICY, due_tx, outcomes_rx, commands_rx, b, s));
        Harness {
            due,
            commands,
            board,
            shutdown,
            _outcomes: outcomes,
        }
    }

    async fn recv(due: &mut mpsc::Receiver<String>) -> Option<String> {
        tokio::time::timeout(Duration::from_secs(3), due.recv())
            .await
            .ok()
            .flatten()
    }

    async fn quiet(due: &mut mpsc::Receiver<String>) -> bool {
        tokio::time::sleep(Duration::from_millis(200)).await;
        due.try_recv().is_err()
    }

    async fn ask_run_now(h: &Harness, ids: &[&str]) -> Vec<(String, RunNow)> {
        let (reply, answer) = oneshot::channel();
        let ids = ids.iter().map(|id| id.to_string()).collect();
        h.commands
            .send(Command::RunNow { ids, reply })
            .await
            .unwrap();
        answer.await.unwrap()
    }

    #[tokio::test]
    async fn run_now_bypasses_backoff_and_names_unknown_ids() {
        let mut h = spawn(vec![(entry("held"), backing_off())]);
        assert!(quiet(&mut h.due).await, "a backing-off source ran at start");
        let answers = ask_run_now(&h, &["held", "nope"]).await;
        assert_eq!(
            answers,
            [
                ("held".into(), RunNow::Queued),
                ("nope".into(), RunNow::Unknown)
            ]
        );
        assert_eq!(recv(&mut h.due).await.as_deref(), Some("held"));
        h.shutdown.cancel();
    }

    #[tokio::test]
    async fn replace_starts_new_stops_removed_and_reruns_changed_at_once() {
        let mut h = spawn(vec![
            (entry("kept"), RunState::default()),
            (entry("fixed"), backing_off()),
            (entry("gone"), RunState::default()),
        ]);
        let mut started = vec![recv(&mut h.due).await, recv(&mut h.due).await];
        started.sort();
        assert_eq!(started, [Some("gone".into()), Some("kept".into())]);
        let held_until = h.board.get("fixed").unwrap();
        assert!(held_until > Utc::now() + TimeDelta::hours(1), "backing off");
        let replacement = |id: &str, state, changed| Replacement {
            entry: entry(id),
            state,
            changed,
        };
        let entries = vec![
            replacement("kept", RunState::default(), false),
            replacement("fixed", backing_off(), true),
            replacement("new", RunState::default(), false),
            replacement("new-held", backing_off(), false),
        ];
        h.commands.send(Command::Replace(entries)).await.unwrap();
        let mut emitted = vec![recv(&mut h.due).await, recv(&mut h.due).await];
        emitted.sort();
        assert_eq!(emitted, [Some("fixed".into()), Some("new".into())]);
        assert!(quiet(&mut h.due).await, "an unchanged or held source ran");
        assert_eq!(h.board.get("gone"), None, "removed from the board");
        assert_eq!(ask_run_now(&h, &["gone"]).await[0].1, RunNow::Unknown);
        h.shutdown.cancel();
    }

    #[test]
    fn run_now_reports_a_full_queue() {
        let (due, _rx) = mpsc::channel(1);
        let slots = vec![Slot {
            entry: entry("a"),
            state: RunState::default(),
            next: None,
        }];
        assert_eq!(run_now(&slots, "a", &due), RunNow::Queued);
        assert_eq!(run_now(&slots, "a", &due), RunNow::QueueFull);
    }
}
