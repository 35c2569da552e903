//! Refreshes one source: fetch its listing page or feed, scrape the items,
//! clean their summaries, fetch and extract the articles of new or changed
//! items, and store the result in one transaction.
//!
//! Sources with `full_text` also learn their boilerplate (issue 3): each
//! new article's text-block fingerprints are recorded, the blocks the store
//! then counts as the source's boilerplate are stripped from this refresh's
//! articles, and stored articles are re-cleaned when new boilerplate is
//! learned.
//!
//! It sequences only: *when* a refresh runs is `schedule`'s business, parsing
//! is `scrape`'s and `extract`'s (run on the blocking pool, as they are CPU
//! work, one job per core across all refreshes: see `cpu`), I/O is
//! `fetch`'s and `store`'s.
//!
//! The steps live in submodules; `refresh` here reads as their sequence:
//! - `items`: find the page's items, by the source's selectors or by
//!   detection (`discover`, issue 10), remembering how;
//! - `candidates`: bound and clean the items into deduplicated candidates;
//! - `article`: fetch and extract the articles the candidates need;
//! - `pages`: follow an article split over pages and join them (issue 11);
//! - `summary`: rebuild automatic excerpts the article cleaning disowns;
//! - `shared`: reuse an article another source fetched lately;
//! - `learn`: learn and strip the source's boilerplate;
//! - `stale`: judge whether the source went stale;
//! - `caps`: bound what one refresh may store;
//! - `dedup`: the pipeline's part in deduplication;
//! - `cpu`: share the cores among all refreshes' parsing;
//! - `error`: why a refresh failed.

use std::sync::Arc;

use chrono::Utc;
use url::Url;

use crate::config::Source;
use crate::fetch::{FetchOptions, Fetched, Fetcher};
use crate::model::{RefreshCounts, StaleKind, StaleVerdict};
use crate::store::{PageKey, RefreshCommit, Store};

mod article;
mod candidates;
mod caps;
mod cpu;
mod dedup;
pub mod discover;
mod error;
mod items;
mod learn;
mod pages;
mod shared;
mod stale;
mod summary;
mod tally;
#[cfg(test)]
mod test_support;

use candidates::prepare;
pub use caps::{MAX_AUTHOR_CHARS, MAX_LINK_BYTES, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS};
use cpu::Cpu;
pub use error::RefreshError;
use error::{catch_panic, error_chain};
pub use pages::{MAX_ARTICLE_PAGES, MAX_ARTICLE_PAGES_BYTES};
pub use shared::{MAX_REUSE_WINDOW, MAX_SHARED_ARTICLE_BYTES, MAX_SHARED_ARTICLES};
pub use tally::Tally;

/// Default number of article pages fetched at once for one source.
pub const DEFAULT_ARTICLE_CONCURRENCY: usize = 4;

/// Runs refreshes; cheap to clone (the fetcher and store are shared handles).
#[derive(Debug, Clone)]
pub struct Pipeline {
    fetcher: Fetcher,
    store: Store,
    article_concurrency: usize,
    /// Bounds the parsing of all refreshes together to the cores.
    cpu: Cpu,
    /// What its refreshes fetched so far (`refeed once`'s progress).
    tally: Arc<Tally>,
    /// Articles fetched lately, for other sources listing them (`shared`).
    shared: shared::SharedArticles,
}

impl Pipeline {
    /// A pipeline over the shared client and database.
    pub fn new(fetcher: Fetcher, store: Store) -> Self {
        Self {
            fetcher,
            store,
            article_concurrency: DEFAULT_ARTICLE_CONCURRENCY,
            cpu: Cpu::per_core(),
            tally: Arc::default(),
            shared: shared::SharedArticles::default(),
        }
    }

    /// What this pipeline's refreshes have fetched so far.
    pub fn tally(&self) -> Arc<Tally> {
        self.tally.clone()
    }

    /// Refreshes a source and records the outcome (success or failure) in the
    /// store. A failed refresh leaves the stored items as they were; it is
    /// the caller's to log or print (once).
    pub async fn refresh(&self, source: &Source) -> Result<RefreshCounts, RefreshError> {
        let started = Utc::now();
        let timer = std::time::Instant::now();
        let result = catch_panic(self.refresh_inner(source, started)).await;
        record_metrics(&source.id, &result, timer.elapsed());
        if let Err(err) = &result {
            // Logged by the caller: `refeed once` prints it on its line
            // for the source, and printed twice it reads as two failures.
            let message = err.chain();
            if let Err(store_err) = self
                .store
                .record_failure(&source.id, started, &message, err.retry_at())
                .await
            {
                tracing::error!(source = %source.id, error = %store_err, "cannot record failed refresh");
            }
        }
        result
    }

    async fn refresh_inner(
        &self,
        source: &Source,
        started: chrono::DateTime<Utc>,
    ) -> Result<RefreshCounts, RefreshError> {
        let options = FetchOptions {
            validators: self.store.validators(page_key(source, &source.url)).await?,
            ignore_robots: !source.respect_robots,
            linked_from: Some(source.id.clone()),
        };
        let page = match self.fetcher.fetch(&source.url, &options).await {
            Ok(Fetched::Page(page)) => page,
            Ok(Fetched::NotModified) => return self.not_modified(source, started).await,
            Err(err) => return Err(RefreshError::Fetch(err)),
        };
        let page_validators = page.validators.clone();
        let found = self
            .find_items(source, page.body, page.url.clone(), started)
            .await?;
        let discovery = found.discovery.clone();
        let scraped = prepare(&self.cpu, source, found, page.url).await?;
        let urls: Vec<String> = scraped.items.iter().map(|i| i.item.url.clone()).collect();
        let known = self.store.known_items(&source.id, &urls).await?;
        self.store
            .save_site(&source.id, scraped.site.as_deref())
            .await?;
        let seen = urls.len();
        self.tally.add_items(seen);
        let mut completed = self.complete_items(source, scraped.items, &known).await;
        let boilerplate = if source.full_text {
            let (stripped, boilerplate) = self.learn(source, completed.items).await?;
            completed.items = stripped;
            Some(boilerplate)
        } else {
            None
        };
        let stale = self
            .stale_verdict(source, seen, &completed.extracted)
            .await?;
        let validators = completed.validators(source, page_validators);
        completed.items.iter_mut().for_each(caps::bound_author);
        let mut counts = self
            .store
            .commit(&RefreshCommit {
                source: &source.id,
                page_title: scraped.title.as_deref(),
                items: &completed.items,
                started,
                validators: &validators,
                rules: &source.rules_digest,
                discovery: discovery.as_ref(),
                stale,
            })
            .await?;
        counts.items_cut = scraped.items_cut;
        counts.articles_deferred = completed.deferred;
        if let Some(boilerplate) = boilerplate {
            self.reclean(source, boilerplate).await;
        }
        tracing::info!(
            source = %source.id,
            seen = counts.seen,
            new = counts.new,
            updated = counts.updated,
            elapsed_ms = (Utc::now() - started).num_milliseconds(),
            "refreshed"
        );
        Ok(counts)
    }

    /// A 304 for the listing or feed: nothing to parse, nothing to write
    /// but the refresh record.
    async fn not_modified(
        &self,
        source: &Source,
        started: chrono::DateTime<Utc>,
    ) -> Result<RefreshCounts, RefreshError> {
        self.store.record_not_modified(&source.id, started).await?;
        tracing::info!(
            source = %source.id,
            elapsed_ms = (Utc::now() - started).num_milliseconds(),
            "not modified"
        );
        Ok(RefreshCounts {
            not_modified: true,
            ..RefreshCounts::default()
        })
    }

    /// Judges whether the source went stale (see [`stale::verdict`]) and
    /// logs it when it did.
    async fn stale_verdict(
        &self,
        source: &Source,
        seen: usize,
        extracted: &[usize],
    ) -> Result<StaleVerdict, RefreshError> {
        let health = self.store.source_health_of(&source.id).await?;
        let typical = if extracted.is_empty() {
            None
        } else {
            let warned_since = health
                .as_ref()
                .and_then(|h| h.stale.as_ref())
                .filter(|w| w.kind == StaleKind::Extraction)
                .map(|w| w.since);
            self.store
                .typical_content_len(&source.id, warned_since)
                .await?
        };
        // Only an empty page asks whether the source ever yielded items.
        let has_items = seen == 0 && self.has_items(source).await?;
        let verdict = stale::verdict(&stale::Evidence {
            seen,
            previous_seen: health.as_ref().and_then(|h| h.last_seen),
            has_items,
            current: health
                .as_ref()
                .and_then(|h| h.stale.as_ref())
                .map(|w| w.kind),
            full_text: source.full_text,
            extracted,
            typical,
        });
        if let StaleVerdict::Stale { message, .. } = &verdict {
            tracing::warn!(source = %source.id, warning = %message, "source looks stale: its selectors or the outlet's markup may have changed");
        }
        Ok(verdict)
    }
}

/// Counts a finished refresh: its outcome and duration, and the items it
/// stored.
fn record_metrics(
    source: &str,
    result: &Result<RefreshCounts, RefreshError>,
    elapsed: std::time::Duration,
) {
    use crate::metrics::RefreshOutcome;
    let outcome = match result {
        Ok(counts) if counts.not_modified => RefreshOutcome::NotModified,
        Ok(_) => RefreshOutcome::Ok,
        Err(_) => RefreshOutcome::Failed,
    };
    crate::metrics::refresh_finished(source, outcome, elapsed);
    if let Ok(counts) = result {
        crate::metrics::items_stored(source, counts.new as usize, counts.updated as usize);
    }
}

/// The stored validators of a page `source` fetches, as long as they were
/// stored under its current rules.
fn page_key<'a>(source: &'a Source, url: &'a Url) -> PageKey<'a> {
    PageKey {
        source: &source.id,
        url: url.as_str(),
        rules: &source.rules_digest,
    }
}
