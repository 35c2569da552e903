//! [`Fetcher`]: the shared `reqwest` client with refeed's limits, and the
//! steps of one polite fetch (robots.txt, per-host gate, conditional
//! request, time limits). Time limits and error sorting are in `limits.rs`,
//! reading a response in `response.rs` and `body.rs`, robots.txt and the per-host gate in
//! `polite.rs`, POST in `post.rs`, the fetch policy and redirect hops in
//! `guard.rs`.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{RequestBuilder, StatusCode};
use url::Url;

use super::access::{Access, CheckedResolver};
use super::hosts::Hosts;
use super::robots::RobotsCache;
use super::sessions::Sessions;
use super::{
    ACCEPT, FetchConfig, FetchError, FetchOptions, Fetched, Page, ROBOTS_MAX_AGE, USER_AGENT,
};
use crate::model::Validators;

// These add to `Fetcher`; as child modules they reach its private fields.
#[path = "body.rs"]
mod body;
#[path = "guard.rs"]
mod guard;
#[path = "limits.rs"]
mod limits;
#[path = "polite.rs"]
mod polite;
#[path = "post.rs"]
mod post;
#[path = "response.rs"]
mod response;

/// The product token robots.txt groups are matched against (RFC 9309 §2.2.1:
/// the name part of the User-Agent).
const ROBOTS_AGENT: &str = "refeed";

/// The shared HTTP client; cheap to clone (clones share the connection
/// pools, the per-host gates and the robots.txt cache).
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// One small client per origin in use (see `sessions`), of two kinds:
    /// for everything but the configured origins, one whose resolver
    /// refuses what the fetch policy refuses (see `access`); for the
    /// configured origins (sources, hub, command line), one that connects
    /// whatever their host names resolve to.
    pub(super) sessions: Sessions,
    /// The policy requests are routed by; a config reload may add the
    /// origins of new sources ([`Fetcher::trust_origins`]).
    access: Arc<RwLock<Arc<Access>>>,
    hosts: Hosts,
    robots: RobotsCache,
    limits: Limits,
}

/// The limits of [`FetchConfig`] that the client enforces itself.
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_body_bytes: u64,
    timeout: Duration,
    connect_timeout: Duration,
    first_byte_timeout: Duration,
    max_redirects: usize,
}

impl Fetcher {
    /// Builds the client.
    pub fn new(config: &FetchConfig) -> Result<Self, FetchError> {
        let access = Arc::new(config.access.clone());
        let resolver = CheckedResolver::new(Arc::clone(&access));
        Ok(Self {
            sessions: Sessions::new(config, resolver)?,
            access: Arc::new(RwLock::new(access)),
            hosts: Hosts::new(config.per_host_concurrency, config.per_host_delay),
            robots: RobotsCache::new(ROBOTS_AGENT, ROBOTS_MAX_AGE),
            limits: Limits {
                max_body_bytes: config.max_body_bytes,
                timeout: config.timeout,
                connect_timeout: config.connect_timeout,
                first_byte_timeout: config.first_byte_timeout,
                max_redirects: config.max_redirects,
            },
        })
    }

    /// The routing policy in force (a snapshot: kept across awaits).
    pub(super) fn access(&self) -> Arc<Access> {
        let access = self.access.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&access)
    }

    /// Trusts the origins of `urls` from now on, as the config trusts its
    /// sources' (issue 12: a source added by a config reload may be on a
    /// private address). The resolver's `allow_hosts` stay as at start.
    pub fn trust_origins<'a>(&self, urls: impl IntoIterator<Item = &'a Url>) {
        let mut access = self.access.write().unwrap_or_else(PoisonError::into_inner);
        let mut updated = Access::clone(&access);
        urls.into_iter().for_each(|url| updated.allow_origin(url));
        *access = Arc::new(updated);
    }

    /// GETs a URL politely (robots.txt respected, per-host gate) and returns
    /// its decoded body. Redirects are followed; a non-2xx answer, a
    /// timeout, a body over the cap or one that is no page or feed is an
    /// error.
    pub async fn get(&self, url: &Url) -> Result<Page, FetchError> {
        match self.fetch(url, &FetchOptions::default()).await? {
            Fetched::Page(page) => Ok(page),
            // Without validators no server should answer 304; if one does,
            // there is no page to return.
            Fetched::NotModified => Err(FetchError::Status {
                url: url.clone(),
                status: StatusCode::NOT_MODIFIED.as_u16(),
                retry_at: None,
            }),
        }
    }

    /// Fetches `url` politely and, when `options` carries validators,
    /// conditionally: robots.txt first (unless `ignore_robots`), then a slot
    /// at the host (waiting does not count against the timeouts), then the
    /// request, held to the connect, first-byte and total limits.
    pub async fn fetch(&self, url: &Url, options: &FetchOptions) -> Result<Fetched, FetchError> {
        let from = options.linked_from.as_deref();
        // Before robots.txt, so a refused link is named as such.
        self.client_for(url, url, from).await?;
        if !options.ignore_robots {
            self.check_robots(url, from).await?;
        }
        let _permit = self.enter(url).await?;
        let validators = options.validators.as_ref().filter(|v| !v.is_empty());
        let request = |client: &reqwest::Client, hop: Url| conditional(client.get(hop), validators);
        self.within_total(url, async {
            let response = self.send(url, from, request).await;
            count_sent(&response);
            let response = response?;
            if response.status() == StatusCode::NOT_MODIFIED && validators.is_some() {
                return Ok(Fetched::NotModified);
            }
            if !response.status().is_success() {
                return Err(self.deferring(url, self.refusal(response)));
            }
            self.read_page(response).await.map(Fetched::Page)
        })
        .await
    }
}

/// Counts a request (a page, feed, article or robots.txt) by the status of
/// its final answer (no answer, such as a refused connection or a timeout,
/// is an `error`). A refusal before any request (the fetch policy, a
/// deferred host) is no request.
fn count_sent(response: &Result<reqwest::Response, FetchError>) {
    match response {
        Ok(response) => crate::metrics::fetched(Some(response.status().as_u16())),
        Err(FetchError::Refused(_) | FetchError::Deferred { .. }) => {}
        Err(err) => crate::metrics::fetched(err.status()),
    }
}

/// A client builder with refeed's headers and limits.
pub(super) fn builder(config: &FetchConfig) -> reqwest::ClientBuilder {
    let mut headers = HeaderMap::new();
    headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
    // No total `timeout` here: it would also count the wait for the
    // per-host gate; `fetch` times the request itself.
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .default_headers(headers)
        .connect_timeout(config.connect_timeout)
        // Each read, so a server that stops sending mid-body is caught
        // long before the total limit.
        .read_timeout(config.first_byte_timeout)
        .gzip(true)
        .brotli(true)
        // Redirects are followed by `guard.rs`, which checks every hop.
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would connect for us, past the checked resolver.
        .no_proxy()
}

/// Adds `If-None-Match` / `If-Modified-Since` from the stored validators.
fn conditional(request: RequestBuilder, validators: Option<&Validators>) -> RequestBuilder {
    let Some(validators) = validators else {
        return request;
    };
    let mut request = request;
    if let Some(etag) = &validators.etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(date) = &validators.last_modified {
        request = request.header(header::IF_MODIFIED_SINCE, date);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::test_server::{
        Log, fetch_page, header_value, path, response, serve, test_fetcher,
    };

    #[tokio::test]
    async fn get_decodes_a_windows_1252_body_named_by_the_header() {
        let base = serve(|head| match path(head) {
            "/robots.txt" => response("404 Not Found", &[], b""),
            _ => {
                let headers = ["Content-Type: text/html; charset=windows-1252"];
                response("200 OK", &headers, b"<p>caf\xe9 \x93quoted\x94</p>")
            }
        })
        .await;
        let page = test_fetcher()
            .get(&base.join("/post").unwrap())
            .await
            .unwrap();
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
        let err = test_fetcher().get(&url).await.unwrap_err();
        assert!(
            matches!(
                &err,
                FetchError::Status {
                    status: 404,
                    retry_at: None,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(404));
        assert_eq!(err.url(), Some(&url));
        assert_eq!(err.to_string(), format!("{url} answered HTTP 404"));
    }

    #[tokio::test]
    async fn conditional_request_sends_the_validators_and_304_is_not_modified() {
        let log = Log::default();
        let seen = log.clone();
        let base = serve(move |head| {
            seen.record(head);
            if header_value(head, "if-none-match") == "\"v1\"" {
                return response("304 Not Modified", &["ETag: \"v1\""], b"");
            }
            let headers = [
                "ETag: \"v1\"",
                "Last-Modified: Tue, 24 Nov 2026 06:00:00 GMT",
            ];
            response("200 OK", &headers, b"<rss/>")
        })
        .await;
        let fetcher = test_fetcher();
        let first = fetch_page(&fetcher, &base).await.unwrap();
        let validators = first.validators.clone();
        assert_eq!(validators.etag.as_deref(), Some("\"v1\""));
        assert_eq!(
            validators.last_modified.as_deref(),
            Some("Tue, 24 Nov 2026 06:00:00 GMT")
        );

        let options = FetchOptions {
            validators: Some(validators),
            ignore_robots: true,
            ..FetchOptions::default()
        };
        let second = fetcher.fetch(&base, &options).await.unwrap();
        assert!(matches!(second, Fetched::NotModified), "{second:?}");
        let heads = log.heads("/");
        assert_eq!(header_value(&heads[0], "if-none-match"), "");
        assert_eq!(header_value(&heads[1], "if-none-match"), "\"v1\"");
        assert_eq!(
            header_value(&heads[1], "if-modified-since"),
            "Tue, 24 Nov 2026 06:00:00 GMT"
        );
    }

    #[tokio::test]
    async fn a_304_to_a_request_without_validators_is_an_error() {
        let base = serve(|_| response("304 Not Modified", &[], b"")).await;
        let err = fetch_page(&test_fetcher(), &base).await.unwrap_err();
        assert_eq!(err.status(), Some(304), "{err:?}");
        let err = test_fetcher().get(&base).await.unwrap_err();
        assert_eq!(err.status(), Some(304), "{err:?}");
    }

    #[tokio::test]
    async fn sends_the_versioned_user_agent_and_prefers_html_and_feeds() {
        let base = serve(|head| {
            let echo = format!(
                "{}\n{}",
                header_value(head, "user-agent"),
                header_value(head, "accept")
            );
            response("200 OK", &["Content-Type: text/plain"], echo.as_bytes())
        })
        .await;
        let page = fetch_page(&test_fetcher(), &base).await.unwrap();
        let (agent, accept) = page.body.split_once('\n').unwrap();
        assert!(agent.starts_with("refeed/"), "{agent}");
        assert_eq!(agent, USER_AGENT);
        assert_eq!(accept, ACCEPT);
        assert!(accept.starts_with("text/html,"));
    }

    #[test]
    fn fetcher_is_clone_and_shares_its_gates() {
        fn is_clone<T: Clone + Send + Sync>() {}
        is_clone::<Fetcher>();
    }
}
