//! `GET /status/{id}`: one source's page: its health as `/status` shows it
//! (last attempt, failures, next run, stale warning), its feeds, and its
//! recent refresh attempts (started, duration, outcome with counts or
//! error, a server's `Retry-After`), newest first, at most
//! [`HISTORY_LIMIT`]. `404` for an id that is not configured. Never cached.
//!
//! The data is [`SourceDetail`] (`status`); this file only renders it, with
//! maud (`layout`), which escapes every value. No JavaScript.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{Html, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use url::Url;

use super::error::HttpError;
use super::layout::{Head, absolute, document, relative};
use super::status::{
    HISTORY_LIMIT, HistoryRow, SourceDetail, StatusRow, duration_text, source_row,
};
use super::status_page::{STYLE, method, method_note, no_store, outcome};
use super::{AppState, FeedFormat, feed_url, source_title, status_url};
use crate::store::StoreError;

/// `GET /status/{id}`.
pub(super) async fn handler(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, HttpError> {
    let Some(detail) = detail(&state, &id).await? else {
        return Err(HttpError::NotFound(format!("no source \"{id}\"")));
    };
    Ok(no_store(Html(page(&state.base_url, &detail, Utc::now()))))
}

/// What the page shows of source `id`; `None` when it is not configured.
pub async fn detail(state: &AppState, id: &str) -> Result<Option<SourceDetail>, StoreError> {
    let sources = state.sources.load();
    let Some(meta) = sources.iter().find(|s| s.id == id) else {
        return Ok(None);
    };
    let health = state.store.source_health_of(id).await?;
    let records = state.store.refresh_history(id, HISTORY_LIMIT).await?;
    let titles = state.store.source_titles().await?;
    let mut row = [source_row(meta, health.as_ref(), (state.next_runs)(id))];
    super::status_page::with_shared_schedule(state, &mut row).await?;
    let [health] = row;
    Ok(Some(SourceDetail {
        title: source_title(meta, &titles),
        url: meta.url.to_string(),
        health,
        history: records.iter().map(HistoryRow::from).collect(),
    }))
}

fn page(base: &Url, detail: &SourceDetail, now: DateTime<Utc>) -> String {
    let title = format!("refeed: {}", detail.title);
    let head = Head {
        title: &title,
        style: STYLE,
        extra: html! {},
    };
    let row = &detail.health;
    let body = html! {
        h1 { (detail.title) }
        p.lead {
            "Source " code { (row.id) } " reads " a href=(detail.url) { (detail.url) } ". "
            a href=(status_url(base)) { "All sources' health" } " · "
            a href=(base.as_str()) { "All feeds" }
        }
        p {
            "Feeds: "
            @for (i, format) in FeedFormat::ALL.into_iter().enumerate() {
                @if i > 0 { " · " }
                a href=(feed_url(base, &row.id, format)) { (format.label()) }
            }
        }
        (health(row, now))
        h2 { "Recent refreshes" }
        (history(&detail.history, now))
    };
    document(head, true, body)
}

/// The source's health as a list of facts.
fn health(row: &StatusRow, now: DateTime<Utc>) -> Markup {
    html! {
        h2 { "Health" }
        @if let Some(failure) = &row.failure {
            p.failed {
                strong { "Cannot fetch" } " since " (relative(Some(failure.since), now, ""))
                " (" (failure.failures) " failed attempts): " (failure.cause)
            }
        }
        @if let Some(stale) = &row.stale {
            p.failed { strong { "May be broken" } " (since " (relative(Some(stale.since), now, "")) "): " (stale.message) }
        }
        dl.health {
            dt { "Last attempt" } dd { (relative(row.last_attempt, now, "never")) ": " (outcome(row, now)) }
            dt { "Last success" } dd { (relative(row.last_success, now, "never")) }
            dt { "Failures in a row" } dd.failures { (row.consecutive_failures) }
            dt { "Items on the last page read" } dd { (row.items.map_or("–".into(), |n| n.to_string())) }
            dt { "Method" } dd { (method(row.discovery.as_ref(), now)) }
            @if let Some(discovery) = &row.discovery {
                @if discovery.change.is_some() || discovery.wordpress_refused.is_some() {
                    dt { "Method note" } dd { (method_note(discovery)) }
                }
            }
            dt { "Next run" } dd.next { (super::status_page::next_run(row, now)) }
        }
    }
}

/// The attempts, newest first.
fn history(rows: &[HistoryRow], now: DateTime<Utc>) -> Markup {
    html! {
        @if rows.is_empty() {
            p { "No refresh recorded yet." }
        } @else {
            div.table { table.history {
                thead { tr {
                    @for name in ["Started", "Duration", "Outcome", "Retry after"] { th scope="col" { (name) } }
                } }
                tbody {
                    @for row in rows {
                        tr class=(row.outcome.as_str()) {
                            td { (absolute(row.started)) }
                            td.num { (duration_text(row.duration_ms)) }
                            td.outcome { (row.outcome_text) }
                            td { (relative(row.retry_at, now, "–")) }
                        }
                    }
                }
            } }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use axum::http::header::CACHE_CONTROL;
    use chrono::TimeZone;

    use super::*;
    use crate::http::test_support::{app, content_type, get, refresh, source};

    const EVIL: &str = "<script>alert('x')</script> & \"co\"";
    const EVIL_ESCAPED: &str = "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;co&quot;";

    #[tokio::test]
    async fn a_source_page_shows_its_history_newest_first_escaped() {
        let app = app("http://host/refeed/", vec![source("a", Some(EVIL), 5)]).await;
        refresh(&app, "a", None, &[1, 2]).await;
        let started = Utc.with_ymd_and_hms(2024, 6, 1, 9, 0, 0).unwrap();
        let retry = Utc.with_ymd_and_hms(2024, 6, 1, 10, 0, 0).unwrap();
        let store = &app.state.store;
        store
            .record_failure("a", started, &format!("HTTP 503: {EVIL}"), Some(retry))
            .await
            .unwrap();

        let (status, headers, html) = get(&app, "/status/a").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type(&headers), "text/html; charset=utf-8");
        assert_eq!(headers[CACHE_CONTROL], "no-store");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains(&format!("<h1>{EVIL_ESCAPED}</h1>")), "{html}");
        let failed = html
            .find(&format!("HTTP 503: {EVIL_ESCAPED}</td>"))
            .unwrap();
        let ok = html.find(">2 seen, 2 new, 0 updated</td>").unwrap();
        assert!(failed < ok, "newest first: {html}");
        assert!(
            html.contains("datetime=\"2024-06-01T10:00:00Z\""),
            "retry: {html}"
        );
        assert!(html.contains("<dd class=\"failures\">1</dd>"), "{html}");
        assert!(
            html.contains("href=\"http://host/refeed/feeds/a.atom\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"http://host/refeed/status\""),
            "{html}"
        );
    }

    #[tokio::test]
    async fn an_unknown_source_is_404_and_a_new_one_has_no_history() {
        let app = app("http://host/", vec![source("a", None, 5)]).await;
        let (status, _, body) = get(&app, "/status/nope").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(body.contains("no source \"nope\""), "{body}");
        let (status, _, html) = get(&app, "/status/a").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("No refresh recorded yet."), "{html}");
        assert!(
            html.contains("<dd class=\"next\">not scheduled</dd>"),
            "{html}"
        );
    }
}
