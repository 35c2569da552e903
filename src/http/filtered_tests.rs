//! Filtered feed requests through the router (issue 9, point 6): each
//! encoding decodes to the document, small documents go uncompressed, the
//! filtered cache stays within its byte bound whatever clients ask, queries
//! selecting the same items share an entry, and no filtered request reads
//! the database once the feed is cached.

use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, Request, StatusCode};

use super::FeedCache;
use super::rendered::MIN_COMPRESS_BYTES;
use super::rendered::tests::decode;
use super::test_support::{TestApp, app, get, refresh, send, source};

/// Source `a` with 30 items (May 1 to 30), and `b` with one.
async fn app_with_30_items() -> TestApp {
    let app = app(
        "http://h/",
        vec![source("a", None, 50), source("b", None, 50)],
    )
    .await;
    let ns: Vec<u32> = (1..=30).collect();
    refresh(&app, "a", None, &ns).await;
    refresh(&app, "b", None, &[1]).await;
    app
}

fn encoding_of(headers: &HeaderMap) -> Option<&str> {
    headers.get(CONTENT_ENCODING).map(|v| v.to_str().unwrap())
}

/// `GET uri` with `Accept-Encoding: accept`: status, headers, body.
async fn get_with(app: &TestApp, uri: &str, accept: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
    send(app, Request::get(uri).header(ACCEPT_ENCODING, accept)).await
}

#[tokio::test]
async fn filtered_feeds_decode_in_every_encoding_and_answer_304() {
    let app = app_with_30_items().await;
    for uri in [
        "/feeds/a.atom?limit=20",
        "/feeds/all.rss?q=item%202",
        "/feeds/a.json?since=2024-05-10T00:00:00Z",
    ] {
        let (_, _, plain) = get(&app, uri).await;
        assert!(plain.len() > MIN_COMPRESS_BYTES, "{uri}: {}", plain.len());
        for (accept, want) in [("gzip", Some("gzip")), ("br, gzip", Some("br")), ("", None)] {
            let (status, headers, body) = get_with(&app, uri, accept).await;
            assert_eq!(status, StatusCode::OK, "{uri} {accept}");
            assert_eq!(encoding_of(&headers), want, "{uri} {accept}");
            assert_eq!(decode(want, &body), plain, "{uri} {accept}");
            let again = Request::get(uri)
                .header(ACCEPT_ENCODING, accept)
                .header(IF_NONE_MATCH, headers[ETAG].clone());
            assert_eq!(send(&app, again).await.0, StatusCode::NOT_MODIFIED);
        }
    }
}

#[tokio::test]
async fn small_filtered_feeds_are_not_compressed() {
    let app = app_with_30_items().await;
    let uri = "/feeds/a.json?limit=1";
    let (_, _, plain) = get(&app, uri).await;
    assert!(plain.len() < MIN_COMPRESS_BYTES, "{}", plain.len());
    for accept in ["gzip", "br", "gzip, br"] {
        let (status, headers, body) = get_with(&app, uri, accept).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding_of(&headers), None, "{accept}");
        assert_eq!(String::from_utf8(body).unwrap(), plain);
    }
}

#[tokio::test]
async fn many_unique_queries_keep_the_filtered_cache_within_its_byte_bound() {
    const BOUND: usize = 20_000;
    let app = app_with_30_items().await;
    let app = TestApp::with_state(&app, FeedCache::with_filtered_budget(BOUND));
    let mut rng = fastrand::Rng::with_seed(9);
    for n in 0..300 {
        let format = ["rss", "atom", "json"][n % 3];
        let query = match n % 3 {
            0 => format!("limit={}", rng.usize(1..40)),
            1 => format!("q=item%20{}", rng.u32(1..31)),
            _ => format!("since=2024-05-{:02}T00:00:00Z&limit={}", rng.u32(1..31), n),
        };
        let accept = ["gzip", "br", ""][rng.usize(0..3)];
        let uri = format!("/feeds/a.{format}?{query}");
        let (status, _, _) = get_with(&app, &uri, accept).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let held = app.state.cache.filtered_bytes();
        assert!(held <= BOUND, "{uri}: {held} bytes held");
    }
    assert!(app.state.cache.filtered_len() > 3, "entries are kept");
}

#[tokio::test]
async fn queries_selecting_the_same_items_share_one_entry() {
    let app = app_with_30_items().await;
    for n in 0..50 {
        let uri = format!("/feeds/a.atom?q=nowhere{n}");
        let (status, _, body) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!body.contains("<entry>"), "{body}");
        let uri = format!("/feeds/a.atom?since=2030-01-{:02}T00:00:00Z", n % 28 + 1);
        assert_eq!(get(&app, &uri).await.0, StatusCode::OK);
    }
    assert_eq!(app.state.cache.filtered_len(), 1, "one empty selection");
    // A selection of every item is the whole feed, served from its cache.
    let (_, whole, _) = get(&app, "/feeds/a.atom").await;
    for uri in ["/feeds/a.atom?limit=30", "/feeds/a.atom?limit=999999"] {
        let (_, headers, _) = get(&app, uri).await;
        assert_eq!(headers[ETAG], whole[ETAG], "{uri}");
    }
    assert_eq!(app.state.cache.filtered_len(), 1);
}

#[tokio::test]
async fn filtered_requests_never_read_the_database_once_the_feed_is_cached() {
    let app = app_with_30_items().await;
    for uri in ["/feeds/a.atom", "/feeds/all.atom"] {
        assert_eq!(get(&app, uri).await.0, StatusCode::OK);
    }
    app.state.store.close().await;
    for format in ["rss", "atom", "json"] {
        for query in ["limit=3", "q=item%2029", "since=2024-05-29T00:00:00Z"] {
            for accept in ["gzip", "br", ""] {
                let uri = format!("/feeds/a.{format}?{query}");
                let (status, headers, body) = get_with(&app, &uri, accept).await;
                assert_eq!(status, StatusCode::OK, "{uri} served from memory");
                let text = decode(encoding_of(&headers), &body);
                assert!(text.contains("a item 29"), "{uri}: {text}");
                assert!(!text.contains("a item 1"), "{uri}: {text}");
            }
        }
        let uri = format!("/feeds/all.{format}?limit=2");
        assert_eq!(get(&app, &uri).await.0, StatusCode::OK, "{uri}");
    }
}

#[tokio::test]
async fn an_overlong_q_is_a_400() {
    let app = app_with_30_items().await;
    let uri = format!("/feeds/a.rss?q={}", "x".repeat(129));
    let (status, _, body) = get(&app, &uri).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body, "q must be at most 128 characters, not 129\n");
}
