//! The typed failures of [`Fetcher::get`](super::Fetcher::get): one variant
//! per way a fetch goes wrong, each naming the URL. Causes live only in
//! `#[source]` so that `{:#}` prints each of them once (STYLE #4).

use std::time::Duration;

use url::Url;

/// Why a fetch failed. Each variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The request could not be sent: DNS, refused connection, TLS, a
    /// malformed response.
    #[error("request to {url} failed")]
    Request {
        /// The URL requested.
        url: Url,
        /// What the client reported.
        #[source]
        source: reqwest::Error,
    },
    /// No complete answer within the configured time (connect timeout while
    /// connecting, total timeout otherwise).
    #[error("{url} did not answer within {limit:?}")]
    Timeout {
        /// The URL requested.
        url: Url,
        /// The limit that ran out.
        limit: Duration,
    },
    /// The redirect chain was longer than `max_redirects`.
    #[error("{url} redirected more than {limit} times")]
    TooManyRedirects {
        /// The URL requested.
        url: Url,
        /// Redirects allowed.
        limit: usize,
        /// What the client reported.
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with a status outside 2xx.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// The URL that answered (after redirects).
        url: Url,
        /// The HTTP status code.
        status: u16,
    },
    /// The body was larger than `max_body_bytes` (by its Content-Length or
    /// while streaming, after decompression).
    #[error("{url} sent a body larger than {limit} bytes")]
    TooLarge {
        /// The URL that answered (after redirects).
        url: Url,
        /// The cap in bytes.
        limit: u64,
    },
    /// The body could not be read to its end (connection cut, corrupt
    /// compression).
    #[error("cannot read the body of {url}")]
    Body {
        /// The URL that answered (after redirects).
        url: Url,
        /// What the client reported.
        #[source]
        source: reqwest::Error,
    },
}

impl FetchError {
    /// True when the fetch ran out of time: worth retrying at the next run,
    /// and worth telling apart from an outlet that answers with an error.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout { .. })
    }

    /// The URL the failure is about (`None` only for [`FetchError::Client`]).
    pub fn url(&self) -> Option<&Url> {
        match self {
            Self::Client(_) => None,
            Self::Request { url, .. }
            | Self::Timeout { url, .. }
            | Self::TooManyRedirects { url, .. }
            | Self::Status { url, .. }
            | Self::TooLarge { url, .. }
            | Self::Body { url, .. } => Some(url),
        }
    }

    /// The HTTP status, when the server answered with a non-2xx one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}
