//! The rendered-feed cache's byte bound (issue 13): every feed in every
//! format and encoding stays within it, the least recently used go first,
//! what fell out renders again to the same bytes and `ETag`, a change drops
//! its source's entries and `all` only, and a feed larger than the bound is
//! served but not kept.

use axum::http::header::{ACCEPT_ENCODING, ETAG};
use axum::http::{HeaderMap, Request, StatusCode};

use super::*;
use crate::http::test_support::{TestApp, app, refresh, send, source};

/// Every encoding a client can be served, with its `Accept-Encoding`.
const ACCEPTS: [(Encoding, &str); 3] = [
    (Encoding::Identity, "identity"),
    (Encoding::Gzip, "gzip"),
    (Encoding::Brotli, "br"),
];

/// `sources` sources `s0`, `s1`... of 20 items each, served through a
/// cache of `budget` bytes.
async fn app_with(sources: usize, budget: usize) -> TestApp {
    let metas = (0..sources)
        .map(|n| source(&format!("s{n}"), None, 50))
        .collect();
    let app = app("http://h/", metas).await;
    let ns: Vec<u32> = (1..=20).collect();
    for n in 0..sources {
        refresh(&app, &format!("s{n}"), None, &ns).await;
    }
    TestApp::with_state(&app, FeedCache::new(budget))
}

/// `GET /feeds/{id}.{ext}` in one encoding: status, headers, body.
async fn fetch(
    app: &TestApp,
    id: &str,
    format: FeedFormat,
    accept: &str,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let uri = format!("/feeds/{id}.{}", format.extension());
    send(app, Request::get(uri).header(ACCEPT_ENCODING, accept)).await
}

/// Every feed id of [`app_with`], `all` last.
fn ids(sources: usize) -> Vec<String> {
    let mut ids: Vec<String> = (0..sources).map(|n| format!("s{n}")).collect();
    ids.push(ALL_FEED_ID.into());
    ids
}

#[tokio::test]
async fn every_feed_in_every_encoding_stays_within_the_bound_with_stable_etags() {
    const BUDGET: usize = 200_000;
    let app = app_with(12, BUDGET).await;
    let mut first = std::collections::HashMap::new();
    for round in 0..2 {
        for id in ids(12) {
            for format in FeedFormat::ALL {
                for (_, accept) in ACCEPTS {
                    let (status, headers, body) = fetch(&app, &id, format, accept).await;
                    assert_eq!(status, StatusCode::OK, "{id} {format:?} {accept}");
                    let stats = app.state.cache.stats();
                    assert!(stats.bytes <= BUDGET, "{round} {id}: {stats:?}");
                    let seen = (headers[ETAG].clone(), body);
                    let key = (id.clone(), format, accept);
                    let earlier = first.entry(key).or_insert_with(|| seen.clone());
                    assert_eq!(
                        *earlier, seen,
                        "{id} {format:?} {accept}: same ETag, same bytes"
                    );
                }
            }
        }
    }
    let stats = app.state.cache.stats();
    assert!(stats.evictions > 0, "the bound was reached: {stats:?}");
    assert!(stats.bytes > BUDGET / 2, "the cache is used: {stats:?}");
    assert_eq!(stats.budget, BUDGET);
}

/// A rendered document of `len` bytes.
fn document(len: usize) -> Arc<Rendered> {
    let at = chrono::DateTime::UNIX_EPOCH;
    let interval = Duration::from_secs(60);
    let body = "x".repeat(len);
    Arc::new(Rendered::build(
        body,
        FeedFormat::Atom,
        at,
        interval,
        Encoding::Identity,
    ))
}

#[tokio::test]
async fn the_least_recently_used_feed_goes_first() {
    let app = app_with(0, 0).await;
    let store = &app.state.store;
    let generation = store.change_generation();
    let one = ByteLru::<Key, Cached>::weight_of(2, document(1_000).weight());
    let cache = FeedCache::with_budgets(3 * one, 0);
    let put = |id| {
        let feed = (id, FeedFormat::Atom, Encoding::Identity);
        cache.put_rendered(store, generation, feed, document(1_000));
    };
    let held = |id| {
        cache
            .rendered(id, FeedFormat::Atom, Encoding::Identity)
            .is_some()
    };
    for id in ["s0", "s1", "s2"] {
        put(id);
    }
    assert_eq!(cache.stats().bytes, 3 * one);
    assert!(held("s0"), "s0 is now the most recently used");
    put("s3");
    assert!(!held("s1"), "s1 was the least recently used");
    assert!(held("s2") && held("s0") && held("s3"));
    assert_eq!(cache.stats().evictions, 1);
    assert_eq!(cache.stats().bytes, 3 * one);
}

#[tokio::test]
async fn bytes_count_bodies_headers_items_and_keys() {
    let app = app_with(1, DEFAULT_CACHE_BYTES).await;
    let (_, _, body) = fetch(&app, "s0", FeedFormat::Rss, "identity").await;
    let cache = &app.state.cache;
    let rendered = cache
        .rendered("s0", FeedFormat::Rss, Encoding::Identity)
        .unwrap();
    let snapshot = cache.snapshot("s0").unwrap();
    let etags: usize = ACCEPTS.iter().map(|(e, _)| rendered.etag(*e).len()).sum();
    let headers = etags + rendered.last_modified_header.len() + rendered.content_type.len();
    assert!(rendered.weight() >= body.len() + headers);
    assert_eq!(
        rendered.weight() - body.len() - headers,
        size_of::<Rendered>()
    );
    let content: usize = snapshot
        .items
        .iter()
        .map(|i| i.content.as_ref().unwrap().len())
        .sum();
    assert!(snapshot.heap_bytes() > content + 20 * size_of::<StoredItem>());
    let weight = |id: &str, heap| ByteLru::<Key, Cached>::weight_of(id.len(), heap);
    let expected = weight("s0", rendered.weight()) + weight("s0", snapshot.heap_bytes());
    assert_eq!(cache.stats().bytes, expected);
    assert_eq!(cache.stats().entries, 2, "the snapshot and one encoding");
    assert!(weight("a-longer-id", 0) > weight("s0", 0), "keys count");
}

#[tokio::test]
async fn a_change_drops_its_source_and_all_only() {
    let app = app_with(2, DEFAULT_CACHE_BYTES).await;
    for id in ["s0", "s1", ALL_FEED_ID] {
        for (_, accept) in ACCEPTS {
            fetch(&app, id, FeedFormat::Json, accept).await;
        }
    }
    let cache = &app.state.cache;
    assert_eq!(cache.stats().entries, 3 * 4);
    let (_, old, _) = fetch(&app, "s0", FeedFormat::Json, "br").await;
    refresh(&app, "s0", None, &[21]).await;
    cache.sync(&app.state.store);
    for id in ["s0", ALL_FEED_ID] {
        assert!(cache.snapshot(id).is_none(), "{id}");
        for (encoding, _) in ACCEPTS {
            assert!(cache.rendered(id, FeedFormat::Json, encoding).is_none());
        }
    }
    assert!(cache.snapshot("s1").is_some());
    assert!(
        cache
            .rendered("s1", FeedFormat::Json, Encoding::Brotli)
            .is_some()
    );
    assert_eq!(cache.stats().entries, 4);
    let (_, new, _) = fetch(&app, "s0", FeedFormat::Json, "br").await;
    assert_ne!(old[ETAG], new[ETAG], "rendered again with the new item");
}

#[tokio::test]
async fn a_feed_larger_than_the_bound_is_served_but_not_kept() {
    let app = app_with(1, DEFAULT_CACHE_BYTES).await;
    let (_, _, whole) = fetch(&app, "s0", FeedFormat::Atom, "identity").await;
    for budget in [0, 4_000] {
        let small = TestApp::with_state(&app, FeedCache::new(budget));
        for _ in 0..2 {
            let (status, _, body) = fetch(&small, "s0", FeedFormat::Atom, "identity").await;
            assert_eq!((status, &body), (StatusCode::OK, &whole), "{budget}");
            let stats = small.state.cache.stats();
            assert!(stats.bytes <= budget, "{stats:?}");
            assert!(
                small
                    .state
                    .cache
                    .rendered("s0", FeedFormat::Atom, Encoding::Identity)
                    .is_none()
            );
        }
        let (status, _, _) = fetch(&small, "s0", FeedFormat::Atom, "identity").await;
        assert_eq!(status, StatusCode::OK);
    }
}
