//! The one HTTP client: every outlet request goes through [`Fetcher`].
//! Polite (versioned User-Agent, robots.txt, per-host concurrency and delay,
//! conditional GET, `Retry-After` honoured across sources), bounded
//! (connect, first-byte and total timeouts, body cap enforced while
//! streaming, redirect limit with loop detection, only pages and feeds read)
//! and charset-aware (bodies come out as UTF-8), and held to the fetch
//! policy of `access` (public addresses only, besides configured origins
//! and `[fetch] allow_hosts`; no credentials from links sent).
//!
//! It does not parse what it fetches (that is `scrape` and `extract`), and no
//! `reqwest` type leaves it except as an error's `#[source]`. `clippy.toml`
//! forbids building other clients, so these limits hold for every request.

mod access;
mod cause;
mod charset;
mod client;
mod error;
mod hosts;
mod kind;
mod prescan;
mod redirect;
mod retry;
mod robots;
mod sessions;
#[cfg(test)]
mod test_server;

use std::time::Duration;

use url::Url;

pub use access::{Access, AddressKind, AllowHost, Refusal, classify};
pub use cause::{Cause, Unresolved};
pub use charset::{decode, decode_for_domain};
pub use client::Fetcher;
pub use error::{FetchError, Refused, TimeoutStage};
pub use sessions::{Budget, SESSION_IDLE_TIMEOUT};

use crate::model::Validators;

/// Default total timeout of a request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time allowed from starting a request (connecting and redirects
/// included) to its final response headers.
pub const DEFAULT_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(15);
/// Default requests in flight at once to one host (origin).
pub const DEFAULT_PER_HOST_CONCURRENCY: usize = 1;
/// Default minimum gap between the starts of two requests to one host.
pub const DEFAULT_PER_HOST_DELAY: Duration = Duration::from_secs(1);
/// How long a fetched robots.txt is trusted before it is fetched again
/// (RFC 9309 §2.4: a crawler SHOULD NOT use a cached copy for longer than
/// 24 hours).
pub const ROBOTS_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
/// Default cap on a response body (10 MiB).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;
/// Default number of redirects followed.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;
/// Default cap on outgoing connections open at once (issue 13): half for
/// requests in flight, half for idle connections kept for reuse (see
/// [`Budget`]). Each is a descriptor: the HTTP server keeps this many
/// (whatever `max_connections` is configured) out of its own connection
/// limit, so refeed stays within any `LimitNOFILE` (the unit's 8192,
/// systemd's default 1024) however many hosts its sources are on; 32
/// requests in flight are plenty for the default 4 workers.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;

/// The User-Agent sent with every request.
pub const USER_AGENT: &str = concat!(
    "refeed/",
    env!("CARGO_PKG_VERSION"),
    " (+",
    env!("CARGO_PKG_REPOSITORY"),
    ")"
);

/// The `Accept` header sent with every request: pages and feeds first, so
/// outlets that negotiate content don't answer with JSON or an app shell.
pub const ACCEPT: &str = "text/html,application/xhtml+xml,application/rss+xml,\
                          application/atom+xml,application/feed+json,application/xml;q=0.9,\
                          */*;q=0.8";

/// Client settings (the `[fetch]` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// Total time allowed for one request, body included.
    pub timeout: Duration,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed from starting the request (connecting and redirects
    /// included) to the final response headers; also the longest silence
    /// while reading a body.
    pub first_byte_timeout: Duration,
    /// Bodies larger than this are refused while streaming.
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Requests in flight at once to one host, across all sources.
    pub per_host_concurrency: usize,
    /// Minimum gap between the starts of two requests to one host, across
    /// all sources (zero allowed).
    pub per_host_delay: Duration,
    /// Outgoing connections open at once, in all (requests in flight plus
    /// idle connections kept for reuse: see [`Budget`]).
    pub max_connections: usize,
    /// Where requests may go: public addresses, plus configured origins
    /// and `allow_hosts`; never the own listen address.
    pub access: Access,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            first_byte_timeout: DEFAULT_FIRST_BYTE_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            per_host_concurrency: DEFAULT_PER_HOST_CONCURRENCY,
            per_host_delay: DEFAULT_PER_HOST_DELAY,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            access: Access::default(),
        }
    }
}

/// A fetched page, decoded to UTF-8.
#[derive(Debug, Clone)]
pub struct Page {
    /// Final URL after redirects (the base for relative links).
    pub url: Url,
    /// The body as UTF-8 text.
    pub body: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The response's `ETag` / `Last-Modified`, to store for the next
    /// conditional request (empty when the server sent neither).
    pub validators: Validators,
}

/// What a (possibly conditional) request brought back.
#[derive(Debug, Clone)]
pub enum Fetched {
    /// A new or changed page.
    Page(Page),
    /// `304 Not Modified`: the validators sent still hold; nothing to parse.
    NotModified,
}

/// How one request is made.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// Validators of the stored copy: sent as `If-None-Match` /
    /// `If-Modified-Since`, so an unchanged page answers 304.
    pub validators: Option<Validators>,
    /// Skip the robots.txt check (a source's `respect_robots = false`).
    pub ignore_robots: bool,
    /// Where the URL came from (the id of the source whose listing linked
    /// it), named when the fetch policy refuses it.
    pub linked_from: Option<String>,
}
