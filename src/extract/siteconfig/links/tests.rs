use super::*;
use crate::extract::siteconfig::{SiteConfigs, replace_html};

const URL: &str = "https://outlet.example/story/";

fn configs(rules: &str) -> SiteConfigs {
    SiteConfigs::from_files([("outlet.example.txt".to_owned(), rules.to_owned())])
}

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

/// What detection found on the page, in these tests.
fn detected() -> PageLinks {
    PageLinks {
        next: Some(url("https://outlet.example/story/2/")),
        single: Some(url("https://outlet.example/story/?single=1")),
    }
}

/// The page's links as extraction reads them: the site's rules on the
/// page parsed after its replacements and without its scripts, over
/// `detected()`; a host without a site config keeps `detected()`.
fn page_links(configs: &SiteConfigs, html: &str, page_url: &Url) -> PageLinks {
    let Some(site) = configs.for_url(page_url) else {
        return detected();
    };
    let (stripped, _) = crate::extract::prepass::strip(&replace_html(&site, html));
    let parsed = scraper::Html::parse_document(&stripped);
    site_links(site, &Page::new(parsed.tree.root()), page_url).over(detected())
}

fn links(rules: &str, html: &str) -> PageLinks {
    page_links(&configs(rules), html, &url(URL))
}

fn next(links: &PageLinks) -> Option<&str> {
    links.next.as_ref().map(Url::as_str)
}

fn single(links: &PageLinks) -> Option<&str> {
    links.single.as_ref().map(Url::as_str)
}

#[test]
fn the_site_links_win_over_the_detected_ones_and_are_absolute() {
    let rules = "next_page_link: //a[@rel='next']\nnext_page_link: //link[@rel='next']/@href\n\
                 single_page_link: //a[contains(@class, 'one-page')]/@href\n";
    let html = r#"<head><link rel="next" href="https://outlet.example/story/part-b"></head>
        <body><p>Text</p><a class="view one-page" href="/print/story">All</a></body>"#;
    let found = links(rules, html);
    assert_eq!(next(&found), Some("https://outlet.example/story/part-b"));
    assert_eq!(single(&found), Some("https://outlet.example/print/story"));
    // The first rule that gives a link wins; an element without `href`
    // gives none, and its text is no link.
    let html = r#"<a rel="next">Next</a><a rel="next" href="/story/p2">Next</a><a rel="next" href="/x">X</a>"#;
    assert_eq!(
        next(&links(rules, html)),
        Some("https://outlet.example/story/p2")
    );
}

#[test]
fn detection_stands_where_the_rules_find_nothing_unless_the_site_says_no() {
    let rules = "next_page_link: //a[@class='more']\n";
    let nothing = "<p>One page only.</p><a class=\"more\" href=\"javascript:go()\">More</a>";
    assert_eq!(links(rules, nothing), detected());
    let off = format!("{rules}autodetect_next_page: no\n");
    assert_eq!(links(&off, nothing), PageLinks::default());
    // Without paging rules, `no` alone turns detection off too.
    assert_eq!(
        links("autodetect_next_page: no\n", nothing),
        PageLinks::default()
    );
}

#[test]
fn hosts_without_paging_rules_keep_the_detected_links() {
    let html = r#"<a class="more" href="/story/part-b">More</a>"#;
    assert_eq!(links("body: //article\n", html), detected());
    let other = url("https://other.example/story/");
    let found = page_links(
        &configs("next_page_link: //a[@class='more']\n"),
        html,
        &other,
    );
    assert_eq!(found, detected());
}

#[test]
fn rules_read_the_page_after_replacements_and_before_strips() {
    let rules = "find_string: data-target=\"\nreplace_string: href=\"\n\
                 strip: //div[@class='pager']\nnext_page_link: //div[@class='pager']/a\n";
    let html = r#"<article><p>Text</p></article><div class="pager"><a data-target="/story/part-b">Read on</a></div>"#;
    assert_eq!(
        next(&links(rules, html)),
        Some("https://outlet.example/story/part-b")
    );
}
