//! Serving behind a reverse proxy at a path prefix (issue 12, point 8):
//! when `server.base_url` has a path (`https://example.org/news/`), a
//! proxy may pass requests on with the prefix (`/news/feeds/x.rss`) or
//! strip it (`/feeds/x.rss`); both reach the same route. Every link refeed
//! writes is built from `base_url` (see [`feed_url`](super::feed_url)), so
//! readers always see the public address.
//!
//! The prefix is removed before routing, once per request, only when the
//! path is the prefix or starts with it and a `/`: `/newsletter` is not
//! under `/news`. Limit: a prefix that is itself one of refeed's routes
//! (`/feeds`, `/status`) makes paths ambiguous (is `/feeds/x.rss` stripped
//! or not?); the prefix wins.

use axum::Router;
use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;
use tower::ServiceExt;
use url::Url;

/// `router`, reachable also under `base_url`'s path prefix (unchanged when
/// the base URL has none).
pub(super) fn accept_prefix(router: Router, base_url: &Url) -> Router {
    let prefix = base_url.path().trim_end_matches('/').to_owned();
    if prefix.is_empty() {
        return router;
    }
    let prefixed = router.map_request(move |request: Request| strip(request, &prefix));
    Router::new().fallback_service(prefixed)
}

/// The request with `prefix` removed from its path, when it is there.
fn strip(mut request: Request, prefix: &str) -> Request {
    if let Some(uri) = stripped(request.uri(), prefix) {
        *request.uri_mut() = uri;
    }
    request
}

/// `uri` without `prefix` at the start of its path (query kept), or `None`
/// when the path is not under the prefix.
fn stripped(uri: &Uri, prefix: &str) -> Option<Uri> {
    let rest = uri.path().strip_prefix(prefix)?;
    let path = match rest {
        "" => "/",
        rest if rest.starts_with('/') => rest,
        _ => return None,
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;
    use crate::http::test_support::{app, get, refresh, source};

    #[test]
    fn only_paths_under_the_prefix_are_stripped() {
        let uri = |text: &str| text.parse::<Uri>().unwrap();
        let strip = |text: &str| stripped(&uri(text), "/news").map(|u| u.to_string());
        assert_eq!(
            strip("/news/feeds/a.rss?limit=2").as_deref(),
            Some("/feeds/a.rss?limit=2")
        );
        assert_eq!(strip("/news").as_deref(), Some("/"));
        assert_eq!(strip("/news/").as_deref(), Some("/"));
        assert_eq!(strip("/newsletter"), None);
        assert_eq!(strip("/feeds/a.rss"), None);
    }

    #[tokio::test]
    async fn every_route_answers_with_and_without_the_prefix_and_links_use_base_url() {
        let app = app("https://example.org/news/", vec![source("a", None, 5)]).await;
        refresh(&app, "a", None, &[1]).await;
        for path in [
            "/feeds/a.rss",
            "/feeds/a.atom?limit=1",
            "/",
            "/status",
            "/feeds.opml",
            "/healthz",
        ] {
            let (status, _, plain) = get(&app, path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            let prefixed = format!("/news{path}");
            let (status, _, body) = get(&app, &prefixed).await;
            assert_eq!(status, StatusCode::OK, "{prefixed}");
            if path != "/status" {
                assert_eq!(body, plain, "{prefixed}");
            }
        }
        let (status, _, _) = get(&app, "/news").await;
        assert_eq!(status, StatusCode::OK);
        let (_, _, feed) = get(&app, "/news/feeds/a.rss").await;
        assert!(
            feed.contains("https://example.org/news/feeds/a.rss"),
            "{feed}"
        );
        let (_, _, index) = get(&app, "/feeds.opml").await;
        assert!(
            index.contains("https://example.org/news/feeds/a.atom"),
            "{index}"
        );
        let (status, _, _) = get(&app, "/newsletter").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = get(&app, "/news/nothing").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
