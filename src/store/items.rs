//! Reading items: what the pipeline asks before a refresh (known items) and
//! what the feeds serve (newest items of one source or of all).

use std::collections::HashMap;

use url::Url;

use super::time::{Flag, Millis};
use super::{Store, StoreError, query_error};
use crate::model::{KnownItem, StoredItem, dedup_key};

/// Items of one source, newest first; ties (undated items first seen in the
/// same refresh share `published`) keep insertion order, the listing's.
/// Served by the `items_source_published` index without a sort.
pub(super) const ITEMS_OF_SOURCE: &str = "\
    SELECT source_id, url, link, title, summary, content, author, published, updated, image
    FROM items WHERE source_id = $1
    ORDER BY published DESC, id ASC LIMIT $2";

/// Items of every source, in the same order; `items_published` index.
pub(super) const ITEMS_OF_ALL: &str = "\
    SELECT source_id, url, link, title, summary, content, author, published, updated, image
    FROM items
    ORDER BY published DESC, id ASC LIMIT $1";

impl Store {
    /// What is stored of the given canonical URLs of a source: under that
    /// exact id, else under the item that claimed the URL's dedup key
    /// (the same article stored under another form of its link).
    pub async fn known_items(
        &self,
        source: &str,
        urls: &[String],
    ) -> Result<HashMap<String, KnownItem>, StoreError> {
        // The URLs travel as one JSON array expanded by `json_each`, so a
        // listing of any length stays one query under SQLite's limit on
        // bound variables.
        let json = serde_json::to_string(urls).expect("a list of strings serializes to JSON");
        let rows: Vec<KnownRow> = sqlx::query_as(
            "SELECT url, title, summary, content IS NOT NULL AS has_content
             FROM items
             WHERE source_id = $1 AND url IN (SELECT value FROM json_each($2))",
        )
        .bind(source)
        .bind(json)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read known items"))?;
        let mut known: HashMap<String, KnownItem> =
            rows.into_iter().map(KnownRow::into_pair).collect();
        let by_key: HashMap<String, &String> = urls
            .iter()
            .filter(|url| !known.contains_key(*url))
            .filter_map(|url| Some((dedup_key(&Url::parse(url).ok()?), url)))
            .collect();
        if by_key.is_empty() {
            return Ok(known);
        }
        let keys: Vec<&String> = by_key.keys().collect();
        let json = serde_json::to_string(&keys).expect("a list of strings serializes to JSON");
        let rows: Vec<KnownRow> = sqlx::query_as(
            "SELECT k.key AS url, i.title, i.summary, i.content IS NOT NULL AS has_content
             FROM item_keys k JOIN items i ON i.id = k.item_id
             WHERE k.source_id = $1 AND k.key IN (SELECT value FROM json_each($2))",
        )
        .bind(source)
        .bind(json)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read known items by dedup key"))?;
        for (key, item) in rows.into_iter().map(KnownRow::into_pair) {
            if let Some(url) = by_key.get(&key) {
                known.insert((*url).clone(), item);
            }
        }
        Ok(known)
    }

    /// Newest items first, of one source or (`None`) of all, at most `limit`.
    ///
    /// Ties on `published` keep insertion order, which is the listing's order.
    pub async fn items(
        &self,
        source: Option<&str>,
        limit: usize,
    ) -> Result<Vec<StoredItem>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        // Two statements rather than `$1 IS NULL OR source_id = $1`, which
        // would keep SQLite from using the per-source index.
        let query = match source {
            Some(source) => sqlx::query_as(ITEMS_OF_SOURCE).bind(source).bind(limit),
            None => sqlx::query_as(ITEMS_OF_ALL).bind(limit),
        };
        let rows: Vec<ItemRow> = query
            .fetch_all(&self.pool)
            .await
            .map_err(query_error("list items"))?;
        Ok(rows.into_iter().map(StoredItem::from).collect())
    }
}

/// A row of [`Store::known_items`].
#[derive(sqlx::FromRow)]
struct KnownRow {
    url: String,
    title: String,
    summary: Option<String>,
    #[sqlx(try_from = "Flag")]
    has_content: bool,
}

impl KnownRow {
    fn into_pair(self) -> (String, KnownItem) {
        let known = KnownItem {
            title: self.title,
            summary: self.summary,
            has_content: self.has_content,
        };
        (self.url, known)
    }
}

/// A row of [`Store::items`].
#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    source_id: String,
    url: String,
    link: String,
    title: String,
    summary: Option<String>,
    content: Option<String>,
    author: Option<String>,
    published: Millis,
    updated: Millis,
    image: Option<String>,
}

impl From<ItemRow> for StoredItem {
    fn from(row: ItemRow) -> Self {
        StoredItem {
            source_id: row.source_id,
            url: row.url,
            link: row.link,
            title: row.title,
            summary: row.summary,
            content: row.content,
            author: row.author,
            published: row.published.0,
            updated: row.updated.0,
            image: row.image,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{commit, item, query_plan, temp_store, undated};
    use super::*;

    fn urls(items: &[StoredItem]) -> Vec<&str> {
        items.iter().map(|i| i.url.as_str()).collect()
    }

    both_backends! {
        async fn items_are_newest_first_with_undated_ones_in_listing_order() {
            let (_dir, store) = temp_store().await;
            let old = [item("old", "2000-01-01T00:00:00Z")];
            commit(&store, "src", None, &old).await;
            let listing = [
                undated("u1"),
                item("dated", "2001-01-01T00:00:00Z"),
                undated("u2"),
            ];
            commit(&store, "src", None, &listing).await;
            let stored = store.items(Some("src"), 10).await.unwrap();
            let expected = [
                "https://example.org/u1",
                "https://example.org/u2",
                "https://example.org/dated",
                "https://example.org/old",
            ];
            assert_eq!(urls(&stored), expected);
        }
    }

    both_backends! {
        async fn items_filter_by_source_and_apply_the_limit() {
            let (_dir, store) = temp_store().await;
            let a = [
                item("a1", "2024-01-01T00:00:00Z"),
                item("a2", "2024-01-03T00:00:00Z"),
            ];
            let b = [
                item("b1", "2024-01-02T00:00:00Z"),
                item("b2", "2024-01-04T00:00:00Z"),
            ];
            commit(&store, "a", None, &a).await;
            commit(&store, "b", None, &b).await;
            let of_a = store.items(Some("a"), 10).await.unwrap();
            assert_eq!(
                urls(&of_a),
                ["https://example.org/a2", "https://example.org/a1"]
            );
            assert!(of_a.iter().all(|i| i.source_id == "a"));
            let newest = store.items(None, 3).await.unwrap();
            let expected = [
                "https://example.org/b2",
                "https://example.org/a2",
                "https://example.org/b1",
            ];
            assert_eq!(urls(&newest), expected);
            assert!(store.items(Some("a"), 0).await.unwrap().is_empty());
            assert!(store.items(Some("none"), 10).await.unwrap().is_empty());
            assert_eq!(store.items(None, usize::MAX).await.unwrap().len(), 4);
        }
    }

    both_backends! {
        async fn the_same_url_in_two_sources_is_two_items() {
            let (_dir, store) = temp_store().await;
            commit(&store, "a", None, &[undated("shared")]).await;
            commit(&store, "b", None, &[undated("shared")]).await;
            assert_eq!(store.items(None, 10).await.unwrap().len(), 2);
        }
    }

    both_backends! {
        async fn known_items_returns_what_is_stored_of_those_urls_in_that_source() {
            let (_dir, store) = temp_store().await;
            let mut with_content = undated("full");
            with_content.content = Some("<p>Article</p>".to_owned());
            commit(&store, "a", None, &[undated("bare"), with_content]).await;
            commit(&store, "b", None, &[undated("other")]).await;
            let asked = ["bare", "full", "other", "absent"].map(|s| format!("https://example.org/{s}"));
            let known = store.known_items("a", &asked).await.unwrap();
            assert_eq!(known.len(), 2);
            let bare = &known["https://example.org/bare"];
            assert_eq!(bare.title, "Title of bare");
            assert_eq!(bare.summary.as_deref(), Some("<p>Summary of bare</p>"));
            assert!(!bare.has_content);
            assert!(known["https://example.org/full"].has_content);
            assert!(store.known_items("a", &[]).await.unwrap().is_empty());
        }
    }

    both_backends! {
        async fn known_items_takes_more_urls_than_sqlite_has_variables() {
            let (_dir, store) = temp_store().await;
            commit(&store, "a", None, &[undated("n7")]).await;
            let asked: Vec<String> = (0..40_000)
                .map(|n| format!("https://example.org/n{n}"))
                .collect();
            let known = store.known_items("a", &asked).await.unwrap();
            assert_eq!(known.keys().collect::<Vec<_>>(), ["https://example.org/n7"]);
        }
    }

    both_backends! {
        async fn an_image_is_stored_read_back_replaced_and_kept_when_missing() {
            let (_dir, store) = temp_store().await;
            let image = |slug: &str| Some(format!("https://cdn.example/{slug}.jpg"));
            let mut x = item("x", "2024-01-01T00:00:00Z");
            x.image = image("x");
            commit(&store, "a", None, &[x.clone(), undated("bare")]).await;
            let images = |items: Vec<StoredItem>| -> Vec<Option<String>> {
                items.into_iter().map(|i| i.image).collect()
            };
            let read = store.items(Some("a"), 10).await.unwrap();
            assert_eq!(images(read.clone()), [None, image("x")]);
            let updated = read[1].updated;

            // A new image alone: stored, counted, `updated` kept.
            x.image = image("x-2");
            let counts = store
                .commit_refresh("a", None, &[x.clone()], chrono::Utc::now())
                .await
                .unwrap();
            assert_eq!((counts.new, counts.updated), (0, 1));
            let read = store.items(Some("a"), 10).await.unwrap();
            assert_eq!(read[1].image, image("x-2"));
            assert_eq!(read[1].updated, updated);

            // A batch without one keeps it; a changed title brings a new one.
            x.image = None;
            commit(&store, "a", None, &[x.clone()]).await;
            assert_eq!(
                store.items(Some("a"), 10).await.unwrap()[1].image,
                image("x-2")
            );
            x.title = "Retitled".to_owned();
            x.image = image("x-3");
            commit(&store, "a", None, &[x]).await;
            assert_eq!(store.items(None, 10).await.unwrap()[1].image, image("x-3"));
        }
    }

    /// The feed queries must walk an index in order, not sort every item.
    #[tokio::test]
    async fn feed_queries_use_their_indexes_without_sorting() {
        let (_dir, store) = temp_store().await;
        for (sql, params, index) in [
            (ITEMS_OF_SOURCE, 2, "items_source_published"),
            (ITEMS_OF_ALL, 1, "items_published"),
        ] {
            let plan = query_plan(&store, sql, params).await;
            assert!(plan.iter().any(|step| step.contains(index)), "{plan:?}");
            assert!(
                !plan.iter().any(|step| step.contains("TEMP B-TREE")),
                "{plan:?}"
            );
        }
    }
}
