//! The bounds of one refresh (issue 9): an outlet listing 100,000 items, or
//! 1,000 articles to fetch, or a 10 MB title, must cost no more than a
//! normal page. This module decides which items a refresh takes
//! (`max_new_items`), which articles it fetches now and which later
//! (`max_article_fetches`), and cuts what is stored of each item's text to
//! a bounded length without bidi controls.
//!
//! Pure functions only; the pipeline calls them and logs nothing else
//! about the cuts.

use std::cmp::Reverse;
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use url::Url;

use crate::extract::{self, CleanRules};
use crate::model::{NewItem, ScrapedItem, canonical_url};

/// Longest stored title, in characters: a headline is under 200; a longer
/// one is a page's text scraped as a title. Cut with an ellipsis.
pub const MAX_TITLE_CHARS: usize = 1_000;

/// Longest stored author, in characters: names, or a few of them, fit;
/// a byline selector that caught a paragraph does not.
pub const MAX_AUTHOR_CHARS: usize = 200;

/// Longest stored summary, in characters of sanitized HTML. Teasers are a
/// few hundred; feeds that carry the whole article in their description
/// (Blogger, older blogs) stay whole up to a long read of some 7,000
/// words. Past this the HTML is cut outside any tag or entity, an ellipsis
/// is added and it is sanitized again, which closes the elements left
/// open: it stays well-formed and safe (a few closing tags over the bound).
pub const MAX_SUMMARY_CHARS: usize = 50_000;

/// Longest item link, in bytes. Browsers and servers commonly stop at 2
/// to 8 KB, and the link is also the item's id in every feed: an item whose
/// link is longer is dropped (logged), not stored with a cut link that
/// would lead nowhere.
pub const MAX_LINK_BYTES: usize = 2_048;

/// The characters that override or isolate the direction of the text
/// around them (U+202A–U+202E, U+2066–U+2069). In a title or an author
/// they make a reader's item list show text in another order than it is
/// (`exe.txt` as `txt.exe`, a reversed price), so they are removed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Keeps at most `max` distinct items of a page, the newest, and says how
/// many it left out (0 when none). Items whose link is longer than
/// [`MAX_LINK_BYTES`] are dropped first.
///
/// "Newest" is by the items' own dates (published, else updated) when every
/// item has one; otherwise by page order, as listings and feeds list newest
/// first (a page that dates only some items gives no order to sort by).
/// The items taken keep their page order. `unread` is what the scrape left
/// unread (`scrape::MAX_PAGE_ITEMS`): it counts as listed, not as taken.
pub(super) fn take_newest(
    items: Vec<ScrapedItem>,
    unread: usize,
    max: usize,
    source: &str,
) -> (Vec<ScrapedItem>, u32) {
    let items = drop_long_links(items, source);
    let mut seen = HashSet::new();
    let items: Vec<ScrapedItem> = items
        .into_iter()
        .filter(|item| seen.insert(canonical_url(&item.link)))
        .collect();
    let listed = items.len() + unread;
    if listed <= max {
        return (items, 0);
    }
    let keep = newest(&items, max);
    let taken: Vec<ScrapedItem> = items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect();
    tracing::warn!(
        source = %source,
        listed,
        taken = taken.len(),
        "page lists {listed} items, took the newest {} (max_new_items)",
        taken.len()
    );
    let cut = u32::try_from(listed - taken.len()).unwrap_or(u32::MAX);
    (taken, cut)
}

fn drop_long_links(items: Vec<ScrapedItem>, source: &str) -> Vec<ScrapedItem> {
    let before = items.len();
    let kept: Vec<ScrapedItem> = items
        .into_iter()
        .filter(|item| item.link.as_str().len() <= MAX_LINK_BYTES)
        .collect();
    if kept.len() < before {
        tracing::warn!(
            source = %source,
            dropped = before - kept.len(),
            "dropped {} items whose link is longer than {MAX_LINK_BYTES} bytes",
            before - kept.len()
        );
    }
    kept
}

/// Which of `items` are the `max` newest (see [`take_newest`]).
fn newest(items: &[ScrapedItem], max: usize) -> Vec<bool> {
    let date = |item: &ScrapedItem| -> Option<DateTime<Utc>> { item.published.or(item.updated) };
    let mut keep = vec![false; items.len()];
    if items.iter().all(|item| date(item).is_some()) {
        let mut order: Vec<usize> = (0..items.len()).collect();
        // Stable: items of one date keep their page order.
        order.sort_by_key(|&i| Reverse(date(&items[i])));
        order.into_iter().take(max).for_each(|i| keep[i] = true);
    } else {
        keep.iter_mut().take(max).for_each(|k| *k = true);
    }
    keep
}

/// Which of the articles a refresh wants it may fetch now: the first `max`
/// in page order (new items come first on a listing, so a backlog of older
/// items without an article drains after them). `wanted` says, per item,
/// whether its article is wanted; the answer is `true` for the items to
/// fetch. The others are stored without content, and a later refresh
/// fetches them (the pipeline then also drops the listing's validators, so
/// that refresh reads the listing in full rather than a 304).
pub(super) fn article_budget(
    wanted: impl Iterator<Item = bool>,
    max: usize,
    source: &str,
) -> Vec<bool> {
    let mut left = max;
    let mut deferred = 0usize;
    let allowed: Vec<bool> = wanted
        .map(|wanted| {
            if wanted && left > 0 {
                left -= 1;
                true
            } else {
                deferred += usize::from(wanted);
                false
            }
        })
        .collect();
    if deferred > 0 {
        tracing::warn!(
            source = %source,
            fetched = max,
            deferred,
            "fetching {max} articles, {deferred} left for later refreshes (max_article_fetches)"
        );
    }
    allowed
}

/// Bounds what is stored of an item as read from the page: title, author
/// and summary (see the `MAX_*` constants), bidi controls removed from the
/// title and author. Deterministic, so an unchanged item compares equal
/// to what the last refresh stored.
pub(super) fn bound_item(item: &mut NewItem) {
    item.title = plain(&item.title, MAX_TITLE_CHARS);
    bound_author(item);
    if let Some(summary) = item.summary.take() {
        item.summary = Some(bound_html(summary, &item.link, MAX_SUMMARY_CHARS));
    }
}

/// Bounds the author alone: what an article page may add to an item.
pub(super) fn bound_author(item: &mut NewItem) {
    item.author = item
        .author
        .take()
        .map(|author| plain(&author, MAX_AUTHOR_CHARS))
        .filter(|author| !author.is_empty());
}

/// A page's or feed's own title, bounded like an item title.
pub(super) fn bound_title(title: Option<String>) -> Option<String> {
    title
        .map(|t| plain(&t, MAX_TITLE_CHARS))
        .filter(|t| !t.is_empty())
}

/// Plain text without bidi controls (whitespace collapsed again where one
/// stood between spaces), at most `max` characters, the last of which is
/// an ellipsis when it was cut.
fn plain(text: &str, max: usize) -> String {
    let text: String = if text.contains(is_bidi_control) {
        let kept: String = text.chars().filter(|&c| !is_bidi_control(c)).collect();
        kept.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        text.to_owned()
    };
    match cut_point(&text, max) {
        Some(end) => format!("{}…", text[..end].trim_end()),
        None => text,
    }
}

/// Where to cut `text` to keep `max - 1` characters and add an ellipsis,
/// when it is longer than `max` characters.
fn cut_point(text: &str, max: usize) -> Option<usize> {
    let (end, _) = text.char_indices().nth(max.saturating_sub(1))?;
    text[end..].chars().nth(1).map(|_| end)
}

/// Sanitized HTML of at most `max` characters (plus closing tags): cut
/// outside any tag or entity, an ellipsis added, sanitized again against
/// `link` (its links are absolute already).
fn bound_html(html: String, link: &str, max: usize) -> String {
    let Some(end) = cut_point(&html, max) else {
        return html;
    };
    let mut cut = &html[..end];
    // Inside a tag (`<a hr`): back to where it opens.
    if let Some(open) = cut.rfind('<')
        && !cut[open..].contains('>')
    {
        cut = &cut[..open];
    }
    // Inside an entity (`&am`): back to its `&`.
    if let Some(amp) = cut.rfind('&')
        && !cut[amp..].contains([';', '<', '>'])
    {
        cut = &cut[..amp];
    }
    let Ok(base) = Url::parse(link) else {
        return String::new();
    };
    extract::clean_fragment(&format!("{cut}…"), &base, &CleanRules::default())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn scraped(n: usize, day: Option<u32>) -> ScrapedItem {
        ScrapedItem {
            title: format!("Story {n}"),
            link: Url::parse(&format!("https://example.org/{n}/")).unwrap(),
            summary: None,
            content: None,
            published: day.map(|d| Utc.with_ymd_and_hms(2024, 5, d, 9, 0, 0).unwrap()),
            updated: None,
            author: None,
        }
    }

    fn titles(items: &[ScrapedItem]) -> Vec<&str> {
        items.iter().map(|i| i.title.as_str()).collect()
    }

    #[test]
    fn a_page_within_the_cap_is_taken_whole() {
        let items = vec![scraped(1, Some(3)), scraped(2, None)];
        let (taken, cut) = take_newest(items, 0, 2, "s");
        assert_eq!((titles(&taken), cut), (vec!["Story 1", "Story 2"], 0));
    }

    #[test]
    fn dated_items_are_taken_newest_first_keeping_page_order() {
        // Oldest first, as some feeds list: the cap keeps the last three.
        let items: Vec<_> = (1..=5).map(|n| scraped(n, Some(n as u32))).collect();
        let (taken, cut) = take_newest(items, 0, 3, "s");
        assert_eq!(titles(&taken), ["Story 3", "Story 4", "Story 5"]);
        assert_eq!(cut, 2);
    }

    #[test]
    fn partly_dated_pages_are_cut_in_page_order() {
        let items = vec![scraped(1, None), scraped(2, Some(1)), scraped(3, Some(9))];
        let (taken, cut) = take_newest(items, 0, 2, "s");
        assert_eq!((titles(&taken), cut), (vec!["Story 1", "Story 2"], 1));
    }

    #[test]
    fn unread_entries_and_duplicates_count_as_listed_once() {
        let mut items = vec![scraped(1, None), scraped(2, None)];
        let mut twin = scraped(1, None);
        twin.link = Url::parse("https://example.org/1/?utm_source=rss").unwrap();
        items.push(twin);
        let (taken, cut) = take_newest(items, 10, 2, "s");
        assert_eq!((taken.len(), cut), (2, 10));
    }

    #[test]
    fn overlong_links_drop_their_item() {
        let mut long = scraped(1, None);
        long.link = Url::parse(&format!("https://example.org/{}", "a".repeat(2100))).unwrap();
        let (taken, cut) = take_newest(vec![long, scraped(2, None)], 0, 10, "s");
        assert_eq!((titles(&taken), cut), (vec!["Story 2"], 0));
    }

    #[test]
    fn the_article_budget_takes_the_first_wanted_in_page_order() {
        let wanted = [true, false, true, true, false, true];
        let allowed = article_budget(wanted.into_iter(), 2, "s");
        assert_eq!(allowed, [true, false, true, false, false, false]);
        assert_eq!(article_budget([true].into_iter(), 0, "s"), [false]);
    }

    #[test]
    fn deferred_articles_are_counted_and_keep_the_listing_validators_out() {
        use super::super::{ArticleOutcome, Completed};
        let completed = Completed::from_outcomes(vec![
            (new_item("A"), ArticleOutcome::NotNeeded),
            (new_item("B"), ArticleOutcome::Deferred),
        ]);
        assert_eq!((completed.incomplete, completed.deferred), (1, 1));
        assert!(completed.extracted.is_empty(), "no evidence of staleness");
        let etag = crate::model::Validators {
            etag: Some("\"l\"".into()),
            last_modified: None,
        };
        let source = crate::config::Config::parse(
            "[[source]]\nid = \"s\"\nurl = \"https://example.org/\"\nschedule = \"@hourly\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap()
        .sources
        .remove(0);
        let validators = completed.validators(&source, etag);
        assert!(
            validators[0].1.is_empty(),
            "the next refresh must read the listing"
        );
    }

    fn new_item(title: &str) -> NewItem {
        NewItem {
            url: "https://example.org/a/".into(),
            link: "https://example.org/a/".into(),
            title: title.into(),
            summary: None,
            content: None,
            author: None,
            published: None,
            modified: None,
        }
    }

    #[test]
    fn bidi_controls_leave_titles_authors_and_page_titles() {
        let mut item = new_item("Invoice \u{202E}fdp.exe\u{202C} ready");
        item.author = Some("\u{2067}Mallory\u{2069}".into());
        bound_item(&mut item);
        assert_eq!(item.title, "Invoice fdp.exe ready");
        assert_eq!(item.author.as_deref(), Some("Mallory"));
        for c in ['\u{202A}', '\u{202B}', '\u{202D}', '\u{2066}', '\u{2068}'] {
            assert_eq!(
                bound_title(Some(format!("A {c} B"))).as_deref(),
                Some("A B")
            );
        }
        // Other marks (LRM, Arabic letters) are text, not controls.
        assert_eq!(plain("\u{200E}سلام", 10), "\u{200E}سلام");
        assert_eq!(bound_title(Some("\u{202E}".into())), None);
    }

    #[test]
    fn long_titles_and_authors_are_cut_with_an_ellipsis() {
        let mut item = new_item(&"é".repeat(5_000));
        item.author = Some("x".repeat(MAX_AUTHOR_CHARS + 1));
        bound_item(&mut item);
        assert_eq!(item.title.chars().count(), MAX_TITLE_CHARS);
        assert!(item.title.ends_with("é…"));
        let author = item.author.unwrap();
        assert_eq!(author.chars().count(), MAX_AUTHOR_CHARS);
        let exact = "y".repeat(MAX_AUTHOR_CHARS);
        assert_eq!(plain(&exact, MAX_AUTHOR_CHARS), exact);
    }

    #[test]
    fn long_summaries_are_cut_outside_tags_and_stay_well_formed() {
        let base = Url::parse("https://example.org/a/").unwrap();
        let paragraph = "<p>Fish &amp; <a href=\"https://example.org/x\">chips</a></p>";
        let clean = |html: &str| extract::clean_fragment(html, &base, &CleanRules::default());
        let html = clean(&paragraph.repeat(50));
        let one = html.find("</p>").unwrap() + 4;
        for max in 1..=one + 5 {
            let cut = bound_html(html.clone(), base.as_str(), max);
            assert!(
                cut.chars().count() <= max + "</a></p>".len(),
                "{max}: {cut}"
            );
            assert!(cut.contains('…'), "{max}: {cut}");
            assert!(
                !cut.contains("&am…") && !cut.contains("<a…"),
                "{max}: {cut}"
            );
            assert_eq!(cut.matches("<p>").count(), cut.matches("</p>").count());
            assert_eq!(cut.matches("<a ").count(), cut.matches("</a>").count());
            assert_eq!(clean(&cut), cut, "not stable when cleaned again");
        }
        let short = "<p>short</p>".to_owned();
        assert_eq!(
            bound_html(short.clone(), "https://example.org/", 100),
            short
        );
        let mut item = new_item("T");
        item.summary = Some(format!("<p>{}</p>", "z".repeat(MAX_SUMMARY_CHARS)));
        bound_item(&mut item);
        let summary = item.summary.unwrap();
        assert!(
            summary.chars().count() <= MAX_SUMMARY_CHARS + 4,
            "{}",
            summary.len()
        );
    }
}
