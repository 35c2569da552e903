//! The daemon's lifecycle (`refeed run`): one shutdown token that HTTP, the
//! scheduler and the workers all watch, a bounded drain for in-flight
//! refreshes, and a clean database close. The one-shot commands are in
//! `commands`; what both build is in the parent module.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::workers::{drain, spawn_workers};
use super::{Opened, app_state, open, save_robots, schedule_entries, scheduling_policy, websub};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::http;
use crate::schedule::{self, NextRuns};
use crate::store::Store;
use crate::systemd;

/// How long in-flight refreshes may run on after a shutdown signal before
/// they are abandoned (their transactions roll back; stored data stays intact).
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(6);

/// How long open HTTP connections get to finish after a shutdown signal.
const HTTP_DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

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
    let plan = super::lifecycle::PrunePlan::of(&config);
    let pruner = super::lifecycle::spawn_pruner(store.clone(), plan, shutdown.clone());

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
    let _ = pruner.await;
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
