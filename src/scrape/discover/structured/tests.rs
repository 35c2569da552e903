use scraper::Html;
use serde_json::Value;
use url::Url;

use super::*;
use crate::scrape::test_support::utc;

fn url(text: &str) -> Url {
    Url::parse(text).unwrap()
}

fn find_in(html: &str, at: &str) -> Option<Found> {
    find(&Html::parse_document(html), &url(at))
}

fn links(found: &Found) -> Vec<&str> {
    found.items.iter().map(|i| i.link.as_str()).collect()
}

fn ld(json: &str) -> String {
    format!(r#"<script type="application/ld+json">{json}</script>"#)
}

const FIXTURE_HTML: &str = include_str!("../../../../tests/fixtures/listing/jsonld-only.html");
const FIXTURE_JSON: &str = include_str!("../../../../tests/fixtures/listing/jsonld-only.json");

#[test]
fn fixture_jsonld_only_listing() {
    let expected: Value = serde_json::from_str(FIXTURE_JSON).unwrap();
    let page = expected["url"].as_str().unwrap();
    assert_eq!(expected["method"], "structured");
    let found = find_in(FIXTURE_HTML, page).unwrap();
    let got: Vec<(&str, &str)> = found
        .items
        .iter()
        .map(|i| (i.link.as_str(), i.title.as_str()))
        .collect();
    let want: Vec<(&str, &str)> = expected["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["url"].as_str().unwrap(), i["title"].as_str().unwrap()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(found.why, "JSON-LD ItemList of 5 items");
}

#[test]
fn fixture_items_carry_dates_authors_summaries_and_images() {
    let found = find_in(FIXTURE_HTML, "https://vozdelvalle.example/medio-ambiente/").unwrap();
    let first = &found.items[0];
    assert_eq!(first.published, Some(utc("2024-06-03T12:15:00Z")));
    assert_eq!(first.updated, Some(utc("2024-06-03T15:40:00Z")));
    assert_eq!(first.author.as_deref(), Some("Lucía Mamani"), "via its @id");
    assert_eq!(
        first.summary.as_deref(),
        Some("Las mediciones de la temporada seca confirman la pérdida más rápida desde 2016.")
    );
    assert_eq!(
        first.image.as_ref().map(Url::as_str),
        Some("https://img.vozdelvalle.example/2024/06/tuni.jpg")
    );
    let second = &found.items[1];
    assert_eq!(second.author.as_deref(), Some("Jorge Quispe"));
    assert_eq!(
        second.image.as_ref().map(Url::as_str),
        Some("https://img.vozdelvalle.example/2024/06/qochas-16x9.jpg")
    );
    let untitled_list_item = &found.items[4];
    assert_eq!(untitled_list_item.published, None);
    assert_eq!(found.items[3].published, Some(utc("2024-05-28T00:00:00Z")));
}

#[test]
fn an_article_pages_own_news_article_is_not_a_list() {
    let article = ld(r#"{"@context": "https://schema.org", "@graph": [
        {"@type": "WebPage", "@id": "https://news.example/2024/05/a/", "url": "https://news.example/2024/05/a/"},
        {"@type": "NewsArticle", "@id": "https://news.example/2024/05/a/#article",
         "headline": "A", "mainEntityOfPage": {"@id": "https://news.example/2024/05/a/"},
         "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".paywall"}},
        {"@type": "BreadcrumbList", "itemListElement": [
          {"@type": "ListItem", "position": 1, "name": "Home", "item": "https://news.example/"},
          {"@type": "ListItem", "position": 2, "name": "World", "item": "https://news.example/world/"}]}
    ]}"#);
    assert_eq!(find_in(&article, "https://news.example/2024/05/a/"), None);
    // The same article written twice (Article and NewsArticle, as some SEO
    // plugins do) still names the page itself.
    let twice = format!(
        "{}{}",
        ld(r#"{"@type": "Article", "headline": "A", "url": "https://news.example/2024/05/a/"}"#),
        ld(
            r#"{"@type": "NewsArticle", "headline": "A", "url": "https://news.example/2024/05/a/#top"}"#
        )
    );
    assert_eq!(find_in(&twice, "https://news.example/2024/05/a/"), None);
    // The page's own article and one other (a "related" teaser) are not
    // two items of a list: the page itself is never an item.
    let related = format!(
        "{}{}",
        ld(
            r#"{"@type": "NewsArticle", "headline": "A", "url": "https://news.example/2024/05/a/"}"#
        ),
        ld(
            r#"{"@type": "NewsArticle", "headline": "B", "url": "https://news.example/2024/05/b/"}"#
        )
    );
    assert_eq!(find_in(&related, "https://news.example/2024/05/a/"), None);
}

#[test]
fn several_loose_articles_and_blog_posts() {
    let loose = format!(
        "{}{}",
        ld(
            r#"[{"@type": "NewsArticle", "headline": "One &amp; only", "url": "/one"},
               {"@type": "Organization", "name": "News", "url": "/"}]"#
        ),
        ld(
            r#"{"@type": ["NewsArticle", "AnalysisNewsArticle"], "headline": "Two", "url": "/two", "datePublished": "2024-01-02"}"#
        )
    );
    let found = find_in(&loose, "https://news.example/").unwrap();
    assert_eq!(
        links(&found),
        ["https://news.example/one", "https://news.example/two"]
    );
    assert_eq!(found.items[0].title, "One & only");
    assert_eq!(
        found.why,
        "JSON-LD NewsArticle objects (top level) of 2 items"
    );

    let blog = ld(
        r#"{"@context": "http://schema.org", "@type": "Blog", "name": "Notes",
        "blogPost": [
          {"@type": "BlogPosting", "headline": "First", "url": "https://blog.example/first"},
          {"@type": "BlogPosting", "name": "Second", "mainEntityOfPage": "https://blog.example/second"},
          {"@type": "BlogPosting", "headline": "No link"}]}"#,
    );
    let found = find_in(&blog, "https://blog.example/").unwrap();
    assert_eq!(
        links(&found),
        ["https://blog.example/first", "https://blog.example/second"]
    );
    assert_eq!(
        found.why,
        "JSON-LD BlogPosting objects (blogPost) of 2 items"
    );
}

#[test]
fn item_list_is_read_by_position_and_the_longest_list_wins() {
    let html = format!(
        "{}{}",
        ld(r#"{"@type": "ItemList", "itemListElement": [
            {"@type": "ListItem", "position": "2", "url": "/b", "name": "B"},
            {"@type": "ListItem", "position": 1, "url": "/a", "name": "A"},
            {"@type": "ListItem", "position": 3, "item": {"@type": "Thing", "@id": "/c", "name": "C"}}]}"#),
        ld(r#"<!-- {"@type": "ItemList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "url": "/x", "name": "X"},
            {"@type": "ListItem", "position": 2, "url": "/y", "name": "Y"}]}; -->"#)
    );
    let found = find_in(&html, "https://news.example/list/").unwrap();
    assert_eq!(
        links(&found),
        [
            "https://news.example/a",
            "https://news.example/b",
            "https://news.example/c"
        ]
    );
}

#[test]
fn fewer_than_two_items_or_broken_json_is_none() {
    let one = ld(
        r#"{"@type": "ItemList", "itemListElement": [{"@type": "ListItem", "url": "/a", "name": "A"}]}"#,
    );
    assert_eq!(find_in(&one, "https://news.example/"), None);
    let untitled = ld(r#"{"@type": "ItemList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "url": "/a"}, {"@type": "ListItem", "position": 2, "url": "/b"}]}"#);
    assert_eq!(
        find_in(&untitled, "https://news.example/"),
        None,
        "carousels without names"
    );
    assert_eq!(
        find_in(&ld(r#"{"@type": "ItemList", "#), "https://news.example/"),
        None
    );
}

#[test]
fn oversized_scripts_are_skipped() {
    let padding = " ".repeat(MAX_SCRIPT_BYTES);
    let big = ld(&format!(
        r#"{{"@type": "ItemList", "itemListElement": [
            {{"@type": "ListItem", "url": "/a", "name": "A"}}, {{"@type": "ListItem", "url": "/b", "name": "B"}}]}}{padding}"#
    ));
    assert_eq!(find_in(&big, "https://news.example/"), None);
}

fn next_data(props: &str) -> String {
    format!(
        r#"<html><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">
        {{"props": {{"pageProps": {props}}}, "page": "/[section]", "buildId": "x1"}}</script></body></html>"#
    )
}

#[test]
fn next_data_list_of_articles() {
    let html = next_data(
        r#"{"menu": [{"title": "World", "url": "/world"}, {"title": "Business", "url": "/business"}, {"title": "Climate Change", "url": "/climate"}],
            "section": {"name": "Climate", "articles": [
              {"id": 1, "title": "Glacier loss doubles in the central Andes", "url": "/climate/2024/06/glacier-loss",
               "publishedAt": "2024-06-03T08:00:00Z", "excerpt": "New survey data.", "author": {"name": "Ana Ruiz"},
               "image": {"src": "https://cdn.news.example/g.jpg"}},
              {"id": 2, "title": "Rain harvesting returns to Altiplano villages", "url": "https://www.news.example/climate/2024/06/qochas"},
              {"id": 3, "title": {"rendered": "Fire season: what the satellite data says"}, "link": "/climate/2024/05/fires"},
              {"id": 4, "title": "Sponsored: the best solar panels of the year", "url": "https://ads.example/solar"}]}}"#,
    );
    let found = find_in(&html, "https://news.example/climate").unwrap();
    assert_eq!(
        links(&found),
        [
            "https://news.example/climate/2024/06/glacier-loss",
            "https://www.news.example/climate/2024/06/qochas",
            "https://news.example/climate/2024/05/fires"
        ]
    );
    assert_eq!(found.why, "app state (__NEXT_DATA__) of 3 items");
    let first = &found.items[0];
    assert_eq!(first.published, Some(utc("2024-06-03T08:00:00Z")));
    assert_eq!(first.author.as_deref(), Some("Ana Ruiz"));
    assert_eq!(first.summary.as_deref(), Some("New survey data."));
    assert_eq!(
        first.image.as_ref().map(Url::as_str),
        Some("https://cdn.news.example/g.jpg")
    );
}

#[test]
fn app_state_menus_tags_and_short_lists_are_not_articles() {
    let menus = next_data(
        r#"{"nav": [{"title": "World news", "url": "/world"}, {"title": "Business and money", "url": "/business"},
                    {"title": "Climate and science", "url": "/climate"}, {"title": "Arts and culture", "url": "/arts"}],
            "tags": [{"name": "Bolivia elections 2024 results", "slug": "bolivia"}, {"name": "Water rights in the Andes", "slug": "water"},
                     {"name": "Lithium mining in Potosí", "slug": "lithium"}],
            "two": [{"title": "A long headline about one thing", "url": "/a/1"}, {"title": "A long headline about another thing", "url": "/a/2"}]}"#,
    );
    assert_eq!(find_in(&menus, "https://news.example/"), None);
}

#[test]
fn window_state_assignment() {
    let html = r#"<html><body><div id="app"></div><script>
        window.__CONFIG__ = {"api": "/api", "fn": undefined};
        window.__INITIAL_STATE__ = {"feed": {"items": [
          {"headline": "Mayors sign a pact on river pollution in La Paz", "path": "/noticias/2024/06/pacto-rios"},
          {"headline": "Three new bus routes open in El Alto this week", "path": "/noticias/2024/06/buses"},
          {"headline": "University strike enters its second month", "path": "/noticias/2024/06/huelga"}]}};
        </script></body></html>"#;
    let found = find_in(html, "https://news.example/noticias/").unwrap();
    assert_eq!(found.items.len(), 3);
    assert_eq!(found.why, "app state (__INITIAL_STATE__) of 3 items");
    assert_eq!(
        found.items[2].link.as_str(),
        "https://news.example/noticias/2024/06/huelga"
    );
}

#[test]
fn json_ld_wins_over_app_state() {
    let html = format!(
        "{}{}",
        ld(r#"{"@type": "ItemList", "itemListElement": [
            {"@type": "ListItem", "url": "/a", "name": "A"}, {"@type": "ListItem", "url": "/b", "name": "B"}]}"#),
        next_data(
            r#"{"articles": [{"title": "One two three four five", "url": "/1"},
                {"title": "One two three four five six", "url": "/2"}, {"title": "One two three four five seven", "url": "/3"}]}"#
        )
    );
    let found = find_in(&html, "https://news.example/").unwrap();
    assert_eq!(found.why, "JSON-LD ItemList of 2 items");
}
