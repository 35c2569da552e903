//! The choice of a method over hand-built surveys.

use chrono::{TimeZone, Utc};
use url::Url;

use super::*;
use crate::model::ScrapedItem;
use crate::pipeline::test_support::pattern;
use crate::scrape::discover::{Found, TeaserGroup, WpArchive, WpKind};

fn url() -> Url {
    Url::parse("https://example.org/tag/bolivia/").unwrap()
}

fn items(prefix: &str, n: usize) -> Vec<ScrapedItem> {
    (1..=n)
        .map(|i| ScrapedItem {
            title: format!("{prefix} {i}"),
            link: Url::parse(&format!("https://example.org/{prefix}-{i}/")).unwrap(),
            summary: None,
            content: None,
            published: None,
            updated: None,
            author: None,
            image: None,
        })
        .collect()
}

fn page(prefix: &str, n: usize) -> ScrapedPage {
    ScrapedPage {
        items: items(prefix, n),
        ..ScrapedPage::default()
    }
}

fn group(item: &str, n: usize, accepted: bool) -> TeaserGroup {
    TeaserGroup {
        pattern: pattern(item),
        score: n as f64,
        items: items("teaser", n),
        accepted,
        why: format!("{n} teasers ({item})"),
    }
}

fn archive() -> WpArchive {
    WpArchive {
        kind: WpKind::Tag(7),
        api: Url::parse("https://example.org/wp-json/wp/v2/posts?tags=7").unwrap(),
        why: "WordPress tag archive (tag-7)".into(),
    }
}

/// A WordPress tag archive with structured data and two teaser groups.
fn rich() -> Survey {
    Survey {
        title: Some("Bolivia Archives".into()),
        feeds: vec![Url::parse("https://example.org/tag/bolivia/feed/").unwrap()],
        wordpress: Some(archive()),
        structured: Some(Found {
            items: items("ld", 4),
            why: "JSON-LD ItemList of 4".into(),
        }),
        teasers: vec![group("article", 10, true), group("aside li", 5, false)],
    }
}

fn on_page(survey: Survey) -> Look {
    Look::Page {
        survey: Box::new(survey),
        reused: None,
    }
}

fn methods(found: &Discovered) -> Vec<Method> {
    found.considered.iter().map(|c| c.method).collect()
}

#[test]
fn the_first_method_that_works_wins_in_order() {
    let api = WpAnswer::Posts(page("wp", 12));
    let found = choose(&url(), None, None, on_page(rich()), api).unwrap();
    assert_eq!(found.method, Method::Wordpress);
    assert_eq!(found.page.items.len(), 12);
    assert_eq!(found.page.title.as_deref(), Some("Bolivia Archives"));
    assert_eq!(
        methods(&found),
        [
            Method::Wordpress,
            Method::Feed,
            Method::Structured,
            Method::Teasers,
            Method::Teasers
        ],
        "the chosen first, then the others in order"
    );
    assert!(
        found.considered[1].verdict.contains("advertises"),
        "{:?}",
        found.considered[1]
    );

    let found = choose(
        &url(),
        None,
        None,
        on_page(rich()),
        WpAnswer::Failed("HTTP 503".into()),
    )
    .unwrap();
    assert_eq!(found.method, Method::Structured);
    assert_eq!(found.wordpress_refused, None, "an outage is not remembered");

    let mut survey = rich();
    survey.structured = None;
    let refused = WpAnswer::Refused("HTTP 401".into());
    let found = choose(&url(), None, None, on_page(survey), refused).unwrap();
    assert_eq!(found.method, Method::Teasers);
    assert_eq!(found.pattern, Some(pattern("article")));
    assert_eq!(found.page.items.len(), 10);
    assert_eq!(found.considered[0].score, Some(10.0));
    assert_eq!(found.wordpress_refused.as_deref(), Some("HTTP 401"));
    let wp = found
        .considered
        .iter()
        .find(|c| c.method == Method::Wordpress)
        .unwrap();
    assert!(wp.verdict.contains("not asked again"), "{}", wp.verdict);
}

#[test]
fn a_page_without_an_accepted_list_fails_with_the_issue_message() {
    let survey = Survey {
        teasers: vec![group("aside li", 5, false)],
        ..Survey::default()
    };
    let err = choose(
        &url(),
        None,
        None,
        on_page(survey),
        WpAnswer::NotAsked("-".into()),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "found no list of articles on https://example.org/tag/bolivia/: add [source.items] \
         selectors (refeed try https://example.org/tag/bolivia/ shows what was considered)"
    );
    let empty = choose(
        &url(),
        None,
        None,
        on_page(Survey::default()),
        WpAnswer::NotAsked("-".into()),
    );
    assert!(matches!(empty, Err(RefreshError::NoItems { .. })));
}

#[test]
fn a_pinned_method_is_the_only_one_tried() {
    let found = choose(
        &url(),
        Some(Method::Teasers),
        None,
        on_page(rich()),
        WpAnswer::Posts(page("wp", 12)),
    )
    .unwrap();
    assert_eq!(found.method, Method::Teasers);
    assert!(found.considered.iter().all(|c| c.method == Method::Teasers));

    let mut survey = rich();
    survey.structured = None;
    let err = choose(
        &url(),
        Some(Method::Structured),
        None,
        on_page(survey),
        WpAnswer::NotAsked("-".into()),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with(
            "method = \"structured\" found no items on https://example.org/tag/bolivia/: no JSON-LD"
        ),
        "{message}"
    );
    assert!(message.contains("refeed try"), "{message}");

    let err = choose(
        &url(),
        Some(Method::Wordpress),
        None,
        Look::Feed(page("f", 3)),
        WpAnswer::NotAsked("-".into()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("the URL serves a feed"), "{err}");
}

#[test]
fn a_feed_is_a_feed_even_when_empty() {
    let found = choose(
        &url(),
        None,
        None,
        Look::Feed(page("f", 0)),
        WpAnswer::NotAsked("-".into()),
    )
    .unwrap();
    assert_eq!(found.method, Method::Feed);
    assert!(found.page.items.is_empty());
}

fn remembered(items: u32) -> DiscoveryRecord {
    DiscoveryRecord {
        method: Method::Teasers,
        pattern: Some(pattern("div.card")),
        items,
        wordpress_refused: Some("HTTP 403".into()),
        since: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
        previous: None,
    }
}

#[test]
fn a_remembered_pattern_is_reused_while_it_yields_half_as_many_items() {
    let record = remembered(10);
    assert_eq!(
        remembered_pattern(None, Some(&record)),
        Some(pattern("div.card"))
    );
    assert_eq!(
        remembered_pattern(Some(Method::Structured), Some(&record)),
        None
    );
    let look = |n| Look::Page {
        survey: Box::new(rich()),
        reused: Some(page("card", n)),
    };
    let wp = || WpAnswer::Posts(page("wp", 12));
    assert!(
        reuse_holds(&look(5), Some(&record)),
        "no need to ask the API"
    );
    assert!(!reuse_holds(&look(4), Some(&record)));
    assert!(!reuse_holds(&on_page(rich()), Some(&record)));
    let kept = choose(&url(), None, Some(&record), look(5), wp()).unwrap();
    assert_eq!(kept.method, Method::Teasers);
    assert_eq!(kept.pattern, Some(pattern("div.card")));
    assert_eq!(kept.page.items[0].title, "card 1");
    assert_eq!(
        kept.wordpress_refused.as_deref(),
        Some("HTTP 403"),
        "still remembered"
    );

    // Fewer than half: detection runs again, in order.
    let redone = choose(&url(), None, Some(&record), look(4), wp()).unwrap();
    assert_eq!(redone.method, Method::Wordpress);
    let reuse = &redone.considered[1];
    assert!(
        reuse.verdict.contains("fewer than half of 10"),
        "{}",
        reuse.verdict
    );
    let gone = choose(&url(), None, Some(&record), look(0), wp()).unwrap();
    assert_eq!(gone.method, Method::Wordpress);
}
