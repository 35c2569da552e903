//! Builds everything from a validated [`Config`]: the database, the one HTTP
//! client, the pipeline, the scheduler's entries and the HTTP layer's state.
//! The daemon's lifecycle (`refeed run`: signals, serving, scheduling,
//! shutdown) is in `daemon`, its workers in `workers`; the one-shot commands
//! (`once`, `check`, `feed`, `opml`) in `commands`, and `extract`, `explain`,
//! `status` and `try` (`try_url`: previewing a source) in their own files;
//! `lifecycle` applies renames, removals and retention, and backs up.

mod commands;
pub mod control;
mod daemon;
pub mod database;
pub mod explain;
pub mod extract;
mod fleet;
pub mod lifecycle;
mod progress;
mod reload;
pub mod siteconfigs;
pub mod status;
pub mod try_url;
pub mod watchdog;
pub mod websub;
mod workers;

pub use commands::{ListenCheck, check, check_listen, feed, init, once, opml, summary_line};
pub use control::{refresh, reload};
pub use daemon::{DRAIN_TIMEOUT, run};

use std::collections::HashMap;

use chrono::Utc;

use crate::config::Config;
use crate::fetch::Fetcher;
use crate::http::{AppState, FeedCache};
use crate::model::SourceHealth;
use crate::pipeline::Pipeline;
use crate::schedule::{Entry, Policy, RunState};
use crate::store::Store;

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
    let store = database::open(&config.storage).await?;
    lifecycle::apply(&store, config).await?;
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
    .with_cache(FeedCache::new(config.server.cache_bytes))
}
