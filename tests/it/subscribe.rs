//! Subscribing (issue 12, point 7), against the real binary and a small
//! outlet of its own on 127.0.0.1 that logs every request with its query
//! string: the OPML list holds each feed once, in the format asked for; no
//! Atom feed carries an `xml:base` that makes a link a same-document
//! reference (the W3C feed validator's rule, checked offline: the
//! validator is no package either registry serves); a feed source's site
//! link is the outlet's site; item links are served, and articles
//! requested, without tracking tags; an article two sources list is
//! fetched once.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::support::{BASE_URL, SourceToml, TestEnv, http_get, parse_atom, parse_rss};

/// The article both feeds list, as the RSS feed links it: campaign and
/// click tags around a parameter that selects content (`id`).
const TRACKED: &str = "/news/a-story/?utm_source=rss&utm_medium=feed&id=7&fbclid=abc&mc_cid=x";
/// The same article as the Atom feed links it (another campaign).
const TRACKED_ATOM: &str = "/news/a-story/?id=7&utm_campaign=daily&_hsenc=p2&gclid=z";
/// The clean link readers get and the outlet is asked for.
const CLEAN: &str = "/news/a-story/?id=7";

/// A loopback outlet: an RSS feed, an Atom feed and a section page listing
/// one article, the article, and its home page. Every request's path and
/// query are logged.
struct SmallOutlet {
    origin: String,
    log: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for SmallOutlet {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[derive(Clone)]
struct Served {
    origin: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl SmallOutlet {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the outlet");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let served = Served {
            origin: origin.clone(),
            log: log.clone(),
        };
        let router = Router::new().fallback(answer).with_state(served);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("outlet");
        });
        SmallOutlet {
            origin,
            log,
            server,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// Every request so far (path and query), in order.
    fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Requests for `path` (any query).
    fn requests_of(&self, path: &str) -> Vec<String> {
        let requests = self.requests();
        requests
            .into_iter()
            .filter(|r| r.split('?').next() == Some(path))
            .collect()
    }
}

async fn answer(State(served): State<Served>, OriginalUri(uri): OriginalUri) -> Response {
    let target = uri
        .path_and_query()
        .map_or(uri.path().to_owned(), |pq| pq.as_str().to_owned());
    served.log.lock().unwrap().push(target);
    let o = &served.origin;
    let amp = |s: &str| s.replace('&', "&amp;");
    let (kind, body) = match uri.path() {
        "/feed.xml" => (
            "application/rss+xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Small Outlet</title><link>{o}/</link>
<description>News</description>
<item><title>A story</title><link>{o}{}</link><description>A story's teaser.</description>
<pubDate>Tue, 20 Oct 2020 10:00:00 +0000</pubDate></item>
</channel></rss>"#,
                amp(TRACKED)
            ),
        ),
        "/feed.atom" => (
            "application/atom+xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Small Outlet (Atom)</title><id>{o}/feed.atom</id>
<updated>2020-10-20T10:00:00Z</updated>
<link rel="self" href="{o}/feed.atom"/><link rel="alternate" type="text/html" href="{o}/"/>
<entry><title>A story</title><id>{o}/news/a-story/</id><link href="{o}{}"/>
<updated>2020-10-20T10:00:00Z</updated><summary>A story's teaser.</summary></entry>
</feed>"#,
                amp(TRACKED_ATOM)
            ),
        ),
        "/section/" => (
            "text/html",
            format!(
                r#"<!DOCTYPE html><html><head><title>Section</title></head><body>
<article><h2 class="entry-title"><a href="{o}/news/b-story/">B story</a></h2>
<div class="entry-summary"><p>B teaser.</p></div><time datetime="2020-10-21T10:00:00Z">21 Oct</time></article>
</body></html>"#
            ),
        ),
        "/news/a-story/" | "/news/b-story/" => ("text/html", article_page()),
        "/" => (
            "text/html",
            "<!DOCTYPE html><title>Home</title><p>Home".into(),
        ),
        _ => return (axum::http::StatusCode::NOT_FOUND, "not found").into_response(),
    };
    ([(CONTENT_TYPE, format!("{kind}; charset=utf-8"))], body).into_response()
}

fn article_page() -> String {
    let paragraph = "<p>The story, told at length so that extraction finds an article \
        body: several sentences of plain reporting, with names, places and dates, \
        the way a news outlet writes them every day of the year.</p>";
    format!(
        "<!DOCTYPE html><html><head><title>A story</title></head><body><main><article>\
         <h1>A story</h1>{}</article></main></body></html>",
        paragraph.repeat(6)
    )
}

/// Two feed sources on the outlet (RSS and Atom, both listing the tracked
/// article, full text) and a listing source.
fn config(outlet: &SmallOutlet) -> TestEnv {
    TestEnv::new(
        &[
            SourceToml::feed("rss", &outlet.url("/feed.xml")).full_text(),
            SourceToml::feed("atom", &outlet.url("/feed.atom")).full_text(),
            SourceToml::listing("section", &outlet.url("/section/")),
        ],
        "10s",
    )
}

/// The W3C feed validator's "Same-document reference" rule (its `xmlbase`
/// check), for every URI-valued attribute (`href`, `src`, `uri`) and
/// `icon`/`logo`/`uri` text: where the element's `xml:base` (resolved up the
/// tree) differs from the document's own URL, a reference resolving to that
/// base, fragment aside, is a warning. Returns the offending references.
fn same_document_references(xml: &str, document_url: &str) -> Vec<String> {
    const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let document = Url::parse(document_url).expect("document URL");
    let unfragment = |mut url: Url| {
        url.set_fragment(None);
        url
    };
    let mut found = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        let mut base = document.clone();
        let chain: Vec<_> = node.ancestors().filter(|n| n.is_element()).collect();
        for ancestor in chain.iter().rev() {
            if let Some(href) = ancestor.attribute((XML_NS, "base")) {
                base = base.join(href).expect("xml:base resolves");
            }
        }
        if unfragment(base.clone()) == unfragment(document.clone()) {
            continue;
        }
        let mut references: Vec<&str> = ["href", "src", "uri"]
            .iter()
            .filter_map(|name| node.attribute(*name))
            .collect();
        if ["icon", "logo", "uri"].contains(&node.tag_name().name()) {
            references.extend(node.text());
        }
        for reference in references {
            let target = base.join(reference.trim()).expect("reference resolves");
            if unfragment(target) == unfragment(base.clone()) {
                found.push(format!(
                    "<{} {reference:?}> under xml:base {base}",
                    node.tag_name().name()
                ));
            }
        }
    }
    found
}

#[test]
fn the_same_document_rule_finds_the_old_feeds_fault() {
    let old = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://o.example/tag/">
        <link rel="self" href="http://refeed.test/feeds/a.atom"/>
        <link rel="alternate" href="https://o.example/tag/"/>
        <entry><link href="https://o.example/post/"/></entry></feed>"#;
    let found = same_document_references(old, "http://refeed.test/feeds/a.atom");
    assert_eq!(found.len(), 1, "{found:?}");
    let fixed = old.replace(r#" xml:base="https://o.example/tag/""#, "");
    assert!(same_document_references(&fixed, "http://refeed.test/feeds/a.atom").is_empty());
}

/// The outlet and a config reading it, after one `refeed once`.
async fn refreshed() -> (SmallOutlet, TestEnv) {
    let outlet = SmallOutlet::start().await;
    let env = config(&outlet);
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "refeed once failed:\n{once}");
    (outlet, env)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_two_sources_list_is_requested_once_without_tracking_tags() {
    let (outlet, env) = refreshed().await;
    let article = outlet.requests_of("/news/a-story/");
    assert_eq!(article, [CLEAN], "all requests: {:#?}", outlet.requests());
    for request in outlet.requests() {
        for tag in ["utm_", "fbclid", "gclid", "mc_cid", "_hsenc"] {
            assert!(!request.contains(tag), "{request} carries {tag}");
        }
    }
    // Each source keeps the item, with the article, in its own feed.
    for id in ["rss", "atom"] {
        let channel = parse_rss(&env.feed(id, "rss").await);
        assert_eq!(channel.items().len(), 1, "{id}");
        let content = channel.items()[0].content().expect("the article");
        assert!(content.contains("told at length"), "{id}: {content}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_sources_link_the_outlet_site_and_items_link_without_tracking_tags() {
    let (outlet, env) = refreshed().await;
    let site = outlet.url("/");
    let clean = outlet.url(CLEAN);
    for id in ["rss", "atom"] {
        let channel = parse_rss(&env.feed(id, "rss").await);
        assert_eq!(
            channel.link(),
            site,
            "{id}: the channel links the outlet's site"
        );
        assert_eq!(channel.items()[0].link(), Some(clean.as_str()), "{id}");

        let feed = parse_atom(&env.feed(id, "atom").await);
        let alternate = feed
            .links()
            .iter()
            .find(|l| l.rel() == "alternate")
            .unwrap();
        assert_eq!(alternate.href(), site, "{id}");
        assert_eq!(feed.entries()[0].links()[0].href(), clean, "{id}");

        let json: serde_json::Value = serde_json::from_str(&env.feed(id, "json").await).unwrap();
        assert_eq!(json["home_page_url"], site.as_str(), "{id}");
        assert_eq!(json["items"][0]["url"], clean.as_str(), "{id}");
    }
    // A listing source keeps its page as its site link.
    let section = parse_rss(&env.feed("section", "rss").await);
    assert_eq!(section.link(), outlet.url("/section/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_atom_feed_makes_a_same_document_reference() {
    let (_outlet, env) = refreshed().await;
    for id in ["rss", "atom", "section", "all"] {
        let xml = env.feed(id, "atom").await;
        let found = same_document_references(&xml, &format!("{BASE_URL}/feeds/{id}.atom"));
        assert!(found.is_empty(), "{id}: {found:?}\n{xml}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opml_lists_each_feed_once_in_the_format_asked_with_the_site() {
    let (outlet, env) = refreshed().await;
    let (site, section) = (outlet.url("/"), outlet.url("/section/"));
    let printed = env.refeed(&["opml"]).await;
    assert!(printed.success(), "refeed opml failed:\n{printed}");
    check_opml(&printed.stdout, "atom", &site, &section);
    let daemon = env.daemon().await;
    for (query, ext) in [
        ("", "atom"),
        ("?format=rss", "rss"),
        ("?format=json", "json"),
    ] {
        let served = http_get(&daemon.url(&format!("/feeds.opml{query}"))).await;
        assert_eq!(served.status, 200, "{}", served.body);
        check_opml(&served.body, ext, &site, &section);
    }
    let bad = http_get(&daemon.url("/feeds.opml?format=xml")).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}

/// The OPML list holds the combined feed and each source once, in `ext`,
/// with the feed sources' `htmlUrl` at the outlet's site.
fn check_opml(opml: &str, ext: &str, site: &str, section: &str) {
    let doc = roxmltree::Document::parse(opml).unwrap_or_else(|e| panic!("{e}: {opml}"));
    let outlines: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("outline"))
        .map(|n| {
            (
                n.attribute("xmlUrl").unwrap_or_default().to_owned(),
                n.attribute("htmlUrl").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("all", format!("{BASE_URL}/")),
        ("rss", site.to_owned()),
        ("atom", site.to_owned()),
        ("section", section.to_owned()),
    ]
    .into_iter()
    .map(|(id, html)| (format!("{BASE_URL}/feeds/{id}.{ext}"), html))
    .collect();
    assert_eq!(outlines, want, "{opml}");
}
