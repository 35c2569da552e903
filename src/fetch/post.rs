//! [`Fetcher::post_form`]: the one kind of request refeed sends that is not
//! a GET, the WebSub publish ping (issue 4). It goes through the same client
//! as every outlet request (User-Agent, timeouts, the fetch policy: the
//! hub's origin is allowed by config), as `clippy.toml` demands, but
//! neither robots.txt nor the per-host gate:
//! the hub is refeed's own choice, not an outlet. Declared from `client.rs`
//! so it reaches the client's private fields and error sorting.

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use url::Url;

use super::{FetchError, Fetcher};

impl Fetcher {
    /// POSTs `form` as `application/x-www-form-urlencoded`; any 2xx answer
    /// is success, the body is ignored. A non-2xx answer is
    /// [`FetchError::Status`].
    pub async fn post_form(&self, url: &Url, form: &[(&str, &str)]) -> Result<(), FetchError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let content_type = HeaderValue::from_static("application/x-www-form-urlencoded");
        let request = |client: &reqwest::Client, hop: Url| {
            client
                .post(hop)
                .header(CONTENT_TYPE, content_type.clone())
                .body(body.clone())
        };
        // Counted among the requests in flight (it holds a connection),
        // though the hub is no outlet to be gated.
        let _slot = self.sessions.request_slot().await;
        // A hub that redirects is not followed (a POST turned GET would
        // publish nothing): its 3xx is a status error.
        let once = self.within_first_byte(url, self.send_once(url, url, None, request));
        let response = self.within_total(url, once).await?;
        if !response.status().is_success() {
            return Err(self.refusal(response));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;

    use super::*;
    use crate::fetch::FetchConfig;

    type Seen = Arc<Mutex<Vec<(String, String)>>>;

    async fn hub(status: StatusCode) -> (Url, Seen) {
        let seen: Seen = Arc::default();
        let record = seen.clone();
        let app = Router::new().route(
            "/hub",
            post(move |headers: HeaderMap, body: String| async move {
                let kind = headers["content-type"].to_str().unwrap().to_string();
                record.lock().unwrap().push((kind, body));
                status
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (Url::parse(&format!("http://{addr}/hub")).unwrap(), seen)
    }

    /// A fetcher allowing the hub's origin, as config allows
    /// `[server] websub_hub`.
    fn allowing(hub: &Url) -> Fetcher {
        let mut config = FetchConfig::default();
        config.access.allow_origin(hub);
        Fetcher::new(&config).unwrap()
    }

    #[tokio::test]
    async fn post_form_sends_an_encoded_form() {
        let (url, seen) = hub(StatusCode::NO_CONTENT).await;
        let fetcher = allowing(&url);
        let form = [
            ("hub.mode", "publish"),
            ("hub.url", "http://h/feeds/a b.rss?x=1&y"),
        ];
        fetcher.post_form(&url, &form).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [(
                "application/x-www-form-urlencoded".to_string(),
                "hub.mode=publish&hub.url=http%3A%2F%2Fh%2Ffeeds%2Fa+b.rss%3Fx%3D1%26y".to_string()
            )]
        );
    }

    #[tokio::test]
    async fn a_refusing_hub_is_a_status_error() {
        let (url, _) = hub(StatusCode::SERVICE_UNAVAILABLE).await;
        let fetcher = allowing(&url);
        let err = fetcher.post_form(&url, &[("a", "b")]).await.unwrap_err();
        assert!(
            matches!(err, FetchError::Status { status: 503, .. }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_ping_to_a_loopback_hub_not_configured_is_refused() {
        let (url, seen) = hub(StatusCode::NO_CONTENT).await;
        let fetcher = Fetcher::new(&FetchConfig::default()).unwrap();
        let err = fetcher.post_form(&url, &[("a", "b")]).await.unwrap_err();
        assert!(matches!(err, FetchError::Refused(_)), "{err:?}");
        assert!(err.to_string().contains("is a loopback address"), "{err}");
        assert!(seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_redirecting_hub_is_not_followed() {
        let (target, seen) = hub(StatusCode::NO_CONTENT).await;
        let location = format!("Location: {target}");
        let base = crate::fetch::test_server::serve(move |_| {
            crate::fetch::test_server::response("307 Temporary Redirect", &[&location], b"")
        })
        .await;
        let err = allowing(&base)
            .post_form(&base, &[("a", "b")])
            .await
            .unwrap_err();
        assert!(
            matches!(err, FetchError::Status { status: 307, .. }),
            "{err:?}"
        );
        assert!(seen.lock().unwrap().is_empty());
    }
}
