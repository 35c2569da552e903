//! Boilerplate learned per source (issue 3): which text-block fingerprints
//! each of a source's article pages carries, which of them count as the
//! source's boilerplate, and the re-cleaning of stored articles once new
//! boilerplate is learned.
//!
//! Fingerprints are computed by `extract::learned` (this module only counts
//! them); they are `u64`, stored bit for bit in INTEGER columns.

use std::collections::HashSet;

use sqlx::AnyConnection;

use super::sources::ensure_source;
use super::{Store, StoreError, query_error};

/// A block is boilerplate only once it was seen on at least this many
/// distinct pages of a source: never on the only page (or two) it was seen
/// on, so one article's own repeated quote or a two-part series' shared
/// paragraph is never learned.
pub const MIN_PAGES: i64 = 3;

/// ... and on at least this share (numerator, denominator) of the source's
/// remembered pages: a box repeated on every article, not a phrase a few
/// articles happen to share (3 of 5 pages is boilerplate, 3 of 8 is not).
pub const MIN_SHARE: (i64, i64) = (1, 2);

/// Pages remembered per source; older ones are forgotten. Without a bound
/// the share of a box an outlet adds one day could never reach half of
/// years of pages, and one that it drops would stay learned forever.
pub const PAGES_REMEMBERED: i64 = 100;

/// Fingerprints remembered per page (its first distinct blocks, in page
/// order); the rest are not counted. An article has a few dozen blocks; a
/// hostile or endless page (10 MiB of 40-character paragraphs is 250,000)
/// would otherwise add that many rows per page (issue 13). So a source
/// holds at most `PAGES_REMEMBERED × MAX_BLOCKS_PER_PAGE` (100,000)
/// learned-block rows, and its cleared set no more than that.
pub const MAX_BLOCKS_PER_PAGE: usize = 1000;

/// A re-cleaned stored article: its new content replaces `old` only if the
/// stored content is still `old` (the item was not rewritten meanwhile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentChange {
    /// Canonical URL of the item.
    pub url: String,
    /// The content it was cleaned from, as read by [`Store::article_contents`].
    pub old: String,
    /// The re-cleaned content.
    pub new: String,
}

/// Fingerprints as the JSON array `json_each` expands (as signed integers,
/// the way SQLite stores them).
fn fingerprints_json<'a>(fingerprints: impl IntoIterator<Item = &'a u64>) -> String {
    let signed: Vec<i64> = fingerprints.into_iter().map(|f| *f as i64).collect();
    serde_json::to_string(&signed).expect("a list of integers serializes to JSON")
}

impl Store {
    /// Remembers which fingerprints each of these pages of `source` carries
    /// (`(canonical URL, fingerprints)`), replacing what was remembered of
    /// the same pages, and forgets all but the latest [`PAGES_REMEMBERED`]
    /// pages. Pages count as seen in the order given.
    pub async fn record_page_blocks(
        &self,
        source: &str,
        pages: &[(String, Vec<u64>)],
    ) -> Result<(), StoreError> {
        let operation = "record page blocks";
        let mut tx = self.begin_write(operation).await?;
        ensure_source(&mut tx, source, None).await?;
        for (url, fingerprints) in pages {
            record_page(&mut tx, source, url, fingerprints).await?;
        }
        sqlx::query(
            "DELETE FROM learned_pages WHERE source_id = $1 AND id <=
                (SELECT id FROM learned_pages WHERE source_id = $1
                 ORDER BY id DESC LIMIT 1 OFFSET $2)",
        )
        .bind(source)
        .bind(PAGES_REMEMBERED)
        .execute(&mut *tx)
        .await
        .map_err(query_error("record page blocks: forget old pages"))?;
        tx.commit().await.map_err(query_error(operation))
    }

    /// The source's boilerplate: fingerprints on at least [`MIN_PAGES`]
    /// distinct remembered pages and on at least [`MIN_SHARE`] of them.
    pub async fn learned_boilerplate(&self, source: &str) -> Result<HashSet<u64>, StoreError> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT fingerprint FROM learned_blocks WHERE source_id = $1
             GROUP BY fingerprint
             HAVING count(*) >= $2 AND count(*) * $4 >=
                 $3 * (SELECT count(*) FROM learned_pages WHERE source_id = $1)",
        )
        .bind(source)
        .bind(MIN_PAGES)
        .bind(MIN_SHARE.0)
        .bind(MIN_SHARE.1)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read learned boilerplate"))?;
        Ok(rows.into_iter().map(|f| f as u64).collect())
    }

    /// The boilerplate every stored article of the source has already been
    /// cleaned of (as recorded by [`Store::reclean_articles`]).
    pub async fn cleared_boilerplate(&self, source: &str) -> Result<HashSet<u64>, StoreError> {
        let rows: Vec<i64> =
            sqlx::query_scalar("SELECT fingerprint FROM learned_cleared WHERE source_id = $1")
                .bind(source)
                .fetch_all(&self.pool)
                .await
                .map_err(query_error("read cleared boilerplate"))?;
        Ok(rows.into_iter().map(|f| f as u64).collect())
    }

    /// `(canonical URL, content)` of the source's items that have an
    /// article, in insertion order: what re-cleaning reads.
    pub async fn article_contents(
        &self,
        source: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        sqlx::query_as(
            "SELECT url, content FROM items
             WHERE source_id = $1 AND content IS NOT NULL ORDER BY id",
        )
        .bind(source)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read article contents"))
    }

    /// Stores re-cleaned articles and records `cleared` as the boilerplate
    /// every stored article of the source is now clean of, in one
    /// transaction. `updated` is left alone: the outlet changed nothing, and
    /// a new `updated` would make readers show the items as unread again.
    /// Returns how many items changed.
    pub async fn reclean_articles(
        &self,
        source: &str,
        changes: &[ContentChange],
        cleared: &HashSet<u64>,
    ) -> Result<u64, StoreError> {
        let operation = "re-clean articles";
        let mut tx = self.begin_write(operation).await?;
        ensure_source(&mut tx, source, None).await?;
        let mut changed = 0;
        for change in changes {
            changed += sqlx::query(
                "UPDATE items SET content = $3
                 WHERE source_id = $1 AND url = $2 AND content = $4",
            )
            .bind(source)
            .bind(&change.url)
            .bind(&change.new)
            .bind(&change.old)
            .execute(&mut *tx)
            .await
            .map_err(query_error("re-clean articles: update content"))?
            .rows_affected();
        }
        replace_cleared(&mut tx, source, cleared).await?;
        self.commit_change(tx, operation, source, changed > 0)
            .await?;
        Ok(changed)
    }
}

/// Replaces what is remembered of one page.
async fn record_page(
    conn: &mut AnyConnection,
    source: &str,
    url: &str,
    fingerprints: &[u64],
) -> Result<(), StoreError> {
    let operation = "record page blocks: save page";
    // Deleting first gives the page a new, highest id: it is the latest seen.
    sqlx::query("DELETE FROM learned_pages WHERE source_id = $1 AND url = $2")
        .bind(source)
        .bind(url)
        .execute(&mut *conn)
        .await
        .map_err(query_error(operation))?;
    let page: i64 = sqlx::query_scalar(
        "INSERT INTO learned_pages (source_id, url) VALUES ($1, $2) RETURNING id",
    )
    .bind(source)
    .bind(url)
    .fetch_one(&mut *conn)
    .await
    .map_err(query_error(operation))?;
    sqlx::query(
        "INSERT INTO learned_blocks (page_id, source_id, fingerprint)
         SELECT $1, $2, CAST(value AS BIGINT) FROM json_each($3) WHERE true
         ON CONFLICT DO NOTHING",
    )
    .bind(page)
    .bind(source)
    .bind(fingerprints_json(&first_distinct(fingerprints)))
    .execute(&mut *conn)
    .await
    .map_err(query_error(operation))?;
    Ok(())
}

/// The first [`MAX_BLOCKS_PER_PAGE`] distinct fingerprints, in order.
fn first_distinct(fingerprints: &[u64]) -> Vec<u64> {
    let mut seen = HashSet::new();
    fingerprints
        .iter()
        .copied()
        .filter(|f| seen.insert(*f))
        .take(MAX_BLOCKS_PER_PAGE)
        .collect()
}

async fn replace_cleared(
    conn: &mut AnyConnection,
    source: &str,
    cleared: &HashSet<u64>,
) -> Result<(), StoreError> {
    let operation = "re-clean articles: record cleared boilerplate";
    sqlx::query("DELETE FROM learned_cleared WHERE source_id = $1")
        .bind(source)
        .execute(&mut *conn)
        .await
        .map_err(query_error(operation))?;
    sqlx::query(
        "INSERT INTO learned_cleared (source_id, fingerprint)
         SELECT $1, CAST(value AS BIGINT) FROM json_each($2) WHERE true
         ON CONFLICT DO NOTHING",
    )
    .bind(source)
    .bind(fingerprints_json(cleared))
    .execute(&mut *conn)
    .await
    .map_err(query_error(operation))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::super::test_support::{temp_store, undated};
    use super::*;
    use crate::model::NewItem;

    /// A fingerprint with the high bit set: must survive the i64 column.
    const BOX: u64 = 0xF00D_0000_0000_0001;
    const OTHER: u64 = 7;

    fn page(n: usize, fingerprints: &[u64]) -> (String, Vec<u64>) {
        (format!("https://example.org/p{n}"), fingerprints.to_vec())
    }

    /// `pages` pages of source `src`, the first `with_box` of them carrying [`BOX`].
    async fn store_with(pages: usize, with_box: usize) -> (tempfile::TempDir, Store) {
        let (dir, store) = temp_store().await;
        let pages: Vec<_> = (0..pages)
            .map(|n| {
                let own = n as u64 + 100;
                let prints = if n < with_box {
                    vec![BOX, own]
                } else {
                    vec![own]
                };
                (format!("https://example.org/p{n}"), prints)
            })
            .collect();
        store.record_page_blocks("src", &pages).await.unwrap();
        (dir, store)
    }

    async fn learned(store: &Store) -> HashSet<u64> {
        store.learned_boilerplate("src").await.unwrap()
    }

    both_backends! {
        async fn a_block_on_two_pages_is_never_learned() {
            let (_dir, store) = store_with(2, 2).await;
            assert!(learned(&store).await.is_empty());
        }
    }

    both_backends! {
        async fn a_block_on_three_of_five_pages_is_learned() {
            let (_dir, store) = store_with(5, 3).await;
            assert_eq!(learned(&store).await, HashSet::from([BOX]));
            assert!(store.learned_boilerplate("other").await.unwrap().is_empty());
        }
    }

    both_backends! {
        async fn a_block_on_three_of_eight_pages_is_not_learned_but_four_is() {
            let (_dir, store) = store_with(8, 3).await;
            assert!(learned(&store).await.is_empty());
            let (_dir, store) = store_with(8, 4).await;
            assert_eq!(learned(&store).await, HashSet::from([BOX]));
        }
    }

    both_backends! {
        async fn recording_a_page_again_replaces_its_fingerprints() {
            let (_dir, store) = store_with(5, 3).await;
            // p0 seen again without the box: 2 of 5 pages carry it now.
            store
                .record_page_blocks("src", &[page(0, &[OTHER])])
                .await
                .unwrap();
            assert!(learned(&store).await.is_empty());
            // ...and with it again, counted once however often it is recorded.
            for _ in 0..3 {
                store
                    .record_page_blocks("src", &[page(0, &[BOX, BOX])])
                    .await
                    .unwrap();
            }
            assert_eq!(learned(&store).await, HashSet::from([BOX]));
            let pages: i64 = sqlx::query_scalar("SELECT count(*) FROM learned_pages")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(pages, 5);
        }
    }

    both_backends! {
        async fn only_the_latest_pages_are_remembered() {
            let (_dir, store) = temp_store().await;
            let remembered = PAGES_REMEMBERED as usize;
            // Old pages all carried the box; the latest ones do not.
            let old: Vec<_> = (0..remembered).map(|n| page(n, &[BOX])).collect();
            store.record_page_blocks("src", &old).await.unwrap();
            assert_eq!(learned(&store).await, HashSet::from([BOX]));
            let new: Vec<_> = (remembered..remembered * 2 - 3)
                .map(|n| page(n, &[OTHER]))
                .collect();
            store.record_page_blocks("src", &new).await.unwrap();
            // 3 boxed pages of the latest PAGES_REMEMBERED remain: under half;
            // the block of the newer pages is learned instead.
            assert_eq!(learned(&store).await, HashSet::from([OTHER]));
            let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM learned_pages")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(kept, PAGES_REMEMBERED);
            let blocks: i64 = sqlx::query_scalar("SELECT count(*) FROM learned_blocks")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(blocks, PAGES_REMEMBERED, "forgotten pages' blocks go too");
        }
    }

    #[tokio::test]
    async fn learned_blocks_stay_within_the_cap_per_source() {
        // Every page with three times the blocks a page may keep, more pages
        // than are remembered: rows stay at pages × blocks kept.
        let (_dir, store) = temp_store().await;
        let many = MAX_BLOCKS_PER_PAGE * 3;
        for batch in 0..3 {
            let pages: Vec<_> = (0..PAGES_REMEMBERED as usize / 2 + 10)
                .map(|n| {
                    let fingerprints: Vec<u64> = (0..many as u64).map(|f| f * 7 + 1).collect();
                    page(batch * 1000 + n, &fingerprints)
                })
                .collect();
            store.record_page_blocks("src", &pages).await.unwrap();
        }
        let blocks: i64 = sqlx::query_scalar("SELECT count(*) FROM learned_blocks")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        let cap = PAGES_REMEMBERED * MAX_BLOCKS_PER_PAGE as i64;
        assert_eq!(blocks, cap);
        // The first blocks of a page are the ones kept.
        let learned = learned(&store).await;
        assert!(learned.contains(&1) && !learned.contains(&(many as u64 * 7 - 6)));
        assert_eq!(learned.len(), MAX_BLOCKS_PER_PAGE);
    }

    fn with_content(slug: &str, content: &str) -> NewItem {
        NewItem {
            content: Some(content.to_owned()),
            ..undated(slug)
        }
    }

    both_backends! {
        async fn reclean_replaces_content_without_a_new_updated_time() {
            let (_dir, store) = temp_store().await;
            let items = [
                with_content("a", "<p>A</p><p>Box</p>"),
                undated("bare"),
                with_content("b", "<p>B</p><p>Box</p>"),
            ];
            store
                .commit_refresh("src", None, &items, Utc::now())
                .await
                .unwrap();
            let before = store.items(Some("src"), 10).await.unwrap();
            let contents = store.article_contents("src").await.unwrap();
            let urls: Vec<&str> = contents.iter().map(|(url, _)| url.as_str()).collect();
            assert_eq!(urls, ["https://example.org/a", "https://example.org/b"]);
            let change = |(url, old): &(String, String)| ContentChange {
                url: url.clone(),
                old: old.clone(),
                new: old.replace("<p>Box</p>", ""),
            };
            let mut changes: Vec<_> = contents.iter().map(change).collect();
            // b was rewritten since it was read: its change must not apply.
            changes[1].old = "<p>stale</p>".to_owned();
            let cleared = HashSet::from([BOX]);
            let changed = store
                .reclean_articles("src", &changes, &cleared)
                .await
                .unwrap();
            assert_eq!(changed, 1);
            let after = store.items(Some("src"), 10).await.unwrap();
            let a = after.iter().find(|i| i.url.ends_with("/a")).unwrap();
            let b = after.iter().find(|i| i.url.ends_with("/b")).unwrap();
            assert_eq!(a.content.as_deref(), Some("<p>A</p>"));
            assert_eq!(b.content.as_deref(), Some("<p>B</p><p>Box</p>"));
            for item in &after {
                let old = before.iter().find(|i| i.url == item.url).unwrap();
                assert_eq!(item.updated, old.updated);
            }
            assert_eq!(store.cleared_boilerplate("src").await.unwrap(), cleared);
        }
    }

    both_backends! {
        async fn the_cleared_set_is_replaced_per_source() {
            let (_dir, store) = temp_store().await;
            assert!(store.cleared_boilerplate("src").await.unwrap().is_empty());
            let first = HashSet::from([BOX, OTHER]);
            store.reclean_articles("src", &[], &first).await.unwrap();
            store
                .reclean_articles("other", &[], &HashSet::from([1]))
                .await
                .unwrap();
            let second = HashSet::from([OTHER]);
            store.reclean_articles("src", &[], &second).await.unwrap();
            assert_eq!(store.cleared_boilerplate("src").await.unwrap(), second);
            assert_eq!(
                store.cleared_boilerplate("other").await.unwrap(),
                HashSet::from([1])
            );
        }
    }
}
