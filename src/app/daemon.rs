//! The daemon's lifecycle (`refeed run`): one shutdown token that HTTP, the
//! scheduler and the workers all watch, a bounded drain for in-flight
//! refreshes, and a clean database close. The one-shot commands are in
//! `commands`; what both build is in the parent module.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::control;
use super::fleet::Fleet;
use super::reload::{Reloader, watch_hangups};
use super::watchdog;
use super::workers::{Desk, drain, spawn_workers};
use super::{Opened, app_state, open, save_robots, schedule_entries, scheduling_policy, websub};
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::http;
use crate::model::SourceHealth;
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

/// Scheduler commands waiting at once (reloads and `refeed refresh`
/// requests; their senders wait when it is full).
const COMMAND_QUEUE: usize = 16;

/// `refeed run`: serve HTTP, refresh every source now and then on its
/// schedule, until SIGTERM or SIGINT; SIGHUP reloads the config.
pub async fn run(config: Config) -> anyhow::Result<()> {
    // First thing: from here on SIGHUP reloads instead of killing.
    let hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("cannot watch SIGHUP")?;
    let shutdown = CancellationToken::new();
    tokio::spawn(watch_signals(shutdown.clone()));
    // One daemon per SQLite database (issue 12): a second refuses to
    // start. On PostgreSQL the daemons form a fleet instead (issue 13).
    let _lock = super::database::lock(&config.storage).await?;
    crate::metrics::install();
    crate::metrics::spawn_upkeep(shutdown.clone());
    let Opened {
        store,
        fetcher,
        pipeline,
        health,
    } = open(&config).await?;
    let publisher = spawn_publisher(&config, &store, fetcher.clone(), &shutdown);
    // Other processes' writes (`refeed once`) reach the served feeds.
    let watcher = tokio::spawn(store.clone().follow_other_writers(shutdown.clone()));
    let (plans, plan) = tokio::sync::watch::channel(super::lifecycle::PrunePlan::of(&config));
    let pruner = super::lifecycle::spawn_pruner(store.clone(), plan, shutdown.clone());

    let listener = http::bind(config.server.listen)
        .with_context(|| format!("cannot listen on {}", config.server.listen))?;
    let addr = listener.local_addr()?;
    let board = NextRuns::new();
    let lookup = board.clone();
    let beats = board.clone();
    let state = app_state(&config, store.clone())
        .with_next_runs(Arc::new(move |id| lookup.get(id)))
        .with_scheduler_check(Arc::new(move || {
            watchdog::scheduler_alive(beats.heartbeat_age())
        }));
    let desk = Desk::new(&config);
    let (command_tx, command_rx) = mpsc::channel(COMMAND_QUEUE);
    let reloader = Reloader::new(&config, &state, &desk, command_tx, &fetcher, plans);
    // Ready before `listening`: a client may ask as soon as we serve.
    let control = start_control(&config, reloader.clone(), &shutdown);
    tokio::spawn(watch_hangups(hangups, reloader, shutdown.clone()));
    let served = state.sources.clone();
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
    let fleet = join_fleet(&config, &store, &fetcher, &health).await?;
    // On PostgreSQL only the fleet's poller claims and queues refreshes;
    // the local scheduler's due times just wake it (issue 13).
    let (scheduled_tx, fleet_tasks) = match &fleet {
        None => (due_tx, None),
        Some(fleet) => {
            let (wake_tx, wake_rx) = mpsc::channel(config.sources.len().max(1) * 2);
            let tasks = spawn_fleet_tasks(fleet, &desk, due_tx, wake_rx, &shutdown);
            (wake_tx, Some(tasks))
        }
    };
    let workers = spawn_workers(
        &config,
        pipeline,
        &desk,
        fleet.as_ref(),
        due_rx,
        outcome_tx,
        &shutdown,
    );
    // Backoff survives restarts: the scheduler starts from the stored
    // health. Sources that are not backing off are due at once: the
    // scheduler emits them first thing.
    let scheduler = tokio::spawn(schedule::run(
        schedule_entries(&config, &health),
        scheduling_policy(&config),
        scheduled_tx,
        outcome_rx,
        command_rx,
        board.clone(),
        shutdown.clone(),
    ));
    let watched = watchdog::Watched {
        board,
        store: store.clone(),
        sources: served,
    };
    let watchdog = watchdog::spawn(watched, shutdown.clone());

    shutdown.cancelled().await;
    systemd::stopping();
    tracing::info!("shutting down");
    drain(workers).await;
    if let Some(fleet) = fleet {
        for task in fleet_tasks.into_iter().flatten() {
            let _ = task.await;
        }
        fleet.leave().await;
    }
    let _ = scheduler.await;
    if let Some(control) = control {
        control.close().await;
    }
    if let Some(watchdog) = watchdog {
        let _ = watchdog.await;
    }
    let _ = watcher.await;
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

/// Joins the fleet of daemons sharing a PostgreSQL database; `None` on
/// SQLite.
async fn join_fleet(
    config: &Config,
    store: &Store,
    fetcher: &Fetcher,
    health: &HashMap<String, SourceHealth>,
) -> anyhow::Result<Option<Fleet>> {
    if !store.is_shared() {
        return Ok(None);
    }
    let workers = config.scheduler.workers;
    let policy = scheduling_policy(config);
    let fleet = Fleet::join(
        store.clone(),
        fetcher.clone(),
        policy,
        workers,
        config,
        health,
    )
    .await
    .context("cannot join the fleet on the shared database")?;
    Ok(Some(fleet))
}

/// The fleet's heartbeat and its poller, which claims due sources and
/// queues them on `due`, polling sooner when `wake` says one fell due.
fn spawn_fleet_tasks(
    fleet: &Fleet,
    desk: &Desk,
    due: mpsc::Sender<String>,
    wake: mpsc::Receiver<String>,
    shutdown: &CancellationToken,
) -> [JoinHandle<()>; 2] {
    [
        fleet.spawn_heartbeat(shutdown.clone()),
        fleet.spawn_poller(desk.clone(), due, wake, shutdown.clone()),
    ]
}

/// Serves the control socket (`refeed refresh`, `refeed reload`; where:
/// `control::socket_path`). Without it the daemon still runs (reloads by SIGHUP).
fn start_control(
    config: &Config,
    reloader: Arc<Reloader>,
    shutdown: &CancellationToken,
) -> Option<control::Listening> {
    let path = control::socket_path(config);
    match control::listen(&path, reloader, shutdown.clone()) {
        Ok(listening) => Some(listening),
        Err(err) => {
            tracing::error!(path = %path.display(), error = %err, "no control socket: `refeed refresh` and `refeed reload` cannot reach this daemon");
            None
        }
    }
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
