//! Items of a listing page (a tag archive, a front page), found by the
//! source's CSS selectors.

use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::text::{author_name, collapse_whitespace, non_empty, rebase, resolve_http};
use super::{ListingRules, MAX_PAGE_ITEMS, ScrapeError};
use crate::dates;
use crate::markup;
use crate::model::{ScrapedItem, ScrapedPage};

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("built-in selector is valid")
}

static BASE: LazyLock<Selector> = LazyLock::new(|| selector("base[href]"));
static OG_TITLE: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"meta[property="og:title"][content]"#));
static OG_SITE_NAME: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"meta[property="og:site_name"][content]"#));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static ANCHOR: LazyLock<Selector> = LazyLock::new(|| selector("a[href]"));

/// See [`super::listing`].
pub(super) fn scrape(
    html: &str,
    base: &Url,
    rules: &ListingRules,
) -> Result<ScrapedPage, ScrapeError> {
    markup::check(html)?;
    let doc = markup::parse::document(html);
    let base = document_base(&doc, base);
    let matches: Vec<ElementRef<'_>> = doc.select(&rules.item).collect();
    Ok(ScrapedPage {
        title: page_title(&doc),
        site: None,
        items: items(&matches, &base, rules),
        unread: super::unread(matches.len()),
        bad_date: bad_date(&matches, rules),
    })
}

/// The items of a parsed page, as [`scrape`] reads them: teaser detection
/// runs its patterns through this, so a stored pattern yields on the next
/// refresh exactly the items it was found with.
pub(super) fn items_of(doc: &Html, base: &Url, rules: &ListingRules) -> Vec<ScrapedItem> {
    let matches: Vec<ElementRef<'_>> = doc.select(&rules.item).take(MAX_PAGE_ITEMS).collect();
    items(&matches, base, rules)
}

/// Items of the first [`MAX_PAGE_ITEMS`] matches, each link once.
fn items(matches: &[ElementRef<'_>], base: &Url, rules: &ListingRules) -> Vec<ScrapedItem> {
    let mut seen = HashSet::new();
    matches
        .iter()
        .take(MAX_PAGE_ITEMS)
        .filter_map(|el| item(*el, base, rules))
        .filter(|item| seen.insert(item.link.clone()))
        .collect()
}

/// The first text the `date` selector matched (in the first
/// [`MAX_PAGE_ITEMS`] items) that does not read as a date.
fn bad_date(matches: &[ElementRef<'_>], rules: &ListingRules) -> Option<String> {
    let date = rules.date.as_ref()?;
    matches
        .iter()
        .take(MAX_PAGE_ITEMS)
        .filter_map(|el| el.select(date).next())
        .find(|el| element_date(*el).is_none())
        .map(|el| collapse_whitespace(&el.text().collect::<String>()))
}

/// The base for the page's relative links: its `<base href>` resolved
/// against `base`, else `base`.
pub(super) fn document_base(doc: &Html, base: &Url) -> Url {
    rebase(base, first_attr(doc, &BASE, "href"))
}

fn first_attr<'a>(doc: &'a Html, sel: &Selector, attr: &str) -> Option<&'a str> {
    doc.select(sel).next().and_then(|el| el.value().attr(attr))
}

/// `og:title` names the listing itself ("Bolivia Archives - Popular
/// Resistance.Org"); `og:site_name` only the outlet, which would give every
/// source of one outlet the same title, so it comes last.
pub(super) fn page_title(doc: &Html) -> Option<String> {
    let meta = |sel: &Selector| first_attr(doc, sel, "content").map(str::to_owned);
    let title = doc.select(&TITLE).next().map(|t| t.text().collect());
    [meta(&OG_TITLE), title, meta(&OG_SITE_NAME)]
        .into_iter()
        .flatten()
        .map(|t| collapse_whitespace(&t))
        .find(|t| !t.is_empty())
}

fn item(el: ElementRef<'_>, base: &Url, rules: &ListingRules) -> Option<ScrapedItem> {
    let title = collapse_whitespace(&first_match(el, &rules.title)?.text().collect::<String>());
    if title.is_empty() {
        return None;
    }
    let link = item_link(first_match(el, &rules.link)?, base)?;
    let first = |sel: &Option<Selector>| sel.as_ref().and_then(|s| el.select(s).next());
    Some(ScrapedItem {
        title,
        link,
        summary: first(&rules.summary).and_then(|s| non_empty(s.inner_html().trim().to_owned())),
        content: None,
        published: first(&rules.date).and_then(element_date),
        updated: None,
        author: first(&rules.author).and_then(|a| author_name(&a.text().collect::<String>())),
        image: first(&rules.image).and_then(|i| item_image(i, base)),
    })
}

/// The item itself when it matches `sel` (a teaser that is one `<a>`, a
/// headline with nothing around it), else its first descendant that does.
pub(super) fn first_match<'a>(el: ElementRef<'a>, sel: &Selector) -> Option<ElementRef<'a>> {
    if sel.matches(&el) {
        Some(el)
    } else {
        el.select(sel).next()
    }
}

static IMG: LazyLock<Selector> = LazyLock::new(|| selector("img"));

/// The matched `<img>`'s address, or that of the first image inside the
/// matched element. Lazy-loading themes leave a placeholder (often a
/// `data:` URI) in `src` and the real address in `data-src`, `data-lazy-src`
/// or `srcset`; only an http(s) address counts.
fn item_image(el: ElementRef<'_>, base: &Url) -> Option<Url> {
    let img = if el.value().name() == "img" {
        el
    } else {
        el.select(&IMG).next()?
    };
    let attr = |name: &str| img.value().attr(name);
    let srcset = attr("srcset")
        .or_else(|| attr("data-srcset"))
        .and_then(|s| s.split_whitespace().next());
    ["data-src", "data-lazy-src", "src"]
        .into_iter()
        .filter_map(attr)
        .chain(srcset)
        .find_map(|href| resolve_http(base, href.trim()))
}

/// The matched element's `href`, or that of its first link when the selector
/// names a wrapper (`h2.entry-title` rather than `h2.entry-title a`).
fn item_link(el: ElementRef<'_>, base: &Url) -> Option<Url> {
    let href = el
        .value()
        .attr("href")
        .or_else(|| el.select(&ANCHOR).next()?.value().attr("href"))?;
    resolve_http(base, href)
}

/// `<time datetime>`, then `<meta content>` (schema.org microdata), then the
/// visible text; the first that parses wins, since themes sometimes leave the
/// attribute empty or fill it with the display text.
pub(super) fn element_date(el: ElementRef<'_>) -> Option<chrono::DateTime<chrono::Utc>> {
    ["datetime", "content"]
        .into_iter()
        .find_map(|a| el.value().attr(a).and_then(dates::parse))
        .or_else(|| dates::parse(&collapse_whitespace(&el.text().collect::<String>())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scrape::test_support::utc;

    fn rules(item: &str, title: &str, link: &str) -> ListingRules {
        ListingRules {
            item: selector(item),
            title: selector(title),
            link: selector(link),
            summary: Some(selector(".entry-summary")),
            date: Some(selector("time.published")),
            author: Some(selector(".byline")),
            image: None,
        }
    }

    fn wordpress_rules() -> ListingRules {
        rules("article", "h2.entry-title a", "h2.entry-title a")
    }

    fn base() -> Url {
        Url::parse("https://popularresistance.org/tag/bolivia/").unwrap()
    }

    /// One teaser of a WordPress (Twenty Twenty-style) tag archive.
    fn teaser(id: u32, href: &str, title: &str, datetime: &str) -> String {
        format!(
            r#"<article id="post-{id}" class="post-{id} post type-post status-publish">
  <header class="entry-header">
    <h2 class="entry-title"><a href="{href}" rel="bookmark">{title}</a></h2>
    <div class="entry-meta"><span class="posted-on"><a href="{href}" rel="bookmark"><time class="entry-date published" datetime="{datetime}">October 23, 2020</time><time class="updated" datetime="2020-10-25T10:00:00-04:00">October 25, 2020</time></a></span> <span class="byline">by <span class="author vcard"><a class="url fn n" href="/author/margaret/">Margaret Flowers</a></span></span></div>
  </header>
  <div class="entry-summary"><p>After 11 months of a coup regime, Bolivians have recovered democracy.</p></div>
</article>"#
        )
    }

    fn page(head: &str, body: &str) -> String {
        format!(
            "<!DOCTYPE html><html lang=\"en-US\"><head><meta charset=\"UTF-8\">{head}</head>\
             <body class=\"archive tag tag-bolivia\"><main id=\"main\">{body}</main></body></html>"
        )
    }

    #[test]
    fn wordpress_archive_items_in_page_order() {
        let body = teaser(
            123,
            "/2020/10/23/movement-towards-socialism-wins/",
            "Movement Towards  Socialism\n Wins Landslide Victory In Bolivia",
            "2020-10-23T09:00:00-04:00",
        ) + &teaser(
            120,
            "https://popularresistance.org/2020/10/20/media-responds/",
            "Media Responds With Apathy",
            "2020-10-20T22:30:00+00:00",
        );
        let head = "<title>Bolivia Archives - Popular Resistance.Org</title>";
        let scraped = listing_of(&page(head, &body), &wordpress_rules());
        assert_eq!(
            scraped.title.as_deref(),
            Some("Bolivia Archives - Popular Resistance.Org")
        );
        assert_eq!(scraped.items.len(), 2);
        let first = &scraped.items[0];
        assert_eq!(
            first.title,
            "Movement Towards Socialism Wins Landslide Victory In Bolivia"
        );
        assert_eq!(
            first.link.as_str(),
            "https://popularresistance.org/2020/10/23/movement-towards-socialism-wins/"
        );
        assert_eq!(first.published, Some(utc("2020-10-23T13:00:00Z")));
        assert_eq!(first.author.as_deref(), Some("Margaret Flowers"));
        assert_eq!(
            first.summary.as_deref(),
            Some("<p>After 11 months of a coup regime, Bolivians have recovered democracy.</p>")
        );
        assert_eq!(first.content, None);
        assert_eq!(first.updated, None);
        assert_eq!(scraped.items[1].title, "Media Responds With Apathy");
        assert_eq!(
            scraped.items[1].published,
            Some(utc("2020-10-20T22:30:00Z"))
        );
    }

    fn listing_of(html: &str, rules: &ListingRules) -> ScrapedPage {
        scrape(html, &base(), rules).unwrap()
    }

    #[test]
    fn a_deeply_nested_listing_is_refused_unparsed() {
        let html = format!(
            "<html><body><article><h2><a href=/a>A</a></h2></article>{}",
            "<div>".repeat(200_000)
        );
        let err = scrape(&html, &base(), &rules("article", "h2", "h2 a")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "page too deeply nested: depth 200000, limit 1000"
        );
    }

    #[test]
    fn items_without_title_or_usable_link_are_skipped() {
        let body = r##"
          <article><h2 class="entry-title"><a>No href at all</a></h2></article>
          <article><h2 class="entry-title"><a href="#">Fragment only</a></h2></article>
          <article><h2 class="entry-title"><a href="javascript:void(0)">Script</a></h2></article>
          <article><h2 class="entry-title"><a href="/empty-title/"> </a></h2></article>
          <article><p>No heading</p></article>
          <article><h2 class="entry-title"><a href="kept/">Kept</a></h2></article>"##;
        let scraped = listing_of(&page("", body), &wordpress_rules());
        let links: Vec<_> = scraped.items.iter().map(|i| i.link.as_str()).collect();
        assert_eq!(links, ["https://popularresistance.org/tag/bolivia/kept/"]);
    }

    #[test]
    fn missing_optional_fields_are_none() {
        let body = r#"<article><h2 class="entry-title"><a href="/a/">A</a></h2>
            <span class="byline"> </span><time class="published">sometime</time></article>"#;
        let item = &listing_of(&page("", body), &wordpress_rules()).items[0];
        assert_eq!(
            (item.summary.as_ref(), item.published, item.author.as_ref()),
            (None, None, None)
        );
        let bare = ListingRules {
            summary: None,
            date: None,
            author: None,
            ..wordpress_rules()
        };
        assert_eq!(listing_of(&page("", body), &bare).items[0].title, "A");
    }

    #[test]
    fn date_falls_back_to_content_then_text() {
        let body = r#"
          <article><h2 class="entry-title"><a href="/a/">A</a></h2>
            <meta class="published" itemprop="datePublished" content="2020-10-21T08:00:00+02:00"></article>
          <article><h2 class="entry-title"><a href="/b/">B</a></h2>
            <span class="published">October 20, 2020</span></article>"#;
        let scraped = listing_of(&page("", body), &wordpress_rules_with_date(".published"));
        assert_eq!(
            scraped.items[0].published,
            Some(utc("2020-10-21T06:00:00Z"))
        );
        assert_eq!(
            scraped.items[1].published,
            Some(utc("2020-10-20T00:00:00Z"))
        );
    }

    fn wordpress_rules_with_date(css: &str) -> ListingRules {
        ListingRules {
            date: Some(selector(css)),
            ..wordpress_rules()
        }
    }

    #[test]
    fn link_selector_on_wrapper_uses_its_first_anchor() {
        let body = r#"<article><h2 class="entry-title"><span>x</span><a href="/wrapped/">W</a></h2></article>"#;
        let rules = rules("article", "h2.entry-title a", "h2.entry-title");
        let item = &listing_of(&page("", body), &rules).items[0];
        assert_eq!(item.link.as_str(), "https://popularresistance.org/wrapped/");
        assert_eq!(item.title, "W");
    }

    #[test]
    fn base_href_is_honoured() {
        let head = r#"<base href="https://cdn.example.net/mirror/">"#;
        let body = r#"<article><h2 class="entry-title"><a href="post/">P</a></h2></article>"#;
        let item = &listing_of(&page(head, body), &wordpress_rules()).items[0];
        assert_eq!(item.link.as_str(), "https://cdn.example.net/mirror/post/");
    }

    #[test]
    fn duplicate_links_keep_the_first_item() {
        let body = r#"
          <article class="featured"><h2 class="entry-title"><a href="/same/">First</a></h2></article>
          <article><h2 class="entry-title"><a href="/other/">Other</a></h2></article>
          <article><h2 class="entry-title"><a href="https://popularresistance.org/same/">Again</a></h2></article>"#;
        let titles: Vec<_> = listing_of(&page("", body), &wordpress_rules())
            .items
            .into_iter()
            .map(|i| i.title)
            .collect();
        assert_eq!(titles, ["First", "Other"]);
    }

    #[test]
    fn page_title_prefers_og_title_then_title_then_site_name() {
        let og = r#"<meta property="og:site_name" content="Popular Resistance.Org">
            <meta property="og:title" content=" Bolivia Archives ">
            <title>ignored</title>"#;
        let rules = wordpress_rules();
        assert_eq!(
            listing_of(&page(og, ""), &rules).title.as_deref(),
            Some("Bolivia Archives")
        );
        let site = r#"<meta property="og:site_name" content="Popular Resistance.Org">"#;
        assert_eq!(
            listing_of(&page(site, ""), &rules).title.as_deref(),
            Some("Popular Resistance.Org")
        );
        assert_eq!(
            listing_of(&page("<title> </title>", ""), &rules).title,
            None
        );
    }
}
