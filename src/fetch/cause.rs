//! Why a request got no HTTP answer, in the words a person acts on (issue
//! 12): "cannot resolve HOST", "connection refused", "connection timed out",
//! "TLS handshake failed: ...". The client reports these as a chain of
//! wrappers ("error sending request for url (...)", "client error
//! (Connect)", "tcp connect error", then the OS error); [`Cause::of_request`]
//! walks that chain and keeps what matters, so messages lead with the cause
//! instead of the client's plumbing.
//!
//! It only sorts errors; it does not decide what a failure means for a
//! source (that is `pipeline`) or whether to retry (`schedule`).

use std::error::Error;
use std::fmt;
use std::io::ErrorKind;
use std::time::Duration;

use url::Url;

use super::FetchError;
use super::TimeoutStage;
use super::access::ResolveError;

/// What went wrong before (or instead of) an HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The host name did not resolve (DNS): no such name, or no answer.
    /// Boxed, to keep [`FetchError`] small.
    Resolve(Box<Unresolved>),
    /// Nothing listens at the host's port (TCP RST to the SYN).
    Refused,
    /// No connection was established in time: by `connect_timeout`, or
    /// (`None`) by the operating system's own limit.
    ConnectTimeout(Option<Duration>),
    /// The host or its network cannot be reached (no route).
    NoRoute,
    /// The connection was reset by the host (or a middlebox).
    Reset,
    /// Connected, but the TLS handshake failed: a certificate that is not
    /// valid for the name, an unknown issuer, or no TLS at that port.
    Tls(Box<str>),
    /// Connected, but no response headers came within the limit.
    NoResponse(Duration),
    /// The response started, then stopped for this long.
    Stalled(Duration),
    /// The whole exchange took longer than the total limit.
    TooSlow(Duration),
    /// Anything else, as the innermost error put it.
    Other(Box<str>),
}

/// What [`Cause::Resolve`] knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The name.
    pub host: String,
    /// What the system resolver said ("Name or service not known").
    pub detail: String,
}

impl Cause {
    /// Sorts a failure of the client to get a response for `url`.
    pub fn of_request(err: &reqwest::Error, url: &Url) -> Self {
        let tls = err.is_connect() && url.scheme() == "https";
        of_chain(err, tls)
    }

    /// The cause of a failed request, as far as it says one: for the
    /// robots.txt request, whose failure is reported on the page asked
    /// after it.
    pub fn of_fetch(err: &FetchError) -> Self {
        match err {
            FetchError::Request { cause, .. } | FetchError::RobotsUnanswered { cause, .. } => {
                cause.clone()
            }
            FetchError::Timeout { limit, stage, .. } => match stage {
                TimeoutStage::Connect => Self::ConnectTimeout(Some(*limit)),
                TimeoutStage::FirstByte => Self::NoResponse(*limit),
                TimeoutStage::Stalled => Self::Stalled(*limit),
                TimeoutStage::Total => Self::TooSlow(*limit),
            },
            other => Self::Other(with_root(other).into()),
        }
    }

    /// True when the failure is the host's as a whole, not the one
    /// request's: every other request to it would fail the same way, so a
    /// message about the robots.txt asked first may speak of the page.
    pub fn is_host_level(&self) -> bool {
        matches!(
            self,
            Self::Resolve(_)
                | Self::Refused
                | Self::ConnectTimeout(_)
                | Self::NoRoute
                | Self::Tls(_)
        )
    }

    /// True when a time limit ran out.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Self::ConnectTimeout(_) | Self::NoResponse(_) | Self::Stalled(_) | Self::TooSlow(_)
        )
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resolve(name) => write!(f, "cannot resolve {}: {}", name.host, name.detail),
            Self::Refused => f.write_str("connection refused"),
            Self::ConnectTimeout(Some(limit)) => write!(f, "connection timed out after {limit:?}"),
            Self::ConnectTimeout(None) => f.write_str("connection timed out"),
            Self::NoRoute => f.write_str("no route to the host"),
            Self::Reset => f.write_str("connection reset"),
            Self::Tls(detail) => write!(f, "TLS handshake failed: {detail}"),
            Self::NoResponse(limit) => write!(f, "no response within {limit:?}"),
            Self::Stalled(limit) => write!(f, "stopped sending for {limit:?}"),
            Self::TooSlow(limit) => write!(f, "did not finish within {limit:?}"),
            Self::Other(detail) => f.write_str(detail),
        }
    }
}

/// Sorts an error chain; `tls` says the failure came while connecting to
/// an `https` URL, where anything that is not DNS or TCP is the handshake.
fn of_chain(err: &(dyn Error + 'static), tls: bool) -> Cause {
    let mut root = err;
    let mut next = Some(err);
    while let Some(err) = next {
        if let Some(resolve) = err.downcast_ref::<ResolveError>() {
            return Cause::Resolve(Box::new(Unresolved {
                host: resolve.host.clone(),
                detail: resolver_detail(&resolve.source),
            }));
        }
        if let Some(cause) = io_kinds(err).into_iter().find_map(of_io_kind) {
            return cause;
        }
        root = err;
        next = err.source();
    }
    if tls {
        return Cause::Tls(root.to_string().into());
    }
    Cause::Other(root.to_string().into())
}

/// The kinds of an I/O error in the chain and of the I/O errors it wraps
/// (`io::Error::source` skips a wrapped `io::Error` and shows only its
/// payload, as for TLS errors).
fn io_kinds(err: &(dyn Error + 'static)) -> Vec<ErrorKind> {
    let mut kinds = Vec::new();
    let mut io = err.downcast_ref::<std::io::Error>();
    while let Some(err) = io {
        kinds.push(err.kind());
        io = err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<std::io::Error>());
    }
    kinds
}

/// The cause an OS error kind names, for the kinds that tell one.
fn of_io_kind(kind: ErrorKind) -> Option<Cause> {
    match kind {
        ErrorKind::ConnectionRefused => Some(Cause::Refused),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => Some(Cause::Reset),
        ErrorKind::TimedOut => Some(Cause::ConnectTimeout(None)),
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => Some(Cause::NoRoute),
        _ => None,
    }
}

/// What the resolver said, without the standard library's preamble
/// ("failed to lookup address information: Name or service not known").
fn resolver_detail(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.strip_prefix("failed to lookup address information: ") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// `err`'s message and, when it has causes, the innermost one.
fn with_root(err: &(dyn Error + 'static)) -> String {
    let mut root = None;
    let mut next = err.source();
    while let Some(cause) = next {
        root = Some(cause);
        next = cause.source();
    }
    match root {
        Some(root) => format!("{err}: {root}"),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error wrapping another, as the client's layers do.
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Wrapper(&'static str, #[source] Box<dyn Error + Send + Sync>);

    fn wrapped(inner: impl Error + Send + Sync + 'static) -> Wrapper {
        let connect = Wrapper("tcp connect error", Box::new(inner));
        Wrapper("client error (Connect)", Box::new(connect))
    }

    fn os(kind: ErrorKind) -> std::io::Error {
        std::io::Error::new(kind, "os says no")
    }

    #[test]
    fn a_resolver_failure_anywhere_in_the_chain_names_the_host() {
        let gai = std::io::Error::other(
            "failed to lookup address information: Name or service not known",
        );
        let resolve = ResolveError {
            host: "news.example.invalid".into(),
            source: gai,
        };
        let cause = of_chain(&wrapped(resolve), false);
        assert_eq!(
            cause.to_string(),
            "cannot resolve news.example.invalid: Name or service not known"
        );
        assert!(cause.is_host_level());
        assert!(!cause.is_timeout());
    }

    #[test]
    fn tcp_failures_are_named_by_their_os_error_kind() {
        let cases = [
            (ErrorKind::ConnectionRefused, "connection refused"),
            (ErrorKind::ConnectionReset, "connection reset"),
            (ErrorKind::TimedOut, "connection timed out"),
            (ErrorKind::HostUnreachable, "no route to the host"),
            (ErrorKind::NetworkUnreachable, "no route to the host"),
        ];
        for (kind, expected) in cases {
            // Also over https: a refused TCP connection is no TLS failure.
            assert_eq!(of_chain(&wrapped(os(kind)), true).to_string(), expected);
        }
    }

    #[test]
    fn an_io_error_wrapped_in_an_io_error_is_found() {
        let inner = os(ErrorKind::ConnectionRefused);
        let outer = std::io::Error::other(inner);
        assert_eq!(of_chain(&wrapped(outer), false), Cause::Refused);
    }

    #[test]
    fn an_https_connect_failure_that_is_not_tcp_is_the_tls_handshake() {
        // As tokio-rustls reports it: an io::Error carrying rustls' error.
        let rustls = std::io::Error::new(ErrorKind::InvalidData, "invalid peer certificate");
        let cause = of_chain(&wrapped(std::io::Error::other(rustls)), true);
        assert_eq!(
            cause.to_string(),
            "TLS handshake failed: invalid peer certificate"
        );
        assert!(cause.is_host_level());
        // Over plain http the same chain is just its innermost message.
        let plain = of_chain(&wrapped(os(ErrorKind::InvalidData)), false);
        assert_eq!(plain, Cause::Other("os says no".into()));
        assert!(!plain.is_host_level());
    }

    #[test]
    fn timeouts_of_a_fetch_become_causes() {
        let url = Url::parse("http://news.test/robots.txt").unwrap();
        let limit = Duration::from_secs(2);
        let cases = [
            (TimeoutStage::Connect, "connection timed out after 2s", true),
            (TimeoutStage::FirstByte, "no response within 2s", false),
            (TimeoutStage::Stalled, "stopped sending for 2s", false),
            (TimeoutStage::Total, "did not finish within 2s", false),
        ];
        for (stage, expected, host_level) in cases {
            let err = FetchError::Timeout {
                url: url.clone(),
                limit,
                stage,
            };
            let cause = Cause::of_fetch(&err);
            assert_eq!(cause.to_string(), expected);
            assert!(cause.is_timeout());
            assert_eq!(cause.is_host_level(), host_level, "{stage:?}");
        }
        let status = FetchError::Status {
            url,
            status: 418,
            retry_at: None,
        };
        assert_eq!(
            Cause::of_fetch(&status),
            Cause::Other("http://news.test/robots.txt answered HTTP 418".into())
        );
    }
}
