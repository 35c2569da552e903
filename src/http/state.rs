//! [`AppState`]: what every handler needs (the store, the configured
//! sources, the base URL, the feed cache) and the one thing the HTTP layer
//! may not compute itself: when each source runs next, which only the
//! scheduler knows (backoff and `Retry-After` included).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use url::Url;

use super::FeedCache;
use super::live::{ReloadBoard, SourceList};
use crate::model::SourceMeta;
use crate::store::Store;

/// When a source (by id) runs next; `None` when unknown or never. `app`
/// wires the scheduler's board into it; `http` must not depend on
/// `schedule`, so it only sees this function.
pub type NextRunLookup = Arc<dyn Fn(&str) -> Option<DateTime<Utc>> + Send + Sync>;

/// Whether the scheduler loop is alive, for `/readyz`: `Err` says why not.
/// `app` wires the scheduler's heartbeat into it (like [`NextRunLookup`]).
pub type SchedulerCheck = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// What every handler needs.
#[derive(Clone)]
pub struct AppState {
    /// The item database.
    pub store: Store,
    /// The configured sources, in config order; a config reload swaps
    /// them (take one [`SourceList::load`] per request).
    pub sources: SourceList,
    /// Absolute prefix for self links and the index page.
    pub base_url: Url,
    /// The WebSub hub feeds name (`rel="hub"`), if configured.
    pub websub_hub: Option<Url>,
    /// Rendered feeds, shared by every clone of the state.
    pub cache: Arc<FeedCache>,
    /// Each source's next run, as `/status` shows it.
    pub next_runs: NextRunLookup,
    /// Whether the latest config reload failed, as `/status` shows it.
    pub reload: ReloadBoard,
    /// Whether the scheduler is alive, as `/readyz` reports it.
    pub scheduler_alive: SchedulerCheck,
}

impl AppState {
    /// State over `store` with an empty feed cache and no scheduler (every
    /// next run unknown; see [`AppState::with_next_runs`]).
    pub fn new(
        store: Store,
        sources: Vec<SourceMeta>,
        base_url: Url,
        websub_hub: Option<Url>,
    ) -> Self {
        Self {
            store,
            sources: SourceList::new(sources),
            base_url,
            websub_hub,
            cache: Arc::new(FeedCache::default()),
            next_runs: Arc::new(|_| None),
            reload: ReloadBoard::default(),
            scheduler_alive: Arc::new(|| Err("scheduler: none in this process".into())),
        }
    }

    /// The same state, answering next runs from `lookup` (the daemon's
    /// scheduler).
    pub fn with_next_runs(mut self, lookup: NextRunLookup) -> Self {
        self.next_runs = lookup;
        self
    }
}

impl AppState {
    /// The same state with another (empty) feed cache, such as one of
    /// `[server] cache_bytes`.
    pub fn with_cache(mut self, cache: FeedCache) -> Self {
        self.cache = Arc::new(cache);
        self
    }

    /// The same state, judging the scheduler's liveness with `check` (the
    /// daemon's heartbeat).
    pub fn with_scheduler_check(mut self, check: SchedulerCheck) -> Self {
        self.scheduler_alive = check;
        self
    }
}

/// By hand: the lookup is a closure, which has no `Debug`.
impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("sources", &self.sources)
            .field("base_url", &self.base_url)
            .field("websub_hub", &self.websub_hub)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}
