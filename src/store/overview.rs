//! What the index page shows of each source besides its feeds: how many
//! items it holds and its latest headlines.

use std::collections::HashMap;

use super::items::ItemRow;
use super::{Store, StoreError, query_error};
use crate::model::StoredItem;

/// A source's newest items without their summary and content (the index
/// shows titles and links only); same order as the feeds, and served by the
/// `items_source_published` index without a sort.
const HEADLINES: &str = "\
    SELECT source_id, url, link, title, NULL AS summary, NULL AS content, author,
           published, updated, image
    FROM items WHERE source_id = $1
    ORDER BY published DESC, id ASC LIMIT $2";

/// Items per source; counted on the `items_source_published` index (no
/// table rows read).
const ITEM_COUNTS: &str = "SELECT source_id, count(*) FROM items GROUP BY source_id";

impl Store {
    /// The number of items each source holds (sources without items are
    /// absent).
    pub async fn item_counts(&self) -> Result<HashMap<String, u64>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(ITEM_COUNTS)
            .fetch_all(&self.pool)
            .await
            .map_err(query_error("count items"))?;
        Ok(rows
            .into_iter()
            .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// The newest `limit` items of `source`, newest first, with `summary`
    /// and `content` left out (`None`).
    pub async fn headlines(&self, source: &str, limit: u32) -> Result<Vec<StoredItem>, StoreError> {
        let rows: Vec<ItemRow> = sqlx::query_as(HEADLINES)
            .bind(source)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(query_error("list headlines"))?;
        Ok(rows.into_iter().map(StoredItem::from).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{commit, item, query_plan, temp_store};
    use super::*;

    both_backends! {
        async fn headlines_are_the_newest_titles_and_counts_cover_every_source() {
            let (_dir, store) = temp_store().await;
            let a = [
                item("a1", "2024-01-01T00:00:00Z"),
                item("a2", "2024-01-03T00:00:00Z"),
                item("a3", "2024-01-02T00:00:00Z"),
            ];
            commit(&store, "a", None, &a).await;
            commit(&store, "b", None, &[item("b1", "2024-01-01T00:00:00Z")]).await;
            let counts = store.item_counts().await.unwrap();
            assert_eq!(counts, HashMap::from([("a".into(), 3), ("b".into(), 1)]));
            let newest = store.headlines("a", 2).await.unwrap();
            let titles: Vec<&str> = newest.iter().map(|i| i.url.as_str()).collect();
            assert_eq!(titles, [a[1].url.as_str(), a[2].url.as_str()]);
            assert!(
                newest
                    .iter()
                    .all(|i| i.summary.is_none() && i.content.is_none())
            );
            assert!(store.headlines("none", 3).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn both_queries_use_an_index_and_no_sort() {
        let (_dir, store) = temp_store().await;
        for (sql, params) in [(HEADLINES, 2), (ITEM_COUNTS, 0)] {
            let plan = query_plan(&store, sql, params).await;
            assert!(plan.iter().any(|s| s.contains("INDEX")), "{plan:?}");
            assert!(!plan.iter().any(|s| s.contains("TEMP B-TREE")), "{plan:?}");
        }
    }
}
