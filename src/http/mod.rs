//! Serves the feeds, the OPML subscription list, the index page and the
//! health check over HTTP (axum). Reads only from `store` and renders with
//! `feed`; never fetches.
//!
//! Routes: `GET /feeds/{id}.rss|.atom|.json` (and `all.*`, every source
//! combined), `GET /feeds.opml`, `GET /` (the index page), `GET /status` and
//! `GET /status.json` (each source's health, issue 5), `GET /status/{id}`
//! (one source's health and refresh history), `GET /feed.xsl` (the
//! stylesheet that shows RSS and Atom feeds as a page in a browser),
//! `GET /healthz` (liveness), `GET /readyz` (readiness) and `GET /metrics`
//! (Prometheus; both in `ops`, issue 12).
//! `HEAD` is answered on each, and each also under `server.base_url`'s path
//! prefix (`prefix`). A feed id no source has answers 301 when renamed and
//! 410 when removed from the config (`lifecycle`, issue 12).
//!
//! Feeds are served like static files (issue 4): each is rendered and
//! compressed once per change into [`FeedCache`], which the store's change
//! notifications invalidate; a request is a memory read plus conditional-GET
//! and `Accept-Encoding` handling (`conditional`). `?limit`, `?q` and `?since`
//! filter the cached items (`query`); the filtered documents are compressed
//! fast, in the one encoding asked for, and kept in a cache bounded in bytes
//! (`filtered`, issue 9).
//!
//! The server (`server`) is hyper's HTTP/1.1 with an accept loop of its own:
//! header-read and idle timeouts and a connection limit under the
//! descriptor limit, so slow or idle clients cannot lock readers out
//! (issue 9).

mod cache;
mod conditional;
mod error;
mod feeds;
mod filtered;
#[cfg(test)]
mod filtered_tests;
mod index;
mod layout;
mod lifecycle;
mod live;
mod lru;
#[cfg(test)]
mod notice_tests;
mod opml;
mod ops;
mod prefix;
mod query;
mod rendered;
mod server;
#[cfg(test)]
mod serving_tests;
mod snapshot;
mod source_page;
mod stale;
mod state;
pub mod status;
mod status_page;
#[cfg(test)]
mod status_tests;
mod stylesheet;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use url::Url;

use crate::model::SourceMeta;

pub use cache::{CacheStats, DEFAULT_CACHE_BYTES, FeedCache};
pub use feeds::{ALL_FEED_ID, ALL_FEED_MAX_ITEMS, all_feed_limit, render_feed};
pub use filtered::FILTERED_CACHE_BYTES;
pub use live::{ReloadBoard, ReloadFailure, SourceList};
pub use opml::opml_document;
pub use server::{
    ConnectionLimits, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    DESCRIPTOR_RESERVE, LISTEN_BACKLOG, OWN_DESCRIPTORS, bind, serve, serve_with,
};
pub use state::{AppState, NextRunLookup, SchedulerCheck};

/// The feed formats served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    /// RSS 2.0 (`.rss`).
    Rss,
    /// Atom 1.0 (`.atom`).
    Atom,
    /// JSON Feed 1.1 (`.json`).
    Json,
}

impl FeedFormat {
    /// Every format, in the order the index page and the OPML list them.
    pub const ALL: [FeedFormat; 3] = [FeedFormat::Rss, FeedFormat::Atom, FeedFormat::Json];

    /// The file extension in feed URLs, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            FeedFormat::Rss => "rss",
            FeedFormat::Atom => "atom",
            FeedFormat::Json => "json",
        }
    }

    /// The format a feed URL's extension names, if any.
    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == extension)
    }

    /// The media type, without parameters (also used for `type=` attributes).
    pub fn media_type(self) -> &'static str {
        match self {
            FeedFormat::Rss => "application/rss+xml",
            FeedFormat::Atom => "application/atom+xml",
            FeedFormat::Json => "application/feed+json",
        }
    }

    /// Human name for links and titles.
    pub fn label(self) -> &'static str {
        match self {
            FeedFormat::Rss => "RSS",
            FeedFormat::Atom => "Atom",
            FeedFormat::Json => "JSON Feed",
        }
    }
}

/// The absolute URL of the feed `id` (a source id or [`ALL_FEED_ID`]).
///
/// `base_url` may carry a path prefix when refeed sits behind a reverse proxy
/// (`http://host/refeed`, with or without the trailing slash): the feed path
/// is appended to it, never resolved against the host root as `Url::join`
/// would do for a prefix without a trailing slash.
pub fn feed_url(base_url: &Url, id: &str, format: FeedFormat) -> String {
    let file = format!("{id}.{}", format.extension());
    under_base(base_url, &["feeds", &file])
}

/// The absolute URL of the status page (`/status`), under `base_url`'s path
/// prefix like [`feed_url`].
pub fn status_url(base_url: &Url) -> String {
    under_base(base_url, &["status"])
}

/// The absolute URL of one source's status page (`/status/{id}`).
pub fn source_status_url(base_url: &Url, id: &str) -> String {
    under_base(base_url, &["status", id])
}

/// The absolute URL of the OPML subscription list (`/feeds.opml`).
pub fn opml_url(base_url: &Url) -> String {
    under_base(base_url, &["feeds.opml"])
}

/// `base_url` (query and fragment dropped) with `path` appended to its path.
fn under_base(base_url: &Url, path: &[&str]) -> String {
    let mut url = base_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    // `Err` only for cannot-be-a-base URLs, which config validation refuses.
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend(path);
    }
    url.into()
}

/// A source's title: the configured one, else the title scraped from its
/// page or feed, else its id.
fn source_title(source: &SourceMeta, scraped: &HashMap<String, String>) -> String {
    source
        .title
        .clone()
        .or_else(|| scraped.get(&source.id).cloned())
        .unwrap_or_else(|| source.id.clone())
}

/// Builds the router (tests drive it with `oneshot`).
pub fn router(state: AppState) -> Router {
    let base_url = state.base_url.clone();
    let traced = Router::new()
        // Feeds are compressed once per change by the cache, not here; the
        // index page is rendered per request and compressed on the fly.
        .route("/", get(index::handler).layer(CompressionLayer::new()))
        .route(
            "/status",
            get(status_page::html).layer(CompressionLayer::new()),
        )
        .route(
            "/status/{id}",
            get(source_page::handler).layer(CompressionLayer::new()),
        )
        .route(
            "/feed.xsl",
            get(stylesheet::handler).layer(CompressionLayer::new()),
        )
        .route(
            "/status.json",
            get(status_page::json).layer(CompressionLayer::new()),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/feeds.opml", get(opml::handler))
        .fallback(not_found)
        .layer(TraceLayer::new_for_http());
    let routes = Router::new()
        // The feed route is the hot path (issue 4: static-file speed): no
        // per-request span; its failures are still logged by `HttpError`.
        .route("/feeds/{file}", get(ops::counted_feed))
        .merge(traced)
        // Handlers get an `Arc`: extracting `State` clones it per request,
        // and `AppState` holds URLs (strings).
        .with_state(Arc::new(state));
    // Behind a proxy, with or without the path prefix stripped (issue 12).
    prefix::accept_prefix(routes, &base_url)
}

async fn healthz() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/plain; charset=utf-8")], "ok")
}

async fn not_found() -> error::HttpError {
    error::HttpError::NotFound("not found".into())
}

#[cfg(test)]
pub(crate) mod test_support {
    //! A router over a real store in a temporary folder, and request helpers.
    use axum::body::to_bytes;
    use axum::http::{HeaderMap, Request, StatusCode};
    use chrono::{TimeZone, Utc};
    use tempfile::TempDir;
    use tower::ServiceExt;

    use super::*;
    use crate::model::NewItem;
    use crate::store::Store;

    /// State over a fresh database; the folder lives as long as this.
    pub struct TestApp {
        pub state: AppState,
        _dir: std::sync::Arc<TempDir>,
    }

    impl TestApp {
        /// The same database and sources with another cache.
        pub fn with_state(app: &TestApp, cache: FeedCache) -> TestApp {
            let state = AppState {
                cache: Arc::new(cache),
                ..app.state.clone()
            };
            TestApp {
                state,
                _dir: app._dir.clone(),
            }
        }
    }

    pub async fn app(base_url: &str, sources: Vec<SourceMeta>) -> TestApp {
        let dir = TempDir::new().unwrap();
        let store = Store::open(&dir.path().join("refeed.db")).await.unwrap();
        let state = AppState::new(store, sources, Url::parse(base_url).unwrap(), None);
        TestApp {
            state,
            _dir: std::sync::Arc::new(dir),
        }
    }

    pub fn source(id: &str, title: Option<&str>, max_items: usize) -> SourceMeta {
        SourceMeta {
            id: id.into(),
            title: title.map(Into::into),
            url: Url::parse(&format!("https://{id}.example/news/")).unwrap(),
            max_items,
            refresh_interval: std::time::Duration::from_secs(15 * 60),
        }
    }

    /// Item `n` of `source`, published on May `n`, 2024.
    pub fn new_item(source: &str, n: u32) -> NewItem {
        let url = format!("https://{source}.example/post-{n}/");
        NewItem {
            link: format!("{url}?utm_source=rss"),
            url,
            title: format!("{source} item {n}"),
            summary: Some(format!("<p>Summary {n}</p>")),
            content: Some(format!("<p>Article {n}</p>")),
            author: Some("Ann".into()),
            published: Some(Utc.with_ymd_and_hms(2024, 5, n, 10, 0, 0).unwrap()),
            modified: None,
            canonical: None,
            image: None,
        }
    }

    /// Stores a successful refresh of `source` holding items `ns`.
    pub async fn refresh(app: &TestApp, source: &str, page_title: Option<&str>, ns: &[u32]) {
        let items: Vec<NewItem> = ns.iter().map(|&n| new_item(source, n)).collect();
        let started = Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap();
        let store = &app.state.store;
        store
            .commit_refresh(source, page_title, &items, started)
            .await
            .unwrap();
    }

    /// `GET uri` through the router: status, headers, body.
    pub async fn get(app: &TestApp, uri: &str) -> (StatusCode, HeaderMap, String) {
        let (status, headers, body) = send(app, Request::get(uri)).await;
        (status, headers, String::from_utf8(body).unwrap())
    }

    /// Sends a request (built up by the caller) through the router: status,
    /// headers and the raw body bytes.
    pub async fn send(
        app: &TestApp,
        request: axum::http::request::Builder,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let request = request.body(axum::body::Body::empty()).unwrap();
        let response = router(app.state.clone()).oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, usize::MAX).await.unwrap();
        (parts.status, parts.headers, body.to_vec())
    }

    /// The `Content-Type` header.
    pub fn content_type(headers: &HeaderMap) -> &str {
        headers[CONTENT_TYPE].to_str().unwrap()
    }
}

#[cfg(test)]
mod tests;
