//! Dedup keys of stored items (issue 9, point 7): the looser forms of an
//! item's link under which later links are matched to it
//! ([`model::dedup_key`](crate::model::dedup_key)), and the one-time
//! repair of items stored before keys existed.
//!
//! A key names one item per source, the first to claim it
//! (`ON CONFLICT DO NOTHING`): items that an older refeed stored twice under
//! links now sharing a key both stay (no reader loses an item), and every
//! later link of that article matches the older one, so a third never
//! appears.

use sqlx::AnyConnection;
use url::Url;

use super::backend::Backend;
use super::time::Flag;
use super::{Store, StoreError, query_error};
use crate::model::dedup::{has_credentials, without_credentials};
use crate::model::{NewItem, dedup_key};

/// The keys an item is matched under: its id's and, when its article page
/// named an accepted canonical URL, that URL's.
pub(super) fn keys_of(item: &NewItem) -> Vec<String> {
    let mut keys: Vec<String> = [Some(item.url.as_str()), item.canonical.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|url| Url::parse(url).ok())
        .map(|url| dedup_key(&url))
        .collect();
    keys.dedup();
    keys
}

/// The stored item of `source` that claimed one of `keys`, if any (the
/// first key that names one wins).
pub(super) async fn find(
    conn: &mut AnyConnection,
    source: &str,
    keys: &[String],
) -> Result<Option<i64>, StoreError> {
    for key in keys {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT item_id FROM item_keys WHERE source_id = $1 AND key = $2")
                .bind(source)
                .bind(key)
                .fetch_optional(&mut *conn)
                .await
                .map_err(query_error("commit refresh: look up dedup key"))?;
        if id.is_some() {
            return Ok(id);
        }
    }
    Ok(None)
}

/// Gives item `id` the keys not yet claimed by another item of `source`.
pub(super) async fn claim(
    conn: &mut AnyConnection,
    source: &str,
    id: i64,
    keys: &[String],
) -> Result<(), StoreError> {
    for key in keys {
        sqlx::query(
            "INSERT INTO item_keys (source_id, key, item_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(source)
        .bind(key)
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(query_error("commit refresh: claim dedup key"))?;
    }
    Ok(())
}

impl Store {
    /// Repairs items stored before this refeed: credentials embedded in
    /// their id or link are removed, then each item without keys gets the
    /// key of its id, oldest item first. Run at open; once every item has
    /// its key this is one indexed query that finds nothing.
    pub(super) async fn backfill_keys(&self) -> Result<(), StoreError> {
        let operation = "add dedup keys to stored items";
        // Read first: most opens find nothing to do and take no write lock
        // (a `refeed feed` beside a running daemon must not wait for it).
        let Flag(pending) = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pending_backfills WHERE name = 'item_keys')",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(query_error(operation))?;
        if !pending {
            return Ok(());
        }
        let mut tx = self.begin_write(operation).await?;
        // Before the keys, so that a password-free twin claims them.
        remove_stored_credentials(&mut tx).await?;
        // Stored ids are URLs refeed wrote; one that does not parse keeps
        // matching by its exact id only.
        let claims: Vec<(String, String, i64)> = keyless(&mut tx)
            .await?
            .into_iter()
            .filter_map(|(id, source, url)| Some((source, dedup_key(&Url::parse(&url).ok()?), id)))
            .collect();
        for chunk in claims.chunks(CLAIMS_PER_STATEMENT) {
            claim_all(&mut tx, chunk).await?;
        }
        sqlx::query("DELETE FROM pending_backfills WHERE name = 'item_keys'")
            .execute(&mut *tx)
            .await
            .map_err(query_error(operation))?;
        tx.commit().await.map_err(query_error(operation))
    }
}

/// Claims per statement of the backfill: one statement per item cost 11 s
/// for 100,000 items in a debug build; a JSON array per 10,000 keeps each
/// statement's text a few megabytes at most.
const CLAIMS_PER_STATEMENT: usize = 10_000;

/// Claims `(source, key, item id)` in order: the first of a key wins, as
/// [`claim`] does one by one.
async fn claim_all(
    conn: &mut AnyConnection,
    claims: &[(String, String, i64)],
) -> Result<(), StoreError> {
    let json = serde_json::to_string(claims).expect("claims serialize to JSON");
    // PostgreSQL's `json_each` of the store (migrations/postgres) gives
    // each element as text: the triples are taken apart as JSON there.
    let sql = Backend::of(conn).pick(
        "INSERT INTO item_keys (source_id, key, item_id)
         SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each($1)
         WHERE value ->> 1 <> '' ORDER BY json_each.key
         ON CONFLICT DO NOTHING",
        "INSERT INTO item_keys (source_id, key, item_id)
         SELECT e.value ->> 0, e.value ->> 1, CAST(e.value ->> 2 AS BIGINT)
         FROM json_array_elements(CAST($1 AS json)) WITH ORDINALITY AS e (value, position)
         WHERE e.value ->> 1 <> '' ORDER BY e.position
         ON CONFLICT DO NOTHING",
    );
    sqlx::query(sql)
        .bind(json)
        .execute(conn)
        .await
        .map_err(query_error("add dedup keys to stored items"))?;
    Ok(())
}

/// Items without any key (stored before keys existed), oldest first:
/// `(id, source, url)`.
async fn keyless(conn: &mut AnyConnection) -> Result<Vec<(i64, String, String)>, StoreError> {
    sqlx::query_as(
        "SELECT id, source_id, url FROM items
         WHERE NOT EXISTS (SELECT 1 FROM item_keys WHERE item_id = items.id)
         ORDER BY id",
    )
    .fetch_all(conn)
    .await
    .map_err(query_error("add dedup keys to stored items"))
}

/// Removes `user:password@` from stored ids and links: an older refeed
/// stored them as the outlet's link gave them, and republished them. An
/// item whose cleaned id is already stored in its source is that item's
/// duplicate and is deleted, as the twin carries the same article under
/// the id without the password.
async fn remove_stored_credentials(conn: &mut AnyConnection) -> Result<(), StoreError> {
    let operation = "remove credentials from stored links";
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, source_id, url, link FROM items WHERE url LIKE '%@%' OR link LIKE '%@%'",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(query_error(operation))?;
    for (id, source, url, link) in rows {
        let (url, url_changed) = scrubbed(&url);
        let (link, link_changed) = scrubbed(&link);
        if !(url_changed || link_changed) {
            continue;
        }
        let twin: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM items WHERE source_id = $1 AND url = $2 AND id <> $3",
        )
        .bind(&source)
        .bind(&url)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(query_error(operation))?;
        let query = if twin.is_some() {
            sqlx::query("DELETE FROM items WHERE id = $1").bind(id)
        } else {
            sqlx::query("UPDATE items SET url = $2, link = $3 WHERE id = $1")
                .bind(id)
                .bind(&url)
                .bind(&link)
        };
        query
            .execute(&mut *conn)
            .await
            .map_err(query_error(operation))?;
        tracing::warn!(source = %source, url = %url, "removed credentials from a stored item link");
    }
    Ok(())
}

/// The URL without credentials, and whether it had any.
fn scrubbed(text: &str) -> (String, bool) {
    match Url::parse(text) {
        Ok(url) if has_credentials(&url) => (without_credentials(&url).into(), true),
        _ => (text.to_owned(), false),
    }
}

#[cfg(test)]
mod tests {

    use super::super::test_support::{commit, database_at, reopen, temp_store, undated};
    use super::*;
    use crate::model::StoredItem;

    fn linked(url: &str) -> NewItem {
        NewItem {
            url: url.to_owned(),
            link: url.to_owned(),
            ..undated("a")
        }
    }

    async fn urls(store: &Store) -> Vec<String> {
        let items: Vec<StoredItem> = store.items(Some("src"), 100).await.unwrap();
        let mut urls: Vec<String> = items.into_iter().map(|i| i.url).collect();
        urls.sort();
        urls
    }

    both_backends! {
        async fn other_forms_of_a_stored_link_match_the_stored_item() {
            let (_dir, store) = temp_store().await;
            commit(&store, "src", None, &[linked("http://example.org/a/")]).await;
            let forms = [
                "https://example.org/a",
                "http://example.org//a/amp/",
                "https://example.org/a/?ref=feed&amp=1",
            ];
            for form in forms {
                let counts = store
                    .commit_refresh("src", None, &[linked(form)], chrono::Utc::now())
                    .await
                    .unwrap();
                assert_eq!((counts.seen, counts.new), (1, 0), "{form}");
            }
            assert_eq!(urls(&store).await, ["http://example.org/a/"]);
            // Two forms in one batch: the first wins.
            let batch = [
                linked("https://example.org/b/?source=rss"),
                linked("http://example.org/b"),
            ];
            let counts = store
                .commit_refresh("src", None, &batch, chrono::Utc::now())
                .await
                .unwrap();
            assert_eq!((counts.seen, counts.new), (1, 1));
            assert_eq!(
                urls(&store).await,
                ["http://example.org/a/", "https://example.org/b/?source=rss"]
            );
        }
    }

    both_backends! {
        async fn an_accepted_canonical_joins_the_item_to_its_canonical_link() {
            let (_dir, store) = temp_store().await;
            let mut tracked = linked("https://example.org/go/123/");
            tracked.canonical = Some("https://example.org/2020/a-post/".to_owned());
            commit(&store, "src", None, &[tracked]).await;
            let direct = linked("https://example.org/2020/a-post/?amp=1");
            let known = store
                .known_items("src", std::slice::from_ref(&direct.url))
                .await
                .unwrap();
            assert_eq!(known[&direct.url].title, "Title of a", "known by key");
            commit(&store, "src", None, &[direct]).await;
            assert_eq!(urls(&store).await, ["https://example.org/go/123/"]);
        }
    }

    both_backends! {
        async fn keys_stay_per_source() {
            let (_dir, store) = temp_store().await;
            commit(&store, "a", None, &[linked("http://example.org/x")]).await;
            commit(&store, "b", None, &[linked("https://example.org/x/")]).await;
            assert_eq!(store.items(None, 10).await.unwrap().len(), 2);
        }
    }

    /// A database as refeed left it before dedup keys (migrations 1 to 4):
    /// an article stored twice under two forms of its link, and a link
    /// with a password, stored twice.
    async fn database_before_keys(dir: &tempfile::TempDir) {
        database_at(
            &dir.path().join("refeed.db"),
            4,
            "INSERT INTO sources (id, title) VALUES ('src', 'Outlet');
             INSERT INTO items (source_id, url, link, title, published, dated, first_seen, updated)
             VALUES ('src', 'http://example.org/a/', 'http://example.org/a/', 'A', 1, 1, 1, 1),
                    ('src', 'https://example.org/a', 'https://example.org/a', 'A', 1, 1, 1, 1),
                    ('src', 'http://u:pw@example.org/b', 'http://u:pw@example.org/b', 'B', 2, 1, 2, 2),
                    ('src', 'http://example.org/c', 'http://u:pw@example.org/c?x', 'C', 3, 1, 3, 3),
                    ('src', 'http://example.org/b', 'http://example.org/b', 'B', 2, 1, 2, 2),
                    ('src', 'http://u:pw@example.org/d', 'http://example.org/d', 'D', 4, 1, 4, 4);",
        )
        .await;
    }

    #[tokio::test]
    async fn old_duplicates_stay_and_never_gain_a_third() {
        let dir = tempfile::tempdir().unwrap();
        database_before_keys(&dir).await;
        let store = reopen(&dir).await;
        let before = urls(&store).await;
        assert!(before.contains(&"http://example.org/a/".to_owned()));
        assert!(before.contains(&"https://example.org/a".to_owned()));
        // A new form matches the older of the two.
        let mut retitled = linked("https://example.org/a/");
        retitled.title = "Retitled".to_owned();
        commit(&store, "src", None, &[retitled]).await;
        let items = store.items(Some("src"), 10).await.unwrap();
        let title = |url: &str| items.iter().find(|i| i.url == url).unwrap().title.clone();
        assert_eq!(title("http://example.org/a/"), "Retitled");
        assert_eq!(title("https://example.org/a"), "A");
        let forms = [
            "http://example.org/a/?amp",
            "https://example.org/a/",
            "https://example.org/a",
            "http://example.org/a/",
        ];
        for form in forms {
            let counts = store
                .commit_refresh("src", None, &[linked(form)], chrono::Utc::now())
                .await
                .unwrap();
            assert_eq!(counts.new, 0, "{form}");
        }
        // Each old id still updates its own row (title "Title of a").
        let items = store.items(Some("src"), 10).await.unwrap();
        let title = |url: &str| items.iter().find(|i| i.url == url).unwrap().title.clone();
        assert_eq!(title("http://example.org/a/"), "Title of a");
        assert_eq!(title("https://example.org/a"), "Title of a");
        assert_eq!(urls(&store).await, before);
    }

    #[tokio::test]
    async fn stored_credentials_are_removed_from_ids_and_links_at_open() {
        let dir = tempfile::tempdir().unwrap();
        database_before_keys(&dir).await;
        let store = reopen(&dir).await;
        let items = store.items(Some("src"), 10).await.unwrap();
        assert!(
            items
                .iter()
                .all(|i| !i.url.contains("pw@") && !i.link.contains("pw@")),
            "{items:#?}"
        );
        // b's password-free twin stays; d is renamed; c's link is cleaned.
        assert_eq!(
            urls(&store).await,
            [
                "http://example.org/a/",
                "http://example.org/b",
                "http://example.org/c",
                "http://example.org/d",
                "https://example.org/a",
            ]
        );
        let c = items
            .iter()
            .find(|i| i.url == "http://example.org/c")
            .unwrap();
        assert_eq!(c.link, "http://example.org/c?x");
        store.close().await;
        // Reopening finds nothing left to repair.
        let store = reopen(&dir).await;
        assert_eq!(store.items(Some("src"), 10).await.unwrap(), items);
    }
}
