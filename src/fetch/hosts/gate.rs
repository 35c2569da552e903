//! The state of each origin's gate (its slots, next start, `Retry-After`
//! and crawl delay) and the map of them, swept of idle gates so that it does
//! not grow forever. Waiting on a gate is `Hosts`'s job.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant as TokioInstant;

use super::{Deferred, MAX_DEFER_WAIT};

/// The map of origins is swept for idle entries once it holds this many
/// (and afterwards once it doubles), so a crawl that touches many article
/// hosts does not grow memory forever.
pub(super) const SWEEP_AT: usize = 1024;

/// How long an idle origin keeps its robots.txt crawl delay: as long as the
/// robots.txt it came from is trusted, after which the client reads a fresh
/// copy and sets it again.
const CRAWL_DELAY_KEEP: Duration = crate::fetch::ROBOTS_MAX_AGE;

/// Every origin's gate, by origin key.
#[derive(Debug, Default)]
pub(super) struct Gates {
    pub(super) by_origin: HashMap<String, Gate>,
    /// Map size at which the next sweep runs.
    pub(super) sweep_at: usize,
}

/// The state of one origin.
#[derive(Debug)]
pub(super) struct Gate {
    /// `concurrency` permits; owned permits hold a clone of this `Arc`, so
    /// its strong count tells whether anyone is using or waiting for it.
    pub(super) slots: Arc<Semaphore>,
    /// The earliest start of the next request.
    next_start: TokioInstant,
    /// `Retry-After`: no request starts before this.
    pub(super) deferred_until: Option<TokioInstant>,
    /// The robots.txt `Crawl-delay`, already capped.
    pub(super) crawl_delay: Option<Duration>,
}

impl Gates {
    /// Drops idle gates once the map has grown to `sweep_at`, then sets the
    /// next sweep to twice the surviving size, so sweeping stays amortised
    /// O(1) per new origin even when every gate is busy.
    pub(super) fn sweep(&mut self, now: TokioInstant) {
        if self.by_origin.len() < self.sweep_at {
            return;
        }
        self.by_origin.retain(|_, gate| !gate.is_idle(now));
        self.sweep_at = (self.by_origin.len() * 2).max(SWEEP_AT);
    }
}

impl Gate {
    pub(super) fn new(concurrency: usize, now: TokioInstant) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(concurrency)),
            next_start: now,
            deferred_until: None,
            crawl_delay: None,
        }
    }

    /// `Err` when the origin asked to be left alone longer than
    /// [`MAX_DEFER_WAIT`] from `now`.
    pub(super) fn check_defer(&self, now: TokioInstant) -> Result<(), Deferred> {
        match self.deferred_until {
            Some(until) if until.saturating_duration_since(now) > MAX_DEFER_WAIT => Err(Deferred {
                until: until.into_std(),
            }),
            _ => Ok(()),
        }
    }

    /// Reserves the next start time at this origin (Scrapy's
    /// `DOWNLOAD_DELAY`, start to start): the later of now, the previous
    /// start plus the delay, and a short deferral.
    pub(super) fn reserve_start(
        &mut self,
        now: TokioInstant,
        delay: Duration,
    ) -> Result<TokioInstant, Deferred> {
        self.check_defer(now)?;
        let start = now
            .max(self.next_start)
            .max(self.deferred_until.unwrap_or(now));
        self.next_start = start + delay.max(self.crawl_delay.unwrap_or_default());
        Ok(start)
    }

    /// True when dropping this gate loses nothing: no permit out or awaited,
    /// no start reserved or deferral pending, and no crawl delay still
    /// backed by a trusted robots.txt.
    fn is_idle(&self, now: TokioInstant) -> bool {
        let unused = Arc::strong_count(&self.slots) == 1;
        let no_defer = self.deferred_until.is_none_or(|until| until <= now);
        let no_crawl_delay =
            self.crawl_delay.is_none() || self.next_start + CRAWL_DELAY_KEEP <= now;
        unused && self.next_start <= now && no_defer && no_crawl_delay
    }
}
