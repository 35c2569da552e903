//! Articles shared between sources (issue 12, point 7). Two sources on one
//! outlet (a tag page and the outlet's feed, two sections) often list the
//! same article: the second to need it within a refresh window reuses the
//! page the first fetched and extracted instead of asking the outlet again.
//! Each source still stores its own item in its own feed, and learns and
//! strips its own boilerplate from the article afterwards (`learn`).
//!
//! An article is reused only by *another* source (a source needing its own
//! article again does so because the item changed), with the same article
//! rules (`[source.article]` and `[source.clean]`, so the extraction would
//! give the same result) and the same `respect_robots`, and only while it
//! is younger than the reusing source's refresh interval, at most
//! [`MAX_REUSE_WINDOW`]. While one source fetches an article, another
//! needing it waits for that fetch rather than starting its own.
//!
//! Memory is bounded: at most [`MAX_SHARED_ARTICLES`] articles of at most
//! [`MAX_SHARED_ARTICLE_BYTES`] each are kept (oldest dropped first), in
//! this process only: `refeed once` and a daemon each keep their own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::config::Source;
use url::Url;

use crate::model::{Article, Validators, fnv1a, without_tracking};

/// The longest an article is reused, whatever the source's schedule.
pub const MAX_REUSE_WINDOW: Duration = Duration::from_secs(6 * 3600);

/// The most articles kept for reuse.
pub const MAX_SHARED_ARTICLES: usize = 128;

/// The largest article (HTML plus text, in bytes) kept for reuse; larger
/// ones are fetched by each source (worst case 64 MiB kept in all).
pub const MAX_SHARED_ARTICLE_BYTES: usize = 512 * 1024;

/// One article fetched and extracted by a source.
#[derive(Debug, Clone)]
pub(super) struct SharedArticle {
    /// As extracted, before the source's own canonical check.
    pub(super) article: Article,
    /// The page's validators.
    pub(super) validators: Validators,
    /// The source that fetched it.
    source: String,
    /// When it was fetched.
    at: Instant,
}

/// What makes two sources' fetches of an article interchangeable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ArticleKey {
    /// The address the article is requested at: the item's link without
    /// tracking tags (as the pipeline fetches it) or fragment. Two sources
    /// linking one article with different campaign tags request it here.
    url: String,
    /// Digest of the source's article and clean rules.
    rules: u64,
    respect_robots: bool,
}

impl ArticleKey {
    /// The key of the article at `link` as `source` reads it.
    pub(super) fn new(source: &Source, link: &Url) -> Self {
        let mut url = without_tracking(link);
        url.set_fragment(None);
        Self {
            url: url.into(),
            rules: fnv1a(format!("{:?}", source.article).as_bytes()),
            respect_robots: source.respect_robots,
        }
    }
}

/// One article's place: locked while a source fetches it.
pub(super) type Slot = Arc<tokio::sync::Mutex<Option<SharedArticle>>>;

/// The articles fetched lately, by key; cheap to clone (shared).
#[derive(Debug, Clone, Default)]
pub(super) struct SharedArticles {
    slots: Arc<Mutex<HashMap<ArticleKey, Slot>>>,
}

impl SharedArticles {
    /// The slot of `key`, made when missing. Lock it before fetching, so a
    /// second source waits for the first's fetch.
    pub(super) fn slot(&self, key: ArticleKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if !slots.contains_key(&key) && slots.len() >= MAX_SHARED_ARTICLES {
            prune(&mut slots);
        }
        Arc::clone(slots.entry(key).or_default())
    }
}

/// Drops the slots nobody holds that are empty or expired, then, while
/// still full, the oldest ones nobody holds.
fn prune(slots: &mut HashMap<ArticleKey, Slot>) {
    slots.retain(|_, slot| match slot.try_lock() {
        Ok(held) => held
            .as_ref()
            .is_some_and(|shared| shared.at.elapsed() < MAX_REUSE_WINDOW),
        Err(_) => true,
    });
    while slots.len() >= MAX_SHARED_ARTICLES {
        let oldest = slots
            .iter()
            .filter_map(|(key, slot)| {
                let held = slot.try_lock().ok()?;
                Some((key.clone(), held.as_ref().map(|s| s.at)))
            })
            .min_by_key(|(_, at)| *at)
            .map(|(key, _)| key);
        match oldest {
            Some(key) => slots.remove(&key),
            // Every slot is being fetched: keep them all for now.
            None => break,
        };
    }
}

/// The article in `held` if `source` may reuse it: fetched by another
/// source within `source`'s refresh window.
pub(super) fn reusable<'a>(
    held: &'a Option<SharedArticle>,
    source: &Source,
) -> Option<&'a SharedArticle> {
    let window = source
        .schedule
        .refresh_interval(chrono::Utc::now())
        .min(MAX_REUSE_WINDOW);
    held.as_ref()
        .filter(|shared| shared.source != source.id && shared.at.elapsed() < window)
}

/// What `source` keeps of an article it fetched: `None` when too large.
pub(super) fn keep(
    source: &Source,
    article: &Article,
    validators: &Validators,
) -> Option<SharedArticle> {
    (article.html.len() + article.text.len() <= MAX_SHARED_ARTICLE_BYTES).then(|| SharedArticle {
        article: article.clone(),
        validators: validators.clone(),
        source: source.id.clone(),
        at: Instant::now(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(id: &str, extra: &str) -> Source {
        let text = format!(
            "[[source]]\nid = \"{id}\"\nurl = \"https://example.org/{id}/\"\n\
             schedule = \"@hourly\"\nfull_text = true\n{extra}"
        );
        let config = crate::config::Config::parse(&text, std::path::Path::new("t.toml")).unwrap();
        config.sources[0].clone()
    }

    fn article() -> Article {
        Article {
            html: "<p>body</p>".into(),
            text: "body".into(),
            ..Article::default()
        }
    }

    #[test]
    fn only_another_source_with_the_same_rules_reuses_a_fresh_article() {
        let (a, b) = (source("a", ""), source("b", ""));
        let url = &Url::parse("https://example.org/post/?id=1&utm_source=x").unwrap();
        let tagged = &Url::parse("https://example.org/post/?id=1&_hsenc=y#top").unwrap();
        assert_eq!(ArticleKey::new(&a, url), ArticleKey::new(&b, tagged));
        let other = &Url::parse("https://example.org/post/?id=2").unwrap();
        assert_ne!(ArticleKey::new(&a, url), ArticleKey::new(&b, other));
        let held = keep(&a, &article(), &Validators::default());
        assert!(reusable(&held, &b).is_some());
        assert!(
            reusable(&held, &a).is_none(),
            "not by the source that fetched it"
        );
        let old = held.clone().map(|mut s| {
            s.at = Instant::now()
                .checked_sub(Duration::from_secs(3601))
                .unwrap_or(s.at);
            s
        });
        assert!(reusable(&old, &b).is_none(), "older than b's hourly window");

        let ruled = source("c", "[source.article]\ncontent = \"main\"\n");
        assert_ne!(ArticleKey::new(&a, url), ArticleKey::new(&ruled, url));
        let careless = source("d", "respect_robots = false\n");
        assert_ne!(ArticleKey::new(&a, url), ArticleKey::new(&careless, url));
    }

    #[test]
    fn large_articles_are_not_kept() {
        let big = Article {
            html: "x".repeat(MAX_SHARED_ARTICLE_BYTES),
            ..article()
        };
        assert!(keep(&source("a", ""), &big, &Validators::default()).is_none());
    }

    #[tokio::test]
    async fn the_cache_holds_at_most_its_bound() {
        let shared = SharedArticles::default();
        let a = source("a", "");
        for n in 0..MAX_SHARED_ARTICLES + 10 {
            let link = Url::parse(&format!("https://example.org/{n}")).unwrap();
            let slot = shared.slot(ArticleKey::new(&a, &link));
            *slot.lock().await = keep(&a, &article(), &Validators::default());
        }
        let len = shared.slots.lock().unwrap().len();
        assert!(len <= MAX_SHARED_ARTICLES, "{len}");
    }
}
