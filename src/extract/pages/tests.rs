//! Next-page and single-page detection on small pages written after the
//! patterns of outlets (WordPress `<!--nextpage-->` page links, a news
//! site's "Next page ›", `rel="next"` in `<head>`, a `?single=1` link), and
//! the traps: archive pagination, "next article" links (also as
//! `rel="next"`), other hosts.

use std::collections::HashSet;

use url::Url;

use crate::extract::{ArticlePage, ArticleRules, article, article_page, join_pages};

const WP_1: &str = include_str!("../testdata/pages/wordpress_page1.html");
const WP_2: &str = include_str!("../testdata/pages/wordpress_page2.html");
const NEWS: &str = include_str!("../testdata/pages/news_next_page.html");
const HEAD_NEXT: &str = include_str!("../testdata/pages/head_rel_next.html");
const SINGLE: &str = include_str!("../testdata/pages/single_page_link.html");
const CROSS_HOST: &str = include_str!("../testdata/pages/cross_host.html");
/// A one-page article (the golden extraction fixture).
const ONE_PAGE: &str = include_str!("../testdata/article_wordpress.html");

const WP_URL: &str = "https://ledger.example/2024/05/council-votes-to-close-the-old-bridge/";

fn page(html: &str, url: &str) -> ArticlePage {
    let url = Url::parse(url).unwrap();
    article_page(html, &url, &ArticleRules::default(), &HashSet::new()).unwrap()
}

fn next(html: &str, url: &str) -> Option<String> {
    page(html, url).links.next.map(String::from)
}

#[test]
fn wordpress_page_links_lead_to_the_next_page_not_the_next_post() {
    // Page 1 links pages 2 and 3, the next post (also as `rel="next"` in
    // the head and in the post navigation) and the category archive's
    // page 2: only page 2 is the story's next page.
    assert_eq!(next(WP_1, WP_URL), Some(format!("{WP_URL}2/")));
    // Page 2 links back to page 1 and on to page 3.
    assert_eq!(
        next(WP_2, &format!("{WP_URL}2/")),
        Some(format!("{WP_URL}3/"))
    );
    // On page 3 the same links lead nowhere new (1 and 2 are behind).
    assert_eq!(next(WP_2, &format!("{WP_URL}3/")), None);
}

#[test]
fn a_news_sites_next_page_link_is_found_and_its_next_article_is_not() {
    let url = "https://coast.example/world/harbor-workers-walk-out";
    assert_eq!(
        next(NEWS, url),
        Some("https://coast.example/world/harbor-workers-walk-out?page=2".into())
    );
    // From the second page (`?page=2`), `?page=2` is no next page.
    assert_eq!(next(NEWS, &format!("{url}?page=2")), None);
}

#[test]
fn rel_next_in_the_head_of_an_article_is_its_next_page() {
    let url = "https://reports.example/water/long-drought/";
    assert_eq!(next(HEAD_NEXT, url), Some(format!("{url}page/2/")));
    // The same link seen from another story is no page of it.
    assert_eq!(
        next(HEAD_NEXT, "https://reports.example/water/reservoir-levels/"),
        None
    );
}

#[test]
fn a_single_page_version_is_offered_beside_the_pages() {
    let url = "https://harbor.example/features/port-night-shift/";
    let found = page(SINGLE, url);
    assert_eq!(
        found.links.single.map(String::from),
        Some(format!("{url}?single=1"))
    );
    assert_eq!(found.links.next.map(String::from), Some(format!("{url}2/")));
    // The single-page version itself has no next page or other version.
    let whole = page(SINGLE, &format!("{url}?single=1"));
    assert_eq!(whole.links, Default::default());
}

#[test]
fn links_to_other_hosts_are_never_pages() {
    let url = "https://news.example/travel/ferry-schedule-cut/";
    assert_eq!(next(CROSS_HOST, url), None);
}

#[test]
fn a_one_page_article_has_no_links_and_extracts_as_before() {
    let url = "https://www.projectcensored.org/democracy-prevails-in-bolivia/";
    let found = page(ONE_PAGE, url);
    assert_eq!(found.links, Default::default());
    let plain = article(
        ONE_PAGE,
        &Url::parse(url).unwrap(),
        &ArticleRules::default(),
    )
    .unwrap();
    assert_eq!(found.article, plain);
}

#[test]
fn the_paging_box_leaves_the_article_and_later_pages_lose_repeated_blocks() {
    let first = page(WP_1, WP_URL);
    assert!(
        !first.article.text.contains("Pages:"),
        "{}",
        first.article.text
    );
    assert!(first.article.text.contains("iron bridge"));
    let url = Url::parse(&format!("{WP_URL}2/")).unwrap();
    let earlier: HashSet<_> = first.blocks.iter().copied().collect();
    let second = article_page(WP_2, &url, &ArticleRules::default(), &earlier).unwrap();
    let text = &second.article.text;
    assert!(text.starts_with("The mayor, who voted"), "{text}");
    assert!(!text.contains("Maria Okafor"), "{text}");
    assert!(!text.contains("Council Votes"), "{text}");
    assert!(!text.contains("Pages:"), "{text}");

    let joined = join_pages(first.article.clone(), [second.article]);
    let bridge = joined.text.find("iron bridge").unwrap();
    let mayor = joined.text.find("The mayor").unwrap();
    assert!(bridge < mayor, "{}", joined.text);
    assert!(joined.html.find("iron bridge") < joined.html.find("The mayor"));
    assert_eq!(joined.title, first.article.title);
}

#[test]
fn the_next_post_of_the_same_title_is_not_page_two() {
    // WordPress names a second post "Weekly roundup" `weekly-roundup-2`
    // and links it as the adjacent post with `rel="next"`.
    let html = HEAD_NEXT.replace(
        "https://reports.example/water/long-drought/page/2/",
        "https://reports.example/water/weekly-roundup-2/",
    );
    assert_eq!(
        next(&html, "https://reports.example/water/weekly-roundup/"),
        None
    );
    // A pager's "Next page ›" to the same URL is page 2, though.
    let paged = format!(
        "{}<div class=\"pagination\"><a href=\"/water/weekly-roundup-2/\">Next page ›</a></div>",
        html.replace("</article>", "")
    );
    assert_eq!(
        next(&paged, "https://reports.example/water/weekly-roundup/"),
        Some("https://reports.example/water/weekly-roundup-2/".into())
    );
}

#[test]
fn single_page_links_are_known_by_their_words_or_their_url() {
    let url = "https://harbor.example/features/port-night-shift/";
    for (text, href) in [
        ("Single page", "/features/port-night-shift/all/"),
        (
            "Read full article on one page",
            "/features/port-night-shift/?view=all",
        ),
        ("Show whole story", "/features/port-night-shift/?showall=1"),
    ] {
        let html = SINGLE.replace(
            "<a href=\"/features/port-night-shift/?single=1\">View as one page</a>",
            &format!("<a href=\"{href}\">{text}</a>"),
        );
        let found = page(&html, url).links.single.map(String::from);
        assert_eq!(
            found,
            Some(format!("https://harbor.example{href}")),
            "{text}"
        );
    }
    // The same words leading to another story are no single-page version.
    let other = SINGLE.replace(
        "/features/port-night-shift/?single=1",
        "/features/other/?single=1",
    );
    assert_eq!(page(&other, url).links.single, None);
}
