//! Tests of the parent module.

use axum::http::StatusCode;

use super::test_support::{app, content_type, get, source};
use super::*;

fn url(base: &str, id: &str, format: FeedFormat) -> String {
    feed_url(&Url::parse(base).unwrap(), id, format)
}

#[test]
fn feed_url_appends_to_the_base_path_with_or_without_trailing_slash() {
    let rss = FeedFormat::Rss;
    assert_eq!(url("http://h:8080", "a", rss), "http://h:8080/feeds/a.rss");
    assert_eq!(url("http://h:8080/", "a", rss), "http://h:8080/feeds/a.rss");
    let want = "https://h/refeed/feeds/all.atom";
    assert_eq!(url("https://h/refeed", "all", FeedFormat::Atom), want);
    assert_eq!(url("https://h/refeed/", "all", FeedFormat::Atom), want);
    assert_eq!(
        url("https://h/refeed/?x=1#top", "all", FeedFormat::Atom),
        want
    );
}

#[test]
fn status_url_appends_to_the_base_path() {
    for base in ["http://h:8080", "http://h:8080/"] {
        let base = Url::parse(base).unwrap();
        assert_eq!(status_url(&base), "http://h:8080/status");
    }
    let base = Url::parse("https://h/refeed?x=1").unwrap();
    assert_eq!(status_url(&base), "https://h/refeed/status");
}

#[test]
fn feed_formats_map_to_extensions_and_media_types() {
    assert_eq!(FeedFormat::from_extension("rss"), Some(FeedFormat::Rss));
    assert_eq!(FeedFormat::from_extension("atom"), Some(FeedFormat::Atom));
    assert_eq!(FeedFormat::from_extension("xml"), None);
    assert_eq!(FeedFormat::Atom.media_type(), "application/atom+xml");
}

#[test]
fn title_is_configured_else_scraped_else_the_id() {
    let scraped = HashMap::from([("a".to_string(), "Scraped A".to_string())]);
    let named = source("a", Some("Configured"), 5);
    assert_eq!(source_title(&named, &scraped), "Configured");
    assert_eq!(source_title(&source("a", None, 5), &scraped), "Scraped A");
    assert_eq!(source_title(&source("b", None, 5), &scraped), "b");
}

#[tokio::test]
async fn healthz_answers_ok_as_plain_text() {
    let app = app("http://h/", vec![]).await;
    let (status, headers, body) = get(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "text/plain; charset=utf-8");
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn feeds_are_gzipped_for_readers_that_ask() {
    use axum::http::{Request, header};
    use tower::ServiceExt;

    let app = app("http://h/", vec![source("a", None, 5)]).await;
    let request = Request::get("/feeds/a.atom")
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router(app.state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
}

#[tokio::test]
async fn unknown_path_is_a_plain_404() {
    let app = app("http://h/", vec![]).await;
    let (status, _, body) = get(&app, "/nothing/here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, "not found\n");
}

#[tokio::test]
async fn store_failure_is_a_generic_500() {
    let app = app("http://h/", vec![source("a", None, 5)]).await;
    app.state.store.close().await;
    for uri in ["/feeds/a.rss", "/"] {
        let (status, _, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(body, "internal server error\n");
    }
}
