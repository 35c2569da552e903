//! Writing items: one successful refresh of one source, committed in one
//! transaction together with its refresh record.
//!
//! Ingest is idempotent: committing the same batch twice changes no item,
//! not even its `updated` time, so feed readers never see an item twice
//! (only a second refresh record is added).
//!
//! This module walks the batch and counts; `rows` reads and writes each
//! item's row.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::discovery::save_discovery;
use super::keys;
use super::lifecycle::was_pruned;
use super::sources::{ensure_source, insert_refresh};
use super::stale::apply_verdict;
use super::validators::{PageKey, save_validators};
use super::{Store, StoreError};
use crate::model::{DiscoveryRecord, NewItem, RefreshCounts, StaleVerdict, Validators};

mod rows;

use rows::{Action, fill_content, insert_item, lookup, plan, set_image, update_item};

/// Everything one successful refresh that parsed a page writes, committed
/// together: the items, the page title, the validators of the pages it
/// fetched (so a crash can never keep a validator whose page was not
/// stored: the next fetch would answer 304 and the items would be lost),
/// the stale-source verdict, how the items were found and the refresh
/// record.
#[derive(Debug, Clone)]
pub struct RefreshCommit<'a> {
    /// Source id.
    pub source: &'a str,
    /// The title scraped from the page or feed.
    pub page_title: Option<&'a str>,
    /// The items, in page order.
    pub items: &'a [NewItem],
    /// When the refresh started.
    pub started: DateTime<Utc>,
    /// `(url, validators)` of the pages fetched; empty validators delete
    /// a stored pair (the server stopped sending them).
    pub validators: &'a [(String, Validators)],
    /// The digest of the source's parsing rules the pages were read with,
    /// stored with their validators.
    pub rules: &'a str,
    /// What the refresh concluded about staleness.
    pub stale: StaleVerdict,
    /// How the items were found, remembered for the next refresh (`None`
    /// leaves what is stored as it is).
    pub discovery: Option<&'a DiscoveryRecord>,
}

impl Store {
    /// Stores one successful refresh in a single transaction: inserts new
    /// items, updates changed ones, remembers the page title, records the run.
    /// [`Store::commit`] without validators or a stale verdict.
    ///
    /// A new item's `published` is its own date, else now (first seen), and
    /// is never changed afterwards: an undated item never comes back as new.
    /// A known item is rewritten only when its title or summary changed (or
    /// filled in when it had no content and now has some, or given the new
    /// image the batch brings, both without a new `updated`); otherwise it
    /// is left untouched. Items of the batch that are one item (one URL, one
    /// dedup key or one stored item, see `keys`) count once (first wins).
    /// Any error rolls the whole refresh back.
    pub async fn commit_refresh(
        &self,
        source: &str,
        page_title: Option<&str>,
        items: &[NewItem],
        started: DateTime<Utc>,
    ) -> Result<RefreshCounts, StoreError> {
        self.commit(&RefreshCommit {
            source,
            page_title,
            items,
            started,
            validators: &[],
            rules: "",
            discovery: None,
            stale: StaleVerdict::Unknown,
        })
        .await
    }

    /// Stores one successful refresh in a single transaction: the items (by
    /// the rules of [`Store::commit_refresh`]), the page title, the
    /// validators of the fetched pages, the stale verdict, the discovery
    /// record (see `discovery`) and the refresh record. Any error rolls all
    /// of it back, so a crash or a failure never leaves a validator without
    /// the items of its page.
    ///
    /// Readers are notified when items changed, when the stale warning
    /// appeared, changed or cleared, or when the refresh ends a failure
    /// notice (the feeds show both as entries).
    pub async fn commit(&self, refresh: &RefreshCommit<'_>) -> Result<RefreshCounts, StoreError> {
        let operation = "commit refresh";
        let source = refresh.source;
        let now = Utc::now();
        let mut tx = self.begin_write(operation).await?;
        ensure_source(&mut tx, source, refresh.page_title).await?;
        let counts = store_items(&mut tx, source, refresh.items, now).await?;
        for (url, validators) in refresh.validators {
            let page = PageKey {
                source,
                url,
                rules: refresh.rules,
            };
            save_validators(&mut tx, page, validators, now).await?;
        }
        let stale_changed = apply_verdict(&mut tx, source, &refresh.stale, now).await?;
        if let Some(discovery) = refresh.discovery {
            save_discovery(&mut tx, source, discovery, refresh.started).await?;
        }
        let noticed = insert_refresh(&mut tx, source, refresh.started, Ok(counts), None).await?;
        let changed = counts.new + counts.updated > 0 || stale_changed || noticed;
        self.commit_change(tx, operation, source, changed).await?;
        Ok(counts)
    }
}

/// Applies every distinct item of the batch; `now` is the refresh's time.
async fn store_items(
    conn: &mut AnyConnection,
    source: &str,
    items: &[NewItem],
    now: DateTime<Utc>,
) -> Result<RefreshCounts, StoreError> {
    let mut counts = RefreshCounts::default();
    let mut seen = HashSet::new();
    let mut handled = HashSet::new();
    for item in items {
        // Outlets list the same article twice (a featured teaser and the
        // list), or under two forms of its link, or under a link whose
        // article names the other as canonical: the first wins.
        let item_keys = keys::keys_of(item);
        let fresh = [&item.url]
            .into_iter()
            .chain(&item_keys)
            .all(|k| !seen.contains(k));
        seen.insert(item.url.clone());
        seen.extend(item_keys.iter().cloned());
        let stored = if fresh {
            lookup(conn, source, &item.url, &item_keys).await?
        } else {
            continue;
        };
        if stored.as_ref().is_some_and(|s| !handled.insert(s.id)) {
            continue;
        }
        counts.seen += 1;
        let id = match plan(stored.as_ref(), item) {
            // Deleted by retention but still on the listing (see
            // `lifecycle::retention`): not new again.
            Action::Insert if was_pruned(conn, source, &item.url, &item_keys, now).await? => {
                continue;
            }
            Action::Insert => {
                counts.new += 1;
                let id = insert_item(conn, source, item, now).await?;
                handled.insert(id);
                id
            }
            Action::Update(id) => {
                update_item(conn, id, item, now).await?;
                counts.updated += 1;
                id
            }
            Action::FillContent(id) => {
                fill_content(conn, id, item).await?;
                counts.updated += 1;
                id
            }
            Action::NewImage(id) => {
                set_image(conn, id, item).await?;
                counts.updated += 1;
                id
            }
            Action::Keep(id) => id,
        };
        keys::claim(conn, source, id, &item_keys).await?;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests;
