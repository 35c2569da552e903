//! The worker pool of `refeed run`: a fixed number of workers take source
//! ids off the scheduler's queue, refresh them, and report each outcome
//! back; at shutdown they get a bounded drain. *When* a source is due is
//! the scheduler's business.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::daemon::DRAIN_TIMEOUT;
use crate::config::{Config, Source};
use crate::pipeline::{Pipeline, RefreshError};
use crate::schedule::Outcome;

/// A fixed pool of workers taking source ids off the queue and reporting
/// each outcome back to the scheduler. A source already being refreshed is
/// not refreshed twice at once.
pub(super) fn spawn_workers(
    config: &Config,
    pipeline: Pipeline,
    due: mpsc::Receiver<String>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    shutdown: &CancellationToken,
) -> Vec<JoinHandle<()>> {
    let sources: Arc<HashMap<String, Source>> = Arc::new(
        config
            .sources
            .iter()
            .map(|s| (s.id.clone(), s.clone()))
            .collect(),
    );
    let due = Arc::new(tokio::sync::Mutex::new(due));
    let running = Arc::new(Mutex::new(HashSet::new()));
    (0..config.scheduler.workers)
        .map(|_| {
            let worker = Worker {
                pipeline: pipeline.clone(),
                sources: sources.clone(),
                due: due.clone(),
                running: running.clone(),
                outcomes: outcomes.clone(),
                shutdown: shutdown.clone(),
            };
            tokio::spawn(worker.run())
        })
        .collect()
}

struct Worker {
    pipeline: Pipeline,
    sources: Arc<HashMap<String, Source>>,
    due: Arc<tokio::sync::Mutex<mpsc::Receiver<String>>>,
    running: Arc<Mutex<HashSet<String>>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    shutdown: CancellationToken,
}

impl Worker {
    async fn run(self) {
        loop {
            let next = tokio::select! {
                _ = self.shutdown.cancelled() => return,
                id = async { self.due.lock().await.recv().await } => id,
            };
            let Some(id) = next else { return };
            let Some(source) = self.sources.get(&id) else {
                continue;
            };
            if !self.running.lock().expect("lock").insert(id.clone()) {
                tracing::info!(source = %id, "previous refresh still running; skipping this run");
                continue;
            }
            // The outcome is recorded by the pipeline (and a success logged);
            // the scheduler hears of it to back a failing source off.
            let result = self.pipeline.refresh(source).await;
            if let Err(err) = &result {
                tracing::warn!(source = %id, error = %err.chain(), "refresh failed");
            }
            self.running.lock().expect("lock").remove(&id);
            let _ = self.outcomes.send(Outcome {
                ok: result.is_ok(),
                finished: Utc::now(),
                retry_at: result.as_ref().err().and_then(RefreshError::retry_at),
                id,
            });
        }
    }
}

/// Lets in-flight refreshes finish within [`DRAIN_TIMEOUT`], then abandons them.
pub(super) async fn drain(workers: Vec<JoinHandle<()>>) {
    let aborts: Vec<_> = workers.iter().map(JoinHandle::abort_handle).collect();
    let finished = futures::future::join_all(workers);
    if tokio::time::timeout(DRAIN_TIMEOUT, finished).await.is_err() {
        tracing::warn!("in-flight refreshes did not finish in time; abandoning them");
        aborts.iter().for_each(|a| a.abort());
    }
}
