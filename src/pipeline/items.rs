//! Finds the items of a fetched page: by the source's `[source.items]`
//! selectors, else by detection (issue 10), reusing what the last refresh
//! found and recording what this one found. Turning the items into
//! candidates is `candidates`'s job.

use chrono::{DateTime, Utc};
use url::Url;

use super::discover::{self, Detect, Discovered};
use super::{Pipeline, RefreshError};
use crate::config::Source;
use crate::model::{DiscoveryRecord, Method, ScrapedPage};
use crate::scrape::{self, ListingRules};

/// A page's items and how they were found.
pub(super) struct FoundItems {
    /// The items, in page order.
    pub(super) page: ScrapedPage,
    /// For a source without selectors, what to remember of detection.
    pub(super) discovery: Option<DiscoveryRecord>,
    /// The items carry their whole article (the WordPress REST API's
    /// `content.rendered`): no article page is fetched for them.
    pub(super) inline_articles: bool,
}

impl Pipeline {
    /// The items of `body`, read from `url`.
    pub(super) async fn find_items(
        &self,
        source: &Source,
        body: String,
        url: Url,
        started: DateTime<Utc>,
    ) -> Result<FoundItems, RefreshError> {
        let found = match &source.listing {
            Some(rules) => {
                self.by_selectors(source, rules, body, url.clone(), started)
                    .await
            }
            None => self.by_detection(source, body, url.clone(), started).await,
        }?;
        // Once per refresh: the selector (the user's, or a detected
        // teaser pattern's) points at something that is not a date.
        if let Some(text) = &found.page.bad_date {
            tracing::warn!(source = %source.id, url = %url, text = %text, "the date selector matched {text:?}, which is not a date: items are dated when first seen");
        }
        Ok(found)
    }

    async fn by_selectors(
        &self,
        source: &Source,
        rules: &ListingRules,
        body: String,
        url: Url,
        started: DateTime<Utc>,
    ) -> Result<FoundItems, RefreshError> {
        let (rules, base) = (rules.clone(), url.clone());
        let page = self
            .cpu
            .run_sized(body.len(), move || scrape::listing(&body, &base, &rules))
            .await
            .map_err(RefreshError::Parse)?
            .map_err(|err| discover::scrape_error(&url, err))?;
        // A new source whose selectors find nothing is misconfigured, not
        // quiet; one that yielded items before is judged by the stale
        // check (issue 5), as its outlet's markup may have changed.
        if page.items.is_empty() && page.unread == 0 && !self.has_items(source).await? {
            let css = source.listing_css.clone().unwrap_or_default();
            return Err(RefreshError::NoSelectedItems {
                url: url.to_string(),
                item: css.item,
                title: css.title,
                link: css.link,
            });
        }
        // Recorded too, so `/status` says "selectors" (and when a source
        // moved to or from them).
        let discovery = DiscoveryRecord {
            method: Method::Selectors,
            pattern: None,
            items: u32::try_from(page.items.len()).unwrap_or(u32::MAX),
            wordpress_refused: None,
            since: started,
            previous: None,
        };
        Ok(FoundItems {
            page,
            discovery: Some(discovery),
            inline_articles: false,
        })
    }

    async fn by_detection(
        &self,
        source: &Source,
        body: String,
        url: Url,
        started: DateTime<Utc>,
    ) -> Result<FoundItems, RefreshError> {
        let remembered = self.store.discovery(&source.id).await?;
        let request = Detect {
            url: &source.url,
            pin: source.pin,
            remembered: remembered.as_ref(),
            respect_robots: source.respect_robots,
            source_id: Some(&source.id),
        };
        let found = discover::detect_page(&self.fetcher, &self.cpu, &request, body, url).await?;
        let record = record(&found, remembered.as_ref(), started);
        log_choice(source, &found, remembered.as_ref(), &record);
        let mut page = found.page;
        // Only the source's own feed names the site: a listing page is its
        // own site link (issue 12).
        if found.method != Method::Feed {
            page.site = None;
        }
        Ok(FoundItems {
            inline_articles: found.method == Method::Wordpress,
            page,
            discovery: Some(record),
        })
    }

    /// Whether the source has stored items.
    pub(super) async fn has_items(&self, source: &Source) -> Result<bool, RefreshError> {
        Ok(!self.store.items(Some(&source.id), 1).await?.is_empty())
    }
}

/// What to remember of this detection: the method and pattern, with the
/// time they last changed and what they changed from; a WordPress refusal
/// stays remembered.
fn record(
    found: &Discovered,
    remembered: Option<&DiscoveryRecord>,
    now: DateTime<Utc>,
) -> DiscoveryRecord {
    let same = remembered.filter(|r| r.method == found.method && r.pattern == found.pattern);
    DiscoveryRecord {
        method: found.method,
        pattern: found.pattern.clone(),
        items: u32::try_from(found.page.items.len()).unwrap_or(u32::MAX),
        wordpress_refused: found
            .wordpress_refused
            .clone()
            .or_else(|| remembered.and_then(|r| r.wordpress_refused.clone())),
        since: same.map_or(now, |r| r.since),
        previous: match same {
            Some(r) => r.previous,
            None => remembered.map(|r| r.method),
        },
    }
}

fn log_choice(
    source: &Source,
    found: &Discovered,
    remembered: Option<&DiscoveryRecord>,
    record: &DiscoveryRecord,
) {
    let verdict = found.considered.first().map_or("", |c| c.verdict.as_str());
    match remembered {
        None => {
            tracing::info!(source = %source.id, method = %found.method, items = record.items, "items found by {}: {verdict}", found.method);
        }
        Some(before) if before.since != record.since => {
            tracing::warn!(source = %source.id, method = %found.method, previous = %before.method, items = record.items, "items now found by {} (was {}, {} items): {verdict}", found.method, before.method, before.items);
        }
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::TeaserPattern;
    use crate::pipeline::test_support::pattern;

    fn found(method: Method, pattern: Option<TeaserPattern>, refused: Option<&str>) -> Discovered {
        Discovered {
            method,
            page: ScrapedPage::default(),
            pattern,
            considered: Vec::new(),
            wordpress_refused: refused.map(Into::into),
        }
    }

    #[test]
    fn a_change_of_method_or_pattern_is_dated_and_the_refusal_is_kept() {
        let then = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let now = Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap();
        let first = record(
            &found(Method::Teasers, Some(pattern("article")), Some("HTTP 401")),
            None,
            then,
        );
        assert_eq!((first.since, first.previous), (then, None));
        assert_eq!(first.wordpress_refused.as_deref(), Some("HTTP 401"));

        let same = record(
            &found(Method::Teasers, Some(pattern("article")), None),
            Some(&first),
            now,
        );
        assert_eq!((same.since, same.previous), (then, None), "unchanged");
        assert_eq!(
            same.wordpress_refused.as_deref(),
            Some("HTTP 401"),
            "remembered"
        );

        let repattern = record(
            &found(Method::Teasers, Some(pattern("li.post")), None),
            Some(&same),
            now,
        );
        assert_eq!(
            (repattern.since, repattern.previous),
            (now, Some(Method::Teasers))
        );

        let structured = record(
            &found(Method::Structured, None, None),
            Some(&repattern),
            now,
        );
        assert_eq!(structured.previous, Some(Method::Teasers));
        assert_eq!(structured.pattern, None);
    }
}
