//! Tests of the whole extraction (`article`, `clean_fragment`) on pages
//! modeled on the seeds; each step's own tests sit at the bottom of its file.

use super::*;
use chrono::{DateTime, Utc};

/// [`super::article`] on a page within the markup limits.
fn article(html: &str, url: &Url, rules: &ArticleRules) -> Article {
    super::article(html, url, rules).expect("within the markup limits")
}

/// [`super::clean_fragment`] on a fragment within the markup limits.
fn clean_fragment(html: &str, base: &Url, clean: &CleanRules) -> String {
    super::clean_fragment(html, base, clean).expect("within the markup limits")
}

/// A Project Censored article page (the seed `004_…`) on a WordPress
/// theme: Yoast JSON-LD graph, empty visible date fields, Jetpack share
/// bar and related posts, an appeal box inside the body, comments,
/// sidebar newsletter box, a hidden spam link.
const WORDPRESS: &str = include_str!("testdata/article_wordpress.html");
/// The text expected from [`WORDPRESS`] without any source rule.
const WORDPRESS_TEXT: &str = include_str!("testdata/article_wordpress.expected.txt");

const APPEAL: &str = "urgent end of year fundraising campaign";

fn page_url() -> Url {
    Url::parse("https://www.projectcensored.org/democracy-prevails-in-bolivia/").unwrap()
}

fn rules(content: Option<&str>, remove: &[&str], remove_text: &[&str]) -> ArticleRules {
    ArticleRules {
        content: content.map(|c| Selector::parse(c).unwrap()),
        clean: CleanRules {
            remove: remove.iter().map(|r| Selector::parse(r).unwrap()).collect(),
            remove_text: remove_text.iter().map(|t| normalize_text(t)).collect(),
        },
        ..ArticleRules::default()
    }
}

fn utc(s: &str) -> Option<DateTime<Utc>> {
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

fn assert_absent(haystack: &str, needles: &[&str]) {
    for needle in needles {
        assert!(
            !haystack.to_lowercase().contains(&needle.to_lowercase()),
            "{needle:?} found in:\n{haystack}"
        );
    }
}

#[test]
fn wordpress_article_text_matches_the_golden_file() {
    let a = article(WORDPRESS, &page_url(), &ArticleRules::default());
    assert_eq!(a.text, WORDPRESS_TEXT.trim_end());
}

#[test]
fn generic_extraction_keeps_the_body_and_drops_the_page_around_it() {
    let a = article(WORDPRESS, &page_url(), &ArticleRules::default());
    for kept in [
        "It took a full year",
        "“deeply flawed.”",
        "Sources:",
        "Faculty Evaluator: Peter Phillips",
    ] {
        assert!(a.text.contains(kept), "{kept:?} missing from:\n{}", a.text);
    }
    // Captions stay with their figure in the HTML, but are not text.
    assert!(
        a.html
            .contains("<figcaption>Luis Arce celebrates the result in La Paz.")
    );
    assert!(!a.text.contains("Luis Arce celebrates"));
    assert_absent(
        &a.html,
        &[
            "assetto corsa",
            "spam.example",
            "written by script",
            "Share this",
            "Twitter",
            "Related",
            "Top Bolivian Coup Plotters",
            "About Vins",
            "Great reporting",
            "Leave a Reply",
            "Sign Up To Our Daily Digest",
            "Recent Posts",
            "Skip to content",
            "Censored Stories",
            "Published:",
            "Last Updated",
            "Tagged",
            "All rights reserved",
            "<script",
            "<form",
            "<iframe",
            "onclick",
            "style=",
            "class=",
        ],
    );
}

#[test]
fn article_links_and_images_are_absolute() {
    let a = article(WORDPRESS, &page_url(), &ArticleRules::default());
    assert!(
        a.html.contains(
            r#"src="https://www.projectcensored.org/wp-content/uploads/2020/11/arce-victory.jpg""#
        ),
        "{}",
        a.html
    );
    assert!(
        a.html
            .contains(r#"href="https://www.projectcensored.org/2019/12/interview/""#)
    );
    assert!(!a.html.contains(r#"href="/"#) && !a.html.contains(r#"src="/"#));
}

#[test]
fn dates_and_author_come_from_metadata_not_the_empty_visible_fields() {
    let a = article(WORDPRESS, &page_url(), &ArticleRules::default());
    assert_eq!(
        a.title.as_deref(),
        Some("Democracy Prevails in Bolivia after US-backed Government Loses Election")
    );
    assert_eq!(a.author.as_deref(), Some("Vins"));
    assert_eq!(a.published, utc("2020-11-10T21:21:56Z"));
    assert_eq!(a.modified, utc("2020-11-12T18:03:27Z"));
    // The headline is the item title: not repeated in the body.
    assert!(!a.text.contains("Democracy Prevails"));
}

#[test]
fn remove_text_drops_an_appeal_box_inside_the_body() {
    let with_rule = article(WORDPRESS, &page_url(), &rules(None, &[], &[APPEAL]));
    assert_absent(
        &with_rule.text,
        &["Fundraising", "Online donations", "Donate now"],
    );
    assert!(with_rule.text.contains("It took a full year"));
    assert!(with_rule.text.contains("After the coup"));
    // Without the rule the (unlabelled) box is article-looking text.
    let without = article(WORDPRESS, &page_url(), &ArticleRules::default());
    assert!(without.text.contains("Online donations are back!"));
}

#[test]
fn remove_text_in_a_body_paragraph_drops_only_that_paragraph() {
    let html = r#"<html><body><div class="entry-content">
        <p>Bolivians go to the polls today, Sunday, October 18, in the first general elections
        since the last democratically elected president was forced out.</p>
        <p><strong>URGENT   end of year
          FUNDRAISING campaign:</strong> online donations are back!</p>
        <p>Today’s elections had been postponed twice: first from May to September, and then
        from September to October.</p></div>
        <aside class="sidebar"><p>Archives</p></aside></body></html>"#;
    let a = article(
        html,
        &page_url(),
        &rules(None, &[], &["Urgent End Of Year  Fundraising Campaign"]),
    );
    assert!(
        a.text.starts_with("Bolivians go to the polls"),
        "{}",
        a.text
    );
    assert!(a.text.ends_with("from September to October."), "{}", a.text);
    assert_absent(&a.text, &["fundraising", "donations"]);
}

#[test]
fn remove_selectors_apply_to_the_article() {
    let a = article(
        WORDPRESS,
        &page_url(),
        &rules(None, &[".wp-block-group", "figure"], &[]),
    );
    assert_absent(
        &a.text,
        &["Online donations", "Luis Arce celebrates the result"],
    );
    assert!(a.text.contains("After the coup"));
}

#[test]
fn content_selector_is_used_and_falls_back_when_it_matches_nothing() {
    let html = r#"<html><body><div class="lede"><p>The short lede, chosen by the source.</p></div>
        <div class="story"><p>A much longer story paragraph, with commas, clauses, and more words
        than the lede, which the generic scorer would prefer over anything else.</p></div></body></html>"#;
    let chosen = article(html, &page_url(), &rules(Some(".lede"), &[], &[]));
    assert_eq!(chosen.text, "The short lede, chosen by the source.");
    let fallback = article(html, &page_url(), &rules(Some(".missing"), &[], &[]));
    assert!(
        fallback.text.starts_with("A much longer story paragraph"),
        "{}",
        fallback.text
    );
}

#[test]
fn article_dates_from_meta_tags_and_time_fallback() {
    let with_meta = r#"<html><head><meta property="article:published_time" content="2020-10-20T14:03:00+00:00">
        </head><body><article><p>Body text long enough to be the article of this page, really.</p></article></body></html>"#;
    assert_eq!(
        article(with_meta, &page_url(), &ArticleRules::default()).published,
        utc("2020-10-20T14:03:00Z")
    );
    let with_time = r#"<html><body><article><p class="meta">Posted <time datetime="2020-10-21">Oct 21</time></p>
        <p>Body text long enough to be the article of this page, really.</p></article></body></html>"#;
    let a = article(with_time, &page_url(), &ArticleRules::default());
    assert_eq!(a.published, utc("2020-10-21T00:00:00Z"));
    assert_eq!(a.modified, None);
}

#[test]
fn page_metadata_image_site_language_and_url_date() {
    let html = r#"<html lang="en-US"><head><meta property="og:site_name" content="The Outlet">
        <meta property="og:title" content="Storm floods the valley | The Outlet">
        <meta property="og:image" content="/img/storm.jpg"></head>
        <body><article><p>Body text long enough to be the article of this page, really.</p></article></body></html>"#;
    let url = Url::parse("https://outlet.example/2020/10/23/storm/").unwrap();
    let a = article(html, &url, &ArticleRules::default());
    assert_eq!(a.title.as_deref(), Some("Storm floods the valley"));
    assert_eq!(a.site_name.as_deref(), Some("The Outlet"));
    assert_eq!(a.language.as_deref(), Some("en-US"));
    assert_eq!(
        a.image.as_deref(),
        Some("https://outlet.example/img/storm.jpg")
    );
    assert_eq!(a.published, utc("2020-10-23T00:00:00Z"));
}

#[test]
fn a_teaser_page_gets_its_article_from_json_ld() {
    let html = r#"<html><head><script type="application/ld+json">{"@type": "NewsArticle",
        "articleBody": "The first paragraph of the whole story, which the page hides.\nThe second paragraph, also hidden behind the wall."}</script>
        </head><body><article><p>The first paragraph of the whole story.</p>
        <div class="paywall">Subscribe to read</div></article></body></html>"#;
    let a = article(html, &page_url(), &ArticleRules::default());
    assert_eq!(
        a.text,
        "The first paragraph of the whole story, which the page hides.\n\nThe second paragraph, also hidden behind the wall."
    );
    assert!(a.html.starts_with("<p>The first paragraph"));
}

/// Teasers of the Popular Resistance tag archive (seed `000_…`) as a
/// listing's summary area: the appeal box printed twice between them.
const ARCHIVE_FRAGMENT: &str = r#"
    <article class="post"><div class="entry-summary"><p>After 11 months of being ruled by a
    repressive coup-regime, Bolivians have finally recovered democracy.</p></div></article>
    <div class="wp-block-group"><h3>Urgent   End Of Year Fundraising
    Campaign</h3><p>Online donations are back! Keep independent media alive.</p></div>
    <article class="post"><div class="entry-summary"><p>Bolivia’s Movement to Socialism (MAS)
    party is celebrating what appears to be a crushing, landslide victory.</p></div></article>
    <div class="wp-block-group"><h3>urgent end of year fundraising campaign</h3>
    <p>Due to the attacks on our fiscal sponsor, we were unable to raise funds online.</p></div>
    <div style="display: none"><a href="https://spam.example/">assetto corsa mods</a></div>"#;

#[test]
fn fragment_appeal_boxes_between_teasers_go_whole() {
    let base = Url::parse("https://popularresistance.org/tag/bolivia/").unwrap();
    let clean = rules(None, &[], &["Urgent End Of Year Fundraising Campaign"]).clean;
    let out = clean_fragment(ARCHIVE_FRAGMENT, &base, &clean);
    assert!(
        out.contains("Bolivians have finally recovered democracy."),
        "{out}"
    );
    assert!(out.contains("landslide victory."), "{out}");
    assert_absent(
        &out,
        &[
            "fundraising",
            "online donations",
            "fiscal sponsor",
            "assetto",
            "spam.example",
        ],
    );
}

#[test]
fn fragment_hidden_elements_never_become_text() {
    let base = Url::parse("https://popularresistance.org/").unwrap();
    let html = r#"<p>Teaser text.</p>
        <div style="display: none"><a href="https://spam.example/">assetto corsa mods</a></div>
        <span aria-hidden="true">icon label</span><p hidden>hidden paragraph</p>"#;
    let out = clean_fragment(html, &base, &CleanRules::default());
    assert_eq!(out, "<p>Teaser text.</p>");
}

#[test]
fn fragment_drops_wordpress_feed_footers_and_is_safe() {
    let base = Url::parse("https://popularresistance.org/feed/").unwrap();
    let html = r#"<p onclick="x()">Bolivians go to the polls today. <a href="/bolivia-live/" class="more-link">Continue reading <span class="screen-reader-text">Bolivia Elections Live Blog</span></a></p>
        <p><img src="/wp-content/uploads/teaser.jpg" onerror="x()"> <a href="javascript:alert(1)">bad</a></p>
        <script>alert(1)</script>
        <p>The post <a rel="nofollow" href="https://popularresistance.org/bolivia-live/">Bolivia Elections Live Blog</a> appeared first on <a rel="nofollow" href="https://popularresistance.org">PopularResistance.Org</a>.</p>"#;
    let out = clean_fragment(html, &base, &CleanRules::default());
    assert_absent(
        &out,
        &[
            "appeared first on",
            "continue reading",
            "onclick",
            "onerror",
            "javascript:",
            "<script",
            "alert",
        ],
    );
    assert!(
        out.starts_with("<p>Bolivians go to the polls today. </p>"),
        "{out}"
    );
    assert!(
        out.contains(r#"<img src="https://popularresistance.org/wp-content/uploads/teaser.jpg">"#),
        "{out}"
    );
}

#[test]
fn deeply_nested_pages_do_not_overflow_the_stack() {
    // As deep as the markup limits let through (the paragraph is one more).
    let depth = markup::MAX_DEPTH - 1;
    let html = format!(
        "<html><body>{}<p>Deep text, at the bottom of a hostile page.</p>{}</body></html>",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let a = article(&html, &page_url(), &ArticleRules::default());
    assert_eq!(a.text, "Deep text, at the bottom of a hostile page.");
    let spans = format!("{}x{}", "<span>".repeat(depth), "</span>".repeat(depth));
    let out = clean_fragment(&spans, &page_url(), &CleanRules::default());
    assert!(out.contains('x'));
}

#[test]
fn fragment_with_nothing_left_is_empty() {
    let base = Url::parse("https://popularresistance.org/").unwrap();
    let html = r#"<div style="display:none">assetto corsa mods</div><script>x()</script>"#;
    assert_eq!(clean_fragment(html, &base, &CleanRules::default()), "");
    assert_eq!(clean_fragment("", &base, &CleanRules::default()), "");
}

#[test]
fn a_deeply_nested_article_is_refused_unparsed() {
    let html = format!("<html><body><p>text</p>{}", "<div>".repeat(200_000));
    let err = super::article(&html, &page_url(), &ArticleRules::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "page too deeply nested: depth 200000, limit 1000"
    );
    // Scripts are cut before parsing, so a bomb inside one costs nothing.
    let scripted = format!("<p>text</p><script>{}</script>", "<div>".repeat(200_000));
    assert!(super::article(&scripted, &page_url(), &ArticleRules::default()).is_ok());
}

#[test]
fn an_article_with_too_many_elements_or_attributes_is_refused() {
    let wide = format!(
        "<article>{}</article>",
        "<p>x</p>".repeat(markup::MAX_ELEMENTS)
    );
    let err = super::article(&wide, &page_url(), &ArticleRules::default()).unwrap_err();
    assert!(
        err.to_string().starts_with("page has too many elements: "),
        "{err}"
    );
    let attrs: String = (0..100_000).map(|i| format!(" a{i}")).collect();
    let err = super::article(
        &format!("<p{attrs}>x</p>"),
        &page_url(),
        &ArticleRules::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "element has too many attributes: 100000, limit 1000"
    );
}

#[test]
fn a_nested_summary_is_refused_unparsed() {
    let base = Url::parse("https://example.org/feed/").unwrap();
    let html = "<div>".repeat(100_000);
    let err = super::clean_fragment(&html, &base, &CleanRules::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "page too deeply nested: depth 100000, limit 1000"
    );
}

#[test]
fn a_nested_json_ld_body_is_not_used() {
    let body = format!("<p>{}</p>", "<div>x".repeat(5_000)).replace('"', "");
    let html = format!(
        r#"<html><head><script type="application/ld+json">{{"@type":"NewsArticle","articleBody":"{body}"}}</script></head>
        <body><article><p>A short teaser.</p></article></body></html>"#
    );
    let a = article(&html, &page_url(), &ArticleRules::default());
    assert_eq!(a.text, "A short teaser.");
}
