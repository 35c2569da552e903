//! The one HTTP client: every outlet request goes through [`Fetcher`].
//! Polite (versioned User-Agent, timeouts), bounded (body cap enforced while
//! streaming, redirect limit) and charset-aware (bodies come out as UTF-8).
//!
//! It does not parse what it fetches (that is `scrape` and `extract`), and no
//! `reqwest` type leaves it except as an error's `#[source]`. `clippy.toml`
//! forbids building other clients, so these limits hold for every request.

mod charset;
mod client;
mod error;
#[cfg(test)]
mod test_server;

use std::time::Duration;

use url::Url;

pub use charset::decode;
pub use client::Fetcher;
pub use error::FetchError;

/// Default total timeout of a request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on a response body (10 MiB).
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;
/// Default number of redirects followed.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

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
                          application/atom+xml,application/xml;q=0.9,*/*;q=0.8";

/// Client settings (the `[fetch]` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// Total time allowed for one request, body included.
    pub timeout: Duration,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Bodies larger than this are refused while streaming.
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_redirects: DEFAULT_MAX_REDIRECTS,
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
}
