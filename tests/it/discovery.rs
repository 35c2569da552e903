//! Sources given by URL alone (issue 10) against the fixture outlet: the
//! tag archive's items found without selectors are the same as with them,
//! with full text and no boilerplate; a page without a list of articles,
//! and selectors that match nothing, fail their refresh with a message
//! saying what to do; a source whose URL changes from a feed to a page is
//! detected again.

use chrono::Utc;

use crate::checks::{self, Expect};
use crate::fixture::POSTS;
use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv};

/// A page with navigation and one "related posts" box, and no list of
/// articles.
const NO_LIST: &str = r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>About us - Popular Resistance</title></head><body class="page page-id-2">
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/tag/bolivia/">Bolivia</a></li>
<li><a href="/about/">About</a></li><li><a href="/donate/">Donate</a></li></ul></nav></header>
<main><h1>About us</h1><p>We are a small team of volunteers reporting on movements for
social justice. This page tells our story and how to reach us.</p></main>
<aside class="related"><h3>Related posts</h3><ul>
<li><a href="/2020/10/20/one-related-story/">One related story</a></li></ul></aside>
<footer><p>Popular Resistance</p></footer></body></html>"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tag_archive_by_url_alone_gives_the_same_items_as_with_selectors() {
    let started = Utc::now();
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[
            SourceToml::listing("selectors", &outlet.url("/tag/bolivia/")).full_text(),
            SourceToml::feed("url-only", &outlet.url("/tag/bolivia/")).full_text(),
        ],
        "10s",
    );
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");
    assert_eq!(
        once.line("url-only"),
        "url-only: ok, 12 seen, 12 new, 0 updated"
    );
    // Entry links, not the feed's own nor the thumbnails' enclosures
    // (teasers find images the selectors do not ask for).
    let links = |atom: &str| -> Vec<String> {
        atom.split("<link href=\"")
            .skip(2)
            .filter(|s| !s.split('>').next().unwrap_or("").contains("enclosure"))
            .filter_map(|s| s.split('"').next().map(str::to_owned))
            .collect()
    };
    // `refeed status` names how each source's items were found.
    let status = env.refeed(&["status"]).await;
    for (source, method) in [("selectors", "selectors"), ("url-only", "teasers")] {
        let row = status
            .stdout
            .lines()
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .find(|words| words.first() == Some(&source))
            .unwrap_or_else(|| panic!("no status row for {source}:\n{status}"));
        assert!(row[1..].contains(&method), "{row:?}");
    }
    let with = env.feed("selectors", "atom").await;
    let without = env.feed("url-only", "atom").await;
    assert_eq!(links(&without), links(&with), "same items, same order");
    let expect = Expect {
        source: "url-only",
        origin: outlet.origin(),
        posts: POSTS.iter().collect(),
        full_text: true,
        first_seen_after: started,
    };
    checks::atom(&without, &expect);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_without_a_list_of_articles_fails_saying_what_to_do() {
    let outlet = Outlet::start().await;
    outlet.write("/about/", NO_LIST);
    let url = outlet.url("/about/");
    let env = TestEnv::new(&[SourceToml::feed("about", &url)], "10s");
    let once = env.refeed(&["once"]).await;
    assert!(!once.success(), "{once}");
    assert_eq!(
        once.line("about"),
        format!(
            "about: error: found no list of articles on {url}: add [source.items] selectors \
             (refeed try {url} shows what was considered)"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_that_match_nothing_fail_a_new_source_naming_them() {
    let outlet = Outlet::start().await;
    outlet.write("/about/", NO_LIST);
    let url = outlet.url("/about/");
    let env = TestEnv::new(&[SourceToml::listing("about", &url)], "10s");
    let once = env.refeed(&["once"]).await;
    assert!(!once.success(), "{once}");
    let line = once.line("about");
    assert!(line.starts_with("about: error: "), "{line}");
    for needed in [
        "find no item with a title and a link",
        &url,
        "item = \"article\"",
        "refeed try",
    ] {
        assert!(line.contains(needed), "{needed:?} in {line}");
    }
    assert!(!line.contains("0 seen"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_that_stops_being_a_feed_is_detected_again_and_the_change_logged() {
    let outlet = Outlet::start().await;
    let feed = outlet.read("/feed/");
    outlet.write("/news/", &feed);
    let env = TestEnv::new(&[SourceToml::feed("news", &outlet.url("/news/"))], "10s");
    let first = env.refeed(&["once"]).await;
    assert_eq!(
        first.line("news"),
        "news: ok, 5 seen, 5 new, 0 updated",
        "{first}"
    );

    // The outlet replaces its feed by the tag archive's page.
    outlet.write("/news/", &outlet.read("/tag/bolivia/"));
    let second = env.refeed(&["once"]).await;
    assert!(second.success(), "{second}");
    assert!(second.line("news").contains("12 seen"), "{second}");
    assert!(
        second
            .stderr
            .contains("items now found by teasers (was feed"),
        "{second}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_date_selector_reading_no_date_warns_once_naming_the_text() {
    let outlet = Outlet::start().await;
    let teaser = |slug: &str| {
        format!(
            "<article><h2 class=\"entry-title\"><a href=\"/2020/10/23/{slug}/\">{slug}</a></h2>\
             <time>Posted a while ago</time></article>"
        )
    };
    let page = format!(
        "<!DOCTYPE html><html><head><title>News</title></head><body><main>{}{}</main></body></html>",
        teaser("first"),
        teaser("second")
    );
    outlet.write("/news/", &page);
    let env = TestEnv::new(&[SourceToml::listing("news", &outlet.url("/news/"))], "10s");
    let once = env.refeed(&["once"]).await;
    assert_eq!(
        once.line("news"),
        "news: ok, 2 seen, 2 new, 0 updated",
        "{once}"
    );
    assert_eq!(
        once.stderr
            .matches("\"Posted a while ago\", which is not a date")
            .count(),
        1,
        "{once}"
    );
}

/// Six teasers with headline and link only, and the page's own feed.
fn undated_page_and_feed(origin: &str) -> (String, String) {
    let slugs = [
        "river-dam-halted",
        "teachers-strike-ends",
        "new-rail-line-opens",
        "market-fire-rebuilt",
        "court-blocks-eviction",
        "farmers-win-seed-case",
    ];
    let title = |slug: &str| slug.replace('-', " ");
    let teasers: String = slugs
        .iter()
        .map(|slug| {
            format!(
                "<li class=\"story\"><h3 class=\"story-title\"><a href=\"/2024/03/{slug}/\">{}</a></h3></li>\n",
                title(slug)
            )
        })
        .collect();
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Latest news</title>\
         <link rel=\"alternate\" type=\"application/rss+xml\" title=\"Latest news\" href=\"/news/feed/\">\
         </head><body><header><nav><a href=\"/\">Home</a> <a href=\"/about/\">About</a></nav></header>\
         <main><h1>Latest news</h1><ul class=\"stories\">\n{teasers}</ul></main>\
         <footer><a href=\"/contact/\">Contact</a></footer></body></html>"
    );
    let entries: String = slugs
        .iter()
        .enumerate()
        .map(|(n, slug)| {
            format!(
                "<item><title>{}</title><link>{origin}/2024/03/{slug}/</link>\
                 <pubDate>Mon, {:02} Mar 2024 10:00:00 +0000</pubDate>\
                 <dc:creator>Rosa Mamani</dc:creator>\
                 <description>Summary of {slug}.</description></item>",
                title(slug),
                11 - n
            )
        })
        .collect();
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
         <channel><title>Latest news</title><link>{origin}/news/</link>{entries}</channel></rss>"
    );
    (page, feed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_found_on_a_page_take_dates_and_authors_from_its_own_feed() {
    let outlet = Outlet::start().await;
    let (page, feed) = undated_page_and_feed(&outlet.origin());
    outlet.write("/news/", &page);
    outlet.write("/news/feed/", &feed);
    let env = TestEnv::new(&[SourceToml::feed("news", &outlet.url("/news/"))], "10s");
    let once = env.refeed(&["once"]).await;
    assert_eq!(
        once.line("news"),
        "news: ok, 6 seen, 6 new, 0 updated",
        "{once}"
    );
    assert_eq!(outlet.hits("/news/feed/"), 1, "the page's own feed");
    let atom = env.feed("news", "atom").await;
    assert!(atom.contains("2024-03-11T10:00:00"), "{atom}");
    assert!(atom.contains("2024-03-06T10:00:00"), "{atom}");
    assert_eq!(atom.matches("Rosa Mamani").count(), 6, "{atom}");
    assert!(atom.contains("Summary of river-dam-halted."), "{atom}");
}
