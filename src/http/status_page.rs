//! `GET /status` (HTML) and `GET /status.json`: every configured source's
//! health, in config order (issue 5, "Visible health"). Rendered per request
//! from the store and the scheduler's next runs, and never cached
//! (`Cache-Control: no-store`): health is live.
//!
//! Error messages quote outlets' servers and URLs: every value goes through
//! [`escape`]. No JavaScript.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use super::error::HttpError;
use super::index::escape;
use super::status::{MethodRow, StatusRow, iso_time, relative_time, serialize_time, status_rows};
use super::{AppState, FeedFormat, ReloadFailure, feed_url, status_url};
use crate::store::StoreError;

const STYLE: &str = "
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
main { max-width: 72rem; margin: 2rem auto; padding: 0 1rem; }
.lead { opacity: .8; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid #8884; }
td.outcome { overflow-wrap: anywhere; max-width: 24rem; }
td.num { text-align: right; }
tr.error td.outcome { color: #c0392b; }
tr.stale-warning td { background: #f1c40f33; border-left: 4px solid #e67e22; }
.reload-failed { color: #c0392b; border-left: 4px solid #c0392b; padding-left: .6rem; }
tr.method-change td { font-size: .85rem; opacity: .85; border-left: 4px solid #3498db; }
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
    Ok(status_rows(&sources, &health, |id| (state.next_runs)(id)))
}

/// `GET /status`.
pub(super) async fn html(State(state): State<Arc<AppState>>) -> Result<Response, HttpError> {
    let rows = rows(&state).await?;
    let mut page = page(&state.base_url, &rows, Utc::now());
    if let Some(failure) = state.reload.failure() {
        page = page.replacen("<main>\n", &reload_banner(&failure), 1);
    }
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

fn no_store(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    let value = HeaderValue::from_static("no-store");
    response.headers_mut().insert(CACHE_CONTROL, value);
    response
}

fn page(base: &Url, rows: &[StatusRow], now: DateTime<Utc>) -> String {
    let body: String = match rows {
        [] => "<tr><td colspan=\"8\">No sources are configured.</td></tr>\n".into(),
        _ => rows.iter().map(|row| source_rows(base, row, now)).collect(),
    };
    let home = escape(base.as_str());
    let json = escape(&format!("{}.json", status_url(base)));
    let generated = time(Some(now), now, "never");
    format!(
        "<!doctype html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>refeed: source health</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>Source health</h1>
<p class=\"lead\">As of {generated}. <a href=\"{home}\">All feeds</a> · <a href=\"{json}\">JSON</a></p>
<div class=\"table\">
<table>
<thead><tr><th scope=\"col\">Source</th><th scope=\"col\">Last attempt</th><th scope=\"col\">Outcome</th><th scope=\"col\">Last success</th><th scope=\"col\">Failures</th><th scope=\"col\">Items</th><th scope=\"col\">Method</th><th scope=\"col\">Next run</th></tr></thead>
<tbody>
{body}</tbody>
</table>
</div>
</main>
</body>
</html>
"
    )
}

/// `<main>` opening with the standing reload failure, one error a line.
fn reload_banner(failure: &ReloadFailure) -> String {
    let errors: Vec<String> = failure.errors.iter().map(|e| escape(e)).collect();
    format!(
        "<main>\n<p class=\"reload-failed\" role=\"alert\"><strong>config reload failed:</strong> \
{errors}<br>\n<small>(at {at}; refeed runs on with its previous config)</small></p>\n",
        at = iso_time(failure.at),
        errors = errors.join("<br>\n"),
    )
}

/// A source's row, followed by its stale warning when one stands.
fn source_rows(base: &Url, row: &StatusRow, now: DateTime<Utc>) -> String {
    let id = escape(&row.id);
    let feed = escape(&feed_url(base, &row.id, FeedFormat::Atom));
    let items = row.items.map_or("–".into(), |n| n.to_string());
    let mut html = format!(
        "<tr id=\"{id}\" class=\"{class}\">\
<th scope=\"row\"><a href=\"{feed}\">{id}</a></th>\
<td>{attempt}</td><td class=\"outcome\">{outcome}</td><td>{success}</td>\
<td class=\"num\">{failures}</td><td class=\"num\">{items}</td>\
<td class=\"method\">{method}</td><td>{next}</td></tr>\n",
        class = row.outcome.as_str(),
        attempt = time(row.last_attempt, now, "never"),
        outcome = outcome(row, now),
        success = time(row.last_success, now, "never"),
        failures = row.consecutive_failures,
        method = method(row.discovery.as_ref(), now),
        next = time(row.next_run, now, "not scheduled"),
    );
    if let Some(note) = row.discovery.as_ref().and_then(method_note) {
        html.push_str(&format!(
            "<tr class=\"method-change\"><td colspan=\"8\">{id}: {note}</td></tr>\n"
        ));
    }
    if let Some(failure) = &row.failure {
        html.push_str(&format!(
            "<tr id=\"{id}-failing-{millis}\" class=\"stale-warning\"><td colspan=\"8\">\
<strong>Cannot fetch {id}</strong> since {since} ({failures} failed attempts): {cause}</td></tr>\n",
            millis = failure.since.timestamp_millis(),
            since = time(Some(failure.since), now, "never"),
            failures = failure.failures,
            cause = escape(&failure.cause),
        ));
    }
    if let Some(stale) = &row.stale {
        html.push_str(&format!(
            "<tr id=\"{id}-{millis}\" class=\"stale-warning\"><td colspan=\"8\">\
<strong>Warning: {id} may be broken</strong> (since {since}): {message}</td></tr>\n",
            millis = stale.since.timestamp_millis(),
            since = time(Some(stale.since), now, "never"),
            message = escape(&stale.message),
        ));
    }
    html
}

/// The method cell: the method, and since when (`–` before a refresh
/// recorded one).
fn method(discovery: Option<&MethodRow>, now: DateTime<Utc>) -> String {
    match discovery {
        Some(d) => format!(
            "{} <small>(since {})</small>",
            d.method,
            time(Some(d.since), now, "")
        ),
        None => "–".into(),
    }
}

/// What a method row adds below a source: its last change, dated exactly
/// (`method changed from teasers to wordpress on <time>…</time>`), and a
/// WordPress API refusal (its text quotes the server: escaped).
fn method_note(d: &MethodRow) -> Option<String> {
    let iso = iso_time(d.since);
    let change = d
        .change
        .as_ref()
        .map(|change| format!("{change} on <time datetime=\"{iso}\">{iso}</time>"));
    let refused = d
        .wordpress_refused
        .as_ref()
        .map(|reason| format!("WordPress REST API not used: {}", escape(reason)));
    let parts: Vec<String> = change.into_iter().chain(refused).collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The outcome cell: its words, and a server's `Retry-After` when given.
fn outcome(row: &StatusRow, now: DateTime<Utc>) -> String {
    let text = escape(&row.outcome_text);
    match row.retry_at {
        Some(at) => format!(
            "{text} (server asked to wait until {})",
            time(Some(at), now, "")
        ),
        None => text,
    }
}

/// `3 min ago`, with the exact UTC time in `datetime` and a tooltip.
fn time(at: Option<DateTime<Utc>>, now: DateTime<Utc>, missing: &str) -> String {
    match at {
        Some(at) => {
            let iso = iso_time(at);
            let relative = relative_time(at, now);
            format!("<time datetime=\"{iso}\" title=\"{iso}\">{relative}</time>")
        }
        None => missing.to_string(),
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
            retry_at: None,
            stale: None,
            failure: None,
            discovery: None,
        }
    }

    #[test]
    fn times_are_relative_with_the_exact_utc_time_as_tooltip() {
        let now = Utc.with_ymd_and_hms(2024, 6, 1, 8, 3, 0).unwrap();
        let at = Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap();
        assert_eq!(
            time(Some(at), now, "never"),
            "<time datetime=\"2024-06-01T08:00:00Z\" title=\"2024-06-01T08:00:00Z\">3 min ago</time>"
        );
        assert_eq!(time(None, now, "never"), "never");
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
        let cell = outcome(&failed, now);
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
        let html = source_rows(&base, &moved, now);
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
        let html = source_rows(&base, &refused, now);
        assert!(
            html.contains(
                "<td colspan=\"8\">b: WordPress REST API not used: HTTP 403 &lt;forbidden&gt;</td>"
            ),
            "{html}"
        );
        assert!(!source_rows(&base, &row("c"), now).contains("method-change"));
        assert!(source_rows(&base, &row("c"), now).contains("<td class=\"method\">–</td>"));
    }

    #[test]
    fn page_without_sources_says_so_and_links_home_and_json() {
        let base = Url::parse("http://host/refeed").unwrap();
        let html = page(&base, &[], Utc::now());
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
