//! The feed routes served like static files (issue 4), through the router:
//! conditional GET, `HEAD`, encodings, invalidation on change, query
//! filters, and a hot path that never reads the database.

use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, VARY,
};
use axum::http::{HeaderMap, Request, StatusCode};

use super::rendered::tests::decode;
use super::test_support::{TestApp, app, content_type, get, refresh, send, source};

const BASE: &str = "http://h/";

async fn app_with_items() -> TestApp {
    let app = app(BASE, vec![source("a", None, 50), source("b", None, 50)]).await;
    refresh(&app, "a", None, &[1, 2]).await;
    refresh(&app, "b", None, &[3]).await;
    app
}

fn header(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> &str {
    headers.get(name).map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn feeds_carry_validators_and_cache_control() {
    let app = app_with_items().await;
    for uri in [
        "/feeds/a.rss",
        "/feeds/a.atom",
        "/feeds/a.json",
        "/feeds/all.json",
    ] {
        let (status, headers, _) = get(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let etag = header(&headers, ETAG);
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "{uri}: strong {etag}"
        );
        // Items are updated on May n at 10:00 (no modified date): a's newest is 2.
        let want = if uri.contains("all") {
            "Fri, 03 May 2024 10:00:00 GMT"
        } else {
            "Thu, 02 May 2024 10:00:00 GMT"
        };
        assert_eq!(header(&headers, LAST_MODIFIED), want, "{uri}");
        let cache = header(&headers, CACHE_CONTROL);
        let age: u64 = cache
            .strip_prefix("public, max-age=")
            .unwrap()
            .parse()
            .unwrap();
        assert!((60..=15 * 60).contains(&age), "{cache}");
        let vary = if uri.ends_with(".json") {
            "Accept-Encoding"
        } else {
            "Accept-Encoding, Accept"
        };
        assert_eq!(header(&headers, VARY), vary, "{uri}");
    }
    let (_, headers, body) = get(&app, "/feeds/a.json").await;
    assert_eq!(
        content_type(&headers),
        "application/feed+json; charset=utf-8"
    );
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["feed_url"], "http://h/feeds/a.json");
    assert_eq!(json["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn if_none_match_and_if_modified_since_answer_304_without_body() {
    let app = app_with_items().await;
    let (_, headers, _) = get(&app, "/feeds/a.atom").await;
    let etag = header(&headers, ETAG).to_string();
    let modified = header(&headers, LAST_MODIFIED).to_string();
    let cases = [
        (IF_NONE_MATCH, etag.clone(), StatusCode::NOT_MODIFIED),
        (
            IF_NONE_MATCH,
            format!("\"x\", W/{etag}"),
            StatusCode::NOT_MODIFIED,
        ),
        (IF_NONE_MATCH, "\"stale\"".to_string(), StatusCode::OK),
        (
            IF_MODIFIED_SINCE,
            modified.clone(),
            StatusCode::NOT_MODIFIED,
        ),
        (
            IF_MODIFIED_SINCE,
            "Wed, 01 May 2024 00:00:00 GMT".into(),
            StatusCode::OK,
        ),
    ];
    for (name, value, want) in cases {
        let request = Request::get("/feeds/a.atom").header(name.clone(), &value);
        let (status, headers, body) = send(&app, request).await;
        assert_eq!(status, want, "{name}: {value}");
        assert_eq!(header(&headers, ETAG), etag);
        if want == StatusCode::NOT_MODIFIED {
            assert!(body.is_empty());
            assert!(headers.contains_key(CACHE_CONTROL));
        }
    }
}

#[tokio::test]
async fn head_has_the_headers_of_get_and_no_body() {
    let app = app_with_items().await;
    let (_, get_headers, get_body) = get(&app, "/feeds/a.rss").await;
    let (status, headers, body) = send(&app, Request::head("/feeds/a.rss")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.is_empty());
    assert_eq!(header(&headers, ETAG), header(&get_headers, ETAG));
    assert_eq!(header(&headers, CONTENT_LENGTH), get_body.len().to_string());
    assert_eq!(content_type(&headers), "application/rss+xml; charset=utf-8");
}

#[tokio::test]
async fn gzip_and_brotli_are_negotiated_and_decode_to_the_identity_body() {
    let app = app_with_items().await;
    let (_, plain_headers, plain) = get(&app, "/feeds/all.atom").await;
    let mut etags = vec![header(&plain_headers, ETAG).to_string()];
    for (accept, want) in [
        ("gzip", "gzip"),
        ("gzip, br", "br"),
        ("br;q=0.1, gzip", "gzip"),
    ] {
        let request = Request::get("/feeds/all.atom").header(ACCEPT_ENCODING, accept);
        let (status, headers, body) = send(&app, request).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, CONTENT_ENCODING), want, "{accept}");
        assert_eq!(header(&headers, CONTENT_LENGTH), body.len().to_string());
        assert_eq!(decode(Some(want), &body), plain, "{accept}");
        etags.push(header(&headers, ETAG).to_string());
        let again = Request::get("/feeds/all.atom")
            .header(ACCEPT_ENCODING, accept)
            .header(IF_NONE_MATCH, header(&headers, ETAG));
        assert_eq!(send(&app, again).await.0, StatusCode::NOT_MODIFIED);
    }
    etags.dedup();
    assert_eq!(etags.len(), 4, "one strong tag per encoding: {etags:?}");
}

#[tokio::test]
async fn etag_changes_after_a_refresh_that_changes_items_only() {
    let app = app_with_items().await;
    let etag = |app: &TestApp, uri: &'static str| {
        let app_state = app.state.clone();
        async move {
            let request = Request::get(uri).body(axum::body::Body::empty()).unwrap();
            let response = tower::ServiceExt::oneshot(super::router(app_state), request)
                .await
                .unwrap();
            response.headers()[ETAG].to_str().unwrap().to_string()
        }
    };
    let (a, b, all) = (
        etag(&app, "/feeds/a.atom").await,
        etag(&app, "/feeds/b.atom").await,
        etag(&app, "/feeds/all.atom").await,
    );
    refresh(&app, "a", None, &[1, 2]).await; // nothing new
    assert_eq!(etag(&app, "/feeds/a.atom").await, a);
    assert_eq!(etag(&app, "/feeds/all.atom").await, all);
    refresh(&app, "a", None, &[1, 2, 4]).await; // one new item
    let (_, _, body) = get(&app, "/feeds/a.atom").await;
    assert!(body.contains("a item 4"), "re-rendered: {body}");
    assert_ne!(etag(&app, "/feeds/a.atom").await, a);
    assert_ne!(etag(&app, "/feeds/all.atom").await, all);
    assert_eq!(etag(&app, "/feeds/b.atom").await, b, "b did not change");
}

#[tokio::test]
async fn empty_feed_keeps_its_etag_and_dates_from_the_epoch() {
    let app = app(BASE, vec![source("a", None, 5)]).await;
    let (_, first, body) = get(&app, "/feeds/a.atom").await;
    app.state.cache.sync(&app.state.store);
    // A fresh cache renders again: the document must be byte-identical.
    let fresh = super::test_support::TestApp::with_state(&app, super::FeedCache::default());
    let (_, second, _) = get(&fresh, "/feeds/a.atom").await;
    assert_eq!(header(&first, ETAG), header(&second, ETAG));
    assert_eq!(
        header(&first, LAST_MODIFIED),
        "Thu, 01 Jan 1970 00:00:00 GMT"
    );
    assert!(body.contains("1970-01-01T00:00:00"), "{body}");
}

#[tokio::test]
async fn the_hot_path_never_reads_the_database() {
    let app = app_with_items().await;
    let uris = [
        "/feeds/a.rss",
        "/feeds/all.atom",
        "/feeds/b.json",
        "/feeds/a.rss?limit=1",
    ];
    let mut warm = Vec::new();
    for uri in uris {
        warm.push(get(&app, uri).await.2);
    }
    app.state.store.close().await;
    for (uri, body) in uris.iter().zip(warm) {
        let (status, _, again) = get(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri} served from memory");
        assert_eq!(again, body);
    }
    // Filtering works from the cached item list too.
    let (status, _, _) = get(&app, "/feeds/a.rss?q=item%202").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn limit_q_and_since_filter_the_served_feed() {
    let app = app_with_items().await;
    let titles = |body: String| -> Vec<String> {
        let feed: serde_json::Value = serde_json::from_str(&body).unwrap();
        feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["title"].as_str().unwrap().to_string())
            .collect()
    };
    let cases = [
        ("/feeds/all.json?limit=2", vec!["b item 3", "a item 2"]),
        ("/feeds/all.json?q=A%20ITEM", vec!["a item 2", "a item 1"]),
        ("/feeds/all.json?q=summary%201", vec!["a item 1"]),
        (
            "/feeds/all.json?since=2024-05-02T10:00:00Z",
            vec!["b item 3", "a item 2"],
        ),
        (
            "/feeds/a.json?since=2024-05-02T12:00:00%2B02:00&limit=5",
            vec!["a item 2"],
        ),
    ];
    for (uri, want) in cases {
        let (status, headers, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(headers.contains_key(ETAG), "{uri}");
        assert_eq!(titles(body), want, "{uri}");
    }
    let (_, headers, _) = get(&app, "/feeds/all.json?limit=1").await;
    assert_eq!(
        header(&headers, LAST_MODIFIED),
        "Fri, 03 May 2024 10:00:00 GMT"
    );
}

#[tokio::test]
async fn bad_query_values_are_400_with_one_line() {
    let app = app_with_items().await;
    for uri in [
        "/feeds/a.rss?limit=0",
        "/feeds/a.rss?limit=x",
        "/feeds/all.atom?since=today",
        "/feeds/a.json?q=",
    ] {
        let (status, headers, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(content_type(&headers), "text/plain; charset=utf-8");
        assert_eq!(body.lines().count(), 1, "{body}");
    }
    let (status, _, _) = get(&app, "/feeds/zzz.rss?limit=0").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an unknown feed is 404 first"
    );
}
