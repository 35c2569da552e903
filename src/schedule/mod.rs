//! Decides *when* each source is refreshed, and nothing else: it emits source
//! ids onto a bounded channel at their cron times; workers elsewhere (`app`)
//! do the refreshing.
//!
//! Schedules are evaluated in the machine's local time zone, as cron does.

pub mod cron;

use chrono::{DateTime, Local};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use self::cron::CronSchedule;

/// Longest single sleep: the scheduler wakes at least this often to re-read
/// the clock, so a suspended machine or a clock change delays runs by at most
/// this much instead of until the next computed instant.
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(60);

/// One source's schedule.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Source id emitted when due.
    pub id: String,
    /// When it is due.
    pub schedule: CronSchedule,
}

/// Emits each entry's id on `due` at every run time, until `shutdown`.
///
/// When the workers are so busy that the queue is full, the run is skipped
/// (and logged) rather than queued behind itself: the next run comes anyway.
pub async fn run(entries: Vec<Entry>, due: mpsc::Sender<String>, shutdown: CancellationToken) {
    let mut next: Vec<Option<DateTime<Local>>> = entries
        .iter()
        .map(|e| e.schedule.next_after(&Local::now()))
        .collect();
    loop {
        let Some(wake) = next.iter().flatten().min().copied() else {
            return; // no schedule ever fires again
        };
        let wait = (wake - Local::now())
            .to_std()
            .unwrap_or_default()
            .min(MAX_SLEEP);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        let now = Local::now();
        for (entry, slot) in entries.iter().zip(next.iter_mut()) {
            if slot.is_some_and(|t| t <= now) {
                emit(&due, &entry.id);
                *slot = entry.schedule.next_after(&now);
            }
        }
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
    use super::*;

    #[tokio::test]
    async fn emits_due_sources_and_stops_on_shutdown() {
        let (tx, mut rx) = mpsc::channel(8);
        let shutdown = CancellationToken::new();
        let entries = vec![Entry {
            id: "every-second".into(),
            schedule: CronSchedule::parse("* * * * * *").unwrap(),
        }];
        let task = tokio::spawn(run(entries, tx, shutdown.clone()));
        let first = tokio::time::timeout(std::time::Duration::from_secs(3), rx.recv()).await;
        assert_eq!(first.unwrap().as_deref(), Some("every-second"));
        shutdown.cancel();
        tokio::time::timeout(std::time::Duration::from_secs(1), task)
            .await
            .expect("scheduler stops on shutdown")
            .unwrap();
    }

    #[test]
    fn a_full_queue_skips_instead_of_blocking() {
        let (tx, mut rx) = mpsc::channel(1);
        emit(&tx, "a");
        emit(&tx, "b");
        assert_eq!(rx.try_recv().unwrap(), "a");
        assert!(rx.try_recv().is_err());
    }
}
