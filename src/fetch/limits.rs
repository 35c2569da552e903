//! The time limits of a request and the sorting of the client's failures
//! into [`FetchError`] variants: connect (`reqwest`'s connect timeout),
//! first byte (from sending to the response headers), stalled (no byte for
//! the first-byte limit once the body has started: `reqwest`'s read
//! timeout) and total (everything after the per-host gate, body included).

use std::time::Duration;

use reqwest::RequestBuilder;
use url::Url;

use super::Fetcher;
use crate::fetch::{Cause, FetchError, TimeoutStage};

impl Fetcher {
    /// Runs `exchange` under the total time limit.
    pub(super) async fn within_total<T>(
        &self,
        url: &Url,
        exchange: impl Future<Output = Result<T, FetchError>>,
    ) -> Result<T, FetchError> {
        let limit = self.limits.timeout;
        tokio::time::timeout(limit, exchange)
            .await
            .unwrap_or_else(|_| Err(timeout(url, limit, TimeoutStage::Total)))
    }

    /// Sends what `build` makes of `url` (`from` names where the link came
    /// from), following redirects, and waits for the final response
    /// headers, at most `first_byte_timeout` in all.
    pub(super) async fn send(
        &self,
        url: &Url,
        from: Option<&str>,
        build: impl Fn(&reqwest::Client, Url) -> RequestBuilder,
    ) -> Result<reqwest::Response, FetchError> {
        self.within_first_byte(url, self.follow(url, from, build))
            .await
    }

    /// Runs `exchange` (up to the response headers) under the first-byte
    /// limit.
    pub(super) async fn within_first_byte<T>(
        &self,
        url: &Url,
        exchange: impl Future<Output = Result<T, FetchError>>,
    ) -> Result<T, FetchError> {
        let limit = self.limits.first_byte_timeout;
        tokio::time::timeout(limit, exchange)
            .await
            .unwrap_or_else(|_| Err(timeout(url, limit, TimeoutStage::FirstByte)))
    }

    /// Sorts a failure to get response headers into its variant.
    pub(super) fn send_error(&self, url: &Url, err: reqwest::Error) -> FetchError {
        let url = url.clone();
        if err.is_timeout() && err.is_connect() {
            timeout(&url, self.limits.connect_timeout, TimeoutStage::Connect)
        } else if err.is_timeout() {
            // The read timeout, while waiting for the headers.
            timeout(
                &url,
                self.limits.first_byte_timeout,
                TimeoutStage::FirstByte,
            )
        } else {
            // The client's chain of wrappers helps only whoever debugs the
            // sorting; the message keeps the cause.
            tracing::debug!(url = %url, error = ?err, "request failed");
            FetchError::Request {
                cause: Cause::of_request(&err, &url),
                url,
            }
        }
    }

    /// Sorts a failure while reading the body into its variant.
    pub(super) fn body_error(&self, url: &Url, err: reqwest::Error) -> FetchError {
        if err.is_timeout() {
            timeout(url, self.limits.first_byte_timeout, TimeoutStage::Stalled)
        } else {
            FetchError::Body {
                url: url.clone(),
                source: err,
            }
        }
    }
}

fn timeout(url: &Url, limit: Duration, stage: TimeoutStage) -> FetchError {
    FetchError::Timeout {
        url: url.clone(),
        limit,
        stage,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::net::TcpListener;

    use super::*;
    use crate::fetch::test_server::{
        Step, fetch_page, fetcher_with, head_only, serve_steps, test_fetcher,
    };

    /// A server that accepts connections and never answers.
    async fn silent_server() -> Url {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/slow", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        url
    }

    #[tokio::test]
    async fn silent_server_hits_the_first_byte_timeout() {
        let url = silent_server().await;
        let limit = Duration::from_millis(300);
        let fetcher = fetcher_with(|c| c.first_byte_timeout = limit);

        let started = Instant::now();
        let err = fetch_page(&fetcher, &url).await.unwrap_err();
        let elapsed = started.elapsed();

        assert!(err.is_timeout(), "{err:?}");
        assert!(matches!(
            &err,
            FetchError::Timeout { limit: l, stage: TimeoutStage::FirstByte, .. } if *l == limit
        ));
        assert!(
            elapsed >= limit && elapsed < Duration::from_secs(2),
            "{elapsed:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{url} sent no response within 300ms")
        );
    }

    #[tokio::test]
    async fn full_accept_queue_hits_the_connect_timeout() {
        // A listener that never accepts, its backlog filled: the kernel
        // drops further SYNs, so connecting hangs as with a dead host.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(1).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut fillers = Vec::new();
        for _ in 0..4 {
            let connect = tokio::net::TcpStream::connect(addr);
            if let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_millis(100), connect).await
            {
                fillers.push(stream);
            }
        }
        let url = Url::parse(&format!("http://{addr}/")).unwrap();
        let limit = Duration::from_millis(300);
        let fetcher = fetcher_with(|c| c.connect_timeout = limit);
        let started = Instant::now();
        let err = fetch_page(&fetcher, &url).await.unwrap_err();
        assert!(
            matches!(
                &err,
                FetchError::Timeout {
                    stage: TimeoutStage::Connect,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            err.to_string(),
            format!("connection timed out after 300ms ({url})")
        );
        drop(listener);
    }

    #[tokio::test]
    async fn drip_feeding_server_hits_the_total_timeout() {
        // One byte every 200 ms: each read succeeds in time, so only the
        // total limit can end it.
        let base = serve_steps(|_| {
            vec![
                Step::Send(head_only("200 OK", &["Content-Type: text/html"])),
                Step::Drip {
                    chunk: b"<".to_vec(),
                    every: Duration::from_millis(200),
                    times: 100,
                },
            ]
        })
        .await;
        let total = Duration::from_millis(1000);
        let fetcher = fetcher_with(|c| {
            c.timeout = total;
            c.first_byte_timeout = Duration::from_millis(500);
        });
        let started = Instant::now();
        let err = fetch_page(&fetcher, &base).await.unwrap_err();
        let elapsed = started.elapsed();
        assert!(
            matches!(&err, FetchError::Timeout { stage: TimeoutStage::Total, limit, .. } if *limit == total),
            "{err:?}"
        );
        assert!(
            elapsed >= total && elapsed < Duration::from_secs(3),
            "{elapsed:?}"
        );
        assert_eq!(err.to_string(), format!("{base} did not finish within 1s"));
    }

    #[tokio::test]
    async fn server_hanging_after_its_headers_is_stalled() {
        let base = serve_steps(|_| {
            let head = head_only(
                "200 OK",
                &["Content-Type: text/html", "Content-Length: 500"],
            );
            vec![
                Step::Send(head),
                Step::Send(b"<p>half".to_vec()),
                Step::Hang,
            ]
        })
        .await;
        let limit = Duration::from_millis(300);
        let fetcher = fetcher_with(|c| c.first_byte_timeout = limit);
        let started = Instant::now();
        let err = fetch_page(&fetcher, &base).await.unwrap_err();
        assert!(
            matches!(
                &err,
                FetchError::Timeout {
                    stage: TimeoutStage::Stalled,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(err.to_string(), format!("{base} stopped sending for 300ms"));
    }

    #[tokio::test]
    async fn waiting_at_the_host_gate_does_not_count_against_the_timeout() {
        // Each answer takes ~600 ms; the second request waits ~600 ms for
        // the host's only slot, then has its own full second.
        let base = serve_steps(|_| {
            vec![
                Step::Send(head_only("200 OK", &["Content-Type: text/plain"])),
                Step::Drip {
                    chunk: b"x".to_vec(),
                    every: Duration::from_millis(100),
                    times: 6,
                },
            ]
        })
        .await;
        let fetcher = fetcher_with(|c| c.timeout = Duration::from_millis(1000));
        let (a, b) = tokio::join!(fetch_page(&fetcher, &base), fetch_page(&fetcher, &base));
        assert_eq!(a.unwrap().body, "xxxxxx");
        assert_eq!(b.unwrap().body, "xxxxxx");
    }

    #[tokio::test]
    async fn refused_connection_is_a_request_error_with_the_cause_as_source() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        drop(listener);
        let err = fetch_page(&test_fetcher(), &url).await.unwrap_err();
        assert!(
            matches!(
                err,
                FetchError::Request {
                    cause: Cause::Refused,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.is_timeout());
        assert_eq!(err.to_string(), format!("connection refused ({url})"));
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_says_cannot_resolve_it() {
        // `.invalid` never resolves (RFC 6761): no network needed. Both
        // clients: the checked one (any link) and the trusted one (a
        // configured origin).
        let url = Url::parse("http://news.example.invalid/feed").unwrap();
        let checked = test_fetcher();
        let trusted = fetcher_with(|c| c.access.allow_origin(&url));
        for fetcher in [checked, trusted] {
            let err = fetch_page(&fetcher, &url).await.unwrap_err();
            let message = err.to_string();
            assert!(
                message.starts_with("cannot resolve news.example.invalid: "),
                "{message}"
            );
            assert!(message.ends_with(" (http://news.example.invalid/feed)"));
            assert!(matches!(err.cause(), Some(Cause::Resolve(_))));
        }
    }

    #[tokio::test]
    async fn an_https_url_at_a_plain_http_server_is_a_tls_failure() {
        // The server answers in plain HTTP at once, where rustls expects a
        // ServerHello.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                use tokio::io::AsyncWriteExt;
                let _ = socket.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
        let url = Url::parse(&format!("https://{addr}/feed")).unwrap();
        let err = fetch_page(&test_fetcher(), &url).await.unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("TLS handshake failed: ") && message.ends_with(&format!("({url})")),
            "{message}"
        );
        assert!(matches!(err.cause(), Some(Cause::Tls(_))));
    }

    #[tokio::test]
    async fn a_reset_connection_says_so() {
        let base = serve_steps(|_| vec![Step::Reset]).await;
        let err = fetch_page(&test_fetcher(), &base).await.unwrap_err();
        assert_eq!(err.cause(), Some(Cause::Reset), "{err:?}");
        assert_eq!(err.to_string(), format!("connection reset ({base})"));
    }
}
