//! Builds everything from a validated [`Config`] and owns the daemon's
//! lifecycle: one shutdown token that HTTP, the scheduler and the workers all
//! watch, a bounded drain for in-flight refreshes, and a clean database close.
//! Also hosts the one-shot commands (`once`, `check`, `feed`, `opml`, and
//! `extract` in its own file).

pub mod explain;
pub mod extract;
pub mod status;
pub mod websub;

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{Local, Utc};
use futures::{StreamExt, stream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Source};
use crate::fetch::Fetcher;
use crate::http::{self, AppState, FeedFormat};
use crate::model::{RefreshCounts, SourceHealth};
use crate::pipeline::{Pipeline, RefreshError};
use crate::schedule::{self, Entry, NextRuns, Outcome, Policy, RunState};
use crate::store::Store;
use crate::systemd;

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

/// A fixed pool of workers taking source ids off the queue and reporting
/// each outcome back to the scheduler. A source already being refreshed is
/// not refreshed twice at once.
fn spawn_workers(
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
            // The outcome is logged and recorded by the pipeline itself; the
            // scheduler hears of it to back a failing source off.
            let result = self.pipeline.refresh(source).await;
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
async fn drain(workers: Vec<JoinHandle<()>>) {
    let aborts: Vec<_> = workers.iter().map(JoinHandle::abort_handle).collect();
    let finished = futures::future::join_all(workers);
    if tokio::time::timeout(DRAIN_TIMEOUT, finished).await.is_err() {
        tracing::warn!("in-flight refreshes did not finish in time; abandoning them");
        aborts.iter().for_each(|a| a.abort());
    }
}

/// `refeed once`: refreshes the named sources (all when none are named) and
/// reports one line per source. Returns whether every refresh succeeded.
pub async fn once(config: &Config, ids: &[String]) -> anyhow::Result<bool> {
    let selected = select_sources(config, ids)?;
    let Opened {
        store,
        fetcher,
        pipeline,
        ..
    } = open(config).await?;
    let progress = Progress::new(selected.len());
    let all_ok = stream::iter(selected)
        .map(|source| {
            let pipeline = &pipeline;
            async move { (source, pipeline.refresh(source).await) }
        })
        .buffer_unordered(config.scheduler.workers)
        .fold(true, |all_ok, (source, result)| {
            progress.report(&summary_line(&source.id, &result));
            futures::future::ready(all_ok && result.is_ok())
        })
        .await;
    progress.finish();
    save_robots(&store, &fetcher).await;
    store.close().await;
    Ok(all_ok)
}

fn select_sources<'a>(config: &'a Config, ids: &[String]) -> anyhow::Result<Vec<&'a Source>> {
    if ids.is_empty() {
        return Ok(config.sources.iter().collect());
    }
    ids.iter()
        .map(|id| {
            config
                .sources
                .iter()
                .find(|s| &s.id == id)
                .with_context(|| {
                    format!(
                        "no source {id:?} in {} (known: {})",
                        config.path.display(),
                        known_ids(config)
                    )
                })
        })
        .collect()
}

fn known_ids(config: &Config) -> String {
    let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
    ids.join(", ")
}

/// The one-line result of a refresh, as `once` prints it.
pub fn summary_line(id: &str, result: &Result<RefreshCounts, RefreshError>) -> String {
    match result {
        Ok(c) if c.not_modified => format!("{id}: not modified"),
        Ok(c) => {
            let mut line = format!(
                "{id}: ok, {} seen, {} new, {} updated",
                c.seen, c.new, c.updated
            );
            if c.items_cut > 0 {
                let listed = c.seen + c.items_cut;
                line += &format!(
                    "; page lists {listed} items, took the newest {} (max_new_items)",
                    c.seen
                );
            }
            if c.articles_deferred > 0 {
                line += &format!(
                    "; {} articles left for later refreshes (max_article_fetches)",
                    c.articles_deferred
                );
            }
            line
        }
        Err(err) => format!("{id}: error: {}", err.chain()),
    }
}

/// A progress bar on a terminal; plain lines on stdout otherwise.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(len: usize) -> Self {
        if !std::io::stdout().is_terminal() {
            return Self(None);
        }
        let bar = indicatif::ProgressBar::new(len as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} sources {elapsed}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    fn report(&self, line: &str) {
        match &self.0 {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => println!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// `refeed check`: the config is already valid when this runs; print each
/// source with its next three run times.
pub fn check(config: &Config) -> String {
    let mut out = format!(
        "{}: ok, {} source(s); serving {} on {}\n",
        config.path.display(),
        config.sources.len(),
        config.server.base_url,
        config.server.listen
    );
    for source in &config.sources {
        let kind = if source.listing.is_some() {
            "listing"
        } else {
            "feed"
        };
        out.push_str(&format!(
            "{}  ({kind}, {}{})\n  schedule {:?}, next runs:",
            source.id,
            source.url,
            if source.full_text { ", full text" } else { "" },
            source.schedule.as_str(),
        ));
        let mut after = Local::now();
        for _ in 0..3 {
            match source.schedule.next_after(&after) {
                Some(next) => {
                    out.push_str(&format!(" {}", next.format("%Y-%m-%d %H:%M:%S %Z")));
                    after = next;
                }
                None => break,
            }
        }
        out.push('\n');
    }
    out
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

/// `refeed opml`: the OPML subscription list the server offers at
/// `/feeds.opml`.
pub async fn opml(config: &Config) -> anyhow::Result<String> {
    let store = Store::open(&config.storage.path).await?;
    let document = http::opml_document(&app_state(config, store.clone())).await;
    store.close().await;
    Ok(document?)
}

/// `refeed feed`: renders a stored feed as the server would.
pub async fn feed(config: &Config, id: &str, format: FeedFormat) -> anyhow::Result<String> {
    let store = Store::open(&config.storage.path).await?;
    let state = app_state(config, store.clone());
    let rendered = http::render_feed(&state, id, format).await;
    store.close().await;
    match rendered? {
        Some(body) => Ok(body),
        None => bail!(
            "no source {id:?} in {} (known: {}, all)",
            config.path.display(),
            known_ids(config)
        ),
    }
}
