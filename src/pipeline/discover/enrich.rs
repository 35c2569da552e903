//! Items found on a page (structured data, teasers) often lack a date, an
//! author or a summary that the page's own feed has (issue 10): when the
//! page advertises a feed, its entries fill those in, matched by canonical
//! URL. The feed is fetched like any page; a failure there only logs.

use std::collections::HashMap;

use url::Url;

use super::{Detect, options};
use crate::fetch::{Fetched, Fetcher};
use crate::model::{ScrapedItem, ScrapedPage, canonical_url};
use crate::pipeline::cpu::Cpu;
use crate::pipeline::error_chain;
use crate::scrape;

/// At most this many advertised feeds are tried (the page's own, then the
/// site's first).
const MAX_FEEDS_TRIED: usize = 2;

/// Fills what `page`'s items lack from the feeds the page advertises: its
/// own first (a tag archive's `/tag/x/feed/` under `/tag/x/`), then the
/// first one, until one is read.
pub(super) async fn from_own_feed(
    fetcher: &Fetcher,
    cpu: &Cpu,
    request: &Detect<'_>,
    feeds: &[Url],
    page: &mut ScrapedPage,
) {
    if page.items.iter().all(complete) {
        return;
    }
    let own = feeds
        .iter()
        .filter(|feed| feed.as_str().starts_with(request.url.as_str()));
    let mut tried: Vec<&Url> = Vec::new();
    for feed in own.chain(feeds.first()) {
        if tried.len() == MAX_FEEDS_TRIED || tried.contains(&feed) {
            continue;
        }
        tried.push(feed);
        if let Some(entries) = read_feed(fetcher, cpu, request, feed).await {
            fill(&mut page.items, &entries.items);
            return;
        }
    }
}

/// The feed at `url`, or `None` (logged) when it cannot be had.
async fn read_feed(
    fetcher: &Fetcher,
    cpu: &Cpu,
    request: &Detect<'_>,
    url: &Url,
) -> Option<ScrapedPage> {
    let source = request.source_id.unwrap_or("-");
    let body = match fetcher.fetch(url, &options(request)).await {
        Ok(Fetched::Page(body)) => body,
        Ok(Fetched::NotModified) => return None,
        Err(err) => {
            tracing::info!(source, url = %url, error = %error_chain(&err), "cannot fetch the page's feed to complete its items");
            return None;
        }
    };
    let parsed = cpu
        .run_sized(body.body.len(), move || scrape::feed(&body.body, &body.url))
        .await;
    match parsed {
        Ok(Ok(entries)) => Some(entries),
        Ok(Err(err)) => {
            tracing::info!(source, url = %url, error = %error_chain(&err), "cannot read the page's feed to complete its items");
            None
        }
        Err(err) => {
            tracing::error!(source, url = %url, error = %err, "reading the page's feed panicked");
            None
        }
    }
}

fn complete(item: &ScrapedItem) -> bool {
    item.published.is_some() && item.author.is_some() && item.summary.is_some()
}

/// Gives each item the date, author and summary of the feed entry with
/// its canonical URL, where the item has none.
fn fill(items: &mut [ScrapedItem], entries: &[ScrapedItem]) {
    let by_url: HashMap<String, &ScrapedItem> = entries
        .iter()
        .map(|entry| (canonical_url(&entry.link), entry))
        .collect();
    for item in items {
        let Some(entry) = by_url.get(&canonical_url(&item.link)) else {
            continue;
        };
        item.published = item.published.or(entry.published);
        item.updated = item.updated.or(entry.updated);
        if item.author.is_none() {
            item.author.clone_from(&entry.author);
        }
        if item.summary.is_none() {
            item.summary.clone_from(&entry.summary);
        }
        if item.image.is_none() {
            item.image.clone_from(&entry.image);
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::pipeline::test_support::scraped;

    #[test]
    fn items_take_what_they_lack_from_the_entry_with_their_canonical_url() {
        let day = Utc.with_ymd_and_hms(2024, 5, 1, 9, 0, 0).unwrap();
        let mut entry = scraped("https://example.org/a/?utm_source=rss");
        entry.published = Some(day);
        entry.author = Some("Ana".into());
        entry.summary = Some("<p>Lead.</p>".into());
        let mut own = scraped("https://example.org/a/");
        own.summary = Some("<p>The page's own teaser.</p>".into());
        let mut items = vec![own, scraped("https://example.org/b/")];
        fill(&mut items, &[entry]);
        assert_eq!(items[0].published, Some(day));
        assert_eq!(items[0].author.as_deref(), Some("Ana"));
        assert_eq!(
            items[0].summary.as_deref(),
            Some("<p>The page's own teaser.</p>"),
            "the page's own values win"
        );
        assert_eq!(
            items[1],
            scraped("https://example.org/b/"),
            "no entry: unchanged"
        );
    }
}
