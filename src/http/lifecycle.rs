//! Feeds of sources that are no longer configured (issue 12, point 8): a
//! source renamed by `previous_ids` answers `301 Moved Permanently` to its
//! new feed URL (format and query kept), one removed from the config
//! answers `410 Gone` with a line saying so, and an id the database never
//! knew stays a 404. Asked only when the id is not configured (one or two
//! primary-key lookups), never for a served feed.

use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::response::{IntoResponse, Response};

use super::error::HttpError;
use super::{AppState, FeedFormat, feed_url};
use crate::model::SourceFate;

/// The answer for feed `id` in `format`, which no configured source has,
/// requested with `query`: a redirect or a 410, or `None` for a 404.
pub(super) async fn moved_or_gone(
    state: &AppState,
    id: &str,
    format: FeedFormat,
    query: Option<&str>,
) -> Result<Option<Response>, HttpError> {
    let sources = state.sources.load();
    let configured = |id: &str| sources.iter().any(|s| s.id == id);
    Ok(match state.store.source_fate(id).await? {
        SourceFate::Renamed(new) if configured(&new) => {
            let mut location = feed_url(&state.base_url, &new, format);
            if let Some(query) = query.filter(|q| !q.is_empty()) {
                location.push('?');
                location.push_str(query);
            }
            Some(moved(location))
        }
        SourceFate::Renamed(_) | SourceFate::Removed => {
            let message =
                format!("feed {id:?} is gone: its source was removed from refeed's config");
            Some(HttpError::Gone(message).into_response())
        }
        SourceFate::Unknown => None,
    })
}

/// `301` to `location`, with a line naming it for people.
fn moved(location: String) -> Response {
    let body = format!("moved to {location}\n");
    let headers = [
        (CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
        (LOCATION, location),
    ];
    (StatusCode::MOVED_PERMANENTLY, headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use chrono::Utc;

    use crate::http::test_support::{app, get, refresh, source};

    const BASE: &str = "https://example.org/news/";

    #[tokio::test]
    async fn a_renamed_feed_moves_a_removed_one_is_gone_an_unknown_one_is_404() {
        let app = app(BASE, vec![source("new", None, 5)]).await;
        refresh(&app, "old", None, &[1]).await;
        refresh(&app, "removed", None, &[2]).await;
        let store = &app.state.store;
        let renames = [("old".to_owned(), "new".to_owned())];
        store.rename_sources(&renames, Utc::now()).await.unwrap();
        store
            .mark_removed(&["new".to_owned()], Utc::now())
            .await
            .unwrap();

        let (status, headers, _) = get(&app, "/feeds/old.atom?limit=5&q=x").await;
        assert_eq!(status, StatusCode::MOVED_PERMANENTLY);
        let want = "https://example.org/news/feeds/new.atom?limit=5&q=x";
        assert_eq!(headers["location"], want);
        let (_, headers, _) = get(&app, "/feeds/old.json").await;
        assert_eq!(
            headers["location"],
            "https://example.org/news/feeds/new.json"
        );

        for format in ["rss", "atom", "json"] {
            let (status, _, body) = get(&app, &format!("/feeds/removed.{format}")).await;
            assert_eq!(status, StatusCode::GONE, "{format}");
            assert_eq!(
                body,
                "feed \"removed\" is gone: its source was removed from refeed's config\n"
            );
        }
        let (status, _, _) = get(&app, "/feeds/never.rss").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, body) = get(&app, "/feeds/new.rss").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            body.contains("new item 1") || body.contains("old item 1"),
            "{body}"
        );
    }
}
