//! The bounds of one refresh (issue 9): an outlet listing 100,000 items, or
//! 1,000 articles to fetch, or a 10 MB title, must cost no more than a
//! normal page. This module decides which items a refresh takes
//! (`max_new_items`) and which articles it fetches now and which later
//! (`max_article_fetches`); `text` cuts what is stored of each item's text
//! to a bounded length without bidi controls.
//!
//! Pure functions only; the pipeline calls them, and they log the cuts.

mod text;

use std::cmp::Reverse;
use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::model::{ScrapedItem, canonical_url};

pub use text::{MAX_AUTHOR_CHARS, MAX_SUMMARY_CHARS, MAX_TITLE_CHARS};
pub(in crate::pipeline) use text::{bound_author, bound_item, bound_title};

/// Longest item link, in bytes. Browsers and servers commonly stop at 2
/// to 8 KB, and the link is also the item's id in every feed: an item whose
/// link is longer is dropped (logged), not stored with a cut link that
/// would lead nowhere.
pub const MAX_LINK_BYTES: usize = 2_048;

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

#[cfg(test)]
mod tests {
    use crate::pipeline::test_support;
    use chrono::TimeZone;
    use url::Url;

    use super::*;
    use crate::model::NewItem;

    fn scraped(n: usize, day: Option<u32>) -> ScrapedItem {
        ScrapedItem {
            title: format!("Story {n}"),
            link: Url::parse(&format!("https://example.org/{n}/")).unwrap(),
            summary: None,
            content: None,
            published: day.map(|d| Utc.with_ymd_and_hms(2024, 5, d, 9, 0, 0).unwrap()),
            updated: None,
            author: None,
            image: None,
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
        use super::super::article::{ArticleOutcome, Completed};
        let completed = Completed::from_outcomes(vec![
            (item("A"), ArticleOutcome::NotNeeded),
            (item("B"), ArticleOutcome::Deferred),
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

    fn item(title: &str) -> NewItem {
        let url = format!("https://example.org/{title}/");
        NewItem {
            url: url.clone(),
            link: url,
            ..test_support::item(title, None)
        }
    }
}
