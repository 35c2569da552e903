//! Teaser detection on the fixture pages of `tests/fixtures/listing/`
//! (each modeled on a real layout), and the contract that a group's
//! pattern reproduces its items through `scrape::listing`.

use std::path::PathBuf;

use scraper::Html;
use serde_json::Value;
use url::Url;

use super::find;
use crate::model::TeaserPattern;
use crate::scrape::{ListingRules, listing};

fn fixture(name: &str) -> (String, Value) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/listing");
    let html = std::fs::read_to_string(dir.join(format!("{name}.html"))).unwrap();
    let json = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
    (html, serde_json::from_str(&json).unwrap())
}

/// Every teaser fixture (the JSON-LD one belongs to structured data).
const FIXTURES: [&str; 7] = [
    "wordpress-tag",
    "wordpress-block-theme",
    "magazine-grids",
    "drupal-view",
    "ghost-archive",
    "news-front",
    "no-list",
];

fn groups(name: &str) -> (String, Url, Vec<super::TeaserGroup>) {
    let (html, expected) = fixture(name);
    let base = Url::parse(expected["url"].as_str().unwrap()).unwrap();
    let doc = Html::parse_document(&html);
    let found = find(&doc, &base);
    (html, base, found)
}

fn expected_items(name: &str) -> Vec<(String, String)> {
    let (_, expected) = fixture(name);
    expected["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let field = |k: &str| i[k].as_str().unwrap().to_owned();
            (field("url"), field("title"))
        })
        .collect()
}

/// The accepted group's (url, title) pairs.
fn found_items(name: &str) -> Vec<(String, String)> {
    let (_, _, found) = groups(name);
    let first = found.first().unwrap_or_else(|| panic!("{name}: no group"));
    assert!(first.accepted, "{name}: not accepted: {}", first.why);
    first
        .items
        .iter()
        .map(|i| (i.link.to_string(), i.title.clone()))
        .collect()
}

fn check_fixture(name: &str) {
    assert_eq!(found_items(name), expected_items(name), "{name}");
}

#[test]
fn wordpress_tag_archive_takes_the_posts_not_sidebar_spam_or_newsletter() {
    check_fixture("wordpress-tag");
    let (_, _, found) = groups("wordpress-tag");
    let first = &found[0];
    let item = &first.items[0];
    assert_eq!(
        item.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2021-03-02T14:15:00+00:00")
    );
    assert_eq!(item.author.as_deref(), Some("Ana Ruiz"));
    assert!(
        item.summary
            .as_deref()
            .unwrap_or_default()
            .contains("highest court")
    );
    assert_eq!(
        item.image.as_ref().map(Url::as_str),
        Some("https://resist.example.org/wp-content/uploads/2021/02/4101-300x200.jpg")
    );
    assert!(
        !first.pattern.item.contains("post-4101"),
        "{:?}",
        first.pattern
    );
}

#[test]
fn wordpress_block_theme_post_template() {
    check_fixture("wordpress-block-theme");
}

#[test]
fn magazine_slider_and_grids_are_joined_with_text_dates_in_french() {
    check_fixture("magazine-grids");
    let (_, _, found) = groups("magazine-grids");
    let card = found[0]
        .items
        .iter()
        .find(|i| i.link.path().contains("boulangeries"))
        .unwrap();
    assert_eq!(
        card.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-12T00:00:00+00:00")
    );
    assert_eq!(
        card.image.as_ref().map(Url::as_str),
        Some("https://www.lemagazine.example.fr/media/societe-0.jpg")
    );
}

#[test]
fn drupal_view_rows_but_not_the_most_read_block() {
    check_fixture("drupal-view");
    let (_, _, found) = groups("drupal-view");
    let first = &found[0].items[0];
    assert_eq!(
        first.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2019-02-04T00:00:00+00:00")
    );
}

#[test]
fn ghost_cards_take_the_headline_not_the_tag_label() {
    check_fixture("ghost-archive");
    let (_, _, found) = groups("ghost-archive");
    let item = &found[0].items[0];
    assert_eq!(
        item.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2023-05-03T00:00:00+00:00")
    );
    assert_eq!(item.author.as_deref(), Some("Rita Sousa"));
}

#[test]
fn news_front_page_joins_its_sections_without_kickers() {
    check_fixture("news-front");
}

#[test]
fn a_page_without_a_list_has_no_accepted_group() {
    let (_, _, found) = groups("no-list");
    assert!(found.iter().all(|g| !g.accepted), "{found:#?}");
    let (_, expected) = fixture("no-list");
    assert_eq!(expected["error"], "found no list of articles");
}

fn compile(p: &TeaserPattern) -> ListingRules {
    super::pattern::rules(p).unwrap()
}

#[test]
fn every_groups_pattern_reproduces_its_items_through_listing() {
    for name in FIXTURES {
        let (html, base, found) = groups(name);
        assert!(!found.is_empty(), "{name}");
        for group in &found {
            let page = listing(&html, &base, &compile(&group.pattern)).unwrap();
            assert_eq!(page.items, group.items, "{name}: {:?}", group.pattern);
        }
    }
}

#[test]
fn only_the_first_group_may_be_accepted_and_scores_descend() {
    for name in FIXTURES {
        let (_, _, found) = groups(name);
        assert!(found.iter().skip(1).all(|g| !g.accepted), "{name}");
        assert!(found.len() <= super::MAX_REPORTED, "{name}");
    }
}

#[test]
fn selectors_avoid_generated_classes_and_indices() {
    for name in FIXTURES {
        let (_, _, found) = groups(name);
        for g in &found {
            let p = &g.pattern;
            let all = [
                Some(&p.item),
                Some(&p.title),
                Some(&p.link),
                p.date.as_ref(),
            ];
            for css in all.into_iter().flatten() {
                assert!(!css.contains("nth-"), "{name}: {css}");
                assert!(!css.contains("views-row-1"), "{name}: {css}");
                assert!(!css.contains("view-dom-id"), "{name}: {css}");
            }
        }
    }
}

#[test]
fn hostile_page_of_many_links_is_bounded() {
    let mut html = String::from("<html><body><main>");
    for i in 0..30_000 {
        html.push_str(&format!(
            "<div class=\"c\"><h3><a href=\"/2020/01/01/story-number-{i}\">Story number {i} of the day</a></h3></div>"
        ));
    }
    html.push_str("</main></body></html>");
    let doc = Html::parse_document(&html);
    let base = Url::parse("https://example.org/").unwrap();
    let start = std::time::Instant::now();
    let found = find(&doc, &base);
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    assert!(found[0].accepted);
    // Links past MAX_LINKS are not candidates, but the pattern still
    // matches every teaser, as a later refresh would (up to its cap).
    assert_eq!(found[0].items.len(), crate::scrape::MAX_PAGE_ITEMS);
}
