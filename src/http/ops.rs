//! The operator's endpoints (issue 12): `GET /readyz` (the database
//! answers and the scheduler loop is alive: 200, else 503 with the reason)
//! and `GET /metrics` (Prometheus text format, from the global recorder
//! `crate::metrics` keeps). `/healthz` stays plain liveness (the process
//! answers HTTP).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::{AppState, FeedFormat, feeds};
use crate::model::HealthTally;

/// How long `/readyz` waits for the database: a load balancer's check
/// expects an answer within seconds.
pub const READY_DB_TIMEOUT: Duration = Duration::from_secs(2);

/// The Prometheus text exposition format's media type.
const METRICS_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const TEXT: &str = "text/plain; charset=utf-8";

/// `GET /readyz`: `ready` (200), or `not ready: REASON; REASON` (503).
pub(super) async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let reasons: Vec<String> = [
        state.store.answers(READY_DB_TIMEOUT).await,
        (state.scheduler_alive)(),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    if reasons.is_empty() {
        return (StatusCode::OK, [(CONTENT_TYPE, TEXT)], "ready\n").into_response();
    }
    let body = format!("not ready: {}\n", reasons.join("; "));
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(CONTENT_TYPE, TEXT)],
        body,
    )
        .into_response()
}

/// `GET /metrics`: the sources' gauges are set from the store's health
/// (one query per scrape), then everything is rendered. 404 in a process
/// without a recorder (only `refeed run` installs one).
pub(super) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    match state.store.source_health().await {
        Ok(health) => {
            let sources = state.sources.load();
            let tally = HealthTally::of(sources.iter().map(|s| s.id.as_str()), &health);
            crate::metrics::sources(tally.sources, tally.failing, tally.stale);
        }
        // The other metrics are still worth a scrape; the gauges keep
        // their last values.
        Err(err) => tracing::warn!(error = %err, "cannot read source health for /metrics"),
    }
    let cache = state.cache.stats();
    crate::metrics::feed_cache_state(cache.bytes, cache.budget, cache.entries, cache.evictions);
    match crate::metrics::render() {
        Some(text) => (StatusCode::OK, [(CONTENT_TYPE, METRICS_TYPE)], text).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(CONTENT_TYPE, TEXT)],
            "metrics are served by `refeed run` only\n",
        )
            .into_response(),
    }
}

/// `GET /feeds/{file}`, counted by format and status answered.
pub(super) async fn counted_feed(
    state: State<Arc<AppState>>,
    file: Path<String>,
    query: RawQuery,
    request: Request,
) -> Response {
    let format = format_label(&file);
    let response = feeds::handler(state, file, query, request)
        .await
        .into_response();
    crate::metrics::feed_request(format, response.status().as_u16());
    response
}

/// The format a feed path names, or `other`: label values stay bounded
/// whatever clients ask for.
fn format_label(file: &str) -> &'static str {
    file.rsplit_once('.')
        .and_then(|(_, extension)| FeedFormat::from_extension(extension))
        .map_or("other", FeedFormat::extension)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::super::test_support::{app, content_type, get, refresh, source};
    use super::*;

    #[test]
    fn feed_format_labels_are_bounded() {
        assert_eq!(format_label("a.atom"), "atom");
        assert_eq!(format_label("all.json"), "json");
        assert_eq!(format_label("a.xml"), "other");
        assert_eq!(format_label("../../etc/passwd"), "other");
    }

    #[tokio::test]
    async fn readyz_is_503_with_the_reason_until_a_scheduler_is_alive() {
        let test = app("http://h/", vec![source("a", None, 5)]).await;
        let (status, headers, body) = get(&test, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(content_type(&headers), TEXT);
        assert_eq!(body, "not ready: scheduler: none in this process\n");

        let mut alive = test;
        alive.state = alive
            .state
            .clone()
            .with_scheduler_check(Arc::new(|| Ok(())));
        let (status, _, body) = get(&alive, "/readyz").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ready\n"));

        alive.state.store.close().await;
        let (status, _, body) = get(&alive, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.starts_with("not ready: database: "), "{body}");
    }

    #[tokio::test]
    async fn metrics_show_the_sources_gauges_in_the_text_format() {
        crate::metrics::install();
        let test = app(
            "http://h/",
            vec![source("a", None, 5), source("b", None, 5)],
        )
        .await;
        refresh(&test, "a", None, &[1]).await;
        test.state
            .store
            .record_failure("b", chrono::Utc::now(), "cannot resolve b.example", None)
            .await
            .unwrap();
        let (status, headers, body) = get(&test, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type(&headers), METRICS_TYPE);
        // Other tests in this process share the global recorder: only the
        // gauges this scrape set are certain.
        assert!(body.contains("\nrefeed_sources 2\n"), "{body}");
        assert!(body.contains("\nrefeed_sources_backing_off 1\n"), "{body}");
        assert!(body.contains("# TYPE refeed_sources_stale gauge"), "{body}");
    }
}
