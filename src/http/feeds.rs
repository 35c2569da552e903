//! `GET /feeds/{id}.{rss,atom}`: picks a source's items (or every source's)
//! from the store and renders them with `feed`.

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::error::HttpError;
use super::{AppState, FeedFormat, feed_url, source_title};
use crate::feed::{self, FeedInfo};
use crate::model::{SourceMeta, StoredItem};
use crate::store::StoreError;

/// The id of the combined feed of every source. Config must refuse it as a
/// source id, or that source's feed would be unreachable.
pub const ALL_FEED_ID: &str = "all";

/// Upper bound on the combined feed's length.
pub const ALL_FEED_MAX_ITEMS: usize = 200;

/// Length of the combined feed: the sum of the sources' `max_items`, at most
/// [`ALL_FEED_MAX_ITEMS`].
///
/// The sum lets the combined feed hold as many items as all source feeds
/// together, so a reader subscribed only to `all` misses no more than one
/// subscribed to each source when one busy outlet posts in bursts; the cap
/// keeps a full-text document of many sources to a few megabytes.
pub fn all_feed_limit(sources: &[SourceMeta]) -> usize {
    let total: usize = sources.iter().map(|s| s.max_items).sum();
    total.min(ALL_FEED_MAX_ITEMS)
}

/// Renders the feed of a source id (or `all`) exactly as `GET /feeds/{id}.{ext}`
/// serves it; `Ok(None)` for an unknown id. Used by the handler and by
/// `refeed feed`.
pub async fn render_feed(
    state: &AppState,
    id: &str,
    format: FeedFormat,
) -> Result<Option<String>, StoreError> {
    let parts = if id == ALL_FEED_ID {
        Some(combined_parts(state, format).await?)
    } else if let Some(source) = state.sources.iter().find(|s| s.id == id) {
        Some(source_parts(state, source, format).await?)
    } else {
        None
    };
    Ok(parts.map(|(info, items)| match format {
        FeedFormat::Rss => feed::rss(&info, &items),
        FeedFormat::Atom => feed::atom(&info, &items),
    }))
}

/// One source's newest `max_items` items.
async fn source_parts(
    state: &AppState,
    source: &SourceMeta,
    format: FeedFormat,
) -> Result<(FeedInfo, Vec<StoredItem>), StoreError> {
    let items = state
        .store
        .items(Some(&source.id), source.max_items)
        .await?;
    let title = match &source.title {
        Some(title) => title.clone(),
        None => source_title(source, &state.store.source_titles().await?),
    };
    let info = FeedInfo {
        description: format!("{title}, from {}, republished by refeed", source.url),
        title,
        link: source.url.to_string(),
        self_url: feed_url(&state.base_url, &source.id, format),
        updated: newest_change(&items),
    };
    Ok((info, items))
}

/// Every configured source's items, newest first.
async fn combined_parts(
    state: &AppState,
    format: FeedFormat,
) -> Result<(FeedInfo, Vec<StoredItem>), StoreError> {
    let mut items = state
        .store
        .items(None, all_feed_limit(&state.sources))
        .await?;
    // The database may still hold sources since removed from the config.
    items.retain(|item| state.sources.iter().any(|s| s.id == item.source_id));
    // Two sources may read the same outlet (a tag page and its feed): the
    // combined feed carries each article once, or readers show it twice.
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.url.clone()));
    let info = FeedInfo {
        title: "refeed: all sources".into(),
        description: "Every source of this refeed, newest first".into(),
        link: state.base_url.to_string(),
        self_url: feed_url(&state.base_url, ALL_FEED_ID, format),
        updated: newest_change(&items),
    };
    Ok((info, items))
}

/// The feed's `updated`: its newest item change, or now when empty.
fn newest_change(items: &[StoredItem]) -> chrono::DateTime<Utc> {
    items
        .iter()
        .map(|i| i.updated)
        .max()
        .unwrap_or_else(Utc::now)
}

/// `GET /feeds/{file}`.
pub(super) async fn handler(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, HttpError> {
    let (id, format) = parse_file(&file)?;
    match render_feed(&state, id, format).await? {
        Some(body) => {
            let content_type = format!("{}; charset=utf-8", format.media_type());
            Ok(([(CONTENT_TYPE, content_type)], body).into_response())
        }
        None => Err(HttpError::NotFound(unknown_id(&state, id))),
    }
}

/// Splits `{id}.{ext}`; names are `{:?}`-quoted in messages so a `%0A` in the
/// path cannot break the one-line message.
fn parse_file(file: &str) -> Result<(&str, FeedFormat), HttpError> {
    let known = "known: .rss, .atom";
    let Some((id, extension)) = file.rsplit_once('.') else {
        return Err(HttpError::NotFound(format!(
            "no feed format in {file:?} ({known})"
        )));
    };
    match FeedFormat::from_extension(extension) {
        Some(format) => Ok((id, format)),
        None => Err(HttpError::NotFound(format!(
            "no feed format {extension:?} ({known})"
        ))),
    }
}

fn unknown_id(state: &AppState, id: &str) -> String {
    let ids = state.sources.iter().map(|s| s.id.as_str());
    let known: Vec<&str> = ids.chain([ALL_FEED_ID]).collect();
    format!("no feed {id:?} (known: {})", known.join(", "))
}

#[cfg(test)]
mod tests {
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
        let started = Utc::now();
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
        assert_eq!(body, "no feed format \"xml\" (known: .rss, .atom)\n");
        let (status, _, body) = get(&app, "/feeds/a%0Ab").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body.lines().count(), 1, "{body}");
    }
}
