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
use crate::fetch::robots::{Denial, RobotsAnswer};
use crate::fetch::sessions::RequestSlot;
use crate::fetch::{Cause, FetchError, Refused};
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

/// A request's slots at its host and among all requests in flight, held
/// until its body is read.
pub(super) struct Entered {
    _host: HostPermit,
    _request: RequestSlot,
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
        rules.check(url).map_err(|denial| {
            if rules.was_read() {
                crate::metrics::robots_refused();
            }
            denied(url, denial)
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
            Err(err) => RobotsAnswer::Unreachable(Cause::of_fetch(&err)),
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
        let response = self.send(robots_url, from, get).await;
        super::count_sent(&response);
        let response = response?;
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

    /// Waits for a slot at `url`'s host, then for one among all requests
    /// in flight (which bounds the connections in use: see `sessions`), or
    /// fails at once when the host asked to be left alone for longer than
    /// the gate waits.
    pub(super) async fn enter(&self, url: &Url) -> Result<Entered, FetchError> {
        let host = self
            .hosts
            .acquire(url)
            .await
            .map_err(|deferred| FetchError::Deferred {
                url: url.clone(),
                until: wall_clock(deferred.until),
            })?;
        let request = self.sessions.request_slot().await;
        Ok(Entered {
            _host: host,
            _request: request,
        })
    }

    /// The robots.txt answers worth keeping across a restart (see
    /// [`SavedRobots`]), for the store.
    pub fn saved_robots(&self) -> Vec<SavedRobots> {
        self.robots.saved()
    }

    /// [`saved_robots`](Self::saved_robots), limited to the answers
    /// `wanted` picks by origin and expiry before any body is copied.
    pub fn saved_robots_where(
        &self,
        wanted: impl Fn(&str, DateTime<Utc>) -> bool,
    ) -> Vec<SavedRobots> {
        self.robots.saved_where(wanted)
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

/// The error for a page its robots.txt did not let through. No answer
/// from the host is reported as the host's failure, on the page: "cannot
/// resolve HOST", "connection refused (URL)", not what RFC 9309 makes of
/// an unreachable robots.txt (issue 12). A failure of that one request (a
/// host that accepted it, then stayed silent) names the robots.txt URL.
fn denied(url: &Url, denial: Denial) -> FetchError {
    match denial {
        Denial::Disallowed(reason) => FetchError::Disallowed {
            url: url.clone(),
            reason,
        },
        Denial::Unreachable(cause) if cause.is_host_level() => FetchError::Request {
            url: url.clone(),
            cause,
        },
        Denial::Unreachable(cause) => FetchError::RobotsUnanswered {
            url: url.clone(),
            cause,
        },
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
#[path = "polite_tests.rs"]
mod tests;
