//! [`Fetcher`]: the shared `reqwest` client with refeed's limits, and the
//! sorting of its failures into [`FetchError`] variants.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use super::{ACCEPT, FetchConfig, FetchError, Page, USER_AGENT, decode};

// `Fetcher::post_form` (WebSub pings) lives beside this file; as a child
// module it reaches the private client.
#[path = "post.rs"]
mod post;

/// The shared HTTP client; cheap to clone (clones share one connection pool).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body_bytes: u64,
    timeout: Duration,
    connect_timeout: Duration,
    max_redirects: usize,
}

impl Fetcher {
    /// Builds the client.
    pub fn new(config: &FetchConfig) -> Result<Self, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
        let client = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .gzip(true)
            .brotli(true)
            .redirect(reqwest::redirect::Policy::limited(config.max_redirects))
            .build()
            .map_err(FetchError::Client)?;
        Ok(Self {
            client,
            max_body_bytes: config.max_body_bytes,
            timeout: config.timeout,
            connect_timeout: config.connect_timeout,
            max_redirects: config.max_redirects,
        })
    }

    /// GETs a URL and returns its decoded body. Redirects are followed;
    /// a non-2xx answer, a timeout or a body over the cap is an error.
    pub async fn get(&self, url: &Url) -> Result<Page, FetchError> {
        let response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|err| self.send_error(url, err))?;
        let final_url = response.url().clone();
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: final_url,
                status: status.as_u16(),
            });
        }
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = self.read_body(&final_url, response).await?;
        Ok(Page {
            body: decode(&bytes, content_type.as_deref()),
            url: final_url,
            content_type,
        })
    }

    /// Reads the body chunk by chunk, refusing it as soon as it passes the cap
    /// (the cap applies after decompression, so a gzip bomb stops early too).
    async fn read_body(
        &self,
        url: &Url,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, FetchError> {
        let limit = self.max_body_bytes;
        let too_large = || FetchError::TooLarge {
            url: url.clone(),
            limit,
        };
        let declared = response.content_length();
        if declared.is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.body_error(url, err))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Sorts a failure to get response headers into its variant.
    fn send_error(&self, url: &Url, err: reqwest::Error) -> FetchError {
        let url = url.clone();
        if err.is_timeout() {
            self.timeout_error(url, &err)
        } else if err.is_redirect() {
            FetchError::TooManyRedirects {
                url,
                limit: self.max_redirects,
                source: err,
            }
        } else {
            FetchError::Request { url, source: err }
        }
    }

    /// Sorts a failure while reading the body into its variant.
    fn body_error(&self, url: &Url, err: reqwest::Error) -> FetchError {
        let url = url.clone();
        if err.is_timeout() {
            self.timeout_error(url, &err)
        } else {
            FetchError::Body { url, source: err }
        }
    }

    fn timeout_error(&self, url: Url, err: &reqwest::Error) -> FetchError {
        let limit = if err.is_connect() {
            self.connect_timeout
        } else {
            self.timeout
        };
        FetchError::Timeout { url, limit }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use tokio::net::TcpListener;

    use super::*;
    use crate::fetch::test_server::{chunked, gzip_stored, header_value, path, response, serve};

    const CAP: u64 = 1024;

    fn config() -> FetchConfig {
        FetchConfig {
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            max_body_bytes: CAP,
            max_redirects: 3,
        }
    }

    fn fetcher() -> Fetcher {
        Fetcher::new(&config()).unwrap()
    }

    #[tokio::test]
    async fn decodes_a_windows_1252_body_named_by_the_header() {
        let base = serve(|_| {
            let headers = ["Content-Type: text/html; charset=windows-1252"];
            response("200 OK", &headers, b"<p>caf\xe9 \x93quoted\x94</p>")
        })
        .await;
        let page = fetcher().get(&base.join("/post").unwrap()).await.unwrap();
        assert_eq!(page.body, "<p>café “quoted”</p>");
        assert_eq!(
            page.content_type.as_deref(),
            Some("text/html; charset=windows-1252")
        );
        assert_eq!(page.url.path(), "/post");
    }

    #[tokio::test]
    async fn not_found_is_a_status_error_naming_the_url() {
        let base = serve(|_| response("404 Not Found", &[], b"gone")).await;
        let url = base.join("/missing").unwrap();
        let err = fetcher().get(&url).await.unwrap_err();
        assert!(
            matches!(&err, FetchError::Status { status: 404, .. }),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.url(), Some(&url));
        assert_eq!(err.to_string(), format!("{url} answered HTTP 404"));
    }

    #[tokio::test]
    async fn chunked_body_over_the_cap_is_refused_while_streaming() {
        let base = serve(|head| chunked(if path(head) == "/big" { 10 } else { 2 })).await;
        let small = fetcher().get(&base.join("/small").unwrap()).await.unwrap();
        assert_eq!(small.body.len(), 800);

        let url = base.join("/big").unwrap();
        let err = fetcher().get(&url).await.unwrap_err();
        assert!(
            matches!(&err, FetchError::TooLarge { limit: CAP, .. }),
            "{err:?}"
        );
        assert_eq!(err.url(), Some(&url));
    }

    #[tokio::test]
    async fn declared_length_over_the_cap_is_refused_before_reading() {
        // Announces 1 MB but sends 5 bytes and hangs up: only a check of the
        // Content-Length header turns this into TooLarge rather than a cut body.
        let base = serve(|_| {
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1000000\r\n\r\nhello".to_vec()
        })
        .await;
        let err = fetcher().get(&base).await.unwrap_err();
        assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    }

    /// `/hop/N` redirects to `/hop/N-1`; `/hop/0` answers 200.
    async fn redirect_chain() -> Url {
        serve(|head| {
            let hops: u32 = path(head).trim_start_matches("/hop/").parse().unwrap_or(0);
            if hops == 0 {
                return response("200 OK", &["Content-Type: text/plain"], b"arrived");
            }
            let location = format!("Location: /hop/{}", hops - 1);
            response("302 Found", &[&location], b"")
        })
        .await
    }

    #[tokio::test]
    async fn redirects_are_followed_and_the_page_has_the_final_url() {
        let base = redirect_chain().await;
        let page = fetcher().get(&base.join("/hop/3").unwrap()).await.unwrap();
        assert_eq!(page.url, base.join("/hop/0").unwrap());
        assert_eq!(page.body, "arrived");
    }

    #[tokio::test]
    async fn more_redirects_than_allowed_is_an_error() {
        let base = redirect_chain().await;
        let url = base.join("/hop/4").unwrap();
        let err = fetcher().get(&url).await.unwrap_err();
        assert!(
            matches!(&err, FetchError::TooManyRedirects { limit: 3, .. }),
            "{err:?}"
        );
        assert_eq!(err.url(), Some(&url));
    }

    #[tokio::test]
    async fn silent_server_times_out_within_the_limit() {
        // Accepts connections and keeps them open without ever answering.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/slow", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let limit = Duration::from_millis(300);
        let fetcher = Fetcher::new(&FetchConfig {
            timeout: limit,
            ..config()
        })
        .unwrap();

        let started = Instant::now();
        let err = fetcher.get(&url).await.unwrap_err();
        let elapsed = started.elapsed();

        assert!(err.is_timeout(), "{err:?}");
        assert!(matches!(&err, FetchError::Timeout { limit: l, .. } if *l == limit));
        assert!(
            elapsed >= limit && elapsed < Duration::from_secs(2),
            "{elapsed:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{url} did not answer within 300ms")
        );
    }

    #[tokio::test]
    async fn refused_connection_is_a_request_error_with_the_cause_as_source() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        drop(listener);
        let err = fetcher().get(&url).await.unwrap_err();
        assert!(matches!(err, FetchError::Request { .. }), "{err:?}");
        assert!(!err.is_timeout());
        assert_eq!(err.to_string(), format!("request to {url} failed"));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[tokio::test]
    async fn sends_the_versioned_user_agent_and_prefers_html_and_feeds() {
        let base = serve(|head| {
            let echo = format!(
                "{}\n{}",
                header_value(head, "user-agent"),
                header_value(head, "accept")
            );
            response("200 OK", &[], echo.as_bytes())
        })
        .await;
        let page = fetcher().get(&base).await.unwrap();
        let (agent, accept) = page.body.split_once('\n').unwrap();
        assert!(agent.starts_with("refeed/"), "{agent}");
        assert_eq!(agent, USER_AGENT);
        assert_eq!(accept, ACCEPT);
        assert!(accept.starts_with("text/html,"));
    }

    #[tokio::test]
    async fn gzip_bodies_are_decompressed_and_the_cap_applies_after() {
        let base = serve(|head| {
            assert!(
                header_value(head, "accept-encoding").contains("gzip"),
                "{head}"
            );
            let size = if path(head) == "/big" { 2000 } else { 1000 };
            let body = gzip_stored(&vec![b'z'; size]);
            response("200 OK", &["Content-Encoding: gzip"], &body)
        })
        .await;
        let page = fetcher().get(&base.join("/ok").unwrap()).await.unwrap();
        assert_eq!(page.body, "z".repeat(1000));
        // 2000 bytes once decompressed, though barely more on the wire.
        let err = fetcher()
            .get(&base.join("/big").unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    }
}
