//! A candidate group written as a [`TeaserPattern`]: the item selector,
//! and for each field the relative selector that finds it in the most
//! teasers. Optional fields are kept only when most teasers show them.

use std::sync::LazyLock;

use scraper::{ElementRef, Selector};
use url::Url;

use super::css::{self, TagIndex};
use super::group::Candidate;
use crate::dates;
use crate::model::TeaserPattern;
use crate::scrape::ListingRules;
use crate::scrape::text::{collapse_whitespace, resolve_http};

/// How many teasers of a group are read to choose its field selectors.
const SAMPLE: usize = 12;

/// How many descendants of a teaser are looked at for a date or excerpt.
const MAX_SCAN: usize = 120;

static IMG: LazyLock<Selector> = LazyLock::new(|| Selector::parse("img").expect("valid selector"));
static ANCHOR: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href]").expect("valid selector"));

/// The pattern of a candidate group, if its teasers share a selector.
pub(super) fn build(
    cand: &Candidate<'_>,
    index: &TagIndex<'_>,
    base: &Url,
) -> Option<TeaserPattern> {
    let item = css::item_selector(&cand.items, index)?;
    let n = cand.items.len().min(SAMPLE);
    let items = &cand.items[..n];
    let titles = &cand.titles[..n];
    let title = css::best_relative(&css::relative_candidates(titles), items, |i, el| {
        el.id() == titles[i].id()
    })?
    .0;
    let link = link_selector(cand, n, &title, base)?;
    let most = |found: Option<(String, usize)>| found.filter(|f| f.1 * 2 >= n).map(|f| f.0);
    Some(TeaserPattern {
        item,
        date: most(field(items, date_element, |el| dates_in(el))),
        summary: most(field(items, |i| excerpt(i, titles), |el| long_text(el))),
        author: most(field(items, author_element, |el| short_text(el))),
        image: most(items.iter().any(|i| image(*i, base)).then(|| {
            let hits = items.iter().filter(|i| image(**i, base)).count();
            ("img".to_owned(), hits)
        })),
        title,
        link,
    })
}

/// The link: the title selector when the headline holds (or is) the link,
/// else the selector that finds an element leading to each teaser's URL.
fn link_selector(cand: &Candidate<'_>, n: usize, title: &str, base: &Url) -> Option<String> {
    let leads = |i: usize, el: ElementRef<'_>| link_of(el, base).as_ref() == Some(&cand.urls[i]);
    let items = &cand.items[..n];
    let title_hits = css::best_relative(&[title.to_owned()], items, leads).map_or(0, |b| b.1);
    if title_hits * 10 >= n * 9 {
        return Some(title.to_owned());
    }
    let anchors = &cand.anchors[..n];
    let mut candidates = css::relative_candidates(anchors);
    candidates.push("a[href]".to_owned());
    css::best_relative(&candidates, items, leads)
        .filter(|b| b.1 >= title_hits)
        .map(|b| b.0)
        .or_else(|| (title_hits > 0).then(|| title.to_owned()))
}

/// The URL `scrape::listing` reads from a link element.
fn link_of(el: ElementRef<'_>, base: &Url) -> Option<Url> {
    let href = el
        .value()
        .attr("href")
        .or_else(|| el.select(&ANCHOR).next()?.value().attr("href"))?;
    resolve_http(base, href)
}

/// The best selector for a field: candidates built from the elements
/// `find` picks in each teaser, scored by how many teasers `ok` accepts.
fn field<'a>(
    items: &[ElementRef<'a>],
    find: impl Fn(ElementRef<'a>) -> Option<ElementRef<'a>>,
    ok: impl Fn(ElementRef<'a>) -> bool,
) -> Option<(String, usize)> {
    let found: Vec<ElementRef<'a>> = items.iter().filter_map(|i| find(*i)).collect();
    if found.len() * 2 < items.len() {
        return None;
    }
    let mut candidates = css::relative_candidates(&found);
    if candidates.is_empty() {
        // Differing tags: each one's own compound.
        candidates = found.iter().map(|e| css::describe(*e)).collect();
        candidates.dedup();
    }
    css::best_relative(&candidates, items, |_, el| ok(el))
}

fn descendants<'a>(item: ElementRef<'a>) -> impl Iterator<Item = ElementRef<'a>> {
    item.descendants()
        .take(MAX_SCAN)
        .filter_map(ElementRef::wrap)
}

fn text_of(el: ElementRef<'_>) -> String {
    collapse_whitespace(&el.text().collect::<String>())
}

/// Whether `scrape::listing` reads a date from the element.
fn dates_in(el: ElementRef<'_>) -> bool {
    crate::scrape::listing::element_date(el).is_some()
}

/// The teaser's `<time datetime>`, else its smallest element whose whole
/// text is one date ("20 de octubre de 2020", "Posted on May 3, 2021").
fn date_element(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    let with_attr = descendants(item).find(|e| {
        e.value().name() == "time" && e.value().attr("datetime").and_then(dates::parse).is_some()
    });
    with_attr.or_else(|| {
        descendants(item)
            .filter(|e| scan_text(*e, 80).is_some_and(|s| s.digit))
            .filter(|e| dates::parse(&text_of(*e)).is_some())
            .last_smallest()
    })
}

/// Iterator helper: the last of the leading run of nested matches, i.e.
/// the innermost element of the first match's subtree that still matches.
trait LastSmallest<'a> {
    fn last_smallest(self) -> Option<ElementRef<'a>>;
}

impl<'a, I: Iterator<Item = ElementRef<'a>>> LastSmallest<'a> for I {
    fn last_smallest(mut self) -> Option<ElementRef<'a>> {
        let first = self.next()?;
        let mut best = first;
        for el in self {
            if el.ancestors().any(|a| a.id() == best.id()) {
                best = el;
            } else {
                break;
            }
        }
        Some(best)
    }
}

/// The excerpt: the first paragraph-like element of some length that is
/// not the headline, does not hold it, and holds no heading.
fn excerpt<'a>(item: ElementRef<'a>, titles: &[ElementRef<'a>]) -> Option<ElementRef<'a>> {
    // Cheapest tests first: the tag, then whether it holds a headline (a
    // walk up from each), then its text (a walk through it).
    descendants(item).find(|e| {
        matches!(e.value().name(), "p" | "div" | "span" | "section")
            && !titles
                .iter()
                .any(|t| t.ancestors().any(|a| a.id() == e.id()) || t.id() == e.id())
            && long_text(*e)
            && !e.descendants().filter_map(ElementRef::wrap).any(|d| {
                super::links::is_heading(d.value().name())
                    || d.value().name() == "a" && long_text(d)
            })
    })
}

/// What a cheap read of an element's text tells: its words (as
/// `split_whitespace` counts them in the whole text) and whether it holds
/// an ASCII digit (every date does).
struct TextScan {
    words: usize,
    digit: bool,
}

/// Scans the element's text without collecting it; `None` when it is
/// longer than `limit` bytes (reading no more of it than that).
fn scan_text(el: ElementRef<'_>, limit: usize) -> Option<TextScan> {
    let (mut len, mut in_word) = (0, false);
    let mut scan = TextScan {
        words: 0,
        digit: false,
    };
    for t in el.text() {
        len += t.len();
        if len > limit {
            return None;
        }
        for c in t.chars() {
            let space = c.is_whitespace();
            scan.words += usize::from(!space && !in_word);
            scan.digit |= c.is_ascii_digit();
            in_word = !space;
        }
    }
    Some(scan)
}

/// Eight words or more (an excerpt, not a label), and not a whole post
/// (past a few thousand bytes reading it costs more than it tells).
fn long_text(el: ElementRef<'_>) -> bool {
    let Some(scan) = scan_text(el, 4_000) else {
        return false;
    };
    scan.words >= 8 && (!scan.digit || dates::parse(&text_of(el)).is_none())
}

/// A byline: an element named or marked as the author, with a short text.
fn author_element(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    descendants(item).find(|e| {
        let v = e.value();
        let named = v.classes().any(|c| {
            let c = c.to_ascii_lowercase();
            c.split(['-', '_'])
                .any(|w| matches!(w, "author" | "byline" | "autor" | "auteur" | "creator"))
        });
        let marked = v.attr("rel") == Some("author") || v.attr("itemprop") == Some("author");
        (named || marked) && short_text(*e)
    })
}

fn short_text(el: ElementRef<'_>) -> bool {
    scan_text(el, usize::MAX).is_some_and(|s| (1..=8).contains(&s.words))
}

/// Whether the teaser shows an image with a usable address.
fn image(item: ElementRef<'_>, base: &Url) -> bool {
    item.select(&IMG).next().is_some_and(|img| {
        let v = img.value();
        ["data-src", "data-lazy-src", "src", "srcset", "data-srcset"]
            .into_iter()
            .filter_map(|a| v.attr(a))
            .any(|h| resolve_http(base, h.split_whitespace().next().unwrap_or_default()).is_some())
    })
}

/// Compiles a pattern for `scrape::listing`; `None` if a selector does not
/// parse (they are built to, so that would be a bug worth skipping over).
pub(super) fn rules(p: &TeaserPattern) -> Option<ListingRules> {
    let sel = |css: &str| Selector::parse(css).ok();
    let opt = |css: &Option<String>| match css {
        None => Some(None),
        Some(css) => sel(css).map(Some),
    };
    Some(ListingRules {
        item: sel(&p.item)?,
        title: sel(&p.title)?,
        link: sel(&p.link)?,
        date: opt(&p.date)?,
        summary: opt(&p.summary)?,
        author: opt(&p.author)?,
        image: opt(&p.image)?,
    })
}
