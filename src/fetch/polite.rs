//! The polite half of a fetch: asking robots.txt (fetched through the same
//! client and the same per-host gate as any page, never robots-checked
//! itself), entering the per-host gate, and telling the gate when a host
//! answered `Retry-After`.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use url::Url;

use super::Fetcher;
use crate::fetch::access::Refusal;
use crate::fetch::hosts::HostPermit;
use crate::fetch::robots::RobotsAnswer;
use crate::fetch::{FetchError, Refused};
use crate::model::SavedRobots;

/// How much of a robots.txt is read. RFC 9309 §2.5: crawlers MUST parse at
/// least 500 KiB; the rest of a larger file is ignored, not refused.
const ROBOTS_MAX_BYTES: usize = 512 * 1024;

/// Why the robots.txt request gave no answer about the file and stops the
/// fetch of the page.
enum Halt {
    /// The host asked to wait until then.
    Deferred(DateTime<Utc>),
    /// The fetch policy refused the robots.txt URL itself.
    Refused(Refusal),
}

impl Fetcher {
    /// `Ok` when `url`'s robots.txt lets refeed fetch it; also applies the
    /// file's `Crawl-delay` to the host's gate. `from` names where the link
    /// came from, should the fetch policy refuse the robots.txt request.
    pub(super) async fn check_robots(
        &self,
        url: &Url,
        from: Option<&str>,
    ) -> Result<(), FetchError> {
        // Set when the robots.txt request itself found the host deferred
        // or refused.
        let halt = OnceLock::new();
        let rules = self
            .robots
            .rules(url, |robots_url| {
                self.robots_answer(robots_url, from, &halt)
            })
            .await;
        match halt.into_inner() {
            Some(Halt::Deferred(until)) => {
                return Err(FetchError::Deferred {
                    url: url.clone(),
                    until,
                });
            }
            // The robots.txt shares the page's origin: refused alike.
            Some(Halt::Refused(reason)) => {
                return Err(FetchError::Refused(Box::new(Refused {
                    url: url.clone(),
                    refused: url.clone(),
                    linked_from: from.map(str::to_owned),
                    reason,
                })));
            }
            None => {}
        }
        // Every time, so a Crawl-delay dropped from a new robots.txt is
        // dropped from the gate too (zero means none).
        let delay = rules.crawl_delay().unwrap_or(Duration::ZERO);
        self.hosts.set_crawl_delay(url, delay);
        rules.check(url).map_err(|reason| FetchError::Disallowed {
            url: url.clone(),
            reason,
        })
    }

    /// Fetches a robots.txt for the cache: the body of a 2xx, else the
    /// status, else `Unreachable`.
    async fn robots_answer(
        &self,
        robots_url: Url,
        from: Option<&str>,
        halt: &OnceLock<Halt>,
    ) -> RobotsAnswer {
        let _permit = match self.enter(&robots_url).await {
            Ok(permit) => permit,
            Err(err) => {
                let _ = halt.set(Halt::Deferred(err.retry_at().unwrap_or_else(Utc::now)));
                return RobotsAnswer::Deferred;
            }
        };
        let exchange = self.robots_exchange(&robots_url, from, halt);
        match self.within_total(&robots_url, exchange).await {
            Ok(answer) => answer,
            // RFC 9309 §2.3.1.2: after too many redirects (a loop included),
            // a crawler MAY take robots.txt as unavailable, like a 404; a
            // redirect to a refused address is no better.
            Err(FetchError::RedirectLoop { .. } | FetchError::TooManyRedirects { .. }) => {
                RobotsAnswer::Status(404)
            }
            Err(FetchError::Refused(refused)) => {
                if refused.refused == robots_url {
                    let _ = halt.set(Halt::Refused(refused.reason));
                    // Not cached: says nothing about the file.
                    return RobotsAnswer::Deferred;
                }
                RobotsAnswer::Status(404)
            }
            Err(err) => RobotsAnswer::Unreachable(with_root_cause(&err)),
        }
    }

    /// The robots.txt request itself; a 429 or 503 with `Retry-After`
    /// defers the host, sets `deferred` and is no answer about the file.
    async fn robots_exchange(
        &self,
        robots_url: &Url,
        from: Option<&str>,
        halt: &OnceLock<Halt>,
    ) -> Result<RobotsAnswer, FetchError> {
        let get = |client: &reqwest::Client, hop: Url| client.get(hop);
        let response = self.send(robots_url, from, get).await?;
        if !response.status().is_success() {
            let status = response.status().as_u16();
            if let Some(until) = self
                .deferring(robots_url, self.refusal(response))
                .retry_at()
            {
                let _ = halt.set(Halt::Deferred(until));
                return Ok(RobotsAnswer::Deferred);
            }
            return Ok(RobotsAnswer::Status(status));
        }
        let body = self
            .read_prefix(robots_url, response, ROBOTS_MAX_BYTES)
            .await?;
        Ok(RobotsAnswer::Body(body))
    }

    /// Waits for a slot at `url`'s host, or fails at once when the host
    /// asked to be left alone for longer than the gate waits.
    pub(super) async fn enter(&self, url: &Url) -> Result<HostPermit, FetchError> {
        self.hosts
            .acquire(url)
            .await
            .map_err(|deferred| FetchError::Deferred {
                url: url.clone(),
                until: wall_clock(deferred.until),
            })
    }

    /// The robots.txt answers worth keeping across a restart (see
    /// [`SavedRobots`]), for the store.
    pub fn saved_robots(&self) -> Vec<SavedRobots> {
        self.robots.saved()
    }

    /// Puts robots.txt answers saved by an earlier process back, so their
    /// hosts are not asked again before the answers expire.
    pub fn restore_robots(&self, saved: Vec<SavedRobots>) {
        self.robots.restore(saved);
    }

    /// Remembers that `url`'s host asked, in an earlier run, not to be
    /// contacted before `until` (a stored `Retry-After`): until then, as
    /// after a 429 or 503 in this process, requests to that host (robots.txt
    /// included) wait when the time is near and otherwise fail at once with
    /// [`FetchError::Deferred`].
    pub fn defer_host(&self, url: &Url, until: DateTime<Utc>) {
        self.hosts.defer(url, monotonic(until));
    }

    /// Tells the gate when `err` (the answer to a request for `requested`)
    /// carries a `Retry-After`, so that every source on that host waits, not
    /// only the one that asked; returns `err` unchanged. When the answer
    /// came from another host after redirects, both hosts are deferred:
    /// the gate is entered with the requested URL, so deferring only the
    /// final host would let the next request through the redirect to it.
    pub(super) fn deferring(&self, requested: &Url, err: FetchError) -> FetchError {
        if let (FetchError::Status { url, .. }, Some(at)) = (&err, err.retry_at()) {
            self.hosts.defer(url, monotonic(at));
            self.hosts.defer(requested, monotonic(at));
        }
        err
    }
}

/// `err`'s message and, when it has causes, the innermost one ("request to
/// http://host/robots.txt failed: Connection refused (os error 111)"): the
/// middle of reqwest's chain says little a person can act on.
fn with_root_cause(err: &FetchError) -> String {
    let mut root: Option<&dyn std::error::Error> = None;
    let mut cause = std::error::Error::source(err);
    while let Some(next) = cause {
        root = Some(next);
        cause = next.source();
    }
    match root {
        Some(root) => format!("{err}: {root}"),
        None => err.to_string(),
    }
}

/// The wall-clock time of a monotonic instant.
fn wall_clock(instant: Instant) -> DateTime<Utc> {
    let ahead = instant.saturating_duration_since(Instant::now());
    Utc::now() + ahead
}

/// The monotonic instant of a wall-clock time (now, if it is past).
fn monotonic(at: DateTime<Utc>) -> Instant {
    let ahead = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
    Instant::now() + ahead
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::fetch::test_server::{
        Log, fetch_page, path, response, serve, test_config, test_fetcher,
    };
    use crate::fetch::{FetchConfig, FetchOptions, Fetched};

    /// An outlet whose robots.txt is `robots`, answering every other path
    /// with a small page; requests are logged.
    async fn outlet(robots: &'static str) -> (Url, Log) {
        let log = Log::default();
        let seen = log.clone();
        let base = serve(move |head| {
            seen.record(head);
            match path(head) {
                "/robots.txt" => {
                    response("200 OK", &["Content-Type: text/plain"], robots.as_bytes())
                }
                "/busy" => response("429 Too Many Requests", &["Retry-After: 120"], b""),
                _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
            }
        })
        .await;
        (base, log)
    }

    #[tokio::test]
    async fn robots_disallow_is_an_error_and_ignore_robots_bypasses_it() {
        let (base, log) = outlet("User-agent: *\nDisallow: /private\n").await;
        let fetcher = test_fetcher();
        let private = base.join("/private/a?x=1").unwrap();
        let err = fetcher.get(&private).await.unwrap_err();
        assert!(matches!(err, FetchError::Disallowed { .. }), "{err:?}");
        let origin = base.as_str().trim_end_matches('/');
        assert_eq!(
            err.to_string(),
            format!("{private} not fetched: robots.txt of {origin} disallows /private/a?x=1")
        );
        let page = fetcher.get(&base.join("/public").unwrap()).await.unwrap();
        assert_eq!(page.body, "<p>page</p>");
        let page = fetch_page(&fetcher, &private).await.unwrap();
        assert_eq!(page.body, "<p>page</p>");
        // robots.txt once (cached), the disallowed page only when bypassed.
        assert_eq!(log.paths(), ["/robots.txt", "/public", "/private/a?x=1"]);
    }

    #[tokio::test]
    async fn a_host_deferred_by_an_earlier_run_is_not_contacted_until_then() {
        let (base, log) = outlet("User-agent: *\nAllow: /\n").await;
        let fetcher = test_fetcher();
        let until = Utc::now() + chrono::TimeDelta::minutes(10);
        fetcher.defer_host(&base, until);
        let page = base.join("/news/").unwrap();
        let err = fetcher.get(&page).await.unwrap_err();
        let FetchError::Deferred { until: said, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(
            (*said - until).abs() < chrono::TimeDelta::seconds(1),
            "{err}"
        );
        assert!(log.paths().is_empty(), "contacted: {:?}", log.paths());

        // A time already past defers nothing.
        let fresh = test_fetcher();
        fresh.defer_host(&base, Utc::now() - chrono::TimeDelta::minutes(1));
        assert!(fresh.get(&page).await.is_ok());
    }

    #[tokio::test]
    async fn robots_group_for_refeed_is_matched_by_its_product_token() {
        let (base, _) =
            outlet("User-agent: refeed\nDisallow: /\n\nUser-agent: *\nAllow: /\n").await;
        let err = test_fetcher()
            .get(&base.join("/a").unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Disallowed { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn robots_txt_is_read_up_to_512_kib_whatever_the_page_cap() {
        // The test cap for pages is 1 KiB; a long robots.txt is still read.
        let mut robots = "User-agent: *\nDisallow: /private\n".to_owned();
        robots.push_str(&"# padding\n".repeat(60_000));
        let (base, _) = outlet(robots.leak()).await;
        let fetcher = test_fetcher();
        let err = fetcher
            .get(&base.join("/private").unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Disallowed { .. }), "{err:?}");
        assert!(fetcher.get(&base.join("/public").unwrap()).await.is_ok());
    }

    #[tokio::test]
    async fn robots_txt_answering_503_disallows_and_404_allows() {
        let down = serve(|head| match path(head) {
            "/robots.txt" => response("503 Service Unavailable", &[], b""),
            _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
        })
        .await;
        let err = test_fetcher().get(&down).await.unwrap_err();
        assert!(matches!(err, FetchError::Disallowed { .. }), "{err:?}");
        assert!(err.to_string().contains("answered HTTP 503"), "{err}");

        let missing = serve(|head| match path(head) {
            "/robots.txt" => response("404 Not Found", &[], b""),
            _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
        })
        .await;
        assert!(test_fetcher().get(&missing).await.is_ok());
    }

    #[tokio::test]
    async fn robots_txt_in_a_redirect_loop_counts_as_missing() {
        let base = serve(|head| match path(head) {
            "/robots.txt" => response("302 Found", &["Location: /robots2.txt"], b""),
            "/robots2.txt" => response("302 Found", &["Location: /robots.txt"], b""),
            _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
        })
        .await;
        let page = test_fetcher().get(&base.join("/a").unwrap()).await.unwrap();
        assert_eq!(page.body, "<p>page</p>");
    }

    #[tokio::test]
    async fn requests_to_one_host_are_spaced_by_the_delay() {
        let (base, log) = outlet("").await;
        let delay = Duration::from_millis(300);
        let fetcher = Fetcher::new(&FetchConfig {
            per_host_delay: delay,
            ..test_config()
        })
        .unwrap();
        let (a, b) = (base.join("/a").unwrap(), base.join("/b").unwrap());
        let (first, second) = tokio::join!(fetch_page(&fetcher, &a), fetch_page(&fetcher, &b));
        assert!(first.is_ok() && second.is_ok());
        let (ta, tb) = (log.times("/a")[0], log.times("/b")[0]);
        let gap = if ta < tb { tb - ta } else { ta - tb };
        assert!(gap >= delay - Duration::from_millis(20), "{gap:?}");
    }

    #[tokio::test]
    async fn robots_crawl_delay_spaces_the_requests() {
        let (base, log) = outlet("User-agent: *\nCrawl-delay: 0.5\n").await;
        let fetcher = test_fetcher();
        fetcher.get(&base.join("/a").unwrap()).await.unwrap();
        fetcher.get(&base.join("/b").unwrap()).await.unwrap();
        let gap = log.times("/b")[0] - log.times("/a")[0];
        assert!(gap >= Duration::from_millis(480), "{gap:?}");
    }

    #[tokio::test]
    async fn retry_after_holds_every_request_to_the_host() {
        let (base, log) = outlet("").await;
        let fetcher = test_fetcher();
        let busy = fetch_page(&fetcher, &base.join("/busy").unwrap())
            .await
            .unwrap_err();
        let retry_at = busy.retry_at().unwrap();

        // Another source on the same host: not sent at all.
        let other = base.join("/other").unwrap();
        let err = fetch_page(&fetcher, &other).await.unwrap_err();
        let FetchError::Deferred { until, .. } = &err else {
            panic!("{err:?}");
        };
        assert!(
            (*until - retry_at).num_seconds().abs() <= 1,
            "{until} vs {retry_at}"
        );
        assert_eq!(err.retry_at(), Some(*until));
        assert!(err.to_string().starts_with(&format!(
            "{other} not fetched: its host asked to wait until "
        )));

        // With robots.txt to fetch first, the answer is the same, not a
        // robots.txt failure.
        let err = fetcher.get(&other).await.unwrap_err();
        assert!(matches!(err, FetchError::Deferred { .. }), "{err:?}");
        assert_eq!(log.paths(), ["/busy"]);

        // A clone shares the gates.
        let err = fetch_page(&fetcher.clone(), &other).await.unwrap_err();
        assert!(matches!(err, FetchError::Deferred { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn a_short_retry_after_is_waited_out() {
        let log = Log::default();
        let seen = log.clone();
        let base = serve(move |head| {
            seen.record(head);
            match path(head) {
                "/busy" => response("503 Service Unavailable", &["Retry-After: 1"], b""),
                _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
            }
        })
        .await;
        let fetcher = test_fetcher();
        let options = FetchOptions {
            ignore_robots: true,
            ..FetchOptions::default()
        };
        assert!(
            fetcher
                .fetch(&base.join("/busy").unwrap(), &options)
                .await
                .is_err()
        );
        let page = fetcher
            .fetch(&base.join("/a").unwrap(), &options)
            .await
            .unwrap();
        assert!(matches!(page, Fetched::Page(_)));
        let gap = log.times("/a")[0] - log.times("/busy")[0];
        assert!(gap >= Duration::from_millis(900), "{gap:?}");
    }

    #[tokio::test]
    async fn a_robots_txt_asking_to_wait_is_waited_for_not_cached() {
        // robots.txt answers 503 with Retry-After once, then the file.
        let log = Log::default();
        let seen = log.clone();
        let base = serve(move |head| {
            seen.record(head);
            match path(head) {
                "/robots.txt" if seen.paths().len() == 1 => {
                    response("503 Service Unavailable", &["Retry-After: 1"], b"")
                }
                "/robots.txt" => response("200 OK", &["Content-Type: text/plain"], b""),
                _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
            }
        })
        .await;
        let fetcher = test_fetcher();
        let page = base.join("/news/").unwrap();
        let err = fetcher.get(&page).await.unwrap_err();
        assert!(matches!(err, FetchError::Deferred { .. }), "{err:?}");
        // Not a "disallow all" for ten minutes: once the second is over,
        // robots.txt is asked again and the page fetched.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert!(fetcher.get(&page).await.is_ok());
        assert_eq!(log.paths(), ["/robots.txt", "/robots.txt", "/news/"]);
    }

    #[tokio::test]
    async fn retry_after_behind_a_redirect_holds_the_host_first_asked() {
        let limited =
            serve(|_| response("429 Too Many Requests", &["Retry-After: 120"], b"")).await;
        let log = Log::default();
        let seen = log.clone();
        let location = format!("Location: {}", limited.join("/news/").unwrap());
        let moved = serve(move |head| {
            seen.record(head);
            response("301 Moved Permanently", &[location.as_str()], b"")
        })
        .await;
        let fetcher = test_fetcher();
        let page = moved.join("/news/").unwrap();
        let options = FetchOptions {
            ignore_robots: true,
            ..FetchOptions::default()
        };
        let err = fetcher.fetch(&page, &options).await.unwrap_err();
        assert!(
            matches!(err, FetchError::Status { status: 429, .. }),
            "{err:?}"
        );
        // The next request would go through the redirect to the same
        // server: it is not made.
        let err = fetcher.fetch(&page, &options).await.unwrap_err();
        assert!(matches!(err, FetchError::Deferred { .. }), "{err:?}");
        assert_eq!(log.paths(), ["/news/"]);
    }

    #[test]
    fn wall_clock_and_monotonic_times_convert_both_ways() {
        let at = Utc::now() + chrono::Duration::seconds(60);
        let back = wall_clock(monotonic(at));
        assert!((back - at).num_milliseconds().abs() < 50, "{back} vs {at}");
        assert!(monotonic(Utc::now() - chrono::Duration::seconds(60)) <= Instant::now());
    }
}
