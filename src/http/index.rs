//! `GET /`: the index page. Lists every source with its title, how many
//! items it holds, its latest headlines (linked), its feed links and the
//! result of its last refresh; says which feed format to pick; links the
//! OPML list and the status page (`/status`); and carries autodiscovery
//! `<link rel="alternate">` tags so a reader given the page URL finds every
//! feed.
//!
//! Rendered with maud (`layout`): every title, headline, URL and error
//! message is escaped by the template. No JavaScript.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Html;
use maud::{Markup, html};
use url::Url;

use super::error::HttpError;
use super::layout::{Head, absolute, document};
use super::status::describe_outcome;
use super::{
    ALL_FEED_ID, AppState, FeedFormat, feed_url, opml_url, source_status_url, source_title,
    status_url,
};
use crate::model::{RefreshRecord, SourceMeta, StoredItem};

/// Headlines shown per source.
const HEADLINES: u32 = 3;

/// The index's own rules (after `layout`'s).
const STYLE: &str = "
.source, .all, .formats { border-top: 1px solid #8884; padding: .5rem 0 1rem; }
h3 { margin: .5rem 0 0; }
.origin, .status, .count { margin: 0; font-size: .9rem; overflow-wrap: anywhere; }
ul.feeds { list-style: none; padding: 0; margin: .5rem 0; }
ul.feeds li { overflow-wrap: anywhere; }
ul.feeds a { display: inline-block; min-width: 5.5rem; font-weight: 600; }
ul.headlines { margin: .25rem 0; padding-left: 1.2rem; }
dl.formats dt { font-weight: 600; }
dl.formats dd { margin: 0 0 .4rem 1rem; }
";

/// A source as the page shows it.
struct Listed<'a> {
    meta: &'a SourceMeta,
    title: String,
    refresh: Option<&'a RefreshRecord>,
    items: u64,
    headlines: Vec<StoredItem>,
}

/// `GET /`. Costs one query per source for its headlines (an index range
/// of [`HEADLINES`] rows each) plus three for the whole page.
pub(super) async fn handler(State(state): State<Arc<AppState>>) -> Result<Html<String>, HttpError> {
    let titles = state.store.source_titles().await?;
    let refreshes = state.store.last_refreshes().await?;
    let counts = state.store.item_counts().await?;
    let sources = state.sources.load();
    let mut listed = Vec::with_capacity(sources.len());
    for meta in sources.iter() {
        listed.push(Listed {
            meta,
            title: source_title(meta, &titles),
            refresh: refreshes.get(&meta.id),
            items: counts.get(&meta.id).copied().unwrap_or(0),
            headlines: state.store.headlines(&meta.id, HEADLINES).await?,
        });
    }
    Ok(Html(page(&state.base_url, &listed)))
}

fn page(base: &Url, sources: &[Listed]) -> String {
    let count = match sources.len() {
        1 => "1 source".to_string(),
        n => format!("{n} sources"),
    };
    let extra = html! {
        (discovery_links(base, ALL_FEED_ID, "All sources"))
        @for source in sources { (discovery_links(base, &source.meta.id, &source.title)) }
    };
    let head = Head {
        title: "refeed",
        style: STYLE,
        extra,
    };
    let body = html! {
        h1 { "refeed" }
        p.lead {
            (count) " republished as clean feeds. Paste a feed address into your feed reader, or import "
            a href=(opml_url(base)) { "every feed at once (OPML)" } ". "
            a href=(status_url(base)) { "Source health" }
            " shows each source's last attempt, failures and next run."
        }
        (formats())
        section.all {
            h2 { "All sources" }
            p.origin { "Every source in one feed, newest first." }
            (feed_list(base, ALL_FEED_ID))
        }
        h2 { "Sources" }
        @if sources.is_empty() { p { "No sources are configured." } }
        @for source in sources { (source_block(base, source)) }
    };
    document(head, false, body)
}

/// Which format to pick.
fn formats() -> Markup {
    html! {
        section.formats {
            h2 { "Which format?" }
            dl.formats {
                dt { "Atom" }
                dd { "For most feed readers (Feedly, Inoreader, NetNewsWire, Thunderbird, newsboat and the like): the most precise of the three, with exact dates and full text." }
                dt { "RSS" }
                dd { "For old readers and tools that know only RSS 2.0." }
                dt { "JSON Feed" }
                dd { "For scripts and the readers that support it (NetNewsWire, Feedbin, Reeder); plain JSON, no XML parser needed." }
            }
        }
    }
}

/// `<link rel="alternate">` for each format of one feed.
fn discovery_links(base: &Url, id: &str, title: &str) -> Markup {
    html! {
        @for format in FeedFormat::ALL {
            link rel="alternate" type=(format.media_type())
                title={ (title) " (" (format.label()) ")" } href=(feed_url(base, id, format));
        }
    }
}

/// The feed links of one feed, each with its address shown for copying.
fn feed_list(base: &Url, id: &str) -> Markup {
    html! {
        ul.feeds {
            @for format in FeedFormat::ALL {
                @let url = feed_url(base, id, format);
                li { a href=(url) { (format.label()) } " " code { (url) } }
            }
        }
    }
}

fn source_block(base: &Url, source: &Listed) -> Markup {
    let items = match source.items {
        1 => "1 item".to_string(),
        n => format!("{n} items"),
    };
    html! {
        article.source id=(source.meta.id) {
            h3 { (source.title) }
            p.origin { "from " a href=(source.meta.url.as_str()) { (source.meta.url.as_str()) } }
            p.count { (items) @if !source.headlines.is_empty() { ", latest:" } }
            @if !source.headlines.is_empty() {
                ul.headlines {
                    @for item in &source.headlines { li { a href=(item.link) { (item.title) } } }
                }
            }
            (feed_list(base, &source.meta.id))
            (refresh_status(source.refresh, &source_status_url(base, &source.meta.id)))
        }
    }
}

/// The last refresh: when, and its counts or its error; links the source's
/// refresh history.
fn refresh_status(refresh: Option<&RefreshRecord>, history: &str) -> Markup {
    let outcome = describe_outcome(refresh);
    html! {
        @match refresh {
            None => { p.status.pending { "Not refreshed yet." } }
            Some(record) if record.outcome.is_ok() => {
                p.status.ok {
                    "Refreshed " (absolute(record.finished)) ": " (outcome) ". "
                    a href=(history) { "History" }
                }
            }
            Some(record) => {
                p.status.failed {
                    "Refresh failed " (absolute(record.finished)) ": " (outcome) " "
                    a href=(history) { "History" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::http::test_support::{self, app, content_type, get, refresh};
    use crate::model::RefreshCounts;

    const BASE: &str = "http://host/refeed/";
    const EVIL: &str = "<script>alert('x')</script> & \"co\"";
    const EVIL_ESCAPED: &str = "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &quot;co&quot;";

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
            items: 0,
            headlines: Vec::new(),
        }];
        page(&Url::parse(BASE).unwrap(), &listed)
    }

    #[test]
    fn page_escapes_outlet_titles_and_error_messages() {
        let failed = record(Err(format!("HTTP 500: {EVIL}")));
        let html = render(EVIL, Some(&failed));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains(&format!("<h3>{EVIL_ESCAPED}</h3>")));
        assert!(html.contains(&format!("title=\"{EVIL_ESCAPED} (RSS)\"")));
        assert!(html.contains(&format!("Refresh failed <time datetime=\"2024-05-06T07:08:09Z\">2024-05-06 07:08 UTC</time>: HTTP 500: {EVIL_ESCAPED} <a href=\"http://host/refeed/status/a\">History</a></p>")));
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
            html.contains("</time>: not modified (nothing changed). <a href=\"http://host/refeed/status/a\">History</a></p>"),
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
        assert!(html.contains(": timed out &lt;after 30 s&gt; <a href="));
        for id in ["a", "b", "c", "all"] {
            let url = format!("http://host/refeed/feeds/{id}.atom");
            assert!(html.contains(&format!("href=\"{url}\">")), "{id}");
        }
    }

    #[tokio::test]
    async fn index_shows_counts_latest_headlines_formats_and_the_opml_link() {
        let app = app(
            "http://host/refeed",
            vec![test_support::source("a", None, 5)],
        )
        .await;
        refresh(&app, "a", None, &[1, 2, 3, 4]).await;
        let (_, _, html) = get(&app, "/").await;
        assert!(html.contains("4 items, latest:"), "{html}");
        let links: Vec<usize> = [4, 3, 2]
            .iter()
            .map(|n| {
                let link = format!(
                    "<li><a href=\"https://a.example/post-{n}/?utm_source=rss\">a item {n}</a></li>"
                );
                html.find(&link)
                    .unwrap_or_else(|| panic!("{link} in {html}"))
            })
            .collect();
        assert!(links.is_sorted(), "newest first");
        assert!(!html.contains("a item 1<"), "three headlines only");
        assert!(
            html.contains("<dt>Atom</dt><dd>For most feed readers"),
            "{html}"
        );
        assert!(html.contains("<dt>JSON Feed</dt>"), "{html}");
        assert!(
            html.contains("<a href=\"http://host/refeed/feeds.opml\">"),
            "{html}"
        );
    }
}
