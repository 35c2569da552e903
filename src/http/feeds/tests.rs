//! Tests of the parent module.

use atom_syndication::Feed;
use axum::http::StatusCode;
use rss::Channel;

use super::*;
use crate::http::test_support::{app, content_type, get, refresh, source};

const BASE: &str = "http://127.0.0.1:8080/refeed";

fn rss_titles(channel: &Channel) -> Vec<&str> {
    channel
        .items
        .iter()
        .filter_map(|i| i.title.as_deref())
        .collect()
}

#[test]
fn all_feed_limit_sums_max_items_up_to_the_cap() {
    let sources = [source("a", None, 50), source("b", None, 30)];
    assert_eq!(all_feed_limit(&sources), 80);
    let many: Vec<SourceMeta> = (0..10).map(|i| source(&i.to_string(), None, 50)).collect();
    assert_eq!(all_feed_limit(&many), ALL_FEED_MAX_ITEMS);
    assert_eq!(all_feed_limit(&[]), 0);
}

#[tokio::test]
async fn rss_feed_is_served_with_its_type_items_and_self_link() {
    let app = app(BASE, vec![source("a", Some("Outlet A"), 50)]).await;
    refresh(&app, "a", Some("Scraped"), &[1, 2]).await;
    let (status, headers, body) = get(&app, "/feeds/a.rss").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "application/rss+xml; charset=utf-8");
    let channel = Channel::read_from(body.as_bytes()).unwrap();
    assert_eq!(channel.title, "Outlet A");
    assert_eq!(channel.link, "https://a.example/news/");
    let me = &channel.atom_ext.as_ref().unwrap().links[0];
    assert_eq!(me.href, "http://127.0.0.1:8080/refeed/feeds/a.rss");
    assert_eq!(rss_titles(&channel), ["a item 2", "a item 1"]);
    let guid = channel.items[0].guid.as_ref().unwrap();
    assert_eq!(guid.value, "https://a.example/post-2/");
}

#[tokio::test]
async fn atom_feed_is_served_with_its_type_entries_and_self_link() {
    let app = app(BASE, vec![source("a", None, 50)]).await;
    refresh(&app, "a", Some("Scraped A"), &[1, 2]).await;
    let (status, headers, body) = get(&app, "/feeds/a.atom").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        content_type(&headers),
        "application/atom+xml; charset=utf-8"
    );
    let feed = Feed::read_from(body.as_bytes()).unwrap();
    assert_eq!(
        feed.title.value, "Scraped A",
        "falls back to the scraped title"
    );
    assert_eq!(feed.id, "http://127.0.0.1:8080/refeed/feeds/a.atom");
    let me = feed.links.iter().find(|l| l.rel == "self").unwrap();
    assert_eq!(me.href, feed.id);
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        ["https://a.example/post-2/", "https://a.example/post-1/"]
    );
    assert_eq!(feed.updated, feed.entries[0].updated, "newest item change");
}

#[tokio::test]
async fn source_feed_holds_max_items_newest() {
    let app = app(BASE, vec![source("a", None, 2)]).await;
    refresh(&app, "a", None, &[1, 3, 2]).await;
    let (_, _, body) = get(&app, "/feeds/a.rss").await;
    let channel = Channel::read_from(body.as_bytes()).unwrap();
    assert_eq!(rss_titles(&channel), ["a item 3", "a item 2"]);
    assert_eq!(channel.title, "a", "no configured or scraped title: the id");
}

#[tokio::test]
async fn all_feed_combines_configured_sources_newest_first() {
    let app = app(BASE, vec![source("a", None, 5), source("b", None, 5)]).await;
    refresh(&app, "a", None, &[1, 3]).await;
    refresh(&app, "b", None, &[2, 4]).await;
    refresh(&app, "gone", None, &[5]).await; // no longer in the config
    let (status, _, body) = get(&app, "/feeds/all.rss").await;
    assert_eq!(status, StatusCode::OK);
    let channel = Channel::read_from(body.as_bytes()).unwrap();
    let want = ["b item 4", "a item 3", "b item 2", "a item 1"];
    assert_eq!(rss_titles(&channel), want);
    let (_, _, body) = get(&app, "/feeds/all.atom").await;
    let feed = Feed::read_from(body.as_bytes()).unwrap();
    assert_eq!(feed.id, "http://127.0.0.1:8080/refeed/feeds/all.atom");
    assert_eq!(feed.entries.len(), 4);
}

#[tokio::test]
async fn all_feed_carries_an_article_read_by_two_sources_once() {
    let app = app(BASE, vec![source("tag", None, 5), source("feed", None, 5)]).await;
    let shared = super::super::test_support::new_item("outlet", 7);
    let started = chrono::Utc::now();
    for id in ["tag", "feed"] {
        let store = &app.state.store;
        store
            .commit_refresh(id, None, std::slice::from_ref(&shared), started)
            .await
            .unwrap();
    }
    let (_, _, body) = get(&app, "/feeds/all.rss").await;
    let channel = Channel::read_from(body.as_bytes()).unwrap();
    assert_eq!(rss_titles(&channel), ["outlet item 7"]);
}

#[tokio::test]
async fn empty_source_serves_an_empty_valid_feed() {
    let app = app(BASE, vec![source("a", None, 5)]).await;
    let (status, _, body) = get(&app, "/feeds/a.atom").await;
    assert_eq!(status, StatusCode::OK);
    assert!(Feed::read_from(body.as_bytes()).unwrap().entries.is_empty());
}

#[tokio::test]
async fn unknown_id_is_404_naming_the_known_feeds() {
    let app = app(BASE, vec![source("a", None, 5), source("b", None, 5)]).await;
    let (status, headers, body) = get(&app, "/feeds/x.rss").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type(&headers), "text/plain; charset=utf-8");
    assert_eq!(body, "no feed \"x\" (known: a, b, all)\n");
}

#[tokio::test]
async fn unknown_extension_is_404_naming_the_formats() {
    let app = app(BASE, vec![source("a", None, 5)]).await;
    let (status, _, body) = get(&app, "/feeds/a.xml").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, "no feed format \"xml\" (known: .rss, .atom, .json)\n");
    let (status, _, body) = get(&app, "/feeds/a%0Ab").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body.lines().count(), 1, "{body}");
}
