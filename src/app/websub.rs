//! WebSub publishing (issue 4): when the store reports that a source's items
//! changed, tell the configured hub, so subscribed readers fetch the feed at
//! once instead of polling. One ping per feed URL (every format of the
//! source, and of the combined feed): form-encoded `hub.mode=publish` and
//! `hub.url=<feed>`, sent through the one [`Fetcher`], retried with
//! exponential backoff, each in its own task so a slow hub never delays a
//! refresh or another ping.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::fetch::Fetcher;
use crate::http::{ALL_FEED_ID, FeedFormat, feed_url};
use crate::store::Store;

/// Attempts per ping before giving up (the next change pings again).
pub const PING_TRIES: u32 = 3;

/// Wait before the first retry; doubled before each further one.
pub const PING_BACKOFF: Duration = Duration::from_secs(2);

/// Sends publish pings for changed feeds.
#[derive(Debug, Clone)]
pub struct Publisher {
    /// The one HTTP client.
    pub fetcher: Fetcher,
    /// The hub's URL.
    pub hub: Url,
    /// Prefix of the feed URLs (the server's `base_url`).
    pub base_url: Url,
    /// Configured source ids: a change to a source no longer configured has
    /// no served feed to announce.
    pub sources: Arc<[String]>,
    /// Wait before the first retry.
    pub backoff: Duration,
}

impl Publisher {
    /// Watches the store's changes until `shutdown`, pinging for each.
    pub fn spawn(self, store: Store, shutdown: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            let mut changes = store.subscribe_changes();
            let mut seen = store.change_generation();
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    changed = changes.changed() => if changed.is_err() { return },
                }
                // A fleet's daemons each announce their own changes only.
                let (ids, generation) = if store.is_shared() {
                    store.changed_here_since(seen)
                } else {
                    store.changed_since(seen)
                };
                seen = generation;
                for url in self.feed_urls(&ids) {
                    tokio::spawn(self.clone().ping(url));
                }
            }
        })
    }

    /// Every served URL of the changed sources, then of the combined feed.
    pub fn feed_urls(&self, changed: &[String]) -> Vec<String> {
        let ids: Vec<&str> = changed
            .iter()
            .map(String::as_str)
            .filter(|id| self.sources.iter().any(|s| s == id))
            .collect();
        if ids.is_empty() {
            return Vec::new();
        }
        ids.into_iter()
            .chain([ALL_FEED_ID])
            .flat_map(|id| FeedFormat::ALL.map(|format| feed_url(&self.base_url, id, format)))
            .collect()
    }

    /// Pings the hub about one feed, retrying; returns whether it accepted.
    pub async fn ping(self, feed: String) -> bool {
        let form = [("hub.mode", "publish"), ("hub.url", feed.as_str())];
        let mut wait = self.backoff;
        for attempt in 1..=PING_TRIES {
            match self.fetcher.post_form(&self.hub, &form).await {
                Ok(()) => {
                    tracing::debug!(url = %feed, hub = %self.hub, "WebSub hub pinged");
                    return true;
                }
                Err(err) if attempt < PING_TRIES => {
                    tracing::info!(url = %feed, error = format!("{err:#}"), attempt, "WebSub ping failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                }
                Err(err) => {
                    tracing::warn!(url = %feed, error = format!("{err:#}"), "WebSub ping failed; giving up");
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::http::StatusCode;
    use axum::routing::post;
    use chrono::Utc;

    use super::*;
    use crate::fetch::FetchConfig;
    use crate::http::test_support::new_item;

    /// A hub stand-in on 127.0.0.1 that records each ping's form body and
    /// refuses the first `failures` requests with 503.
    struct Hub {
        url: Url,
        pings: Arc<Mutex<Vec<String>>>,
    }

    async fn hub(failures: usize) -> Hub {
        let pings: Arc<Mutex<Vec<String>>> = Arc::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let record = pings.clone();
        let app = Router::new().route(
            "/",
            post(move |body: String| async move {
                if calls.fetch_add(1, Ordering::SeqCst) < failures {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                record.lock().unwrap().push(body);
                StatusCode::NO_CONTENT
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Hub { url, pings }
    }

    fn publisher(hub: &Hub) -> Publisher {
        // As config does: the hub's origin is allowed, loopback or not.
        let mut config = FetchConfig::default();
        config.access.allow_origin(&hub.url);
        Publisher {
            fetcher: Fetcher::new(&config).unwrap(),
            hub: hub.url.clone(),
            base_url: Url::parse("http://refeed.test/r/").unwrap(),
            sources: vec!["a".to_string(), "b".to_string()].into(),
            backoff: Duration::from_millis(10),
        }
    }

    /// Waits until the hub holds `n` pings (or ten seconds pass: a loaded
    /// CI machine can be slow to schedule the publisher task).
    async fn pings(hub: &Hub, n: usize) -> Vec<String> {
        for _ in 0..1000 {
            if hub.pings.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut pings = hub.pings.lock().unwrap().clone();
        pings.sort();
        pings
    }

    #[test]
    fn a_change_announces_every_format_of_the_source_and_of_all() {
        let hub = Hub {
            url: Url::parse("http://hub/").unwrap(),
            pings: Arc::default(),
        };
        let urls = publisher(&hub).feed_urls(&["a".to_string(), "gone".to_string()]);
        let want: Vec<String> = [
            "a.rss", "a.atom", "a.json", "all.rss", "all.atom", "all.json",
        ]
        .iter()
        .map(|f| format!("http://refeed.test/r/feeds/{f}"))
        .collect();
        assert_eq!(urls, want);
        assert!(publisher(&hub).feed_urls(&["gone".to_string()]).is_empty());
    }

    #[tokio::test]
    async fn refreshes_that_change_items_are_pinged_once_each() {
        let hub = hub(0).await;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("refeed.db")).await.unwrap();
        let shutdown = CancellationToken::new();
        let task = publisher(&hub).spawn(store.clone(), shutdown.clone());
        let items = [new_item("b", 1)];
        store
            .commit_refresh("b", None, &items, Utc::now())
            .await
            .unwrap();
        let got = pings(&hub, 6).await;
        assert_eq!(got.len(), 6, "{got:?}");
        assert!(
            got.contains(
                &"hub.mode=publish&hub.url=http%3A%2F%2Frefeed.test%2Fr%2Ffeeds%2Fb.atom"
                    .to_string()
            ),
            "{got:?}"
        );
        assert!(got.iter().any(|p| p.ends_with("all.json")), "{got:?}");
        // The same items again: nothing changed, nothing to announce.
        store
            .commit_refresh("b", None, &items, Utc::now())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(hub.pings.lock().unwrap().len(), 6);
        shutdown.cancel();
        task.await.unwrap();
        store.close().await;
    }

    #[tokio::test]
    async fn a_failing_hub_is_retried_with_backoff_then_given_up() {
        let flaky = hub(2).await;
        assert!(
            publisher(&flaky)
                .ping("http://refeed.test/r/feeds/a.rss".into())
                .await
        );
        assert_eq!(pings(&flaky, 1).await.len(), 1, "third try accepted");
        let down = hub(usize::MAX).await;
        assert!(
            !publisher(&down)
                .ping("http://refeed.test/r/feeds/a.rss".into())
                .await
        );
    }
}
