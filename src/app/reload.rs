//! Config reload for a running daemon (issue 12): `SIGHUP` (what
//! `systemctl reload` sends) and `refeed reload` re-read and validate the
//! config file. A config with errors changes nothing: every error is
//! logged with its `file:line` and `/status` shows "config reload failed"
//! until a later reload succeeds. A valid one starts, stops and changes
//! sources in place: the served list, the workers' sources and the
//! scheduler's entries are swapped; served feeds and in-flight refreshes
//! carry on (a refresh already running finishes with its old config).
//!
//! Settings outside `[[source]]` (listen address, database, `[fetch]`,
//! `[scheduler]`) are read once at start: a change is reported as needing
//! a restart, not applied.

use std::collections::HashMap;
use std::error::Error as _;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::watch;
use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;

use super::lifecycle::{self, PrunePlan};
use super::workers::Desk;
use crate::config::{Config, ConfigError, Source};
use crate::fetch::Fetcher;
use crate::http::{AppState, ReloadBoard, ReloadFailure, SourceList};
use crate::schedule::{Command, Entry, Replacement, RunState};
use crate::store::Store;

/// What a reload swaps; shared by the `SIGHUP` watcher and the control
/// socket. Reloads run one at a time.
pub(super) struct Reloader {
    /// The config file the daemon was started with.
    pub path: PathBuf,
    /// The config in force.
    pub current: Mutex<Config>,
    /// The workers' sources.
    pub desk: Desk,
    /// The HTTP layer's sources.
    pub served: SourceList,
    /// What `/status` shows of the latest reload.
    pub board: ReloadBoard,
    /// The scheduler's command channel.
    pub commands: mpsc::Sender<Command>,
    /// The database (the stored health of added sources).
    pub store: Store,
    /// The one HTTP client (it learns the origins of added sources).
    pub fetcher: Fetcher,
    /// The pruner's plan (retention and the configured sources).
    pub plans: watch::Sender<PrunePlan>,
}

impl Reloader {
    /// A reloader of `config`'s file, swapping the sources of `state` (the
    /// HTTP layer's), `desk` (the workers') and, by `commands`, the
    /// scheduler's.
    pub fn new(
        config: &Config,
        state: &AppState,
        desk: &Desk,
        commands: mpsc::Sender<Command>,
        fetcher: &Fetcher,
        plans: watch::Sender<PrunePlan>,
    ) -> Arc<Self> {
        Arc::new(Self {
            path: config.path.clone(),
            current: Mutex::new(config.clone()),
            desk: desk.clone(),
            served: state.sources.clone(),
            board: state.reload.clone(),
            commands,
            store: state.store.clone(),
            fetcher: fetcher.clone(),
            plans,
        })
    }

    /// Re-reads the config file and applies it. `Ok` carries a summary
    /// (one line per change); `Err` every problem found, each with
    /// `file:line`, when the config in force was kept.
    pub async fn reload(&self) -> Result<Vec<String>, Vec<String>> {
        let mut current = self.current.lock().await;
        let config = match load(self.path.clone()).await {
            Ok(config) => config,
            Err(errors) => return Err(self.refuse(errors)),
        };
        let mut summary = source_changes(&current, &config);
        summary.extend(restart_only(&current, &config));
        self.apply(&current, &config).await;
        self.board.set(None);
        for line in &summary {
            tracing::info!(config = %self.path.display(), "config reloaded: {line}");
        }
        *current = config;
        Ok(summary)
    }

    /// Logs and posts a failed reload; the errors back.
    fn refuse(&self, errors: Vec<String>) -> Vec<String> {
        for error in &errors {
            tracing::error!("config reload failed: {error}");
        }
        let failure = ReloadFailure {
            at: Utc::now(),
            errors: errors.clone(),
        };
        self.board.set(Some(failure));
        errors
    }

    /// Moves renamed sources' data and marks removed ones (before any of
    /// the new sources refreshes), then swaps the sources of the workers,
    /// the HTTP layer, the pruner and the scheduler.
    async fn apply(&self, old: &Config, new: &Config) {
        if let Err(err) = lifecycle::apply(&self.store, new).await {
            tracing::warn!(error = %err, "cannot apply renames and removals of the reloaded config");
        }
        self.plans.send_replace(PrunePlan::of(new));
        self.fetcher
            .trust_origins(new.sources.iter().map(|s| &s.url));
        self.desk.replace(new);
        self.served.replace(new.source_meta());
        // The feeds of changed, added and removed sources (and `all`) are
        // rendered again from the new list.
        for id in touched(old, new) {
            self.store.mark_changed(&id);
        }
        let health = self.store.source_health().await.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "cannot read source health; new sources start afresh");
            HashMap::new()
        });
        let entries = replacements(old, new, &health);
        if self.commands.send(Command::Replace(entries)).await.is_err() {
            tracing::warn!("the scheduler has stopped; reloaded sources are not scheduled");
        }
    }
}

/// Reloads on every `SIGHUP` until `shutdown`. `hangups` is registered by
/// the caller first thing, so a `SIGHUP` never kills the daemon.
pub(super) async fn watch_hangups(
    mut hangups: tokio::signal::unix::Signal,
    reloader: Arc<Reloader>,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            got = hangups.recv() => if got.is_none() { return },
        }
        tracing::info!("SIGHUP: reloading the config");
        // Failures are logged and shown on /status by `reload`.
        let _ = reloader.reload().await;
    }
}

/// Reads and validates the config off the async threads.
async fn load(path: PathBuf) -> Result<Config, Vec<String>> {
    match tokio::task::spawn_blocking(move || Config::load(&path)).await {
        Ok(result) => result.map_err(|err| error_lines(&err)),
        Err(err) => Err(vec![format!("config reload panicked: {err}")]),
    }
}

/// A config error as lines: the config's own `file:line: ...` report, one
/// problem a line, and the I/O cause of a file that cannot be read.
pub(super) fn error_lines(err: &ConfigError) -> Vec<String> {
    let mut text = err.to_string();
    if let Some(cause) = err.source() {
        text = format!("{text}: {cause}");
    }
    text.lines().map(str::to_owned).collect()
}

/// Whether a change of `old` into `new` changes what is fetched or when.
/// (A title or a feed length only changes what is served.)
fn fetch_changed(old: &Source, new: &Source) -> bool {
    old.url != new.url
        || old.schedule.as_str() != new.schedule.as_str()
        || old.rules_digest != new.rules_digest
        || old.full_text != new.full_text
        || old.respect_robots != new.respect_robots
        || old.max_new_items != new.max_new_items
        || old.max_article_fetches != new.max_article_fetches
        || old.pin != new.pin
}

/// The scheduler's new entries: each source of `new`, flagged when its
/// fetching changed.
fn replacements(
    old: &Config,
    new: &Config,
    health: &HashMap<String, crate::model::SourceHealth>,
) -> Vec<Replacement> {
    let before: HashMap<&str, &Source> = old.sources.iter().map(|s| (s.id.as_str(), s)).collect();
    let replacement = |source: &Source| Replacement {
        entry: Entry {
            id: source.id.clone(),
            schedule: source.schedule.clone(),
        },
        state: health
            .get(&source.id)
            .map(RunState::from_health)
            .unwrap_or_default(),
        changed: before
            .get(source.id.as_str())
            .is_some_and(|old| fetch_changed(old, source)),
    };
    new.sources.iter().map(replacement).collect()
}

/// Ids whose served feed may differ: added, removed, or changed at all.
fn touched(old: &Config, new: &Config) -> Vec<String> {
    let meta = |c: &Config| -> HashMap<String, crate::model::SourceMeta> {
        c.source_meta()
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect()
    };
    let (before, after) = (meta(old), meta(new));
    let mut ids: Vec<String> = before.keys().chain(after.keys()).cloned().collect();
    ids.sort();
    ids.dedup();
    ids.retain(|id| before.get(id) != after.get(id));
    ids
}

/// `added: a, b`, `removed: c`, `changed: d` (the lines that apply), or
/// `no source changed`.
fn source_changes(old: &Config, new: &Config) -> Vec<String> {
    let find = |c: &Config, id: &str| c.sources.iter().find(|s| s.id == id).cloned();
    let ids = |c: &Config| c.sources.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    let added: Vec<String> = ids(new)
        .into_iter()
        .filter(|id| find(old, id).is_none())
        .collect();
    let removed: Vec<String> = ids(old)
        .into_iter()
        .filter(|id| find(new, id).is_none())
        .collect();
    let changed: Vec<String> = ids(new)
        .into_iter()
        .filter(|id| {
            let (Some(a), Some(b)) = (find(old, id), find(new, id)) else {
                return false;
            };
            fetch_changed(&a, &b) || a.title != b.title || a.max_items != b.max_items
        })
        .collect();
    let lines: Vec<String> = [("added", added), ("removed", removed), ("changed", changed)]
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(what, ids)| format!("{what}: {}", ids.join(", ")))
        .collect();
    if lines.is_empty() {
        return vec![format!("no source changed ({} sources)", new.sources.len())];
    }
    lines
}

/// A line per section read only at start that changed: it needs a restart.
fn restart_only(old: &Config, new: &Config) -> Vec<String> {
    let sections = [
        (
            "[server]",
            format!("{:?}", old.server),
            format!("{:?}", new.server),
        ),
        (
            "[storage]",
            format!("{:?}", old.storage),
            format!("{:?}", new.storage),
        ),
        ("[fetch]", fetch_settings(old), fetch_settings(new)),
        (
            "[scheduler]",
            format!("{:?}", old.scheduler),
            format!("{:?}", new.scheduler),
        ),
    ];
    let changed = sections.into_iter().filter(|(_, a, b)| a != b);
    changed
        .map(|(name, _, _)| {
            tracing::warn!(
                section = name,
                "changed in the config; takes effect at restart"
            );
            format!("{name} changed: takes effect at the next restart")
        })
        .collect()
}

/// `[fetch]` but its source origins, which a reload applies itself.
fn fetch_settings(config: &Config) -> String {
    let mut fetch = config.fetch.clone();
    fetch.access = crate::fetch::Access::new(fetch.access.allow_hosts().to_vec());
    format!("{fetch:?}")
}

#[cfg(test)]
#[path = "reload_tests.rs"]
pub(super) mod tests;
