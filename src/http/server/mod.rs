//! The HTTP server's accept loop and the limits that keep slow, idle and
//! too many clients from locking readers out (issue 9, slowloris).
//!
//! - A connection must send a request's headers within
//!   `header_read_timeout`, counted from the accept for the first request
//!   and from its first byte for the next ones; between two requests it may
//!   stay idle for `idle_timeout` (Go's `ReadHeaderTimeout` and
//!   `IdleTimeout`). A response the client stops reading may wait for it
//!   `idle_timeout` too (a slow-read attack). A sweeper closes connections
//!   past these.
//! - At most `max_connections` are open, lowered at start to leave
//!   descriptors for the database, logs and outgoing fetches
//!   ([`OWN_DESCRIPTORS`] plus `[fetch] max_connections`). At the limit, a new connection makes room by closing the one
//!   that has waited longest with no request in flight: thousands of slow
//!   or idle clients then cannot crowd out readers, whose requests are
//!   answered as soon as they arrive. Only when every connection is
//!   answering a request is the newcomer told 503 and closed.
//! - Accept errors (out of descriptors, `EMFILE`) back off instead of
//!   spinning, and free a descriptor where a connection is waiting.
//!
//! HTTP/1.1 only, as before (axum's default features); no upgrades.

mod connection;
mod registry;
#[cfg(test)]
mod tests;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use self::registry::Registry;

/// Default time a client has to send a request's headers.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a keep-alive connection may stay idle between requests.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on open connections (each idle one costs ~10 KB of memory).
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Descriptors refeed holds besides connections in and out: the database
/// and its WAL (a few per pooled connection), the runtime, signals, DNS
/// lookups and logs.
pub const OWN_DESCRIPTORS: u64 = 64;
/// Descriptors kept out of the connection limit for the rest of refeed by
/// default: [`OWN_DESCRIPTORS`] plus the outgoing connections the fetch
/// client may hold (`[fetch] max_connections`, default 64; see
/// [`ConnectionLimits::outgoing`]). Limits below twice the reserve keep half.
pub const DESCRIPTOR_RESERVE: u64 = OWN_DESCRIPTORS + crate::fetch::DEFAULT_MAX_CONNECTIONS as u64;

/// Connections told to close may still hold this many descriptors (of the
/// reserve) before the accept loop waits for them: waiting for each one
/// would make accepting as slow as the busiest moment of the runtime, and
/// a full listen queue drops readers' SYNs (a second's delay each).
const CLOSING_SLACK: usize = 32;
/// How long a new connection waits, past the slack, for closing ones.
const CLOSING_WAIT: Duration = Duration::from_millis(100);
/// The listen queue of [`bind`]: a burst of connections waits there to be
/// accepted rather than having its SYNs dropped (Linux caps it at
/// `net.core.somaxconn`, 4096 by default).
pub const LISTEN_BACKLOG: u32 = 4096;
/// First and longest pause after an accept error that is not the client's.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(1));
/// A warning that could repeat per connection is logged at most this often.
const WARN_EVERY: Duration = Duration::from_secs(60);
/// What a client beyond the limit is told before it is closed.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
    content-type: text/plain; charset=utf-8\r\n\
    content-length: 21\r\n\
    retry-after: 1\r\n\
    connection: close\r\n\r\n\
    too many connections\n";

/// Limits on the HTTP server's connections (`[server]` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `header_read_timeout`: time to send a request's headers.
    pub header_read_timeout: Duration,
    /// `idle_timeout`: time a connection may wait between two requests,
    /// and a response for its client to read on.
    pub idle_timeout: Duration,
    /// `max_connections`: open connections at most, before the descriptor
    /// limit lowers it (see [`ConnectionLimits::connection_cap`]).
    pub max_connections: usize,
    /// Outgoing connections the fetch client may hold at once (`[fetch]
    /// max_connections`): their descriptors are kept out of the limit too,
    /// so serving and fetching together stay within the descriptor limit.
    pub outgoing: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            outgoing: crate::fetch::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl ConnectionLimits {
    /// The connection limit for a process allowed `nofile` descriptors
    /// (`None`: unlimited): `max_connections`, lowered to leave
    /// [`OWN_DESCRIPTORS`] plus `outgoing` (or half of a small limit) to
    /// the rest of refeed, so connections alone never exhaust the
    /// descriptors.
    pub fn connection_cap(&self, nofile: Option<u64>) -> usize {
        let Some(nofile) = nofile else {
            return self.max_connections;
        };
        let outgoing = u64::try_from(self.outgoing).unwrap_or(u64::MAX);
        let reserve = OWN_DESCRIPTORS.saturating_add(outgoing);
        let room = nofile.saturating_sub(reserve).max(nofile / 2);
        let room = usize::try_from(room).unwrap_or(usize::MAX);
        self.max_connections.min(room).max(1)
    }

    /// How often deadlines are checked: a tenth of the shorter timeout,
    /// so connections close at most ~10 % late.
    fn sweep_every(&self) -> Duration {
        let shorter = self.header_read_timeout.min(self.idle_timeout);
        (shorter / 10).clamp(Duration::from_millis(10), Duration::from_secs(1))
    }
}

/// Listens on `addr` with a [`LISTEN_BACKLOG`]-long queue (tokio's
/// `TcpListener::bind` asks for 1,024).
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // As std and tokio do on Unix: a restart can listen again at once
    // while the old process's connections are in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// [`serve_with`] the default limits.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> io::Result<()> {
    serve_with(listener, router, ConnectionLimits::default(), shutdown).await
}

/// Serves until `shutdown` is cancelled, then finishes the requests in
/// flight (connections still reading headers are closed).
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let nofile = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    let max = limits.connection_cap(nofile);
    log_limits(&limits, max, nofile);
    let registry = Arc::new(Registry::default());
    let sweeper = CancellationToken::new();
    tokio::spawn(sweep(registry.clone(), limits, sweeper.clone()));
    let mut gate = Gate::new(registry.clone(), max);
    while let Some(stream) = gate.accept(&listener, &shutdown).await {
        if gate.make_room().await {
            let entry = registry.add();
            tokio::spawn(connection::run(
                stream,
                router.clone(),
                entry,
                shutdown.clone(),
            ));
        } else {
            refuse(stream);
        }
    }
    drop(listener);
    registry.wait_empty().await;
    sweeper.cancel();
    Ok(())
}

fn log_limits(limits: &ConnectionLimits, max: usize, nofile: Option<u64>) {
    // Lowered only under a descriptor limit, so `nofile` is known then.
    if let Some(nofile) = nofile.filter(|_| max < limits.max_connections) {
        tracing::warn!(
            max_connections = limits.max_connections,
            lowered_to = max,
            nofile,
            "max_connections lowered to fit the descriptor limit; raise it (LimitNOFILE=) to allow more"
        );
    }
    tracing::debug!(
        max_connections = max,
        header_read_timeout = %humane(limits.header_read_timeout),
        idle_timeout = %humane(limits.idle_timeout),
        "HTTP connection limits"
    );
}

/// A duration as a log field shows it: `10s`, `1s 500ms` (humantime,
/// rounded to the millisecond; never Debug's nanoseconds).
fn humane(duration: Duration) -> humantime::FormattedDuration {
    let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    humantime::format_duration(Duration::from_millis(ms))
}

/// Closes connections past their deadline, until `stop`.
async fn sweep(registry: Arc<Registry>, limits: ConnectionLimits, stop: CancellationToken) {
    let mut ticks = tokio::time::interval(limits.sweep_every());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let closed = registry.sweep(&limits, Instant::now());
        if closed > 0 {
            tracing::debug!(
                closed,
                "closed connections past the header-read or idle timeout"
            );
        }
    }
}

/// Accepts connections within the limit.
struct Gate {
    registry: Arc<Registry>,
    max: usize,
    backoff: Duration,
    evicting: Warned,
    refusing: Warned,
    failing: Warned,
}

impl Gate {
    fn new(registry: Arc<Registry>, max: usize) -> Self {
        Gate {
            registry,
            max,
            backoff: ACCEPT_BACKOFF.0,
            evicting: Warned::default(),
            refusing: Warned::default(),
            failing: Warned::default(),
        }
    }

    /// The next connection (with `TCP_NODELAY`), or `None` on shutdown.
    async fn accept(
        &mut self,
        listener: &TcpListener,
        shutdown: &CancellationToken,
    ) -> Option<TcpStream> {
        loop {
            let accepted = tokio::select! {
                () = shutdown.cancelled() => return None,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, _)) => {
                    self.backoff = ACCEPT_BACKOFF.0;
                    // TCP_NODELAY, as nginx sets on keep-alive connections:
                    // without it the last partial segment of a large feed
                    // waits for the reader's delayed ACK (Nagle), adding up
                    // to 40 ms to the response.
                    if let Err(err) = stream.set_nodelay(true) {
                        tracing::debug!(error = %err, "cannot set TCP_NODELAY");
                    }
                    return Some(stream);
                }
                // That client gave up before it was accepted: next.
                Err(err) if is_client_error(&err) => {}
                Err(err) => self.accept_failed(&err, shutdown).await,
            }
        }
    }

    /// Out of descriptors (`EMFILE`, `ENFILE`) or memory: retrying at once
    /// would spin on the same error. Frees a descriptor if a connection is
    /// waiting, and pauses (doubling up to a second while it lasts).
    async fn accept_failed(&mut self, err: &io::Error, shutdown: &CancellationToken) {
        self.registry.evict_longest_waiting();
        if self.failing.due() {
            tracing::warn!(error = %err, pause = %humane(self.backoff), "cannot accept connections; pausing");
        }
        tokio::select! {
            () = shutdown.cancelled() => {}
            () = tokio::time::sleep(self.backoff) => {}
        }
        self.backoff = (self.backoff * 2).min(ACCEPT_BACKOFF.1);
    }

    /// Whether a new connection may be served: below the limit, or once the
    /// connection that has waited longest with no request in flight is
    /// closed to make room.
    async fn make_room(&mut self) -> bool {
        if self.registry.live() >= self.max && !self.evict() {
            return false;
        }
        let ceiling = self.max + CLOSING_SLACK;
        if self.registry.open() >= ceiling {
            self.registry.wait_below(ceiling, CLOSING_WAIT).await;
        }
        true
    }

    /// Closes the connections that have waited longest with no request in
    /// flight; `false` when every one is answering a request.
    fn evict(&mut self) -> bool {
        if self.registry.evict_longest_waiting() == 0 {
            if self.refusing.due() {
                tracing::warn!(
                    max_connections = self.max,
                    "every connection is answering a request: refusing new ones with 503"
                );
            }
            return false;
        }
        if self.evicting.due() {
            tracing::warn!(
                max_connections = self.max,
                "at the connection limit: closing connections that send no request"
            );
        }
        true
    }
}

/// Errors that concern one client only (it reset or left before accept).
fn is_client_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Tells a client beyond the limit 503 and closes it, without waiting for
/// anything: what the client already sent is read first, so that closing
/// sends FIN rather than a reset that could discard the answer.
fn refuse(stream: TcpStream) {
    let mut sink = [0u8; 4096];
    let _ = stream.try_read(&mut sink);
    let _ = stream.try_write(BUSY_RESPONSE);
}

/// When a repeating warning was last logged.
#[derive(Debug, Default)]
struct Warned(Option<Instant>);

impl Warned {
    /// Whether to log it now (and then not again for [`WARN_EVERY`]).
    fn due(&mut self) -> bool {
        let now = Instant::now();
        if self.0.is_some_and(|at| now < at + WARN_EVERY) {
            return false;
        }
        self.0 = Some(now);
        true
    }
}
