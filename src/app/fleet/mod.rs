//! Many `refeed run` instances on one PostgreSQL database (issue 13): what
//! each instance does so that the fleet behaves as one daemon.
//!
//! - It registers itself and beats every [`HEARTBEAT`]; the instances whose
//!   beat is younger than [`DEAD_AFTER`] are the live ones.
//! - Each host belongs to one live instance, by rendezvous hashing of
//!   (instance, host) over the live instances: only that instance fetches
//!   the host's sources, so its per-host concurrency, delay, robots.txt and
//!   `Retry-After` hold for the whole fleet.
//! - A due refresh runs only under a lease claimed in the database
//!   (`store::fleet`): exactly one instance wins it. The lease lasts
//!   [`LEASE`] and is renewed every [`RENEW_EVERY`] while the refresh runs;
//!   a refresh whose lease was lost is abandoned (its transaction rolls
//!   back). At the end the lease is released with the source's next due
//!   time, planned from the stored health (backoff, `Retry-After`), so the
//!   schedule is the fleet's, not the instance's.
//! - A fleet's start refreshes every source once, however many instances
//!   start, even at the same instant. An instance joins under the lock of
//!   the database's one `fleet` row (`Store::join_fleet`, one
//!   transaction): when it finds no other live instance it starts the
//!   fleet anew, recording the start and making every source due (at
//!   once, or when its backoff or `Retry-After` ends; a leased one is
//!   left alone); when it finds one, it joins the running fleet and makes
//!   nothing due. Instances starting together queue on that lock: the
//!   first finds none live and starts the fleet, the others find it live
//!   (it registered before its commit), so the sources are due once and
//!   each due refresh is claimed once. Sources never scheduled (a new
//!   config's) get a row due at once from whichever instance polls first.
//!   A lone daemon restarted cleanly (it unregisters at stop) starts the
//!   fleet again; one restarted within [`DEAD_AFTER`] of being killed
//!   finds its dead self live and joins, so nothing is due but what the
//!   schedule says.
//! - One path claims (`claims`): a poller reads the due sources nobody
//!   holds every [`POLL`] (sooner when the local scheduler says a source
//!   fell due), keeps those of this instance's hosts, and claims them one
//!   `UPDATE` each while a worker is free, handing each won claim to a
//!   worker. So a due refresh costs one claim, and a killed instance's
//!   sources (once their lease expired) are picked up like any other.
//! - robots.txt answers are shared through the database (`robots`), so a
//!   host's new owner does not ask it again.
//!
//! SQLite has none of this: one daemon per database, as before.

mod claims;
mod robots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use chrono::{DateTime, Local, TimeDelta, Utc};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::config::{Config, Source};
use crate::fetch::Fetcher;
use crate::model::SourceHealth;
use crate::schedule::{Entry, Policy, RunState, backoff_until, next_run};
use crate::store::{Store, StoreError};

/// How often an instance renews its registration.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

/// An instance silent for this long is taken for dead: its hosts go to the
/// others (five missed beats).
pub const DEAD_AFTER: Duration = Duration::from_secs(5);

/// Registrations silent for this long are deleted.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

/// How long a claimed refresh is held without renewal: a killed instance's
/// sources are taken over at most this long after its last renewal.
pub const LEASE: Duration = Duration::from_secs(15);

/// How often a running refresh renews its lease (a third of [`LEASE`], so
/// two renewals may fail before it lapses).
pub const RENEW_EVERY: Duration = Duration::from_secs(5);

/// How often an instance looks for due sources that nobody holds.
pub const POLL: Duration = Duration::from_secs(1);

/// This instance's membership of the fleet. Cheap to clone.
#[derive(Debug, Clone)]
pub(super) struct Fleet {
    store: Store,
    /// This instance's id: pid and start time in milliseconds.
    me: Arc<str>,
    /// The live instances' ids at the last heartbeat (sorted).
    live: Arc<RwLock<Vec<String>>>,
    policy: Policy,
    /// One permit per worker: a claim takes one, so this instance never
    /// holds more leases than it has workers to run them (a claimed
    /// refresh starts at once, well within its lease).
    slots: Arc<Semaphore>,
    /// The refreshes this instance claimed and has not released yet, with
    /// their worker slot.
    held: Arc<Mutex<HashMap<String, OwnedSemaphorePermit>>>,
    /// Told when a claimed refresh ends (its slot is free again).
    freed: Arc<Notify>,
    /// The one HTTP client, whose robots.txt answers the fleet shares
    /// (`robots`).
    fetcher: Fetcher,
}

impl Fleet {
    /// Registers this instance on `store`'s database; it runs at most
    /// `workers` claimed refreshes at once. When no other instance is live
    /// it starts the fleet: every source of `config` is due once, at once
    /// or at the end of the backoff its `health` holds (see the module
    /// doc); joining a running fleet makes nothing due.
    pub(super) async fn join(
        store: Store,
        fetcher: Fetcher,
        policy: Policy,
        workers: usize,
        config: &Config,
        health: &HashMap<String, SourceHealth>,
    ) -> Result<Self, StoreError> {
        let now = Utc::now();
        let me: Arc<str> = format!("{}@{}", std::process::id(), now.timestamp_millis()).into();
        let due = start_due(config, health, &policy, now);
        let alive_since = now - delta(DEAD_AFTER);
        if store.join_fleet(&me, now, alive_since, &due).await? {
            tracing::info!(instance = %me, "started the fleet: every source is due once");
        } else {
            tracing::info!(instance = %me, "joined the running fleet");
        }
        let fleet = Self {
            store,
            live: Arc::new(RwLock::new(vec![me.to_string()])),
            me,
            policy,
            slots: Arc::new(Semaphore::new(workers.max(1))),
            held: Arc::default(),
            freed: Arc::default(),
            fetcher,
        };
        // Knows the others before its first claim: a host is never
        // claimed here because the live set was not read yet.
        fleet.beat().await;
        Ok(fleet)
    }

    /// Beats every [`HEARTBEAT`] until `shutdown`, keeping the live set,
    /// and shares the robots.txt answers fetched since the last beat.
    pub(super) fn spawn_heartbeat(&self, shutdown: CancellationToken) -> JoinHandle<()> {
        let fleet = self.clone();
        tokio::spawn(async move {
            let mut published = robots::Published::new();
            loop {
                fleet.beat().await;
                fleet.publish_robots(&mut published).await;
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(HEARTBEAT) => {}
                }
            }
        })
    }

    async fn beat(&self) {
        let now = Utc::now();
        let alive_since = now - delta(DEAD_AFTER);
        let forget = now - delta(FORGET_AFTER);
        match self
            .store
            .instance_beat(&self.me, now, alive_since, forget)
            .await
        {
            Ok(live) => {
                if self.live_instances() != live {
                    tracing::info!(instances = live.len(), "live instances changed");
                    // Before any moved host is claimed here.
                    self.adopt_robots().await;
                    *self.live.write().unwrap_or_else(PoisonError::into_inner) = live;
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot renew this instance's heartbeat"),
        }
    }

    /// Leaves the fleet (after the workers stopped): the others take this
    /// instance's hosts at their next beat.
    pub(super) async fn leave(&self) {
        if let Err(err) = self.store.leave_instance(&self.me).await {
            tracing::warn!(error = %err, "cannot unregister this instance");
        }
    }

    /// The live instances' ids at the last heartbeat (sorted).
    fn live_instances(&self) -> Vec<String> {
        self.live
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether this instance fetches `url`'s host. A host is its origin
    /// (scheme, host, port), as the fetcher's per-host limits count it.
    pub(super) fn owns(&self, url: &Url) -> bool {
        let host = url.origin().ascii_serialization();
        let live = self.live.read().unwrap_or_else(PoisonError::into_inner);
        owner(&live, &host).is_none_or(|owner| owner.as_str() == &*self.me)
    }
}

/// When each of `config`'s sources is due at a fleet's start: at `now`,
/// as a lone daemon refreshes everything at start, or at the end of the
/// backoff or `Retry-After` its stored `health` holds.
fn start_due(
    config: &Config,
    health: &HashMap<String, SourceHealth>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Vec<(String, DateTime<Utc>)> {
    let local = now.with_timezone(&Local);
    config
        .sources
        .iter()
        .map(|source| {
            let state = health
                .get(&source.id)
                .map(RunState::from_health)
                .unwrap_or_default();
            let held = backoff_until(&entry(source), &state, policy, local);
            let due = held.map_or(now, |t| t.with_timezone(&Utc).max(now));
            (source.id.clone(), due)
        })
        .collect()
}

/// When `source` is due next after `now` in `state`.
fn next_due(
    source: &Source,
    state: &RunState,
    policy: &Policy,
    now: DateTime<Local>,
) -> Option<DateTime<Utc>> {
    next_run(&entry(source), state, policy, now).map(|t| t.with_timezone(&Utc))
}

/// `source`'s schedule entry.
fn entry(source: &Source) -> Entry {
    Entry {
        id: source.id.clone(),
        schedule: source.schedule.clone(),
    }
}

/// The instance among `live` that owns `host`: the highest score of
/// (instance, host) (rendezvous hashing: when an instance leaves, only its
/// hosts move).
fn owner<'a>(live: &'a [String], host: &str) -> Option<&'a String> {
    live.iter().max_by_key(|instance| score(instance, host))
}

/// FNV-1a of `instance`, a NUL and `host`: the same in every build and
/// process, unlike std's hasher.
fn score(instance: &str, host: &str) -> u64 {
    let bytes = instance.bytes().chain([0]).chain(host.bytes());
    let hash = bytes.fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    // A final mix: FNV's low bits barely depend on the last bytes.
    hash ^ (hash >> 29)
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{i}@1800000000000")).collect()
    }

    #[test]
    fn hosts_spread_over_instances_and_only_a_leavers_hosts_move() {
        let hosts: Vec<String> = (0..300).map(|i| format!("host{i}.test")).collect();
        let three = live(3);
        let owners: Vec<&String> = hosts.iter().filter_map(|h| owner(&three, h)).collect();
        for instance in &three {
            let share = owners.iter().filter(|o| **o == instance).count();
            assert!(share > 60, "{instance} owns {share} of 300");
        }
        let two: Vec<String> = three[..2].to_vec();
        for (host, before) in hosts.iter().zip(&owners) {
            let after = owner(&two, host).unwrap();
            if *before != &three[2] {
                assert_eq!(after, *before, "{host} moved although its owner stayed");
            }
        }
    }
}
