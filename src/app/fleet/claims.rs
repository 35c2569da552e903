//! How an instance of the fleet picks its refreshes: one poller claims, the
//! workers run what it claimed. The poller reads the due sources nobody
//! holds (every [`POLL`], or sooner when the local scheduler says a source
//! fell due), keeps those of this instance's hosts, and claims them one by
//! one while a worker slot is free: one claim `UPDATE` per refresh, handed
//! to a worker already won. A worker never claims; it renews the lease
//! while the refresh runs and releases it with the next due time, which
//! frees its slot and wakes the poller for the next queued source.

use std::collections::{BTreeSet, VecDeque};
use std::sync::PoisonError;

use chrono::{Local, Utc};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Fleet, LEASE, POLL, RENEW_EVERY, delta, next_due};
use crate::app::workers::Desk;
use crate::config::Source;
use crate::schedule::RunState;
use crate::store::StoreError;

impl Fleet {
    /// Claims the due sources of this instance's hosts and hands each
    /// claimed one to the workers on `due`, until `shutdown`. Polls every
    /// [`POLL`] and whenever `wake` (the local scheduler) says a source
    /// fell due; adds schedule rows for the configured sources (again
    /// after a reload).
    pub(in crate::app) fn spawn_poller(
        &self,
        desk: Desk,
        due: mpsc::Sender<String>,
        mut wake: mpsc::Receiver<String>,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        let fleet = self.clone();
        tokio::spawn(async move {
            let mut scheduled = BTreeSet::new();
            let mut queue = VecDeque::new();
            let mut next_poll = Instant::now();
            loop {
                if Instant::now() >= next_poll {
                    match fleet.due_here(&desk, &mut scheduled).await {
                        Ok(ids) => queue = ids,
                        Err(err) => {
                            tracing::warn!(error = %err, "cannot read the fleet's schedule")
                        }
                    }
                    next_poll = Instant::now() + POLL;
                }
                if !fleet.claim_queued(&mut queue, &due).await {
                    return;
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep_until(next_poll) => {}
                    Some(_) = wake.recv() => {
                        while wake.try_recv().is_ok() {}
                        next_poll = Instant::now();
                    }
                    // A slot is free: claim on from the queue.
                    () = fleet.freed.notified() => {}
                }
            }
        })
    }

    /// The due sources nobody holds, of this instance's hosts, soonest
    /// first; first adds schedule rows for sources configured since the
    /// last call.
    async fn due_here(
        &self,
        desk: &Desk,
        scheduled: &mut BTreeSet<String>,
    ) -> Result<VecDeque<String>, StoreError> {
        let ids: BTreeSet<String> = desk.ids().into_iter().collect();
        if ids != *scheduled {
            let ids: Vec<String> = ids.iter().cloned().collect();
            self.store.schedule_sources(&ids).await?;
            *scheduled = ids.into_iter().collect();
        }
        let due = self.store.claimable_sources(Utc::now()).await?;
        let mine = |id: &String| desk.source(id).is_some_and(|s| self.owns(&s.url));
        Ok(due.into_iter().filter(mine).collect())
    }

    /// Claims queued sources while a worker slot is free, sending each won
    /// one on `due`. False once the workers are gone (shutdown).
    async fn claim_queued(&self, queue: &mut VecDeque<String>, due: &mpsc::Sender<String>) -> bool {
        while !queue.is_empty() {
            let Ok(slot) = self.slots.clone().try_acquire_owned() else {
                return true;
            };
            let Some(id) = queue.pop_front() else {
                return true;
            };
            if self.holds(&id) || !self.claim(&id).await {
                continue;
            }
            self.held_map().insert(id.clone(), slot);
            if due.send(id).await.is_err() {
                return false;
            }
        }
        true
    }

    /// Whether this instance holds `id`'s lease (claimed, not released).
    fn holds(&self, id: &str) -> bool {
        self.held_map().contains_key(id)
    }

    fn held_map(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, tokio::sync::OwnedSemaphorePermit>,
    > {
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn claim(&self, id: &str) -> bool {
        let now = Utc::now();
        let won = match self
            .store
            .claim_refresh(id, &self.me, now, now + delta(LEASE))
            .await
        {
            Ok(won) => won,
            Err(err) => {
                tracing::warn!(source = id, error = %err, "cannot claim refresh");
                false
            }
        };
        crate::metrics::fleet_claim(won);
        won
    }

    /// Runs `refresh` of `source`, which the poller claimed for this
    /// instance, renewing the lease meanwhile, then releases it with the
    /// next due time. `None` when the refresh was abandoned because the
    /// lease was lost.
    pub(in crate::app) async fn run_leased<R>(
        &self,
        source: &Source,
        refresh: impl Future<Output = R>,
    ) -> Option<R> {
        let _slot = Slot {
            fleet: self,
            id: &source.id,
        };
        let result = tokio::select! {
            result = refresh => result,
            () = self.keep_lease(&source.id) => {
                tracing::warn!(source = %source.id, "lease lost to another instance; refresh abandoned");
                return None;
            }
        };
        self.release(source).await;
        Some(result)
    }

    /// Gives up a claimed refresh that will not run (its source left the
    /// config): it is not due again until a reload schedules it anew.
    pub(in crate::app) async fn drop_claim(&self, id: &str) {
        let _slot = Slot { fleet: self, id };
        if let Err(err) = self.store.release_claim(id, &self.me, None).await {
            tracing::warn!(source = id, error = %err, "cannot release lease");
        }
    }

    /// Renews the lease on `id` every [`RENEW_EVERY`]; returns once it is
    /// lost (another instance holds it).
    async fn keep_lease(&self, id: &str) {
        loop {
            tokio::time::sleep(RENEW_EVERY).await;
            let until = Utc::now() + delta(LEASE);
            match self.store.renew_claim(id, &self.me, until).await {
                Ok(true) => {}
                Ok(false) => return,
                // Retried at the next turn; the lease has two more.
                Err(err) => tracing::warn!(source = id, error = %err, "cannot renew lease"),
            }
        }
    }

    /// Releases the lease on `source` with its next due time, planned from
    /// the health the refresh just stored.
    async fn release(&self, source: &Source) {
        let health = match self.store.source_health_of(&source.id).await {
            Ok(health) => health,
            Err(err) => {
                tracing::warn!(source = %source.id, error = %err, "cannot read health; planning as healthy");
                None
            }
        };
        let state = health
            .as_ref()
            .map(RunState::from_health)
            .unwrap_or_default();
        let next = next_due(source, &state, &self.policy, Local::now());
        if let Err(err) = self.store.release_claim(&source.id, &self.me, next).await {
            // The lease lapses by itself; the source runs again then.
            tracing::warn!(source = %source.id, error = %err, "cannot release lease");
        }
    }
}

/// A claimed refresh's worker slot: freed, and the poller told, when the
/// refresh ends however it ends (released, abandoned, or its task aborted
/// at shutdown).
struct Slot<'a> {
    fleet: &'a Fleet,
    id: &'a str,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.fleet.held_map().remove(self.id);
        self.fleet.freed.notify_one();
    }
}
