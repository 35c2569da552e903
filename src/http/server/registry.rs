//! The HTTP server's live connections and what each is doing: waiting for a
//! request's headers, answering requests, or idle between two requests.
//! The accept loop asks it for room (closing the connection that has waited
//! longest with no request in flight), and a sweeper closes connections
//! past their header-read or idle deadline. It closes nothing itself: it
//! cancels a connection's token, and the connection's task drops it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ConnectionLimits;

/// The most connections closed at once to make room (nginx: 32).
const EVICTION_BATCH: usize = 32;

/// What a connection is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request's headers since `since`: the accept, or the
    /// first byte of a request that follows an idle spell.
    Head { since: Instant },
    /// Answering `in_flight` requests (from complete headers to the end of
    /// the response body). `read_ahead`: bytes of a next request came in
    /// meanwhile (pipelining), so the connection is then reading headers.
    Busy { in_flight: usize, read_ahead: bool },
    /// Between two requests since `since` (keep-alive).
    Idle { since: Instant },
}

/// One connection's state, shared by its task, its I/O and its requests.
#[derive(Debug)]
pub(super) struct Conn {
    phase: Mutex<Phase>,
    /// Since when a write has been waiting for the client to read (its
    /// socket buffer full); `None` while writes go through.
    write_stalled: Mutex<Option<Instant>>,
    close: CancellationToken,
}

impl Conn {
    fn new(now: Instant) -> Self {
        Conn {
            phase: Mutex::new(Phase::Head { since: now }),
            write_stalled: Mutex::new(None),
            close: CancellationToken::new(),
        }
    }

    fn phase(&self) -> MutexGuard<'_, Phase> {
        // The phase is plain data, valid whatever panicked while it was held.
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes came in: an idle connection starts reading a request.
    pub fn on_read(&self) {
        let mut phase = self.phase();
        match *phase {
            Phase::Idle { .. } => {
                *phase = Phase::Head {
                    since: Instant::now(),
                }
            }
            Phase::Busy { in_flight, .. } => {
                *phase = Phase::Busy {
                    in_flight,
                    read_ahead: true,
                }
            }
            Phase::Head { .. } => {}
        }
    }

    /// A write found the client's socket buffer full (it is not reading).
    pub fn write_stalled(&self) {
        let mut stalled = self
            .write_stalled
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        stalled.get_or_insert_with(Instant::now);
    }

    /// A write went through.
    ///
    /// When it ends a stall of the response's tail, idle time starts now:
    /// hyper takes a one-chunk body at once, so its request stops being in
    /// flight before the client has read it.
    pub fn write_done(&self) {
        let was = self
            .write_stalled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if was.is_some() {
            let mut phase = self.phase();
            if let Phase::Idle { .. } = *phase {
                *phase = Phase::Idle {
                    since: Instant::now(),
                };
            }
        }
    }

    /// Since when a write has waited for the client to read, if it has.
    fn stalled_since(&self) -> Option<Instant> {
        *self
            .write_stalled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A request's headers are complete and it is being answered.
    pub fn request_started(&self) {
        let mut phase = self.phase();
        *phase = match *phase {
            Phase::Busy {
                in_flight,
                read_ahead,
            } => Phase::Busy {
                in_flight: in_flight + 1,
                read_ahead,
            },
            Phase::Head { .. } | Phase::Idle { .. } => Phase::Busy {
                in_flight: 1,
                read_ahead: false,
            },
        };
    }

    /// A request's response body is finished (or dropped).
    pub fn request_finished(&self) {
        let mut phase = self.phase();
        if let Phase::Busy {
            in_flight,
            read_ahead,
        } = *phase
        {
            let now = Instant::now();
            *phase = match (in_flight, read_ahead) {
                (2.., _) => Phase::Busy {
                    in_flight: in_flight - 1,
                    read_ahead,
                },
                (_, true) => Phase::Head { since: now },
                (_, false) => Phase::Idle { since: now },
            };
        }
    }

    /// Whether it is waiting for a request's headers (a request half sent,
    /// or none yet).
    pub fn is_reading_head(&self) -> bool {
        matches!(*self.phase(), Phase::Head { .. })
    }

    /// Resolves when the connection must be closed (evicted or timed out).
    pub async fn closed(&self) {
        self.close.cancelled().await;
    }

    /// Since when it has waited with no request in flight; `None` while it
    /// answers one or writes an answer, or once it is being closed.
    fn waiting_since(&self) -> Option<Instant> {
        if self.close.is_cancelled() || self.stalled_since().is_some() {
            return None;
        }
        match *self.phase() {
            Phase::Head { since } | Phase::Idle { since } => Some(since),
            Phase::Busy { .. } => None,
        }
    }

    /// When it must be closed if nothing changes. A response the client
    /// stops reading counts as idle time (a slow-read attack would
    /// otherwise hold the connection, never evictable, for good).
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        if let Some(since) = self.stalled_since() {
            return Some(since + limits.idle_timeout);
        }
        match *self.phase() {
            Phase::Head { since } => Some(since + limits.header_read_timeout),
            Phase::Idle { since } => Some(since + limits.idle_timeout),
            Phase::Busy { .. } => None,
        }
    }
}

/// The live connections.
#[derive(Debug, Default)]
pub(super) struct Registry {
    table: Mutex<Table>,
    /// Signalled each time a connection ends.
    ended: Notify,
}

#[derive(Debug, Default)]
struct Table {
    next_id: u64,
    conns: HashMap<u64, Arc<Conn>>,
    /// Of `conns`, those told to close whose task has not yet ended
    /// (changed only under the lock, as are the close tokens).
    closing: usize,
}

/// A connection's place in the [`Registry`]; leaving it (drop) ends the
/// connection there.
pub(super) struct Entry {
    id: u64,
    conn: Arc<Conn>,
    registry: Arc<Registry>,
}

impl Entry {
    /// The connection's state.
    pub fn conn(&self) -> &Arc<Conn> {
        &self.conn
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let mut table = self.registry.table();
        table.conns.remove(&self.id);
        if self.conn.close.is_cancelled() {
            table.closing -= 1;
        }
        drop(table);
        self.registry.ended.notify_waiters();
    }
}

impl Registry {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Connections open, those told to close included until they are.
    pub fn open(&self) -> usize {
        self.table().conns.len()
    }

    /// Connections open and not told to close.
    pub fn live(&self) -> usize {
        let table = self.table();
        table.conns.len() - table.closing
    }

    /// Registers a connection just accepted, reading its first headers.
    pub fn add(self: &Arc<Self>) -> Entry {
        let conn = Arc::new(Conn::new(Instant::now()));
        let mut table = self.table();
        let id = table.next_id;
        table.next_id += 1;
        table.conns.insert(id, conn.clone());
        Entry {
            id,
            conn,
            registry: self.clone(),
        }
    }

    /// Closes the connections that have waited longest with no request in
    /// flight: an eighth of them, from 1 to [`EVICTION_BATCH`], as nginx
    /// drains its reusable connections, so that a burst at the limit does
    /// not scan every connection for each one accepted. How many (0 when
    /// every connection is answering a request).
    pub fn evict_longest_waiting(&self) -> usize {
        let mut table = self.table();
        let mut waiting: Vec<(Instant, &Conn)> = table
            .conns
            .values()
            .filter_map(|conn| Some((conn.waiting_since()?, conn.as_ref())))
            .collect();
        let batch = (waiting.len() / 8)
            .clamp(1, EVICTION_BATCH)
            .min(waiting.len());
        if batch == 0 {
            return 0;
        }
        waiting.select_nth_unstable_by_key(batch - 1, |(since, _)| *since);
        for (_, conn) in &waiting[..batch] {
            conn.close.cancel();
        }
        table.closing += batch;
        batch
    }

    /// Closes every connection past its deadline at `now`; how many.
    pub fn sweep(&self, limits: &ConnectionLimits, now: Instant) -> usize {
        let mut table = self.table();
        let mut closed = 0;
        for conn in table.conns.values() {
            let expired = conn.deadline(limits).is_some_and(|at| at <= now);
            if expired && !conn.close.is_cancelled() {
                conn.close.cancel();
                closed += 1;
            }
        }
        table.closing += closed;
        closed
    }

    /// Waits up to `limit` until fewer than `max` connections are open
    /// (see [`Registry::open`]);
    /// whether they are.
    pub async fn wait_below(&self, max: usize, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let ended = self.ended.notified();
            tokio::pin!(ended);
            // Registered before the check, so an end in between is not missed.
            ended.as_mut().enable();
            if self.open() < max {
                return true;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                return false;
            }
        }
    }

    /// Waits until every connection has ended.
    pub async fn wait_empty(&self) {
        while !self.wait_below(1, Duration::from_secs(3600)).await {}
    }
}
