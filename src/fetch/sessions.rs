//! Bounded connections (issue 13): the open outgoing connections never pass
//! `[fetch] max_connections`, however many hosts the sources are on.
//!
//! `reqwest` bounds its idle pool per host and by time, never in all: one
//! client that touched 10,000 hosts keeps a connection to each until its
//! idle timeout, and the daemon runs out of descriptors. So each origin in
//! use gets a *session*, its own small client (one idle connection per
//! per-host slot), and sessions are dropped, closing their idle
//! connections, once more than [`Sessions`]' idle cap of them is unused
//! (the least recently used first) or one is unused for its idle timeout.
//! With requests in flight bounded as well (`requests`, a permit held from
//! the per-host gate to the end of the body), open connections are at most
//! `requests + idle sessions × per_host_concurrency`, which the limits
//! split `max_connections` into (see [`Budget`]).
//!
//! Sessions share one TLS configuration (certificate verifier included),
//! so a new one costs no certificate loading. This module only pools; the
//! fetch policy and the requests are the client's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

use super::access::{CheckedResolver, Route, SystemResolver};
use super::{FetchConfig, FetchError};

/// How long an unused session (and each idle connection in it) is kept.
/// Shorter than most servers' keep-alive (nginx: 75 s), long enough to
/// reuse a connection across a source's listing and its articles.
pub const SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// How `max_connections` is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests in flight at once, across hosts (half the connections).
    pub requests: usize,
    /// Unused sessions kept (the other half, over the idle connections
    /// each may keep: `per_host_concurrency`).
    pub idle_sessions: usize,
    /// Idle connections one session keeps.
    pub idle_per_session: usize,
}

impl Budget {
    /// The split of `max_connections` for `per_host_concurrency` slots per
    /// host; each part at least 1 (config refuses a `max_connections`
    /// below twice `per_host_concurrency`, where that would exceed it).
    pub fn of(max_connections: usize, per_host_concurrency: usize) -> Self {
        let requests = (max_connections / 2).max(1);
        let idle_per_session = per_host_concurrency.max(1);
        let idle_sessions = (max_connections.saturating_sub(requests) / idle_per_session).max(1);
        Self {
            requests,
            idle_sessions,
            idle_per_session,
        }
    }

    /// The most connections open at once under this budget.
    pub fn max_open(&self) -> usize {
        self.requests + self.idle_sessions * self.idle_per_session
    }
}

/// The sessions of every origin in use; cheap to clone.
#[derive(Debug, Clone)]
pub struct Sessions {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    factory: Factory,
    budget: Budget,
    requests: Arc<Semaphore>,
    map: Mutex<HashMap<Key, Entry>>,
}

/// A session's key: the origin and the route (client kind) it is reached by.
type Key = (String, bool);

#[derive(Debug)]
struct Entry {
    client: reqwest::Client,
    users: usize,
    last_used: Instant,
}

/// A session in use: its client, given back when dropped.
#[derive(Debug)]
pub struct InUse {
    client: reqwest::Client,
    key: Key,
    shared: Arc<Shared>,
}

/// A slot among the requests in flight; freed when dropped.
#[derive(Debug)]
pub struct RequestSlot {
    /// `None` only if the semaphore were closed, which it never is.
    _permit: Option<OwnedSemaphorePermit>,
}

/// Builds sessions' clients, all alike but for their pools.
#[derive(Debug)]
struct Factory {
    config: FetchConfig,
    tls: rustls::ClientConfig,
    checked: CheckedResolver,
}

impl Sessions {
    /// Sessions for clients built like `config` says, the checked ones
    /// resolving through `checked`.
    pub fn new(config: &FetchConfig, checked: CheckedResolver) -> Result<Self, FetchError> {
        let budget = Budget::of(config.max_connections, config.per_host_concurrency);
        let factory = Factory {
            config: config.clone(),
            tls: tls_config()?,
            checked,
        };
        // Fail at start, not at the first request, if a client cannot be
        // built.
        factory.build(Route::Checked)?;
        Ok(Self {
            shared: Arc::new(Shared {
                factory,
                budget,
                requests: Arc::new(Semaphore::new(budget.requests)),
                map: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The split of `max_connections` in force.
    #[cfg(test)]
    pub fn budget(&self) -> Budget {
        self.shared.budget
    }

    /// Waits for a slot among the requests in flight.
    pub async fn request_slot(&self) -> RequestSlot {
        let permit = Arc::clone(&self.shared.requests).acquire_owned().await;
        RequestSlot {
            _permit: permit.ok(),
        }
    }

    /// The session for `hop`'s origin by `route`, created if missing.
    pub fn checkout(&self, hop: &Url, route: Route) -> Result<InUse, FetchError> {
        let key = (hop.origin().ascii_serialization(), route == Route::Trusted);
        let mut map = self.shared.lock();
        let client = match map.get_mut(&key) {
            Some(entry) => {
                entry.users += 1;
                entry.client.clone()
            }
            None => {
                let client = self.shared.factory.build(route)?;
                let entry = Entry {
                    client: client.clone(),
                    users: 1,
                    last_used: Instant::now(),
                };
                map.insert(key.clone(), entry);
                client
            }
        };
        Ok(InUse {
            client,
            key,
            shared: Arc::clone(&self.shared),
        })
    }

    /// Sessions open now (in use or idle), for tests.
    #[cfg(test)]
    pub fn open(&self) -> usize {
        self.shared.lock().len()
    }
}

impl InUse {
    /// The session's client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        let dropped = self.shared.release(&self.key);
        // Outside the lock: dropping a client closes its idle connections.
        drop(dropped);
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        // Every update is a single assignment: a poisoned map is usable.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks one use of `key` over, then drops the sessions unused for
    /// [`SESSION_IDLE_TIMEOUT`] and, least recently used first, those past
    /// the idle cap. Returns the dropped clients.
    fn release(&self, key: &Key) -> Vec<reqwest::Client> {
        let now = Instant::now();
        let mut map = self.lock();
        if let Some(entry) = map.get_mut(key) {
            entry.users = entry.users.saturating_sub(1);
            entry.last_used = now;
        }
        let mut dropped = Vec::new();
        map.retain(|_, entry| {
            let expired =
                entry.users == 0 && now.duration_since(entry.last_used) >= SESSION_IDLE_TIMEOUT;
            if expired {
                dropped.push(entry.client.clone());
            }
            !expired
        });
        let idle = map.values().filter(|entry| entry.users == 0).count();
        for _ in self.budget.idle_sessions..idle {
            let oldest = map
                .iter()
                .filter(|(_, entry)| entry.users == 0)
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(key, _)| key.clone());
            if let Some(entry) = oldest.and_then(|key| map.remove(&key)) {
                dropped.push(entry.client);
            }
        }
        dropped
    }
}

impl Factory {
    /// A client for one session by `route`.
    fn build(&self, route: Route) -> Result<reqwest::Client, FetchError> {
        let builder = super::client::builder(&self.config)
            .tls_backend_preconfigured(self.tls.clone())
            .pool_idle_timeout(SESSION_IDLE_TIMEOUT)
            .pool_max_idle_per_host(self.config.per_host_concurrency.max(1));
        let builder = match route {
            Route::Checked => builder.dns_resolver(self.checked.clone()),
            // Its own resolver only so that a failed lookup is a typed
            // error ("cannot resolve HOST"); it judges nothing.
            Route::Trusted => builder.dns_resolver(SystemResolver),
        };
        builder.build().map_err(FetchError::Client)
    }
}

/// The TLS configuration `reqwest` would build (the platform's certificate
/// verifier, TLS 1.2 and 1.3, HTTP/2 or 1.1 by ALPN), built once for every
/// session.
fn tls_config() -> Result<rustls::ClientConfig, FetchError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new(Arc::clone(&provider)).map_err(FetchError::Tls)?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(FetchError::Tls)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
