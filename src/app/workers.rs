//! The worker pool of `refeed run`: a fixed number of workers take source
//! ids off the scheduler's queue, refresh them, and report each outcome
//! back; at shutdown they get a bounded drain. *When* a source is due is
//! the scheduler's business.
//!
//! The workers look each source up in a [`Desk`] a config reload may swap
//! (a refresh already running keeps the config it started with), and post
//! each result there for `refeed refresh` to wait on (issue 12).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use chrono::Utc;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::commands::summary_line;
use super::daemon::DRAIN_TIMEOUT;
use super::fleet::Fleet;
use crate::config::{Config, Source};
use crate::pipeline::{Pipeline, RefreshError};
use crate::schedule::Outcome;

/// How many refresh results [`Desk::reports`] keeps for slow listeners; a
/// listener further behind misses some (it is told, and waits on).
const REPORTS_KEPT: usize = 256;

/// One finished refresh, as `refeed refresh` prints it.
#[derive(Debug, Clone)]
pub(super) struct Report {
    /// Source id.
    pub id: String,
    /// Whether it succeeded.
    pub ok: bool,
    /// `ID: ok, 12 seen, ...` or `ID: error: ...`.
    pub line: String,
}

/// What the workers share with the rest of the daemon: the sources by id
/// (swapped by a reload) and the channel their results are posted on.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub(super) struct Desk {
    sources: Arc<RwLock<Arc<HashMap<String, Source>>>>,
    reports: broadcast::Sender<Report>,
}

impl Desk {
    /// A desk holding `config`'s sources.
    pub(super) fn new(config: &Config) -> Self {
        Self {
            sources: Arc::new(RwLock::new(Arc::new(source_map(config)))),
            reports: broadcast::channel(REPORTS_KEPT).0,
        }
    }

    /// Refreshes from now on use `config`'s sources.
    pub(super) fn replace(&self, config: &Config) {
        let map = Arc::new(source_map(config));
        *self.sources.write().unwrap_or_else(PoisonError::into_inner) = map;
    }

    /// The source `id` as currently configured.
    pub(super) fn source(&self, id: &str) -> Option<Source> {
        let map = self.sources.read().unwrap_or_else(PoisonError::into_inner);
        map.get(id).cloned()
    }

    /// The ids of the configured sources.
    pub(super) fn ids(&self) -> Vec<String> {
        let map = self.sources.read().unwrap_or_else(PoisonError::into_inner);
        map.keys().cloned().collect()
    }

    /// Every refresh result from now on.
    pub(super) fn reports(&self) -> broadcast::Receiver<Report> {
        self.reports.subscribe()
    }
}

fn source_map(config: &Config) -> HashMap<String, Source> {
    let sources = config.sources.iter();
    sources.map(|s| (s.id.clone(), s.clone())).collect()
}

/// A fixed pool of workers taking source ids off the queue and reporting
/// each outcome back to the scheduler. A source already being refreshed is
/// not refreshed twice at once. With a `fleet` (PostgreSQL), the queue
/// holds only refreshes the fleet's poller claimed; the workers run them
/// under that lease (see `fleet`).
pub(super) fn spawn_workers(
    config: &Config,
    pipeline: Pipeline,
    desk: &Desk,
    fleet: Option<&Fleet>,
    due: mpsc::Receiver<String>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    shutdown: &CancellationToken,
) -> Vec<JoinHandle<()>> {
    let due = Arc::new(tokio::sync::Mutex::new(due));
    let running = Arc::new(Mutex::new(HashSet::new()));
    (0..config.scheduler.workers)
        .map(|_| {
            let worker = Worker {
                pipeline: pipeline.clone(),
                desk: desk.clone(),
                due: due.clone(),
                running: running.clone(),
                outcomes: outcomes.clone(),
                fleet: fleet.cloned(),
                shutdown: shutdown.clone(),
            };
            tokio::spawn(worker.run())
        })
        .collect()
}

struct Worker {
    pipeline: Pipeline,
    desk: Desk,
    due: Arc<tokio::sync::Mutex<mpsc::Receiver<String>>>,
    running: Arc<Mutex<HashSet<String>>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    fleet: Option<Fleet>,
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
            let Some(source) = self.desk.source(&id) else {
                if let Some(fleet) = &self.fleet {
                    fleet.drop_claim(&id).await;
                }
                continue;
            };
            if !self.running.lock().expect("lock").insert(id.clone()) {
                tracing::info!(source = %id, "previous refresh still running; skipping this run");
                continue;
            }
            // The outcome is recorded by the pipeline (and a success logged);
            // the scheduler hears of it to back a failing source off.
            let result = match &self.fleet {
                None => Some(self.pipeline.refresh(&source).await),
                Some(fleet) => {
                    fleet
                        .run_leased(&source, self.pipeline.refresh(&source))
                        .await
                }
            };
            let Some(result) = result else {
                // Abandoned (see `fleet`); `refeed refresh` hears so
                // instead of waiting.
                self.running.lock().expect("lock").remove(&id);
                let line = format!("{id}: abandoned: another instance of the fleet took it over");
                let _ = self.desk.reports.send(Report {
                    id,
                    ok: false,
                    line,
                });
                continue;
            };
            if let Err(err) = &result {
                tracing::warn!(source = %id, error = %err.chain(), "refresh failed");
            }
            self.running.lock().expect("lock").remove(&id);
            let report = Report {
                id: id.clone(),
                ok: result.is_ok(),
                line: summary_line(&id, &result),
            };
            // Nobody may be listening: that is fine.
            let _ = self.desk.reports.send(report);
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
