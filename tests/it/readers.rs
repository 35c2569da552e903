//! Real feed readers against `refeed run` on the fixture outlet: every served
//! RSS and Atom feed (each source's and the combined one) is read by
//! feedparser (Python, the library behind many readers) and newsboat, checked
//! for well-formedness by xmllint and held to the RSS 2.0 and RFC 4287 rules
//! in `rules`; `clients` runs the programs. What the readers saw must equal
//! what refeed holds: the RSS document parsed with the rss crate is the
//! reference. JSON Feed is held to its rules and to the same reference
//! (neither feedparser 6.0 nor newsboat reads JSON Feed); `/feeds.opml` is
//! checked by xmllint and imported by newsboat.
//!
//! The programs come from outside Cargo (`.ci/run` installs them). Without
//! them the test prints `skipped: install …` and passes, unless
//! `REFEED_REQUIRE_READERS=1` (set in CI), where a missing program fails it.

mod clients;
mod images;
mod rules;

use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};

use crate::checks::rfc2822;
use crate::outlet::Outlet;
use crate::support::{BASE_URL, Daemon, SourceToml, TestEnv, http_get, parse_rss};

/// Feeds read: one listing source, the outlet's feed, the edge cases' feed,
/// and the combined feed.
const FEEDS: [&str; 4] = ["bolivia", "pr-feed", "edge", "all"];

/// An outlet feed of the issue's edge cases: markup and entities in titles,
/// `]]>` and `&` in summaries, right-to-left and non-Latin text, an item
/// with no date, author or summary, and a relative link.
const EDGE_FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>Edge &amp; &lt;cases&gt;</title><link>http://outlet.example/edge/</link>
<description>d</description><language>ar</language>
<item><title>&lt;b&gt;Bold&lt;/b&gt; &amp;amp; "quotes" — العربية 日本語</title>
<link>http://outlet.example/edge/1/</link><dc:creator>דוד כהן</dc:creator>
<pubDate>Sat, 24 Oct 2020 09:12:05 +0000</pubDate>
<description>&lt;p dir="rtl"&gt;ملخص ]]&gt; &amp;amp; 要約 &amp;lt;tag&amp;gt;&lt;/p&gt;</description></item>
<item><title>Bare item</title><link>http://outlet.example/edge/2/</link></item>
<item><title>Relative link</title><link>/edge/3/</link>
<pubDate>Fri, 23 Oct 2020 09:12:05 +0000</pubDate><description>x</description></item>
</channel></rss>
"#;

/// Set to `1` to fail, not skip, when a reader is missing.
const REQUIRE: &str = "REFEED_REQUIRE_READERS";

/// What refeed serves in one feed, read from its RSS document.
struct Served {
    /// The channel title, as text.
    title: String,
    /// The items, in order.
    items: Vec<Reference>,
}

/// What refeed holds of one item, read from its RSS document.
#[derive(Debug)]
struct Reference {
    id: String,
    title: String,
    link: String,
    published: DateTime<Utc>,
    author: Option<String>,
    summary: Option<String>,
    content: Option<String>,
    /// The RSS `enclosure` URL: the item's image.
    image: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_readers_accept_every_served_feed() {
    if !readers_present() {
        return;
    }
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[
            SourceToml::listing("bolivia", &outlet.url("/tag/bolivia/"))
                .title("Popular Resistance: Bolivia & <friends>")
                .full_text()
                .content(".entry-content"),
            SourceToml::feed("pr-feed", &outlet.url("/feed/")).full_text(),
            SourceToml::feed("edge", &outlet.url("/edge/feed/")),
        ],
        "10s",
    );
    outlet.write("/edge/feed/", EDGE_FEED);
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "refeed once failed:\n{once}");
    let daemon = env.daemon().await;
    // Until the `.json` route exists the server answers 404 for it; every
    // other status means JSON Feed is served and must be checked.
    let json_served = http_get(&daemon.url("/feeds/all.json")).await.status != 404;
    let work = env.dir().join("readers");
    let mut references = Vec::new();
    for id in FEEDS {
        let served = reference(&daemon, id).await;
        assert!(!served.items.is_empty(), "{id}: no items to compare");
        if json_served {
            let name = format!("{id}.json");
            let body = fetch(&daemon.url(&format!("/feeds/{name}"))).await;
            json_feed(&name, &body, &served);
            let url = daemon.url(&format!("/feeds/{name}"));
            clients::json_reader(&name, &url, &served).await;
        }
        references.push((id, served));
    }
    // The readers are separate processes: run the six feeds side by side.
    let checks = references.iter().flat_map(|(id, reference)| {
        ["rss", "atom"].map(|ext| xml_feed(&daemon, &work, format!("{id}.{ext}"), reference))
    });
    futures::future::join_all(checks).await;
    opml(&daemon, &work).await;
}

/// One RSS or Atom document (`name` is `{id}.{ext}`) through the rules,
/// xmllint, feedparser and newsboat.
async fn xml_feed(daemon: &Daemon, work: &Path, name: String, served: &Served) {
    let url = daemon.url(&format!("/feeds/{name}"));
    let body = fetch(&url).await;
    if name.ends_with(".rss") {
        rules::rss(&name, &body);
    } else {
        rules::atom(&name, &body);
    }
    clients::xmllint(work, &name, &body).await;
    clients::feedparser(&name, &url, &body, served).await;
    clients::newsboat(&work.join(&name), &url, &served.items).await;
}

/// Whether feedparser, newsboat and xmllint are installed; panics when one
/// is missing and [`REQUIRE`] is set.
fn readers_present() -> bool {
    let mut missing: Vec<&str> = [
        (
            "feedparser (python3 -m pip install feedparser==6.0.14)",
            "python3",
            &["-c", "import feedparser"][..],
        ),
        (
            "newsboat (apt-get install newsboat)",
            "newsboat",
            &["-v"][..],
        ),
        (
            "xmllint (apt-get install libxml2-utils)",
            "xmllint",
            &["--version"][..],
        ),
    ]
    .into_iter()
    .filter(|(_, program, args)| !runs(program, args))
    .map(|(install, _, _)| install)
    .collect();
    let node_reader = clients::readers_dir().join("node_modules/@extractus/feed-extractor");
    if !runs("node", &["--version"]) || !node_reader.is_dir() {
        missing.push("node and @extractus/feed-extractor (npm ci --prefix tests/readers)");
    }
    if missing.is_empty() {
        return true;
    }
    let hint = missing.join("; ");
    assert!(
        std::env::var(REQUIRE).as_deref() != Ok("1"),
        "{REQUIRE}=1 but feed readers are missing: {hint}"
    );
    eprintln!("skipped: install {hint} (real feed reader checks)");
    false
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// GETs a served document, which must exist.
async fn fetch(url: &str) -> String {
    let got = http_get(url).await;
    assert_eq!(got.status, 200, "{url}: {}", got.body);
    got.body
}

/// Feed `id` as refeed serves it in RSS.
async fn reference(daemon: &Daemon, id: &str) -> Served {
    served_rss(&fetch(&daemon.url(&format!("/feeds/{id}.rss"))).await)
}

/// What an RSS document refeed wrote holds, read with the rss crate.
fn served_rss(body: &str) -> Served {
    let channel = parse_rss(body);
    let items = channel
        .items()
        .iter()
        .map(|item| Reference {
            id: item.guid().expect("guid").value().to_owned(),
            title: item.title().expect("title").to_owned(),
            link: item.link().expect("link").to_owned(),
            published: rfc2822(item.pub_date().expect("pubDate")),
            author: item
                .dublin_core_ext()
                .and_then(|dc| dc.creators().first().cloned()),
            summary: item.description().map(str::to_owned),
            content: item.content().map(str::to_owned),
            image: item.enclosure().map(|e| e.url().to_owned()),
        })
        .collect();
    Served {
        title: channel.title().to_owned(),
        items,
    }
}

/// JSON Feed: the rules, then every item equal to the reference item.
fn json_feed(name: &str, body: &str, served: &Served) {
    let doc = rules::json(name, body);
    assert_eq!(doc["title"], served.title.as_str(), "{name}: title");
    let reference = &served.items;
    let items = doc["items"].as_array().expect("items");
    assert_eq!(items.len(), reference.len(), "{name}: item count");
    for (item, want) in items.iter().zip(reference) {
        let at = format!("{name}: item {}", want.id);
        assert_eq!(item["id"], want.id.as_str(), "{at}: id (order kept)");
        assert_eq!(item["url"], want.link.as_str(), "{at}: url");
        assert_eq!(item["title"], want.title.as_str(), "{at}: title");
        let published = item["date_published"].as_str().expect("date_published");
        let published = DateTime::parse_from_rfc3339(published).expect("RFC 3339");
        assert_eq!(published, want.published, "{at}: date");
        assert_eq!(
            item["authors"][0]["name"].as_str(),
            want.author.as_deref(),
            "{at}: author"
        );
        assert_eq!(item["image"].as_str(), want.image.as_deref(), "{at}: image");
        let html = want.content.as_ref().or(want.summary.as_ref());
        assert_eq!(
            item["content_html"].as_str(),
            html.map(String::as_str),
            "{at}: content"
        );
    }
}

/// `/feeds.opml`, once served: well-formed, and imported by newsboat
/// (`-i`) into a subscription list holding each source's Atom feed once
/// (issue 12: one format, not every format of every source).
async fn opml(daemon: &Daemon, work: &Path) {
    let got = http_get(&daemon.url("/feeds.opml")).await;
    if got.status == 404 {
        // The route is not there yet (issue 4's serving side).
        return;
    }
    assert_eq!(got.status, 200, "feeds.opml: {}", got.body);
    clients::xmllint(work, "feeds.opml", &got.body).await;
    assert!(got.body.contains("<opml version=\"2.0\">"), "{}", got.body);
    let dir = work.join("opml");
    std::fs::create_dir_all(&dir).expect("opml folder");
    std::fs::write(dir.join("feeds.opml"), &got.body).expect("write opml");
    std::fs::write(dir.join("urls"), "").expect("urls");
    std::fs::write(dir.join("config"), "").expect("config");
    let mut command = Command::new("newsboat");
    command.current_dir(&dir).env("HOME", &dir).args([
        "-u",
        "urls",
        "-c",
        "cache.db",
        "-C",
        "config",
        "-i",
        "feeds.opml",
    ]);
    clients::run(command).await;
    let urls = std::fs::read_to_string(dir.join("urls")).expect("imported urls");
    let imported: Vec<&str> = urls.lines().collect();
    for id in FEEDS.iter().filter(|&&id| id != "all") {
        let url = format!("{BASE_URL}/feeds/{id}.atom");
        assert!(
            imported.contains(&url.as_str()),
            "newsboat imported {imported:#?} from feeds.opml, not {url}:\n{}",
            got.body
        );
        let rss = format!("{BASE_URL}/feeds/{id}.rss");
        assert!(!imported.contains(&rss.as_str()), "{imported:#?}");
    }
}
