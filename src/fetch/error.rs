//! The typed failures of [`Fetcher::fetch`](super::Fetcher::fetch): one
//! variant per way a fetch goes wrong, each naming the URL. Causes live only
//! in `#[source]` so that `{:#}` prints each of them once (STYLE #4).

use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use super::access::Refusal;
use super::cause::Cause;
use super::robots::robots_url;

/// Why a fetch failed. Each variant names the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    Client(#[source] reqwest::Error),
    /// The TLS configuration (the platform's certificate verifier) could
    /// not be built.
    #[error("cannot set up TLS")]
    Tls(#[source] rustls::Error),
    /// No HTTP answer came: the name did not resolve, the connection was
    /// refused, reset or timed out, the TLS handshake failed, the answer
    /// was no HTTP. The message leads with the cause ("connection refused
    /// (URL)"); the client's own chain of wrappers is logged at debug
    /// level, not shown.
    #[error("{}", request_failed(url, cause))]
    Request {
        /// The URL requested.
        url: Url,
        /// What went wrong, sorted from the client's error.
        cause: Cause,
    },
    /// The robots.txt asked before `url` got no answer, for a reason of
    /// that request (the host accepted the connection, then stayed silent,
    /// reset it...). A failure of the whole host (DNS, refused, TLS) is a
    /// [`FetchError::Request`] for `url` instead: robots.txt is beside the
    /// point then.
    #[error("{cause} ({}, asked before {url})", robots_url(url))]
    RobotsUnanswered {
        /// The URL that was not fetched (its robots.txt is at its origin).
        url: Url,
        /// Why the robots.txt did not answer.
        cause: Cause,
    },
    /// A limit on time ran out; `stage` says which one.
    #[error("{}", stage.message(url, *limit))]
    Timeout {
        /// The URL requested.
        url: Url,
        /// The limit that ran out.
        limit: Duration,
        /// Which limit it was.
        stage: TimeoutStage,
    },
    /// The redirect chain was longer than `max_redirects`.
    #[error("{url} redirected more than {limit} times")]
    TooManyRedirects {
        /// The URL requested.
        url: Url,
        /// Redirects allowed.
        limit: usize,
    },
    /// A redirect led back to a URL already visited in the same chain.
    #[error("{url} redirects in a loop: {}", join_chain(chain))]
    RedirectLoop {
        /// The URL requested.
        url: Url,
        /// The URLs visited, ending with the one visited twice.
        chain: Vec<Url>,
    },
    /// The fetch policy refused the URL or a redirect hop (issue 9, SSRF):
    /// a private, loopback, link-local... address outside the configured
    /// origins and `allow_hosts`, or refeed's own listen address. Boxed:
    /// it is the largest variant and rare.
    #[error("{0}")]
    Refused(Box<Refused>),
    /// The server answered with a status outside 2xx.
    #[error("{url} answered HTTP {status}{}", retry_note(*retry_at))]
    Status {
        /// The URL that answered (after redirects).
        url: Url,
        /// The HTTP status code.
        status: u16,
        /// When a 429 or 503 said to come back (`Retry-After`).
        retry_at: Option<DateTime<Utc>>,
    },
    /// The source's robots.txt does not let refeed fetch this URL (it
    /// disallows the path, or answered 5xx, which RFC 9309 reads as
    /// disallow all).
    #[error("{url} not fetched: {reason}")]
    Disallowed {
        /// The URL that was not fetched.
        url: Url,
        /// Which robots.txt said no, what it said, when it is asked again
        /// and how to stop asking it (`respect_robots = false`).
        reason: String,
    },
    /// The host asked not to be contacted before `until` (an earlier
    /// `Retry-After`), later than refeed is willing to wait.
    #[error("{url} not fetched: its host asked to wait until {}", until.format("%Y-%m-%d %H:%M:%S UTC"))]
    Deferred {
        /// The URL that was not fetched.
        url: Url,
        /// When the host may be asked again.
        until: DateTime<Utc>,
    },
    /// The response is neither a web page nor a feed (an image, a PDF,
    /// JSON...); refused before its body is read.
    #[error("{url} is {content_type}, not a web page or feed")]
    UnsupportedType {
        /// The URL that answered (after redirects).
        url: Url,
        /// The `Content-Type` it declared.
        content_type: String,
    },
    /// The response is labelled as text but its first bytes are binary.
    #[error("{url} is labelled {content_type} but its body is binary")]
    Binary {
        /// The URL that answered (after redirects).
        url: Url,
        /// The `Content-Type` it declared.
        content_type: String,
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
    /// The body could not be read to its end (connection reset, a body
    /// shorter than its Content-Length, corrupt compression).
    #[error("cannot read the body of {url}")]
    Body {
        /// The URL that answered (after redirects).
        url: Url,
        /// What the client reported.
        #[source]
        source: reqwest::Error,
    },
}

/// What [`FetchError::Refused`] says.
#[derive(Debug)]
pub struct Refused {
    /// The URL requested.
    pub url: Url,
    /// The URL refused: `url`, or the redirect hop it led to.
    pub refused: Url,
    /// Where the link came from (a source id), when the caller said.
    pub linked_from: Option<String>,
    /// Why.
    pub reason: Refusal,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let whence = whence(&self.url, &self.refused, self.linked_from.as_deref());
        write!(
            f,
            "refusing to fetch {}{whence}: {}",
            self.refused, self.reason
        )
    }
}

/// Which time limit of a request ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutStage {
    /// No connection was established (`connect_timeout`).
    Connect,
    /// Connected, but no response headers came (`first_byte_timeout`).
    FirstByte,
    /// The response started, then nothing more came for
    /// `first_byte_timeout` (a server hanging after its headers).
    Stalled,
    /// The whole request, body included, took longer than `timeout`.
    Total,
}

impl TimeoutStage {
    /// The message: "connection timed out after 2s (URL)", "URL sent no
    /// response within 2s".
    fn message(self, url: &Url, limit: Duration) -> String {
        match self {
            Self::Connect => format!("connection timed out after {limit:?} ({url})"),
            Self::FirstByte => format!("{url} sent no response within {limit:?}"),
            Self::Stalled => format!("{url} stopped sending for {limit:?}"),
            Self::Total => format!("{url} did not finish within {limit:?}"),
        }
    }
}

/// "connection refused (URL)"; for a cause with no name of its own,
/// "request to URL failed: what the client said".
fn request_failed(url: &Url, cause: &Cause) -> String {
    match cause {
        Cause::Other(detail) => format!("request to {url} failed: {detail}"),
        cause => format!("{cause} ({url})"),
    }
}

/// " (redirected from URL, linked from SOURCE)", the parts that apply.
fn whence(url: &Url, refused: &Url, linked_from: Option<&str>) -> String {
    let mut parts = Vec::new();
    if url != refused {
        parts.push(format!("redirected from {url}"));
    }
    if let Some(source) = linked_from {
        parts.push(format!("linked from {source}"));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(" ({})", parts.join(", "))
}

fn join_chain(chain: &[Url]) -> String {
    let urls: Vec<&str> = chain.iter().map(Url::as_str).collect();
    urls.join(" -> ")
}

/// ", retry after 120s", counted from now (rounded to the nearest second).
fn retry_note(retry_at: Option<DateTime<Utc>>) -> String {
    let Some(at) = retry_at else {
        return String::new();
    };
    let millis = (at - Utc::now()).num_milliseconds().max(0);
    format!(", retry after {}s", (millis + 500) / 1000)
}

impl FetchError {
    /// True when the fetch ran out of time: worth retrying at the next run,
    /// and worth telling apart from an outlet that answers with an error.
    pub fn is_timeout(&self) -> bool {
        match self {
            Self::Timeout { .. } => true,
            Self::Request { cause, .. } | Self::RobotsUnanswered { cause, .. } => {
                cause.is_timeout()
            }
            _ => false,
        }
    }

    /// What went wrong before an HTTP answer, when nothing answered (DNS,
    /// connection, TLS, silence); `None` for an answer refeed refused or
    /// could not use.
    pub fn cause(&self) -> Option<Cause> {
        match self {
            Self::Request { .. } | Self::RobotsUnanswered { .. } | Self::Timeout { .. } => {
                Some(Cause::of_fetch(self))
            }
            _ => None,
        }
    }

    /// The URL the failure is about (`None` only for [`FetchError::Client`] and
    /// [`FetchError::Tls`]).
    pub fn url(&self) -> Option<&Url> {
        match self {
            Self::Client(_) | Self::Tls(_) => None,
            Self::Request { url, .. }
            | Self::Timeout { url, .. }
            | Self::TooManyRedirects { url, .. }
            | Self::RedirectLoop { url, .. }
            | Self::Status { url, .. }
            | Self::Disallowed { url, .. }
            | Self::RobotsUnanswered { url, .. }
            | Self::Deferred { url, .. }
            | Self::UnsupportedType { url, .. }
            | Self::Binary { url, .. }
            | Self::TooLarge { url, .. }
            | Self::Body { url, .. } => Some(url),
            Self::Refused(refused) => Some(&refused.url),
        }
    }

    /// The HTTP status, when the server answered with a non-2xx one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// When the host asked to be contacted again: a 429 or 503 with
    /// `Retry-After`, or a request not sent because of an earlier one.
    /// The scheduler should not retry the source before then.
    pub fn retry_at(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Status { retry_at, .. } => *retry_at,
            Self::Deferred { until, .. } => Some(*until),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
