//! `GET /feeds.opml`: an OPML 2.0 list of the combined feed and every
//! source, each once, in Atom (or `?format=rss|json`), so a reader imports
//! all sources in one step. `refeed opml` prints the Atom document.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::error::HttpError;
use super::snapshot::site_of;
use super::{ALL_FEED_ID, AppState, FeedFormat, feed_url, source_title};
use crate::feed::{self, OpmlEntry};
use crate::store::StoreError;

/// The OPML document's title.
const OPML_TITLE: &str = "refeed subscriptions";

/// The OPML subscription list in Atom, the default format: see
/// [`opml_document_in`].
pub async fn opml_document(state: &AppState) -> Result<String, StoreError> {
    opml_document_in(state, FeedFormat::Atom).await
}

/// The OPML subscription list: the combined feed, then each source, once
/// each, in `format` (a reader importing every format would subscribe to
/// each source three times). A source's `htmlUrl` is the outlet's site as
/// its own feed names it, else its page.
pub async fn opml_document_in(state: &AppState, format: FeedFormat) -> Result<String, StoreError> {
    let titles = state.store.source_titles().await?;
    let sites = state.store.source_sites().await?;
    let base = &state.base_url;
    let mut entries = vec![entry(
        "refeed: all sources",
        ALL_FEED_ID,
        base.as_str(),
        state,
        format,
    )];
    for source in state.sources.load().iter() {
        let title = source_title(source, &titles);
        let site = site_of(source, &sites);
        entries.push(entry(&title, &source.id, &site, state, format));
    }
    Ok(feed::opml(OPML_TITLE, &entries, Utc::now()))
}

/// The entry of the feed `id` in `format`.
fn entry(title: &str, id: &str, html_url: &str, state: &AppState, format: FeedFormat) -> OpmlEntry {
    OpmlEntry {
        title: title.to_owned(),
        xml_url: feed_url(&state.base_url, id, format),
        html_url: html_url.to_string(),
        kind: "rss",
    }
}

/// The format asked for with `?format=atom|rss|json`; Atom when absent.
/// Other parameters are ignored.
fn format_param(raw: Option<&str>) -> Result<FeedFormat, HttpError> {
    let asked = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .find(|(key, _)| key == "format")
        .map(|(_, value)| value.into_owned());
    match asked {
        None => Ok(FeedFormat::Atom),
        Some(value) => FeedFormat::from_extension(&value).ok_or_else(|| {
            HttpError::BadRequest(format!(
                "unknown format {value:?}: use format=atom, format=rss or format=json"
            ))
        }),
    }
}

/// `GET /feeds.opml[?format=atom|rss|json]`.
pub(super) async fn handler(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, HttpError> {
    let format = format_param(query.as_deref())?;
    let body = opml_document_in(&state, format).await?;
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
    async fn opml_lists_each_feed_once_in_the_format_asked() {
        let app = app(
            "http://h/r/",
            vec![source("a", None, 5), source("b", Some("Bee"), 5)],
        )
        .await;
        refresh(&app, "a", Some("Scraped A"), &[1]).await;
        for (query, ext) in [
            ("", "atom"),
            ("?format=rss", "rss"),
            ("?format=json", "json"),
            ("?format=atom", "atom"),
        ] {
            let (status, headers, body) = get(&app, &format!("/feeds.opml{query}")).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(content_type(&headers), "text/x-opml; charset=utf-8");
            assert_eq!(body.matches("<outline").count(), 3, "{body}");
            for id in ["all", "a", "b"] {
                let url = format!("http://h/r/feeds/{id}.{ext}");
                assert_eq!(
                    body.matches(&format!("xmlUrl=\"{url}\"")).count(),
                    1,
                    "{url} in {body}"
                );
            }
            assert!(body.contains("title=\"Scraped A\""), "{body}");
            assert!(body.contains("title=\"Bee\""), "{body}");
        }
        let (status, _, body) = get(&app, "/feeds.opml?format=xml").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("format=atom"), "{body}");
    }
}
