//! The per-origin cache of robots.txt rules: one fetch per origin at a
//! time, each answer kept for its lifetime. The answers worth keeping
//! across a restart (a file, or a status that decides the rules) can be
//! taken out as [`SavedRobots`] and put back into a new process's cache, so
//! a `refeed once` run from cron asks each host for its robots.txt once a
//! day, as RFC 9309 §2.4 expects, not once per run.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;
use url::Url;

use super::{RobotsAnswer, Rules, robots_url};
use crate::model::SavedRobots;

/// The cache is swept for expired entries once it holds this many (and
/// afterwards once it doubles).
const SWEEP_AT: usize = 1024;

/// The per-origin cache; cheap to clone (clones share it).
#[derive(Debug, Clone)]
pub struct RobotsCache {
    inner: Arc<CacheInner>,
}

#[derive(Debug)]
struct CacheInner {
    agent: String,
    max_age: Duration,
    /// One slot per origin. The std lock guards only the map and is never
    /// held across an await; the slot's tokio lock is held while its
    /// robots.txt is fetched, so concurrent callers for that origin wait for
    /// the one fetch while other origins proceed.
    slots: Mutex<Slots>,
}

#[derive(Debug, Default)]
struct Slots {
    by_origin: HashMap<String, Arc<Slot>>,
    /// Map size at which the next sweep runs.
    sweep_at: usize,
}

type Slot = tokio::sync::Mutex<Option<Cached>>;

#[derive(Debug)]
struct Cached {
    rules: Arc<Rules>,
    expires: Instant,
    /// The answer as the store keeps it, when it is worth keeping.
    saved: Option<SavedRobots>,
}

impl RobotsCache {
    /// A cache that matches rules against `agent` and keeps them `max_age`.
    /// `agent` may be the product token (`refeed`) or the whole User-Agent;
    /// only its product token is matched.
    pub fn new(agent: &str, max_age: Duration) -> Self {
        let slots = Slots {
            by_origin: HashMap::new(),
            sweep_at: SWEEP_AT,
        };
        Self {
            inner: Arc::new(CacheInner {
                agent: agent.to_owned(),
                max_age,
                slots: Mutex::new(slots),
            }),
        }
    }

    /// The rules of `url`'s origin: cached, or fetched once with `fetch`
    /// (given the robots.txt URL) while concurrent callers wait for it.
    pub async fn rules<F, Fut>(&self, url: &Url, fetch: F) -> std::sync::Arc<Rules>
    where
        F: FnOnce(Url) -> Fut,
        Fut: Future<Output = RobotsAnswer>,
    {
        let origin = url.origin().ascii_serialization();
        let slot = self.inner.slot(&origin);
        let mut cached = slot.lock().await;
        if let Some(hit) = cached.as_ref().filter(|c| c.expires > Instant::now()) {
            return Arc::clone(&hit.rules);
        }
        let answer = fetch(robots_url(url)).await;
        let mut rules = Rules::from_answer(&origin, &self.inner.agent, &answer);
        if matches!(answer, RobotsAnswer::Deferred) {
            return Arc::new(rules);
        }
        let lifetime = rules.lifetime(self.inner.max_age);
        let expires = Instant::now() + lifetime;
        rules.set_expiry(expires);
        let rules = Arc::new(rules);
        *cached = Some(Cached {
            expires,
            saved: saved(&origin, &answer, lifetime),
            rules: Arc::clone(&rules),
        });
        rules
    }

    /// The cached answers worth keeping across a restart that have not
    /// expired: fetched files and decisive statuses, not failures to get
    /// an answer (those are kept a minute at most anyway). Origins whose
    /// robots.txt is being fetched right now are left out.
    pub fn saved(&self) -> Vec<SavedRobots> {
        self.saved_where(|_, _| true)
    }

    /// [`saved`](Self::saved), limited to the answers `wanted` picks by
    /// origin and expiry before any is copied: a caller that already
    /// holds most of them (the fleet publishes every second) copies no
    /// robots.txt body it does not need.
    pub fn saved_where(&self, wanted: impl Fn(&str, DateTime<Utc>) -> bool) -> Vec<SavedRobots> {
        let slots: Vec<Arc<Slot>> = {
            let slots = self
                .inner
                .slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            slots.by_origin.values().cloned().collect()
        };
        let now = Utc::now();
        let mut saved: Vec<SavedRobots> = slots
            .iter()
            .filter_map(|slot| {
                let cached = slot.try_lock().ok()?;
                let record = cached.as_ref()?.saved.as_ref()?;
                let keep = record.expires > now && wanted(&record.origin, record.expires);
                keep.then(|| record.clone())
            })
            .collect();
        saved.sort_by(|a, b| a.origin.cmp(&b.origin));
        saved
    }

    /// Puts answers saved by an earlier process back, each for what is
    /// left of its lifetime (never more than this cache's `max_age`).
    /// Expired ones and origins already cached here are skipped.
    pub fn restore(&self, saved: Vec<SavedRobots>) {
        let now = Utc::now();
        for record in saved {
            let Ok(left) = (record.expires - now).to_std() else {
                continue;
            };
            let answer = match record.status {
                200..=299 => RobotsAnswer::Body(record.body.clone()),
                status => RobotsAnswer::Status(status),
            };
            let mut rules = Rules::from_answer(&record.origin, &self.inner.agent, &answer);
            let slot = self.inner.slot(&record.origin);
            let Ok(mut cached) = slot.try_lock() else {
                continue;
            };
            if cached.is_none() {
                let expires = Instant::now() + left.min(self.inner.max_age);
                rules.set_expiry(expires);
                *cached = Some(Cached {
                    rules: Arc::new(rules),
                    expires,
                    saved: Some(record),
                });
            }
        }
    }
}

/// The record of `answer` to keep for `lifetime`, when it is one worth
/// keeping across a restart.
fn saved(origin: &str, answer: &RobotsAnswer, lifetime: Duration) -> Option<SavedRobots> {
    let (status, body) = match answer {
        RobotsAnswer::Body(body) => (200, body.clone()),
        RobotsAnswer::Status(status) => (*status, Vec::new()),
        RobotsAnswer::Unreachable(_) | RobotsAnswer::Deferred => return None,
    };
    Some(SavedRobots {
        origin: origin.to_owned(),
        status,
        body,
        expires: Utc::now() + lifetime,
    })
}

impl CacheInner {
    /// The slot of `origin`, created (after an occasional sweep) if missing.
    fn slot(&self, origin: &str) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.by_origin.get(origin) {
            return Arc::clone(slot);
        }
        slots.sweep(Instant::now());
        let slot = Arc::new(Slot::new(None));
        slots.by_origin.insert(origin.to_owned(), Arc::clone(&slot));
        slot
    }
}

impl Slots {
    /// Drops expired slots nobody is using once the map has grown to
    /// `sweep_at`, then sets the next sweep to twice the surviving size.
    fn sweep(&mut self, now: Instant) {
        if self.by_origin.len() < self.sweep_at {
            return;
        }
        self.by_origin.retain(|_, slot| {
            // A slot held or awaited by a caller (strong count above one, or
            // locked) stays: dropping it would let a second fetch start.
            let unused = Arc::strong_count(slot) == 1;
            let expired = slot
                .try_lock()
                .is_ok_and(|cached| cached.as_ref().is_none_or(|c| c.expires <= now));
            !(unused && expired)
        });
        self.sweep_at = (self.by_origin.len() * 2).max(SWEEP_AT);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::super::tests::{AGENT, DAY, body, url};
    use super::*;

    #[tokio::test]
    async fn a_deferred_host_is_asked_again_once_the_wait_is_over() {
        let cache = RobotsCache::new(AGENT, DAY);
        let page = url("http://a.test/news");
        let deferred = cache
            .rules(&page, |_| async { RobotsAnswer::Deferred })
            .await;
        assert!(deferred.check(&page).is_err());
        // Nothing was cached: the next call asks, and its answer holds.
        let calls = Arc::new(AtomicUsize::new(0));
        let fetch = counting_fetch(&calls, "Disallow: /private", Duration::ZERO);
        assert_eq!(cache.rules(&page, fetch).await.check(&page), Ok(()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    /// A fetch closure counting its calls, answering `text` after `delay`.
    fn counting_fetch(
        calls: &Arc<AtomicUsize>,
        text: &'static str,
        delay: Duration,
    ) -> impl FnOnce(Url) -> std::pin::Pin<Box<dyn Future<Output = RobotsAnswer> + Send>> + use<>
    {
        let calls = Arc::clone(calls);
        move |robots: Url| {
            Box::pin(async move {
                assert_eq!(robots.as_str(), "http://a.test/robots.txt");
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                body(text)
            })
        }
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let cache = RobotsCache::new(AGENT, DAY);
        let calls = Arc::new(AtomicUsize::new(0));
        let slow = Duration::from_millis(100);
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let (cache, fetch) = (cache.clone(), counting_fetch(&calls, "Disallow: /x", slow));
                tokio::spawn(async move {
                    let rules = cache
                        .rules(&url(&format!("http://a.test/{i}")), fetch)
                        .await;
                    rules.check(&url("http://a.test/x")).is_err()
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap(), "both callers see the fetched rules");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn fresh_rules_are_reused_and_expired_ones_refetched() {
        let max_age = Duration::from_millis(150);
        let cache = RobotsCache::new(AGENT, max_age);
        let calls = Arc::new(AtomicUsize::new(0));
        let page = url("http://a.test/news");
        for _ in 0..2 {
            let fetch = counting_fetch(&calls, "Crawl-delay: 3", Duration::ZERO);
            let rules = cache.rules(&page, fetch).await;
            assert_eq!(rules.crawl_delay(), Some(Duration::from_secs(3)));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        tokio::time::sleep(max_age).await;
        let fetch = counting_fetch(&calls, "", Duration::ZERO);
        assert_eq!(cache.rules(&page, fetch).await.crawl_delay(), None);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn origins_are_cached_apart() {
        let cache = RobotsCache::new(AGENT, DAY);
        let blocked = cache
            .rules(&url("http://a.test/"), |_| async {
                RobotsAnswer::Status(503)
            })
            .await;
        let open = cache
            .rules(&url("http://a.test:8080/"), |_| async {
                RobotsAnswer::Status(404)
            })
            .await;
        assert!(blocked.check(&url("http://a.test/x")).is_err());
        assert_eq!(open.check(&url("http://a.test:8080/x")), Ok(()));
    }

    #[tokio::test]
    async fn expired_origins_are_swept() {
        let cache = RobotsCache::new(AGENT, Duration::ZERO);
        for i in 0..3 * SWEEP_AT {
            let page = url(&format!("http://h{i}.test/"));
            cache
                .rules(&page, |_| async { RobotsAnswer::Status(404) })
                .await;
        }
        assert!(cache.inner.slots.lock().unwrap().by_origin.len() <= SWEEP_AT);
    }

    #[tokio::test]
    async fn saved_answers_spare_a_new_process_the_fetch() {
        let first = RobotsCache::new(AGENT, DAY);
        let calls = Arc::new(AtomicUsize::new(0));
        let page = url("http://a.test/private/1");
        let fetch = counting_fetch(&calls, "User-agent: *\nDisallow: /private", Duration::ZERO);
        assert!(first.rules(&page, fetch).await.check(&page).is_err());
        let saved = first.saved();
        assert_eq!(saved.len(), 1, "{saved:?}");
        assert_eq!(saved[0].origin, "http://a.test");
        assert_eq!(saved[0].status, 200);
        let left = saved[0].expires - Utc::now();
        assert!(left > chrono::TimeDelta::hours(23), "{left}");

        // A new process: the restored file answers, nothing is fetched.
        let second = RobotsCache::new(AGENT, DAY);
        second.restore(saved);
        let fetch = counting_fetch(&calls, "", Duration::ZERO);
        assert!(second.rules(&page, fetch).await.check(&page).is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn saved_where_copies_only_the_answers_asked_for() {
        let cache = RobotsCache::new(AGENT, DAY);
        for origin in ["http://a.test/", "http://b.test/"] {
            cache
                .rules(&url(origin), |_| async {
                    RobotsAnswer::Body(b"Disallow: /x".to_vec())
                })
                .await;
        }
        let all = cache.saved();
        let a_expires = all[0].expires;
        // A publisher that already holds a.test's answer at that expiry.
        let fresh = cache
            .saved_where(|origin, expires| !(origin == "http://a.test" && expires == a_expires));
        let origins: Vec<&str> = fresh.iter().map(|s| s.origin.as_str()).collect();
        assert_eq!(origins, ["http://b.test"]);
        assert_eq!(fresh[0].body, b"Disallow: /x");
    }

    #[tokio::test]
    async fn only_decisive_unexpired_answers_are_saved_and_restored() {
        let cache = RobotsCache::new(AGENT, DAY);
        cache
            .rules(&url("http://down.test/"), |_| async {
                RobotsAnswer::Unreachable(crate::fetch::Cause::Refused)
            })
            .await;
        cache
            .rules(&url("http://busy.test/"), |_| async {
                RobotsAnswer::Status(503)
            })
            .await;
        let saved = cache.saved();
        let origins: Vec<&str> = saved.iter().map(|s| s.origin.as_str()).collect();
        assert_eq!(
            origins,
            ["http://busy.test"],
            "a 503 decides; no answer does not"
        );

        let expired = SavedRobots {
            origin: "http://old.test".into(),
            status: 200,
            body: b"User-agent: *\nDisallow: /".to_vec(),
            expires: Utc::now() - chrono::TimeDelta::minutes(1),
        };
        let fresh = RobotsCache::new(AGENT, DAY);
        fresh.restore(vec![expired]);
        let calls = Arc::new(AtomicUsize::new(0));
        let page = url("http://old.test/x");
        let fetch = move |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { RobotsAnswer::Status(404) }
        };
        assert_eq!(fresh.rules(&page, fetch).await.check(&page), Ok(()));
    }
}
