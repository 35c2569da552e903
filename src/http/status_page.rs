//! `GET /status` (HTML) and `GET /status.json`: every configured source's
//! health, in config order (issue 5, "Visible health"); each source's row
//! links its own page, `/status/{id}` (`source_page`). Rendered per request
//! from the store and the scheduler's next runs, and never cached
//! (`Cache-Control: no-store`): health is live.
//!
//! What is shown is computed in `status` ([`StatusRow`]); this file only
//! renders it, with maud (`layout`): error messages quote outlets' servers
//! and URLs, and the template escapes every value. No JavaScript.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Serialize;
use url::Url;

use super::error::HttpError;
use super::layout::{Head, document, relative};
use super::status::{
    MethodRow, StatusRow, iso_time, serialize_time, status_rows, with_fleet_schedule,
};
use super::{AppState, ReloadFailure, source_status_url, status_url};
use crate::store::StoreError;

/// The table's own rules (after `layout`'s).
pub(super) const STYLE: &str = "
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid #8884; }
td.outcome { overflow-wrap: anywhere; max-width: 24rem; }
td.num { text-align: right; }
tr.stale-warning td { background: #f1c40f33; border-left: 4px solid #e67e22; }
.reload-failed { color: #c0392b; border-left: 4px solid #c0392b; padding-left: .6rem; }
tr.method-change td { font-size: .85rem; opacity: .85; border-left: 4px solid #3498db; }
dl.health { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.5rem; }
dl.health dt { font-weight: 600; }
dl.health dd { margin: 0; overflow-wrap: anywhere; }
";

/// `/status.json`: when it was generated, and one object per source.
#[derive(Serialize)]
struct StatusDocument {
    #[serde(serialize_with = "serialize_time")]
    generated_at: DateTime<Utc>,
    /// The latest config reload, when it failed (issue 12): the daemon
    /// runs on its previous config.
    #[serde(skip_serializing_if = "Option::is_none")]
    config_reload_failed: Option<ReloadFailureDocument>,
    sources: Vec<StatusRow>,
}

/// A failed reload in `/status.json`: `message` is what the page shows.
#[derive(Serialize)]
struct ReloadFailureDocument {
    message: String,
    #[serde(flatten)]
    failure: ReloadFailure,
}

/// The rows of every configured source, in config order.
async fn rows(state: &AppState) -> Result<Vec<StatusRow>, StoreError> {
    let health = state.store.source_health().await?;
    let sources = state.sources.load();
    let mut rows = status_rows(&sources, &health, |id| (state.next_runs)(id));
    with_shared_schedule(state, &mut rows).await?;
    Ok(rows)
}

/// On PostgreSQL, the rows' next runs (and running instances) as the
/// fleet's shared schedule holds them; nothing to do on SQLite, where the
/// daemon's own scheduler plans every run.
pub(super) async fn with_shared_schedule(
    state: &AppState,
    rows: &mut [StatusRow],
) -> Result<(), StoreError> {
    if state.store.is_shared() {
        let schedule = state.store.shared_schedule(Utc::now()).await?;
        with_fleet_schedule(rows, &schedule);
    }
    Ok(())
}

/// `GET /status`.
pub(super) async fn html(State(state): State<Arc<AppState>>) -> Result<Response, HttpError> {
    let rows = rows(&state).await?;
    let failure = state.reload.failure();
    let page = page(&state.base_url, &rows, failure.as_ref(), Utc::now());
    Ok(no_store(Html(page)))
}

/// `GET /status.json`.
pub(super) async fn json(State(state): State<Arc<AppState>>) -> Result<Response, HttpError> {
    let config_reload_failed = state.reload.failure().map(|failure| ReloadFailureDocument {
        message: failure.message(),
        failure,
    });
    let document = StatusDocument {
        config_reload_failed,
        sources: rows(&state).await?,
        generated_at: Utc::now(),
    };
    Ok(no_store(Json(document)))
}

/// `response` with `Cache-Control: no-store`.
pub(super) fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    let value = HeaderValue::from_static("no-store");
    response.headers_mut().insert(CACHE_CONTROL, value);
    response
}

/// When `row`'s source runs next, or where it runs now (PostgreSQL).
pub(super) fn next_run(row: &StatusRow, now: DateTime<Utc>) -> Markup {
    match &row.running_on {
        Some(instance) => html! { "running on " (instance) },
        None => html! { (relative(row.next_run, now, "not scheduled")) },
    }
}

fn page(
    base: &Url,
    rows: &[StatusRow],
    reload: Option<&ReloadFailure>,
    now: DateTime<Utc>,
) -> String {
    let head = Head {
        title: "refeed: source health",
        style: STYLE,
        extra: html! {},
    };
    let json = format!("{}.json", status_url(base));
    let body = html! {
        @if let Some(failure) = reload { (reload_banner(failure)) }
        h1 { "Source health" }
        p.lead {
            "As of " (relative(Some(now), now, "never")) ". "
            a href=(base.as_str()) { "All feeds" } " · " a href=(json) { "JSON" }
        }
        div.table {
            table {
                thead { tr {
                    @for name in ["Source", "Last attempt", "Outcome", "Last success", "Failures", "Items", "Method", "Next run"] {
                        th scope="col" { (name) }
                    }
                } }
                tbody {
                    @if rows.is_empty() { tr { td colspan="8" { "No sources are configured." } } }
                    @for row in rows { (source_rows(base, row, now)) }
                }
            }
        }
    };
    document(head, true, body)
}

/// The standing reload failure, one error a line.
fn reload_banner(failure: &ReloadFailure) -> Markup {
    html! {
        p.reload-failed role="alert" {
            strong { "config reload failed:" } " "
            @for (i, error) in failure.errors.iter().enumerate() {
                @if i > 0 { br; }
                (error)
            }
            br;
            small { "(at " (iso_time(failure.at)) "; refeed runs on with its previous config)" }
        }
    }
}

/// A source's row, followed by its method change, its failure notice and
/// its stale warning when they stand.
fn source_rows(base: &Url, row: &StatusRow, now: DateTime<Utc>) -> Markup {
    let id = &row.id;
    let items = row.items.map_or("–".into(), |n| n.to_string());
    html! {
        tr id=(id) class=(row.outcome.as_str()) {
            th scope="row" { a href=(source_status_url(base, id)) { (id) } }
            td { (relative(row.last_attempt, now, "never")) }
            td.outcome { (outcome(row, now)) }
            td { (relative(row.last_success, now, "never")) }
            td.num { (row.consecutive_failures) }
            td.num { (items) }
            td.method { (method(row.discovery.as_ref(), now)) }
            td { (next_run(row, now)) }
        }
        @if let Some(discovery) = &row.discovery {
            @if discovery.change.is_some() || discovery.wordpress_refused.is_some() {
                tr.method-change { td colspan="8" { (id) ": " (method_note(discovery)) } }
            }
        }
        @if let Some(failure) = &row.failure {
            tr id={ (id) "-failing-" (failure.since.timestamp_millis()) } class="stale-warning" {
                td colspan="8" {
                    strong { "Cannot fetch " (id) }
                    " since " (relative(Some(failure.since), now, "never"))
                    " (" (failure.failures) " failed attempts): " (failure.cause)
                }
            }
        }
        @if let Some(stale) = &row.stale {
            tr id={ (id) "-" (stale.since.timestamp_millis()) } class="stale-warning" {
                td colspan="8" {
                    strong { "Warning: " (id) " may be broken" }
                    " (since " (relative(Some(stale.since), now, "never")) "): " (stale.message)
                }
            }
        }
    }
}

/// The method cell: the method, and since when (`–` before a refresh
/// recorded one).
pub(super) fn method(discovery: Option<&MethodRow>, now: DateTime<Utc>) -> Markup {
    html! {
        @match discovery {
            Some(d) => { (d.method) " " small { "(since " (relative(Some(d.since), now, "")) ")" } }
            None => { "–" }
        }
    }
}

/// What a method row adds below a source: its last change, dated exactly
/// (`method changed from teasers to wordpress on <time>…</time>`), and a
/// WordPress API refusal (its text quotes the server).
pub(super) fn method_note(d: &MethodRow) -> Markup {
    let iso = iso_time(d.since);
    html! {
        @if let Some(change) = &d.change {
            (change) " on " time datetime=(iso) { (iso) }
            @if d.wordpress_refused.is_some() { "; " }
        }
        @if let Some(reason) = &d.wordpress_refused { "WordPress REST API not used: " (reason) }
    }
}

/// The outcome cell: its words, and a server's `Retry-After` when given.
pub(super) fn outcome(row: &StatusRow, now: DateTime<Utc>) -> Markup {
    html! {
        (row.outcome_text)
        @if let Some(at) = row.retry_at {
            " (server asked to wait until " (relative(Some(at), now, "")) ")"
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::http::status::OutcomeKind;

    fn row(id: &str) -> StatusRow {
        StatusRow {
            id: id.into(),
            outcome: OutcomeKind::Never,
            outcome_text: "never".into(),
            counts: None,
            last_attempt: None,
            last_success: None,
            consecutive_failures: 0,
            items: None,
            next_run: None,
            running_on: None,
            retry_at: None,
            stale: None,
            failure: None,
            discovery: None,
        }
    }

    #[test]
    fn a_retry_after_is_shown_beside_the_error() {
        let now = Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap();
        let failed = StatusRow {
            outcome: OutcomeKind::Error,
            outcome_text: "HTTP 429 <too many>".into(),
            retry_at: Some(now + chrono::Duration::minutes(30)),
            ..row("a")
        };
        let cell = outcome(&failed, now).into_string();
        assert!(
            cell.starts_with("HTTP 429 &lt;too many&gt; (server asked to wait until <time"),
            "{cell}"
        );
        assert!(cell.contains(">in 30 min</time>)"), "{cell}");
    }

    #[test]
    fn the_method_shows_since_when_and_its_change_below_the_row() {
        let now = Utc.with_ymd_and_hms(2024, 6, 3, 8, 0, 0).unwrap();
        let since = Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap();
        let found = crate::model::DiscoveryRecord {
            method: crate::model::Method::Wordpress,
            pattern: None,
            items: 10,
            wordpress_refused: None,
            since,
            previous: Some(crate::model::Method::Teasers),
        };
        let moved = StatusRow {
            discovery: Some(MethodRow::from(&found)),
            ..row("a<b")
        };
        let base = Url::parse("http://host/").unwrap();
        let html = source_rows(&base, &moved, now).into_string();
        assert!(
            html.contains("<td class=\"method\">wordpress <small>(since <time datetime=\"2024-06-01T08:00:00Z\" title=\"2024-06-01T08:00:00Z\">2 days ago</time>)</small></td>"),
            "{html}"
        );
        assert!(
            html.contains("<tr class=\"method-change\"><td colspan=\"8\">a&lt;b: method changed from teasers to wordpress on <time datetime=\"2024-06-01T08:00:00Z\">2024-06-01T08:00:00Z</time></td></tr>"),
            "{html}"
        );
        let refused = crate::model::DiscoveryRecord {
            method: crate::model::Method::Teasers,
            previous: None,
            wordpress_refused: Some("HTTP 403 <forbidden>".into()),
            ..found
        };
        let refused = StatusRow {
            discovery: Some(MethodRow::from(&refused)),
            ..row("b")
        };
        let html = source_rows(&base, &refused, now).into_string();
        assert!(
            html.contains(
                "<td colspan=\"8\">b: WordPress REST API not used: HTTP 403 &lt;forbidden&gt;</td>"
            ),
            "{html}"
        );
        let plain = source_rows(&base, &row("c"), now).into_string();
        assert!(!plain.contains("method-change"));
        assert!(plain.contains("<td class=\"method\">–</td>"));
    }

    #[test]
    fn page_without_sources_says_so_and_links_home_and_json() {
        let base = Url::parse("http://host/refeed").unwrap();
        let html = page(&base, &[], None, Utc::now());
        assert!(html.contains("No sources are configured."));
        assert!(
            html.contains("<a href=\"http://host/refeed\">All feeds</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"http://host/refeed/status.json\">JSON</a>"),
            "{html}"
        );
    }
}
