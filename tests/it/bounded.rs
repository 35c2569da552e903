//! Bounded refreshes (issue 9, point 5): an outlet whose feed lists 100,000
//! items, or whose `full_text` listing links 1,000 articles, costs one
//! refresh no more than `max_new_items` stored items and
//! `max_article_fetches` article requests; the rest of the articles come
//! with the next refreshes. And (point 8) bidi override characters in titles
//! and authors are not stored. Served by a small loopback outlet that
//! counts what refeed asks of it.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use chrono::{TimeDelta, TimeZone, Utc};

use crate::support::{SourceToml, TestEnv, parse_rss};

/// Room for the 100,000-item feed (about 10 MB); no wait between requests.
const SETTINGS: &str = "[fetch]\nmax_body_bytes = 33554432\nper_host_delay = \"0s\"\n";

/// The outlet's validator of the listing: it never changes.
const LISTING_ETAG: &str = "\"listing-v1\"";

/// What the outlet serves and what it was asked.
struct Served {
    feed: String,
    listing: String,
    log: Mutex<Log>,
}

#[derive(Default)]
struct Log {
    /// Article paths, one entry per request.
    articles: Vec<String>,
    /// Statuses the listing was answered with, in order.
    listing: Vec<u16>,
}

/// A loopback outlet: `/feed.xml` (100,000 items), `/bidi.xml`, `/list/` (1,000 items,
/// with an `ETag` and 304s), `/news/N/` (an article each); stops when dropped.
struct Outlet {
    origin: String,
    served: Arc<Served>,
    task: tokio::task::JoinHandle<()>,
}

impl Outlet {
    async fn start() -> Outlet {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the outlet");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let served = Arc::new(Served {
            feed: feed(100_000),
            listing: listing(1_000),
            log: Mutex::new(Log::default()),
        });
        let router = Router::new().fallback(answer).with_state(served.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("outlet");
        });
        Outlet {
            origin,
            served,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    fn articles(&self) -> Vec<String> {
        self.served.log.lock().unwrap().articles.clone()
    }

    fn listing_statuses(&self) -> Vec<u16> {
        self.served.log.lock().unwrap().listing.clone()
    }
}

impl Drop for Outlet {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(served): State<Arc<Served>>, headers: HeaderMap, uri: Uri) -> Response {
    let path = uri.path();
    let reply = |status: StatusCode, kind: &str, body: String| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, kind)
            .header(header::ETAG, LISTING_ETAG)
            .body(Body::from(body))
            .expect("response")
    };
    if path == "/feed.xml" {
        return reply(StatusCode::OK, "application/rss+xml", served.feed.clone());
    }
    if path == "/bidi.xml" {
        return reply(StatusCode::OK, "application/rss+xml", BIDI_FEED.into());
    }
    if path == "/list/" {
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .is_some_and(|tag| tag == LISTING_ETAG);
        let status = if fresh {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::OK
        };
        served.log.lock().unwrap().listing.push(status.as_u16());
        let body = if fresh {
            String::new()
        } else {
            served.listing.clone()
        };
        return reply(status, "text/html; charset=utf-8", body);
    }
    if let Some(n) = path.strip_prefix("/news/") {
        served.log.lock().unwrap().articles.push(path.to_owned());
        return reply(StatusCode::OK, "text/html; charset=utf-8", article(n));
    }
    reply(StatusCode::NOT_FOUND, "text/plain", "not found".into())
}

/// Item `n`'s date: item 1 is the newest, one minute apart.
fn date(n: usize) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap() - TimeDelta::minutes(n as i64)
}

/// An RSS feed of `n` items, newest first.
fn feed(n: usize) -> String {
    let items: String = (1..=n)
        .map(|i| {
            format!(
                "<item><title>Story {i}</title><link>/s/{i}</link><pubDate>{}</pubDate></item>\n",
                date(i).to_rfc2822()
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Endless</title>\
         <link>/</link><description>d</description>\n{items}</channel></rss>"
    )
}

/// A tag archive of `n` items in the markup `SourceToml::listing` reads.
fn listing(n: usize) -> String {
    let items: String = (1..=n)
        .map(|i| {
            format!(
                "<article><h2 class=\"entry-title\"><a href=\"/news/{i}/\">Story {i}</a></h2>\
                 <time datetime=\"{}\">{i}</time><span class=\"author\">Staff</span>\
                 <div class=\"entry-summary\"><p>Summary {i}.</p></div></article>\n",
                date(i).to_rfc3339()
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><head><title>Archive</title></head><body><main>{items}</main></body></html>"
    )
}

fn article(id: &str) -> String {
    let paragraph = "<p>The council met on Tuesday evening and agreed, after a long debate \
                     about costs and the river, to build the park the town had asked for.</p>";
    format!(
        "<!DOCTYPE html><html><head><title>Story {id}</title></head><body>\
         <article><h1>Story {id}</h1><div class=\"entry-content\">{}</div></article></body></html>",
        paragraph.repeat(4)
    )
}

/// A feed whose channel title, item title and author hide their real
/// order behind bidi overrides and isolates (an `exe` posing as a `pdf`).
const BIDI_FEED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\" \
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>\
    <title>News \u{202D}Desk\u{202C}</title><link>/</link><description>d</description>\
    <item><title>Invoice \u{202E}fdp.exe\u{202C} attached</title><link>/s/1</link>\
    <dc:creator>\u{2066}Mallory\u{2069} \u{202A}Smith\u{202B}</dc:creator>\
    <description>&lt;p&gt;Open it.&lt;/p&gt;</description></item></channel></rss>";

fn titles(rss: &str) -> Vec<String> {
    parse_rss(rss)
        .items()
        .iter()
        .map(|item| item.title().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100000_item_feed_stores_only_the_newest_max_new_items() {
    let outlet = Outlet::start().await;
    let source = SourceToml::feed("endless", &outlet.url("/feed.xml"));
    let env = TestEnv::with_settings(&[source], SETTINGS);

    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");
    let cut = "page lists 100000 items, took the newest 100 (max_new_items)";
    assert_eq!(
        once.line("endless"),
        format!("endless: ok, 100 seen, 100 new, 0 updated; {cut}")
    );
    assert!(once.stderr.contains(cut), "no warning:\n{once}");
    // The feed serves its newest 50 (max_items): stories 1 to 50.
    let served = titles(&env.feed("endless", "rss").await);
    let expected: Vec<String> = (1..=50).map(|i| format!("Story {i}")).collect();
    assert_eq!(served, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1000_item_full_text_listing_fetches_its_articles_over_several_refreshes() {
    let outlet = Outlet::start().await;
    let source = SourceToml::listing("archive", &outlet.url("/list/")).full_text();
    let env = TestEnv::with_settings(&[source], SETTINGS);
    let newest =
        |n: usize| -> BTreeSet<String> { (1..=n).map(|i| format!("/news/{i}/")).collect() };

    let once = env.refeed(&["once"]).await;
    assert_eq!(
        once.line("archive"),
        "archive: ok, 100 seen, 100 new, 0 updated; page lists 1000 items, took the newest 100 \
         (max_new_items); 70 articles left for later refreshes (max_article_fetches)",
        "{once}"
    );
    assert!(
        once.stderr
            .contains("fetching 30 articles, 70 left for later refreshes (max_article_fetches)"),
        "no warning:\n{once}"
    );
    let fetched = outlet.articles();
    assert_eq!(fetched.len(), 30, "{fetched:?}");
    assert_eq!(fetched.iter().cloned().collect::<BTreeSet<_>>(), newest(30));

    // Each later refresh reads the listing in full (its validators were
    // dropped while articles were missing) and fetches the next 30.
    for (refresh, done) in [(2, 60), (3, 90), (4, 100)] {
        let once = env.refeed(&["once"]).await;
        assert!(once.success(), "refresh {refresh}:\n{once}");
        let fetched = outlet.articles();
        assert_eq!(fetched.len(), done, "refresh {refresh}: {fetched:?}");
        assert_eq!(
            fetched.iter().cloned().collect::<BTreeSet<_>>(),
            newest(done)
        );
        assert_eq!(outlet.listing_statuses().last(), Some(&200));
    }
    // All articles stored: the listing's ETag is kept and the next refresh
    // is a 304 that fetches nothing.
    let once = env.refeed(&["once"]).await;
    assert_eq!(once.line("archive"), "archive: not modified", "{once}");
    assert_eq!(outlet.articles().len(), 100);
    assert_eq!(outlet.listing_statuses(), [200, 200, 200, 200, 304]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidi_overrides_are_removed_from_titles_and_authors() {
    let outlet = Outlet::start().await;
    let source = SourceToml::feed("bidi", &outlet.url("/bidi.xml"));
    let env = TestEnv::with_settings(&[source], SETTINGS);
    let once = env.refeed(&["once"]).await;
    assert_eq!(
        once.line("bidi"),
        "bidi: ok, 1 seen, 1 new, 0 updated",
        "{once}"
    );
    let rss = env.feed("bidi", "rss").await;
    let channel = parse_rss(&rss);
    assert_eq!(channel.title(), "News Desk");
    let item = &channel.items()[0];
    assert_eq!(item.title(), Some("Invoice fdp.exe attached"));
    assert!(rss.contains("Mallory Smith"), "{rss}");
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    assert!(!rss.contains(bidi), "{rss}");
    let atom = env.feed("bidi", "atom").await;
    assert!(!atom.contains(bidi), "{atom}");
}
