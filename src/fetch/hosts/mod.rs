//! Per-host politeness: at most `per_host_concurrency` requests in flight to
//! one origin and at least `per_host_delay` between the starts of two of
//! them, across every source that shares the host; and a host that asked
//! refeed to come back later (`Retry-After` on a 429 or 503) is not asked
//! again before then.
//!
//! The key is the origin (scheme, host and port), so `http://a:80` and
//! `https://a` are separate hosts, as browsers and RFC 6454 see them. This
//! module only gates; it does not make requests or read robots.txt (the
//! client passes the robots.txt `Crawl-delay` in through
//! [`Hosts::set_crawl_delay`]).
//!
//! The state of each origin's gate is `gate`'s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant as TokioInstant;
use url::Url;

mod gate;

use gate::{Gate, Gates, SWEEP_AT};

/// The longest [`Hosts::acquire`] waits for a host that asked to be left
/// alone; a later `Retry-After` fails the request at once instead of holding
/// a worker.
pub const MAX_DEFER_WAIT: Duration = Duration::from_secs(30);

/// The longest robots.txt `Crawl-delay` honoured. Some sites write
/// `Crawl-delay: 3600` or more; honouring it would hold every worker that
/// touches the host for an hour, so refeed spaces its requests at most this
/// far apart and leaves the rest to the source's schedule.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// The per-origin gates; cheap to clone (clones share the gates).
#[derive(Debug, Clone)]
pub struct Hosts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    concurrency: usize,
    delay: Duration,
    gates: Mutex<Gates>,
}

/// A slot at a host; the slot is freed when this is dropped.
#[derive(Debug)]
pub struct HostPermit {
    _slot: OwnedSemaphorePermit,
}

/// The host asked not to be contacted before `until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deferred {
    /// When the host may be asked again.
    pub until: Instant,
}

impl Hosts {
    /// Gates allowing `concurrency` requests per origin, starts at least
    /// `delay` apart. A `concurrency` of 0 is taken as 1 (config validation
    /// should refuse it; a gate that never opens would hang every fetch).
    pub fn new(concurrency: usize, delay: Duration) -> Self {
        let gates = Gates {
            by_origin: HashMap::new(),
            sweep_at: SWEEP_AT,
        };
        Self {
            inner: Arc::new(Inner {
                concurrency: concurrency.max(1),
                delay,
                gates: Mutex::new(gates),
            }),
        }
    }

    /// Waits for a slot at `url`'s origin.
    ///
    /// Returns once one of the origin's slots is free and the start is at
    /// least the delay after the previous start there (and after any short
    /// `Retry-After`). Fails at once with [`Deferred`] when the origin
    /// asked to be left alone for longer than [`MAX_DEFER_WAIT`], checked
    /// both before queueing and again once a slot is free (a 429 may arrive
    /// while this caller waits). Cancelling the future while it waits is
    /// safe; a start time it reserved stays reserved.
    pub async fn acquire(&self, url: &Url) -> Result<HostPermit, Deferred> {
        let key = origin_key(url);
        let slots = self.inner.with_gate(&key, |gate, now| {
            gate.check_defer(now)?;
            Ok(Arc::clone(&gate.slots))
        })?;
        let slot = slots
            .acquire_owned()
            .await
            .expect("the per-host semaphore is never closed");
        let delay = self.inner.delay;
        let start = self
            .inner
            .with_gate(&key, |gate, now| gate.reserve_start(now, delay))?;
        if start > TokioInstant::now() {
            tokio::time::sleep_until(start).await;
        }
        Ok(HostPermit { _slot: slot })
    }

    /// Records that `url`'s origin asked not to be contacted before `until`.
    /// Of two deferrals the later one holds.
    pub fn defer(&self, url: &Url, until: Instant) {
        let until = TokioInstant::from_std(until);
        self.inner.with_gate(&origin_key(url), |gate, _| {
            gate.deferred_until = gate.deferred_until.max(Some(until));
        });
    }

    /// Raises the gap between requests to `url`'s origin to its robots.txt
    /// `Crawl-delay`, when that is longer than the configured delay. The
    /// crawl delay is capped at [`MAX_CRAWL_DELAY`]; the latest call wins,
    /// so a robots.txt that dropped its `Crawl-delay` can lower it again
    /// with `Duration::ZERO`.
    pub fn set_crawl_delay(&self, url: &Url, delay: Duration) {
        self.inner.with_gate(&origin_key(url), |gate, _| {
            gate.crawl_delay = Some(delay.min(MAX_CRAWL_DELAY)).filter(|d| !d.is_zero());
        });
    }
}

impl Inner {
    /// Runs `f` on the gate of `key` (created if missing) under the map's
    /// lock; never held across an await.
    fn with_gate<T>(&self, key: &str, f: impl FnOnce(&mut Gate, TokioInstant) -> T) -> T {
        // A panic under the lock leaves the map consistent (every update is
        // a single assignment), so a poisoned lock is still usable.
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        let now = TokioInstant::now();
        if !gates.by_origin.contains_key(key) {
            gates.sweep(now);
            let gate = Gate::new(self.concurrency, now);
            gates.by_origin.insert(key.to_owned(), gate);
        }
        let gate = gates.by_origin.get_mut(key).expect("inserted above");
        f(gate, now)
    }
}

/// The gate key of `url`: its origin, e.g. `http://127.0.0.2:8080`. URLs
/// with an opaque origin (`data:`, `file:`) all share the gate `null`; the
/// client never fetches those.
fn origin_key(url: &Url) -> String {
    url.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const SHORT: Duration = Duration::from_millis(200);
    /// Scheduling slack for "returned at once" on a loaded 2-core machine.
    const AT_ONCE: Duration = Duration::from_millis(60);

    /// Runs `tasks` concurrent acquires on one origin, each holding its
    /// permit for `hold`; returns the most that were in flight at once.
    async fn max_in_flight(hosts: &Hosts, tasks: usize, hold: Duration) -> usize {
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let (hosts, in_flight, peak) = (hosts.clone(), in_flight.clone(), peak.clone());
                tokio::spawn(async move {
                    let _permit = hosts.acquire(&url("http://a.test/x")).await.unwrap();
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(hold).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        peak.load(Ordering::SeqCst)
    }

    #[tokio::test]
    async fn concurrency_one_never_overlaps_at_one_origin() {
        let hosts = Hosts::new(1, Duration::ZERO);
        assert_eq!(max_in_flight(&hosts, 3, Duration::from_millis(50)).await, 1);
    }

    #[tokio::test]
    async fn concurrency_two_allows_two_at_once() {
        let hosts = Hosts::new(2, Duration::ZERO);
        assert_eq!(
            max_in_flight(&hosts, 4, Duration::from_millis(100)).await,
            2
        );
    }

    #[tokio::test]
    async fn starts_are_spaced_by_the_delay_even_with_free_slots() {
        let hosts = Hosts::new(2, SHORT);
        let t0 = Instant::now();
        let _first = hosts.acquire(&url("http://a.test/1")).await.unwrap();
        assert!(
            t0.elapsed() < AT_ONCE,
            "the first request waits for nothing"
        );
        // Same origin, other path and an explicit default port.
        let _second = hosts.acquire(&url("http://a.test:80/2")).await.unwrap();
        assert!(
            t0.elapsed() >= SHORT,
            "second start after {:?}",
            t0.elapsed()
        );
    }

    #[tokio::test]
    async fn different_origins_do_not_wait_for_each_other() {
        let hosts = Hosts::new(1, Duration::from_secs(10));
        let t0 = Instant::now();
        let _a = hosts.acquire(&url("http://127.0.0.2:8080/")).await.unwrap();
        let _b = hosts.acquire(&url("http://127.0.0.3:8080/")).await.unwrap();
        let _c = hosts
            .acquire(&url("https://127.0.0.2:8080/"))
            .await
            .unwrap();
        let _d = hosts.acquire(&url("http://127.0.0.2:8081/")).await.unwrap();
        assert!(t0.elapsed() < AT_ONCE, "took {:?}", t0.elapsed());
    }

    #[tokio::test]
    async fn zero_delay_never_waits() {
        let hosts = Hosts::new(1, Duration::ZERO);
        let t0 = Instant::now();
        for i in 0..200 {
            hosts
                .acquire(&url(&format!("http://a.test/{i}")))
                .await
                .unwrap();
        }
        assert!(t0.elapsed() < AT_ONCE, "took {:?}", t0.elapsed());
    }

    #[tokio::test]
    async fn a_short_defer_is_waited_out() {
        let hosts = Hosts::new(1, Duration::ZERO);
        let t0 = Instant::now();
        hosts.defer(&url("http://a.test/"), t0 + SHORT);
        let _permit = hosts.acquire(&url("http://a.test/x")).await.unwrap();
        assert!(t0.elapsed() >= SHORT, "returned after {:?}", t0.elapsed());
        // Another origin is not affected.
        let t1 = Instant::now();
        let _other = hosts.acquire(&url("http://b.test/x")).await.unwrap();
        assert!(t1.elapsed() < AT_ONCE);
    }

    #[tokio::test]
    async fn a_long_defer_fails_at_once() {
        let hosts = Hosts::new(1, Duration::ZERO);
        let until = Instant::now() + Duration::from_secs(600);
        hosts.defer(&url("http://a.test/"), until);
        // A shorter, later Retry-After does not shorten the first one.
        hosts.defer(
            &url("http://a.test/"),
            Instant::now() + Duration::from_millis(10),
        );
        let t0 = Instant::now();
        let err = hosts.acquire(&url("http://a.test/x")).await.unwrap_err();
        assert_eq!(err, Deferred { until });
        assert!(t0.elapsed() < AT_ONCE);
    }

    #[tokio::test]
    async fn a_defer_arriving_while_queued_fails_the_waiter() {
        let hosts = Hosts::new(1, Duration::ZERO);
        let held = hosts.acquire(&url("http://a.test/1")).await.unwrap();
        let waiter = {
            let hosts = hosts.clone();
            tokio::spawn(async move { hosts.acquire(&url("http://a.test/2")).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        // The request holding the slot got a 429 with a long Retry-After.
        let until = Instant::now() + Duration::from_secs(3600);
        hosts.defer(&url("http://a.test/"), until);
        drop(held);
        assert_eq!(waiter.await.unwrap().unwrap_err(), Deferred { until });
    }

    #[tokio::test]
    async fn crawl_delay_raises_the_gap() {
        let hosts = Hosts::new(1, Duration::ZERO);
        hosts.set_crawl_delay(&url("http://a.test/robots.txt"), SHORT);
        let t0 = Instant::now();
        drop(hosts.acquire(&url("http://a.test/1")).await.unwrap());
        drop(hosts.acquire(&url("http://a.test/2")).await.unwrap());
        assert!(
            t0.elapsed() >= SHORT,
            "second start after {:?}",
            t0.elapsed()
        );
    }

    #[test]
    fn reserved_starts_follow_the_longest_delay_capped() {
        let now = TokioInstant::now();
        let mut gate = Gate::new(1, now);
        assert_eq!(gate.reserve_start(now, SHORT), Ok(now));
        assert_eq!(gate.reserve_start(now, SHORT), Ok(now + SHORT));
        // A configured delay longer than the crawl delay wins.
        gate.crawl_delay = Some(Duration::from_millis(50));
        assert_eq!(gate.reserve_start(now, SHORT), Ok(now + 2 * SHORT));
        // A crawl delay of an hour is capped at a minute.
        let hosts = Hosts::new(1, Duration::ZERO);
        hosts.set_crawl_delay(&url("http://a.test/"), Duration::from_secs(3600));
        let capped = hosts
            .inner
            .with_gate("http://a.test", |gate, _| gate.crawl_delay);
        assert_eq!(capped, Some(MAX_CRAWL_DELAY));
    }

    #[tokio::test]
    async fn idle_origins_are_dropped_but_busy_ones_kept() {
        let hosts = Hosts::new(1, Duration::ZERO);
        let busy = hosts.acquire(&url("http://busy.test/")).await.unwrap();
        hosts.set_crawl_delay(&url("http://slow.test/"), SHORT);
        for i in 0..3 * SWEEP_AT {
            drop(
                hosts
                    .acquire(&url(&format!("http://h{i}.test/")))
                    .await
                    .unwrap(),
            );
        }
        let gates = hosts.inner.gates.lock().unwrap();
        assert!(
            gates.by_origin.len() <= SWEEP_AT,
            "{} gates",
            gates.by_origin.len()
        );
        assert!(gates.by_origin.contains_key("http://busy.test"));
        assert!(gates.by_origin.contains_key("http://slow.test"));
        drop(busy);
    }
}
