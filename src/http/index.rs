//! `GET /`: the index page. Lists every source with its feed links and the
//! result of its last refresh, links the status page (`/status`), and
//! carries autodiscovery `<link rel="alternate">` tags so a reader given the
//! page URL finds every feed.
//!
//! Titles and error messages come from outlets and their servers: every
//! piece of text and every attribute goes through [`escape`]. No JavaScript.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Html;
use chrono::{DateTime, Utc};
use url::Url;

use super::error::HttpError;
use super::status::{describe_outcome, iso_time};
use super::{ALL_FEED_ID, AppState, FeedFormat, feed_url, source_title, status_url};
use crate::model::{RefreshRecord, SourceMeta};

/// Plain, readable, light/dark aware; no external resources.
const STYLE: &str = "
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
main { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: 0; }
.lead { margin-top: 0; opacity: .8; }
.source, .all { border-top: 1px solid #8884; padding: .5rem 0 1rem; }
h3 { margin: .5rem 0 0; }
.origin { margin: 0; font-size: .9rem; overflow-wrap: anywhere; }
ul.feeds { list-style: none; padding: 0; margin: .5rem 0; }
ul.feeds li { overflow-wrap: anywhere; }
ul.feeds a { display: inline-block; min-width: 3.5rem; font-weight: 600; }
code { font-size: .85rem; opacity: .8; }
.status { margin: 0; font-size: .9rem; }
.failed { color: #c0392b; }
";

/// A source as the page shows it.
struct Listed<'a> {
    meta: &'a SourceMeta,
    title: String,
    refresh: Option<&'a RefreshRecord>,
}

/// `GET /`.
pub(super) async fn handler(State(state): State<Arc<AppState>>) -> Result<Html<String>, HttpError> {
    let titles = state.store.source_titles().await?;
    let refreshes = state.store.last_refreshes().await?;
    let sources = state.sources.load();
    let listed: Vec<Listed> = sources
        .iter()
        .map(|meta| Listed {
            meta,
            title: source_title(meta, &titles),
            refresh: refreshes.get(&meta.id),
        })
        .collect();
    Ok(Html(page(&state.base_url, &listed)))
}

fn page(base: &Url, sources: &[Listed]) -> String {
    let mut discovery = discovery_links(base, ALL_FEED_ID, "All sources");
    for source in sources {
        discovery.push_str(&discovery_links(base, &source.meta.id, &source.title));
    }
    let list: String = match sources {
        [] => "<p>No sources are configured.</p>\n".into(),
        _ => sources.iter().map(|s| source_block(base, s)).collect(),
    };
    let all_feeds = feed_list(base, ALL_FEED_ID);
    let count = match sources.len() {
        1 => "1 source".to_string(),
        n => format!("{n} sources"),
    };
    let status = escape(&status_url(base));
    format!(
        "<!doctype html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>refeed</title>
{discovery}<style>{STYLE}</style>
</head>
<body>
<main>
<h1>refeed</h1>
<p class=\"lead\">{count} republished as clean feeds. Paste a feed address into your feed reader.
<a href=\"{status}\">Source health</a> shows each source's last attempt, failures and next run.</p>
<section class=\"all\">
<h2>All sources</h2>
<p class=\"origin\">Every source in one feed, newest first.</p>
{all_feeds}</section>
<h2>Sources</h2>
{list}</main>
</body>
</html>
"
    )
}

/// `<link rel="alternate">` for each format of one feed.
fn discovery_links(base: &Url, id: &str, title: &str) -> String {
    FeedFormat::ALL
        .iter()
        .map(|&format| {
            format!(
                "<link rel=\"alternate\" type=\"{}\" title=\"{} ({})\" href=\"{}\">\n",
                format.media_type(),
                escape(title),
                format.label(),
                escape(&feed_url(base, id, format)),
            )
        })
        .collect()
}

/// The feed links of one feed, each with its address shown for copying.
fn feed_list(base: &Url, id: &str) -> String {
    let items: String = FeedFormat::ALL
        .iter()
        .map(|&format| {
            let url = escape(&feed_url(base, id, format));
            let label = format.label();
            format!("<li><a href=\"{url}\">{label}</a> <code>{url}</code></li>\n")
        })
        .collect();
    format!("<ul class=\"feeds\">\n{items}</ul>\n")
}

fn source_block(base: &Url, source: &Listed) -> String {
    let origin = escape(source.meta.url.as_str());
    format!(
        "<article class=\"source\" id=\"{id}\">
<h3>{title}</h3>
<p class=\"origin\">from <a href=\"{origin}\">{origin}</a></p>
{feeds}{status}</article>
",
        id = escape(&source.meta.id),
        title = escape(&source.title),
        feeds = feed_list(base, &source.meta.id),
        status = refresh_status(source.refresh),
    )
}

/// The last refresh: when, and its counts or its error.
fn refresh_status(refresh: Option<&RefreshRecord>) -> String {
    let Some(record) = refresh else {
        return "<p class=\"status pending\">Not refreshed yet.</p>\n".into();
    };
    let when = time(record.finished);
    let outcome = escape(&describe_outcome(Some(record)));
    match &record.outcome {
        Ok(_) => format!("<p class=\"status ok\">Refreshed {when}: {outcome}.</p>\n"),
        Err(_) => format!("<p class=\"status failed\">Refresh failed {when}: {outcome}</p>\n"),
    }
}

fn time(at: DateTime<Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        iso_time(at),
        at.format("%Y-%m-%d %H:%M UTC")
    )
}

/// Escapes text for HTML element content and quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use chrono::TimeZone;

    use super::*;
    use crate::http::test_support::{self, app, content_type, get, refresh};
    use crate::model::RefreshCounts;

    const BASE: &str = "http://host/refeed/";
    const EVIL: &str = "<script>alert('x')</script> & \"co\"";
    const EVIL_ESCAPED: &str =
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;";

    fn record(outcome: Result<RefreshCounts, String>) -> RefreshRecord {
        let at = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
        RefreshRecord {
            source_id: "a".into(),
            started: at,
            finished: at,
            outcome,
            retry_at: None,
        }
    }

    fn render(title: &str, refresh: Option<&RefreshRecord>) -> String {
        let meta = test_support::source("a", None, 5);
        let listed = [Listed {
            meta: &meta,
            title: title.into(),
            refresh,
        }];
        page(&Url::parse(BASE).unwrap(), &listed)
    }

    #[test]
    fn escape_covers_text_and_attribute_metacharacters() {
        assert_eq!(escape(EVIL), EVIL_ESCAPED);
    }

    #[test]
    fn page_escapes_outlet_titles_and_error_messages() {
        let failed = record(Err(format!("HTTP 500: {EVIL}")));
        let html = render(EVIL, Some(&failed));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains(&format!("<h3>{EVIL_ESCAPED}</h3>")));
        assert!(html.contains(&format!("title=\"{EVIL_ESCAPED} (RSS)\"")));
        assert!(html.contains(&format!("Refresh failed <time datetime=\"2024-05-06T07:08:09Z\">2024-05-06 07:08 UTC</time>: HTTP 500: {EVIL_ESCAPED}</p>")));
    }

    #[test]
    fn page_links_every_feed_absolutely_with_autodiscovery() {
        let html = render("Outlet A", None);
        for (id, ext, kind, title) in [
            ("a", "rss", "application/rss+xml", "Outlet A (RSS)"),
            ("a", "atom", "application/atom+xml", "Outlet A (Atom)"),
            ("all", "rss", "application/rss+xml", "All sources (RSS)"),
            ("all", "atom", "application/atom+xml", "All sources (Atom)"),
        ] {
            let url = format!("http://host/refeed/feeds/{id}.{ext}");
            let tag = format!(
                "<link rel=\"alternate\" type=\"{kind}\" title=\"{title}\" href=\"{url}\">"
            );
            let head = &html[..html.find("</head>").unwrap()];
            assert!(head.contains(&tag), "{tag} missing in {head}");
            assert!(html.contains(&format!("<a href=\"{url}\">")), "{url}");
        }
        assert!(html.contains("<a href=\"https://a.example/news/\">"));
        assert!(html.contains("Not refreshed yet."));
        assert!(html.contains("1 source republished"));
    }

    #[test]
    fn page_shows_the_counts_of_a_successful_refresh() {
        let counts = RefreshCounts {
            seen: 12,
            new: 3,
            updated: 1,
            not_modified: false,
            ..RefreshCounts::default()
        };
        let html = render("Outlet A", Some(&record(Ok(counts))));
        assert!(html.contains("Refreshed <time datetime=\"2024-05-06T07:08:09Z\">2024-05-06 07:08 UTC</time>: 12 seen, 3 new, 1 updated."), "{html}");
    }

    #[test]
    fn page_says_a_304_changed_nothing_and_links_the_status_page() {
        let counts = RefreshCounts {
            not_modified: true,
            ..RefreshCounts::default()
        };
        let html = render("Outlet A", Some(&record(Ok(counts))));
        assert!(
            html.contains("</time>: not modified (nothing changed).</p>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"http://host/refeed/status\">Source health</a>"),
            "{html}"
        );
    }

    #[test]
    fn page_without_sources_says_so() {
        let html = page(&Url::parse(BASE).unwrap(), &[]);
        assert!(html.contains("No sources are configured."));
        assert!(html.contains("0 sources republished"));
        assert!(html.contains("http://host/refeed/feeds/all.rss"));
    }

    #[tokio::test]
    async fn index_lists_sources_from_config_and_store() {
        let sources = vec![
            test_support::source("a", Some(EVIL), 5),
            test_support::source("b", None, 5),
            test_support::source("c", None, 5),
        ];
        let app = app("http://host/refeed", sources).await;
        refresh(&app, "b", Some("Scraped <B>"), &[1, 2]).await;
        let started = Utc.with_ymd_and_hms(2024, 6, 1, 9, 0, 0).unwrap();
        let store = &app.state.store;
        store
            .record_failure("c", started, "timed out <after 30 s>", None)
            .await
            .unwrap();

        let (status, headers, html) = get(&app, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type(&headers), "text/html; charset=utf-8");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains(&format!("<h3>{EVIL_ESCAPED}</h3>")));
        assert!(html.contains("<h3>Scraped &lt;B&gt;</h3>"));
        assert!(html.contains(": 2 seen, 2 new, 0 updated."), "{html}");
        assert!(html.contains(": timed out &lt;after 30 s&gt;</p>"));
        for id in ["a", "b", "c", "all"] {
            let url = format!("http://host/refeed/feeds/{id}.atom");
            assert!(html.contains(&format!("href=\"{url}\">")), "{id}");
        }
    }
}
