//! Reading a feed's facts and items from the store: one source's newest
//! items (led by its failure and stale-source entries while they stand), or every
//! configured source's for the combined feed. What the cache keeps as a
//! [`Snapshot`] and the formats render from.

use chrono::{DateTime, Utc};

use super::AppState;
use super::cache::Snapshot;
use super::feeds::{ALL_FEED_ID, all_feed_limit};
use super::stale::{failure_item, stale_item};
use crate::feed::FeedInfo;
use crate::model::{FALLBACK_REFRESH_INTERVAL, SourceMeta, StoredItem};
use crate::store::StoreError;

/// Reads a feed's facts and items from the store; `None` for an unknown id.
pub(super) async fn load_snapshot(
    state: &AppState,
    id: &str,
) -> Result<Option<Snapshot>, StoreError> {
    if id == ALL_FEED_ID {
        return combined_snapshot(state).await.map(Some);
    }
    match state.sources.load().iter().find(|s| s.id == id) {
        Some(source) => source_snapshot(state, source).await.map(Some),
        None => Ok(None),
    }
}

/// One source's newest `max_items` items, after its failure entry (issue
/// 12) and its stale-source entry (issue 5) while they stand. Read here,
/// with the items, so they cost SQL only when the feed is rebuilt: the
/// store reports a change of the source when either appears, changes or
/// clears.
async fn source_snapshot(state: &AppState, source: &SourceMeta) -> Result<Snapshot, StoreError> {
    let mut items = state
        .store
        .items(Some(&source.id), source.max_items)
        .await?;
    // The same stored health `/status` reads: both say the same thing.
    if let Some(health) = state.store.source_health_of(&source.id).await? {
        if let Some(warning) = &health.stale {
            items.insert(0, stale_item(&state.base_url, &source.id, warning));
        }
        if let Some(notice) = health.failure_notice(source.refresh_interval) {
            items.insert(0, failure_item(&state.base_url, &source.id, &notice));
        }
    }
    // One row by key: the whole-table reads `/` and OPML use would cost
    // every render O(sources) (issue 13).
    let (scraped, site) = state.store.source_title_and_site(&source.id).await?;
    let title = source
        .title
        .clone()
        .or(scraped)
        .unwrap_or_else(|| source.id.clone());
    let link = site.unwrap_or_else(|| source.url.to_string());
    let info = FeedInfo {
        description: format!("{title}, from {}, republished by refeed", source.url),
        title,
        link,
        updated: newest_change(&items),
        ..FeedInfo::default()
    };
    let refresh_interval = source.refresh_interval;
    Ok(Snapshot {
        info,
        items,
        refresh_interval,
    })
}

/// The page a source's feed stands for (RSS channel `link`, Atom
/// `rel="alternate"`, JSON Feed `home_page_url`, OPML `htmlUrl`), from
/// sites already read: the outlet's site as the source's own feed names
/// it, else the source's URL (a listing page is its own site link).
pub(super) fn site_of(
    source: &SourceMeta,
    sites: &std::collections::HashMap<String, String>,
) -> String {
    sites
        .get(&source.id)
        .cloned()
        .unwrap_or_else(|| source.url.to_string())
}

/// Every configured source's items, newest first.
async fn combined_snapshot(state: &AppState) -> Result<Snapshot, StoreError> {
    let sources = state.sources.load();
    let mut items = state.store.items(None, all_feed_limit(&sources)).await?;
    // The database may still hold sources since removed from the config.
    // A set: a scan of the list per item would cost O(limit x sources).
    let configured: std::collections::HashSet<&str> =
        sources.iter().map(|s| s.id.as_str()).collect();
    items.retain(|item| configured.contains(item.source_id.as_str()));
    // Two sources may read the same outlet (a tag page and its feed): the
    // combined feed carries each article once, or readers show it twice.
    let mut seen = std::collections::HashSet::new();
    items.retain(|item| seen.insert(item.url.clone()));
    let info = FeedInfo {
        title: "refeed: all sources".into(),
        description: "Every source of this refeed, newest first".into(),
        link: state.base_url.to_string(),
        updated: newest_change(&items),
        ..FeedInfo::default()
    };
    let intervals = sources.iter().map(|s| s.refresh_interval);
    let refresh_interval = intervals.min().unwrap_or(FALLBACK_REFRESH_INTERVAL);
    Ok(Snapshot {
        info,
        items,
        refresh_interval,
    })
}

/// The feed's `updated` and `Last-Modified`: its newest item change. An
/// empty feed says the Unix epoch, a fixed time: "now" would change the
/// document, and so its `ETag`, at every rendering.
pub(super) fn newest_change(items: &[StoredItem]) -> DateTime<Utc> {
    items
        .iter()
        .map(|i| i.updated)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}
