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

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use futures::{FutureExt, StreamExt, stream};
use url::Url;

use crate::config::Source;
use crate::extract::{self, ArticleRules};
use crate::fetch::{FetchError, FetchOptions, Fetched, Fetcher};
use crate::model::{
    Article, KnownItem, NewItem, RefreshCounts, ScrapedItem, StaleKind, StaleVerdict, Validators,
    canonical_url, dedup_key,
};
use crate::scrape::{self, ScrapeError};
use crate::store::{PageKey, RefreshCommit, Store, StoreError};

mod caps;
mod cpu;
mod dedup;
mod learn;
mod stale;

pub use caps::{MAX_AUTHOR_CHARS, MAX_LINK_BYTES, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS};
use cpu::Cpu;

/// Default number of article pages fetched at once for one source.
pub const DEFAULT_ARTICLE_CONCURRENCY: usize = 4;

/// Why a refresh failed. The message is what the store records and the index
/// page shows, so each variant says which step failed; causes live in `source`.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The listing page or feed could not be fetched.
    #[error("cannot fetch the source page")]
    Fetch(#[source] FetchError),
    /// The source has no `[source.items]`, so its URL must be a feed, and it is not one.
    #[error("cannot read {url} as a feed (add [source.items] selectors if it is a web page)")]
    Feed {
        /// The URL that was read.
        url: String,
        /// What the feed reader said.
        #[source]
        source: ScrapeError,
    },
    /// The listing page or feed is a parse bomb (beyond the `markup`
    /// limits): it was refused unparsed.
    #[error("refusing to parse {url}")]
    TooComplex {
        /// The URL that was read.
        url: String,
        /// Which limit it broke.
        #[source]
        source: crate::markup::TooComplex,
    },
    /// Parsing work on the blocking pool died (a bug; logged in full).
    #[error("parsing the page failed unexpectedly")]
    Parse(#[source] tokio::task::JoinError),
    /// The database refused the refresh; stored items are unchanged.
    #[error("cannot store the refresh")]
    Store(#[source] StoreError),
    /// The refresh panicked: a bug in refeed, caught so that the worker
    /// and the source's schedule survive it (logged in full).
    #[error("the refresh failed on an internal error (a bug in refeed): {0}")]
    Panicked(String),
}

impl RefreshError {
    /// The error and its causes on one line, as recorded and shown to users.
    pub fn chain(&self) -> String {
        error_chain(self)
    }

    /// When the outlet asked to be left alone until (`Retry-After` on a
    /// 429 or 503), if it did.
    pub fn retry_at(&self) -> Option<chrono::DateTime<Utc>> {
        match self {
            Self::Fetch(err) => err.retry_at(),
            _ => None,
        }
    }
}

/// Runs a refresh, turning a panic in it into [`RefreshError::Panicked`].
/// Without this a panic in async code (the fetcher, the store) would end
/// the worker's task with the source still marked as running: it would be
/// skipped as "still running" until a restart, with no failure recorded.
async fn catch_panic<F>(refresh: F) -> Result<RefreshCounts, RefreshError>
where
    F: std::future::Future<Output = Result<RefreshCounts, RefreshError>>,
{
    // Unwind safety: after a panic nothing of the refresh is reused but
    // shared handles (the client's pool, the store's pool, the per-host
    // gates), whose locks are held only for single map operations.
    match std::panic::AssertUnwindSafe(refresh).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic without a message".to_owned());
            Err(RefreshError::Panicked(message))
        }
    }
}

/// An error and its causes on one line (`a: b: c`), for records and logs.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(err) = cause {
        message.push_str(": ");
        message.push_str(&err.to_string());
        cause = err.source();
    }
    message
}

/// Runs refreshes; cheap to clone (the fetcher and store are shared handles).
#[derive(Debug, Clone)]
pub struct Pipeline {
    fetcher: Fetcher,
    store: Store,
    article_concurrency: usize,
    /// Bounds the parsing of all refreshes together to the cores.
    cpu: Cpu,
}

impl Pipeline {
    /// A pipeline over the shared client and database.
    pub fn new(fetcher: Fetcher, store: Store) -> Self {
        Self {
            fetcher,
            store,
            article_concurrency: DEFAULT_ARTICLE_CONCURRENCY,
            cpu: Cpu::per_core(),
        }
    }

    /// Refreshes a source and records the outcome (success or failure) in the
    /// store. A failed refresh leaves the stored items as they were.
    pub async fn refresh(&self, source: &Source) -> Result<RefreshCounts, RefreshError> {
        let started = Utc::now();
        let result = catch_panic(self.refresh_inner(source, started)).await;
        if let Err(err) = &result {
            let message = err.chain();
            tracing::warn!(source = %source.id, error = %message, "refresh failed");
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
            validators: self
                .store
                .validators(page_key(source, &source.url))
                .await
                .map_err(RefreshError::Store)?,
            ignore_robots: !source.respect_robots,
            linked_from: Some(source.id.clone()),
        };
        let page = match self.fetcher.fetch(&source.url, &options).await {
            Ok(Fetched::Page(page)) => page,
            Ok(Fetched::NotModified) => return self.not_modified(source, started).await,
            Err(err) => return Err(RefreshError::Fetch(err)),
        };
        let page_validators = page.validators.clone();
        let scraped = scrape_page(&self.cpu, source, page.body, page.url).await?;
        let urls: Vec<String> = scraped.items.iter().map(|i| i.item.url.clone()).collect();
        let known = self
            .store
            .known_items(&source.id, &urls)
            .await
            .map_err(RefreshError::Store)?;
        let seen = urls.len();
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
                stale,
            })
            .await
            .map_err(RefreshError::Store)?;
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
        self.store
            .record_not_modified(&source.id, started)
            .await
            .map_err(RefreshError::Store)?;
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
        let health = self
            .store
            .source_health_of(&source.id)
            .await
            .map_err(RefreshError::Store)?;
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
                .await
                .map_err(RefreshError::Store)?
        };
        // Only an empty page asks whether the source ever yielded items.
        let has_items = seen == 0
            && !self
                .store
                .items(Some(&source.id), 1)
                .await
                .map_err(RefreshError::Store)?
                .is_empty();
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

    /// Fetches the articles of the items that need one and merges them in.
    async fn complete_items(
        &self,
        source: &Source,
        items: Vec<Candidate>,
        known: &HashMap<String, KnownItem>,
    ) -> Completed {
        let wanted = items.iter().map(|candidate| {
            source.full_text && needs_article(&candidate.item, known.get(&candidate.item.url))
        });
        let allowed = caps::article_budget(wanted, source.max_article_fetches, &source.id);
        let outcomes: Vec<(NewItem, ArticleOutcome)> = stream::iter(items.into_iter().zip(allowed))
            .map(|(candidate, allowed)| async move {
                let known = known.get(&candidate.item.url);
                if !(source.full_text && needs_article(&candidate.item, known)) {
                    return (candidate.item, ArticleOutcome::NotNeeded);
                }
                if !allowed {
                    return (candidate.item, ArticleOutcome::Deferred);
                }
                let has_content = known.is_some_and(|k| k.has_content);
                let outcome = match self.article(source, &candidate.link, has_content).await {
                    // A stored item whose page had no text before either (a
                    // video post, a photo gallery) is no news about the
                    // outlet's markup: two of them on a listing would
                    // otherwise keep the source flagged as stale.
                    ArticleOutcome::Empty if known.is_some() && !has_content => {
                        ArticleOutcome::StillEmpty
                    }
                    outcome => outcome,
                };
                (candidate.item, outcome)
            })
            .buffered(self.article_concurrency)
            .collect()
            .await;
        Completed::from_outcomes(outcomes)
    }

    /// Fetches and extracts one article; a failure is logged and skipped so
    /// that one bad article never fails the refresh (it is retried next time,
    /// as the item is stored without content). When the article is stored
    /// already (`has_content`), the request is conditional and a 304 keeps
    /// the stored article.
    async fn article(&self, source: &Source, link: &Url, has_content: bool) -> ArticleOutcome {
        let validators = if has_content {
            match self.store.validators(page_key(source, link)).await {
                Ok(validators) => validators,
                Err(err) => {
                    tracing::warn!(source = %source.id, url = %link, error = %error_chain(&err), "cannot read stored validators");
                    None
                }
            }
        } else {
            None
        };
        let options = FetchOptions {
            validators,
            ignore_robots: !source.respect_robots,
            linked_from: Some(source.id.clone()),
        };
        let page = match self.fetcher.fetch(link, &options).await {
            Ok(Fetched::Page(page)) => page,
            Ok(Fetched::NotModified) => return ArticleOutcome::NotModified,
            Err(err) => {
                tracing::warn!(source = %source.id, url = %link, error = %error_chain(&err), "cannot fetch article");
                return ArticleOutcome::Failed;
            }
        };
        let validators = page.validators.clone();
        let rules = source.article.clone();
        let extracted = self
            .cpu
            .run_sized(page.body.len(), move || {
                extract::article(&page.body, &page.url, &rules)
            })
            .await;
        match extracted {
            Ok(Ok(mut article)) if !article.text.trim().is_empty() => {
                dedup::believe_canonical(&mut article, link, &source.url);
                ArticleOutcome::Extracted(Box::new(article), validators)
            }
            Ok(Err(err)) => {
                tracing::warn!(source = %source.id, url = %link, error = %err, "refusing to parse article");
                ArticleOutcome::Failed
            }
            Ok(_) => {
                tracing::warn!(source = %source.id, url = %link, "article page has no article text");
                ArticleOutcome::Empty
            }
            Err(err) => {
                tracing::error!(source = %source.id, url = %link, error = %err, "article extraction panicked");
                ArticleOutcome::Failed
            }
        }
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

/// What became of one item's article.
enum ArticleOutcome {
    /// The item needs no article (not full text, or unchanged and stored).
    NotNeeded,
    /// Fetched and extracted, with the page's validators.
    Extracted(Box<Article>, Validators),
    /// The stored article still holds (304).
    NotModified,
    /// Fetched, but no article text was found in it.
    Empty,
    /// As `Empty`, for an item stored earlier without article text: still
    /// retried, but not evidence for the stale check.
    StillEmpty,
    /// Not fetched (an error, logged).
    Failed,
    /// Not fetched this time: `max_article_fetches` was reached (logged).
    Deferred,
}

/// The items of a refresh with what their article fetches left behind.
struct Completed {
    items: Vec<NewItem>,
    /// `(article URL, validators)` of the articles extracted.
    article_validators: Vec<(String, Validators)>,
    /// Article HTML lengths of this refresh's extractions (0 for a page
    /// without article text), for the stale check.
    extracted: Vec<usize>,
    /// Articles that could not be completed and will be retried.
    incomplete: usize,
    /// Of those, the articles left for later by `max_article_fetches`.
    deferred: u32,
}

impl Completed {
    fn from_outcomes(outcomes: Vec<(NewItem, ArticleOutcome)>) -> Self {
        let mut completed = Completed {
            items: Vec::with_capacity(outcomes.len()),
            article_validators: Vec::new(),
            extracted: Vec::new(),
            incomplete: 0,
            deferred: 0,
        };
        for (item, outcome) in outcomes {
            let item = match outcome {
                ArticleOutcome::NotNeeded | ArticleOutcome::NotModified => item,
                ArticleOutcome::Extracted(article, validators) => {
                    completed.extracted.push(article.html.len());
                    completed
                        .article_validators
                        .push((item.link.clone(), validators));
                    merge_article(item, *article)
                }
                ArticleOutcome::Empty => {
                    completed.extracted.push(0);
                    completed.incomplete += 1;
                    item
                }
                ArticleOutcome::Failed | ArticleOutcome::StillEmpty => {
                    completed.incomplete += 1;
                    item
                }
                ArticleOutcome::Deferred => {
                    completed.incomplete += 1;
                    completed.deferred += 1;
                    item
                }
            };
            completed.items.push(item);
        }
        completed
    }

    /// The validators to store with this refresh. The listing's are kept
    /// only when every article it needed was stored: otherwise the next
    /// refresh must fetch it in full (a 304 would skip the retry of the
    /// missing articles). Nor are they kept when the page yielded no item:
    /// its selectors (or the outlet's markup) are probably broken, and once
    /// that is fixed the page must be read again, not answered 304.
    fn validators(&self, source: &Source, page: Validators) -> Vec<(String, Validators)> {
        let page = if self.incomplete == 0 && !self.items.is_empty() {
            page
        } else {
            Validators::default()
        };
        let mut all = vec![(source.url.to_string(), page)];
        all.extend(self.article_validators.iter().cloned());
        all
    }
}

/// An item on its way to the store, with the link to fetch its article from.
struct Candidate {
    item: NewItem,
    link: Url,
}

struct ScrapedCandidates {
    title: Option<String>,
    items: Vec<Candidate>,
    /// Items the page listed beyond `max_new_items`.
    items_cut: u32,
}

/// Scrapes the listing or feed and cleans the items, on the blocking pool.
async fn scrape_page(
    cpu: &Cpu,
    source: &Source,
    body: String,
    base: Url,
) -> Result<ScrapedCandidates, RefreshError> {
    let listing = source.listing.clone();
    let rules = source.article.clone();
    let full_text = source.full_text;
    let (id, max_new_items) = (source.id.clone(), source.max_new_items);
    cpu.run_sized(body.len(), move || {
        let page = match &listing {
            Some(listing) => scrape::listing(&body, &base, listing),
            None => scrape::feed(&body, &base),
        }
        .map_err(|source| scrape_error(&base, source))?;
        let (items, items_cut) = caps::take_newest(page.items, page.unread, max_new_items, &id);
        let mut items = candidates(items, &base, &rules, full_text);
        items.iter_mut().for_each(|c| caps::bound_item(&mut c.item));
        Ok(ScrapedCandidates {
            title: caps::bound_title(page.title),
            items,
            items_cut,
        })
    })
    .await
    .map_err(RefreshError::Parse)?
}

/// Why the listing page or feed at `url` could not be read.
fn scrape_error(url: &Url, source: ScrapeError) -> RefreshError {
    let url = url.to_string();
    match source {
        ScrapeError::TooComplex(source) => RefreshError::TooComplex { url, source },
        source => RefreshError::Feed { url, source },
    }
}

/// Turns scraped items into cleaned candidates, without credentials in
/// their links, one per dedup key (the first occurrence wins: a listing may
/// show the same post twice, e.g. as a "featured" teaser and in the list,
/// or under two forms of its link, see `model::dedup_key`).
fn candidates(
    items: Vec<ScrapedItem>,
    base: &Url,
    rules: &ArticleRules,
    full_text: bool,
) -> Vec<Candidate> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .map(dedup::strip_credentials)
        .filter(|item| seen.insert(dedup_key(&item.link)))
        .map(|item| clean_item(item, base, rules, full_text))
        .collect()
}

fn clean_item(item: ScrapedItem, base: &Url, rules: &ArticleRules, full_text: bool) -> Candidate {
    // A summary beyond the markup limits loses its HTML, not the feed its
    // other items: the item keeps its title and link.
    let clean = |html: &str| match extract::clean_fragment(html, base, &rules.clean) {
        Ok(cleaned) => (!cleaned.trim().is_empty()).then_some(cleaned),
        Err(err) => {
            tracing::warn!(url = %item.link, error = %err, "dropping the item's HTML");
            None
        }
    };
    let summary = item.summary.as_deref().and_then(clean);
    // A feed's own full content is kept unless the article page will be
    // fetched anyway (full_text), which is then the better source.
    let content = if full_text {
        None
    } else {
        item.content.as_deref().and_then(clean)
    };
    Candidate {
        item: NewItem {
            url: canonical_url(&item.link),
            link: item.link.to_string(),
            title: item.title,
            summary,
            content,
            author: item.author,
            published: item.published,
            modified: item.updated,
            canonical: None,
        },
        link: item.link,
    }
}

/// An article is fetched for items never seen, items whose title or summary
/// changed, and items whose earlier article fetch failed.
fn needs_article(item: &NewItem, known: Option<&KnownItem>) -> bool {
    match known {
        None => true,
        Some(known) => {
            known.title != item.title || known.summary != item.summary || !known.has_content
        }
    }
}

/// The listing's or feed's own values come first; the article page fills in
/// what they lack (dates and authors often live only in its metadata).
fn merge_article(mut item: NewItem, article: Article) -> NewItem {
    item.published = item.published.or(article.published);
    item.modified = item.modified.or(article.modified);
    item.author = item.author.or(article.author);
    item.canonical = article.canonical;
    item.content = Some(article.html);
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn item(title: &str, summary: Option<&str>) -> NewItem {
        NewItem {
            url: "https://example.org/a".into(),
            link: "https://example.org/a?utm_source=rss".into(),
            title: title.into(),
            summary: summary.map(Into::into),
            content: None,
            author: None,
            published: None,
            modified: None,
            canonical: None,
        }
    }

    fn known(title: &str, summary: Option<&str>, has_content: bool) -> KnownItem {
        KnownItem {
            title: title.into(),
            summary: summary.map(Into::into),
            has_content,
        }
    }

    #[test]
    fn articles_are_fetched_only_for_new_changed_or_incomplete_items() {
        let it = item("T", Some("S"));
        assert!(needs_article(&it, None));
        assert!(!needs_article(&it, Some(&known("T", Some("S"), true))));
        assert!(needs_article(&it, Some(&known("Old", Some("S"), true))));
        assert!(needs_article(&it, Some(&known("T", Some("Old"), true))));
        assert!(needs_article(&it, Some(&known("T", Some("S"), false))));
    }

    #[test]
    fn listing_values_win_over_article_metadata() {
        let listed = Utc.with_ymd_and_hms(2020, 10, 20, 0, 0, 0).unwrap();
        let in_meta = Utc.with_ymd_and_hms(2020, 10, 21, 0, 0, 0).unwrap();
        let article = Article {
            html: "<p>body</p>".into(),
            author: Some("Vins".into()),
            published: Some(in_meta),
            ..Article::default()
        };
        let mut dated = item("T", None);
        dated.published = Some(listed);
        let merged = merge_article(dated, article.clone());
        assert_eq!(merged.published, Some(listed));
        assert_eq!(merged.author.as_deref(), Some("Vins"));
        assert_eq!(merged.content.as_deref(), Some("<p>body</p>"));

        let undated = merge_article(item("T", None), article);
        assert_eq!(undated.published, Some(in_meta));
    }

    #[test]
    fn duplicate_links_in_a_listing_become_one_candidate() {
        let base = Url::parse("https://example.org/tag/x/").unwrap();
        let scraped = |link: &str| ScrapedItem {
            title: "T".into(),
            link: Url::parse(link).unwrap(),
            summary: None,
            content: None,
            published: None,
            updated: None,
            author: None,
        };
        let items = vec![
            scraped("https://example.org/a/?utm_source=x"),
            scraped("https://example.org/a/#comments"),
            scraped("https://example.org/b/"),
        ];
        let out = candidates(items, &base, &ArticleRules::default(), false);
        let urls: Vec<_> = out.iter().map(|c| c.item.url.as_str()).collect();
        assert_eq!(urls, ["https://example.org/a/", "https://example.org/b/"]);
        assert_eq!(out[0].item.link, "https://example.org/a/?utm_source=x");
    }

    fn etag(tag: &str) -> Validators {
        Validators {
            etag: Some(format!("\"{tag}\"")),
            last_modified: None,
        }
    }

    fn source() -> Source {
        let text = "[[source]]\nid = \"s\"\nurl = \"https://example.org/tag/x/\"\n\
                    schedule = \"@hourly\"\nfull_text = true\n";
        let config = crate::config::Config::parse(text, std::path::Path::new("t.toml")).unwrap();
        config.sources[0].clone()
    }

    #[test]
    fn the_listing_validators_are_kept_only_when_every_article_was_stored() {
        let article = Article {
            html: "<p>body</p>".into(),
            text: "body".into(),
            ..Article::default()
        };
        let complete = Completed::from_outcomes(vec![
            (
                item("A", None),
                ArticleOutcome::Extracted(Box::new(article), etag("a")),
            ),
            (item("B", None), ArticleOutcome::NotModified),
            (item("C", None), ArticleOutcome::NotNeeded),
        ]);
        assert_eq!(complete.incomplete, 0);
        assert_eq!(complete.extracted, [11]);
        assert_eq!(
            complete.validators(&source(), etag("list")),
            [
                ("https://example.org/tag/x/".to_owned(), etag("list")),
                ("https://example.org/a?utm_source=rss".to_owned(), etag("a")),
            ]
        );

        // A page that yielded nothing is read in full next time.
        let empty = Completed::from_outcomes(Vec::new());
        assert!(empty.validators(&source(), etag("list"))[0].1.is_empty());

        // A failed article must be retried, so the next listing fetch may
        // not be answered 304: its validators are dropped.
        // An empty page counts for the stale check only the first time.
        let still = Completed::from_outcomes(vec![(item("A", None), ArticleOutcome::StillEmpty)]);
        assert!(still.extracted.is_empty());
        assert_eq!(still.incomplete, 1);

        for failed in [
            ArticleOutcome::Failed,
            ArticleOutcome::Empty,
            ArticleOutcome::StillEmpty,
        ] {
            let partial = Completed::from_outcomes(vec![(item("A", None), failed)]);
            assert_eq!(partial.incomplete, 1);
            let validators = partial.validators(&source(), etag("list"));
            assert_eq!(validators.len(), 1);
            assert!(validators[0].1.is_empty());
        }
    }

    #[tokio::test]
    async fn a_panicking_refresh_is_an_error_not_a_dead_worker() {
        let ok = catch_panic(async { Ok(RefreshCounts::default()) }).await;
        assert!(ok.is_ok());
        // As an overflowing date made chrono panic inside the fetcher.
        let panicked = catch_panic(async { panic!("a limit was set") }).await;
        let err = panicked.unwrap_err();
        assert!(matches!(err, RefreshError::Panicked(_)), "{err:?}");
        assert_eq!(
            err.chain(),
            "the refresh failed on an internal error (a bug in refeed): a limit was set"
        );
        let formatted = catch_panic(async { panic!("page {} of {}", 2, 3) }).await;
        assert!(formatted.unwrap_err().chain().ends_with("page 2 of 3"));
    }

    #[test]
    fn error_chain_joins_causes() {
        let err = RefreshError::Feed {
            url: "https://example.org/feed".into(),
            source: ScrapeError::NotAFeed {
                root: "html".into(),
            },
        };
        let chain = err.chain();
        assert!(chain.starts_with("cannot read https://example.org/feed as a feed"));
        assert!(chain.ends_with(": not an RSS or Atom feed (root element: html)"));
    }
}
