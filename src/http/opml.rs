//! `GET /feeds.opml`: an OPML 2.0 list of every feed in every format, so a
//! reader imports all sources in one step. `refeed opml` prints the same
//! document.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::error::HttpError;
use super::{ALL_FEED_ID, AppState, FeedFormat, feed_url, source_title};
use crate::feed::{self, OpmlEntry};
use crate::store::StoreError;

/// The OPML document's title.
const OPML_TITLE: &str = "refeed subscriptions";

/// The OPML subscription list: the combined feed, then each source, each in
/// every format.
pub async fn opml_document(state: &AppState) -> Result<String, StoreError> {
    let titles = state.store.source_titles().await?;
    let base = &state.base_url;
    let mut entries = entries("refeed: all sources", ALL_FEED_ID, base.as_str(), state);
    for source in state.sources.load().iter() {
        let title = source_title(source, &titles);
        entries.extend(self::entries(
            &title,
            &source.id,
            source.url.as_str(),
            state,
        ));
    }
    Ok(feed::opml(OPML_TITLE, &entries, Utc::now()))
}

/// One entry per format of the feed `id`.
fn entries(title: &str, id: &str, html_url: &str, state: &AppState) -> Vec<OpmlEntry> {
    FeedFormat::ALL
        .iter()
        .map(|&format| OpmlEntry {
            title: format!("{title} ({})", format.label()),
            xml_url: feed_url(&state.base_url, id, format),
            html_url: html_url.to_string(),
            kind: "rss",
        })
        .collect()
}

/// `GET /feeds.opml`.
pub(super) async fn handler(State(state): State<Arc<AppState>>) -> Result<Response, HttpError> {
    let body = opml_document(&state).await?;
    Ok(([(CONTENT_TYPE, "text/x-opml; charset=utf-8")], body).into_response())
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;
    use crate::http::test_support::{app, content_type, get, refresh, source};

    #[test]
    fn entries_cover_every_format_with_absolute_urls() {
        let state_urls: Vec<String> = FeedFormat::ALL
            .iter()
            .map(|&f| feed_url(&url::Url::parse("http://h/r/").unwrap(), "a", f))
            .collect();
        assert_eq!(
            state_urls,
            [
                "http://h/r/feeds/a.rss",
                "http://h/r/feeds/a.atom",
                "http://h/r/feeds/a.json"
            ]
        );
    }

    #[tokio::test]
    async fn opml_lists_every_feed_in_every_format() {
        let app = app(
            "http://h/r/",
            vec![source("a", None, 5), source("b", Some("Bee"), 5)],
        )
        .await;
        refresh(&app, "a", Some("Scraped A"), &[1]).await;
        let (status, headers, body) = get(&app, "/feeds.opml").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type(&headers), "text/x-opml; charset=utf-8");
        for id in ["all", "a", "b"] {
            for ext in ["rss", "atom", "json"] {
                let url = format!("http://h/r/feeds/{id}.{ext}");
                assert!(
                    body.contains(&format!("xmlUrl=\"{url}\"")),
                    "{url} in {body}"
                );
            }
        }
        assert!(body.contains("Scraped A (JSON Feed)"), "{body}");
        assert!(body.contains("Bee (Atom)"), "{body}");
    }
}
