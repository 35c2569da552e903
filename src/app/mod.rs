//! Builds everything from a validated [`Config`] and owns the daemon's
//! lifecycle: one shutdown token that HTTP, the scheduler and the workers all
//! watch, a bounded drain for in-flight refreshes, and a clean database close.
//! The workers are in `workers`; the one-shot commands (`once`, `check`,
//! `feed`, `opml`) in `commands`, and `extract`, `explain`, `status` and
//! `try` (`try_url`: previewing a source) in their own files.

mod commands;
pub mod explain;
pub mod extract;
pub mod status;
pub mod try_url;
pub mod websub;
mod workers;

pub use commands::{check, feed, once, opml, summary_line};

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::fetch::Fetcher;
use crate::http::{self, AppState};
use crate::model::SourceHealth;
use crate::pipeline::Pipeline;
use crate::schedule::{self, Entry, NextRuns, Policy, RunState};
use crate::store::Store;
use crate::systemd;
use workers::{drain, spawn_workers};

/// How long in-flight refreshes may run on after a shutdown signal before
/// they are abandoned (their transactions roll back; stored data stays intact).
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(6);

/// How long open HTTP connections get to finish after a shutdown signal.
const HTTP_DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// What [`open`] builds.
struct Opened {
    store: Store,
    /// The one HTTP client (also for WebSub pings and saving its
    /// robots.txt answers).
    fetcher: Fetcher,
    pipeline: Pipeline,
    /// Every source's stored health, as it was at start (the scheduler
    /// plans the first runs from it).
    health: HashMap<String, SourceHealth>,
}

/// Opens the database and builds the pipeline over the one HTTP client.
/// The client starts with what earlier runs left: the hosts' Retry-After
/// and their robots.txt answers.
async fn open(config: &Config) -> anyhow::Result<Opened> {
    let store = Store::open(&config.storage.path).await?;
    let fetcher = Fetcher::new(&config.fetch)?;
    let health = store.source_health().await?;
    defer_hosts(config, &health, &fetcher, Utc::now());
    fetcher.restore_robots(store.saved_robots(Utc::now()).await?);
    let pipeline = Pipeline::new(fetcher.clone(), store.clone());
    Ok(Opened {
        store,
        fetcher,
        pipeline,
        health,
    })
}

/// Keeps the robots.txt answers this run fetched for the next process. A
/// failure costs only a fetch of each robots.txt next time: logged, not
/// fatal.
async fn save_robots(store: &Store, fetcher: &Fetcher) {
    if let Err(err) = store.save_robots(&fetcher.saved_robots(), Utc::now()).await {
        tracing::warn!(error = %err, "cannot save robots.txt answers");
    }
}

/// Carries each source's stored `Retry-After` over from the process that
/// received it: this one, too, leaves that host alone until then, for
/// every source on it. The daemon's scheduler holds the source itself back
/// anyway; this also covers `refeed once`, which refreshes what it is told
/// to, and other sources sharing the host.
fn defer_hosts(
    config: &Config,
    health: &HashMap<String, SourceHealth>,
    fetcher: &Fetcher,
    now: chrono::DateTime<Utc>,
) {
    for source in &config.sources {
        let Some(state) = health.get(&source.id).map(RunState::from_health) else {
            continue;
        };
        if let Some(until) = state.retry_at.filter(|until| *until > now) {
            tracing::info!(source = %source.id, until = %until, "host asked to be left alone until then");
            fetcher.defer_host(&source.url, until);
        }
    }
}

/// Starts the WebSub publisher when a hub is configured.
fn spawn_publisher(
    config: &Config,
    store: &Store,
    fetcher: Fetcher,
    shutdown: &CancellationToken,
) -> Option<JoinHandle<()>> {
    let hub = config.server.websub_hub.clone()?;
    let publisher = websub::Publisher {
        fetcher,
        hub,
        base_url: config.server.base_url.clone(),
        sources: config.sources.iter().map(|s| s.id.clone()).collect(),
        backoff: websub::PING_BACKOFF,
    };
    Some(publisher.spawn(store.clone(), shutdown.clone()))
}

/// `refeed run`: serve HTTP, refresh every source now and then on its
/// schedule, until SIGTERM or SIGINT.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    tokio::spawn(watch_signals(shutdown.clone()));
    let Opened {
        store,
        fetcher,
        pipeline,
        health,
    } = open(&config).await?;
    let publisher = spawn_publisher(&config, &store, fetcher.clone(), &shutdown);

    let listener = http::bind(config.server.listen)
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let addr = listener.local_addr()?;
    let board = NextRuns::new();
    let lookup = board.clone();
    let state =
        app_state(&config, store.clone()).with_next_runs(Arc::new(move |id| lookup.get(id)));
    let server = tokio::spawn(http::serve_with(
        listener,
        http::router(state),
        config.server.limits,
        shutdown.clone(),
    ));
    tracing::info!(addr = %addr, base_url = %config.server.base_url, "listening");
    systemd::ready();

    let (due_tx, due_rx) = mpsc::channel(config.sources.len().max(1) * 2);
    let (outcome_tx, outcome_rx) = mpsc::unbounded_channel();
    let workers = spawn_workers(&config, pipeline, due_rx, outcome_tx, &shutdown);
    // Backoff survives restarts: the scheduler starts from the stored
    // health. Sources that are not backing off are due at once: the
    // scheduler emits them first thing.
    let scheduler = tokio::spawn(schedule::run(
        schedule_entries(&config, &health),
        scheduling_policy(&config),
        due_tx,
        outcome_rx,
        board,
        shutdown.clone(),
    ));

    shutdown.cancelled().await;
    systemd::stopping();
    tracing::info!("shutting down");
    drain(workers).await;
    let _ = scheduler.await;
    if let Some(publisher) = publisher {
        let _ = publisher.await;
    }
    match tokio::time::timeout(HTTP_DRAIN_TIMEOUT, server).await {
        Ok(Ok(Ok(()))) | Err(_) => {}
        Ok(Ok(Err(err))) => tracing::error!(error = %err, "HTTP server failed"),
        Ok(Err(err)) => tracing::error!(error = %err, "HTTP server task failed"),
    }
    save_robots(&store, &fetcher).await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Turns SIGTERM and SIGINT into the one shutdown token.
async fn watch_signals(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            },
            Err(err) => {
                tracing::error!(error = %err, "cannot watch SIGTERM");
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    shutdown.cancel();
}

/// The `[scheduler]` settings the scheduler and `refeed status` plan with.
fn scheduling_policy(config: &Config) -> Policy {
    Policy {
        jitter: config.scheduler.jitter,
        max_backoff: config.scheduler.max_backoff,
    }
}

/// Each source's schedule with the state its stored health implies.
fn schedule_entries(
    config: &Config,
    health: &HashMap<String, SourceHealth>,
) -> Vec<(Entry, RunState)> {
    config
        .sources
        .iter()
        .map(|s| {
            let entry = Entry {
                id: s.id.clone(),
                schedule: s.schedule.clone(),
            };
            let state = health
                .get(&s.id)
                .map(RunState::from_health)
                .unwrap_or_default();
            (entry, state)
        })
        .collect()
}

/// What the HTTP layer needs of the config, over `store`.
fn app_state(config: &Config, store: Store) -> AppState {
    AppState::new(
        store,
        config.source_meta(),
        config.server.base_url.clone(),
        config.server.websub_hub.clone(),
    )
}
