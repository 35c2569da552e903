//! Tests of removed and renamed sources and of retention.

use chrono::{Duration, Utc};

use super::super::test_support::{at, commit, item, temp_store};
use super::super::{PageKey, RefreshCommit, Store};
use super::*;
use crate::model::{
    DiscoveryRecord, Method, NewItem, Retention, StaleKind, StaleVerdict, StoredItem, Validators,
};

async fn count(store: &Store, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

fn dated(items: &[StoredItem]) -> Vec<(String, chrono::DateTime<Utc>)> {
    items.iter().map(|i| (i.url.clone(), i.published)).collect()
}

/// A refresh of `source` with everything a source keeps: items, a
/// validator, a stale warning and a discovery record; then a failure and
/// a learned page.
async fn full_source(store: &Store, source: &str, items: &[NewItem]) {
    let started = at("2024-06-01T08:00:00Z");
    let validators = [(
        "https://example.org/".to_owned(),
        Validators {
            etag: Some("\"v1\"".into()),
            last_modified: None,
        },
    )];
    let discovery = DiscoveryRecord {
        method: Method::Feed,
        pattern: None,
        items: 2,
        wordpress_refused: None,
        since: started,
        previous: None,
    };
    let refresh = RefreshCommit {
        source,
        page_title: Some("Outlet"),
        items,
        started,
        validators: &validators,
        rules: "r1",
        stale: StaleVerdict::Stale {
            kind: StaleKind::Listing,
            message: "no items".into(),
        },
        discovery: Some(&discovery),
    };
    store.commit(&refresh).await.unwrap();
    store
        .record_failure(source, Utc::now(), "HTTP 500", None)
        .await
        .unwrap();
    let page = ("https://example.org/a".to_owned(), vec![1, 2, 3]);
    store.record_page_blocks(source, &[page]).await.unwrap();
}

both_backends! {
    async fn renaming_moves_items_validators_learned_discovery_and_health() {
        let (_dir, store) = temp_store().await;
        let items = [
            item("a", "2024-05-01T10:00:00Z"),
            item("b", "2024-05-02T10:00:00Z"),
        ];
        full_source(&store, "old", &items).await;
        commit(&store, "other", None, &[item("c", "2024-05-03T10:00:00Z")]).await;
        let before = store.items(Some("old"), 10).await.unwrap();
        let health_before = store.source_health_of("old").await.unwrap().unwrap();

        let renames = [("old".to_owned(), "new".to_owned())];
        let moved = store.rename_sources(&renames, Utc::now()).await.unwrap();
        assert_eq!(moved, ["old"]);

        let after = store.items(Some("new"), 10).await.unwrap();
        assert_eq!(dated(&after), dated(&before), "same ids and dates");
        assert!(store.items(Some("old"), 10).await.unwrap().is_empty());
        let page = PageKey {
            source: "new",
            url: "https://example.org/",
            rules: "r1",
        };
        assert!(store.validators(page).await.unwrap().is_some());
        assert_eq!(
            store.discovery("new").await.unwrap().unwrap().method,
            Method::Feed
        );
        let health = store.source_health_of("new").await.unwrap().unwrap();
        assert_eq!(
            health.consecutive_failures,
            health_before.consecutive_failures
        );
        assert_eq!(health.stale, health_before.stale);
        assert_eq!(store.source_titles().await.unwrap()["new"], "Outlet");
        let learned = "SELECT count(*) FROM learned_blocks WHERE source_id = 'new'";
        assert_eq!(count(&store, learned).await, 3);
        let keys = "SELECT count(*) FROM item_keys WHERE source_id = 'new'";
        assert_eq!(count(&store, keys).await, 2);
        for table in [
            "items",
            "item_keys",
            "refreshes",
            "learned_pages",
            "learned_blocks",
        ] {
            let sql = format!("SELECT count(*) FROM {table} WHERE source_id = 'old'");
            assert_eq!(count(&store, &sql).await, 0, "{table}");
        }
        assert_eq!(
            count(&store, "SELECT count(*) FROM sources WHERE id = 'old'").await,
            0
        );
        assert_eq!(
            store.source_fate("old").await.unwrap(),
            SourceFate::Renamed("new".into())
        );

        // A known item seen under the new id is the same item, not new.
        let counts = store
            .commit_refresh("new", None, &items, Utc::now())
            .await
            .unwrap();
        assert_eq!((counts.new, counts.updated), (0, 0));

        // Idempotent: the next start moves nothing and keeps the redirect.
        assert!(
            store
                .rename_sources(&renames, Utc::now())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            dated(&store.items(Some("new"), 10).await.unwrap()),
            dated(&before)
        );
        assert_eq!(
            store.source_fate("old").await.unwrap(),
            SourceFate::Renamed("new".into())
        );
        assert_eq!(store.items(Some("other"), 10).await.unwrap().len(), 1);
    }
}

both_backends! {
    async fn renaming_onto_a_stored_id_merges_and_a_rename_of_a_rename_redirects_to_the_newest() {
        let (_dir, store) = temp_store().await;
        commit(&store, "a", None, &[item("x", "2024-05-01T10:00:00Z")]).await;
        commit(
            &store,
            "b",
            None,
            &[
                item("x", "2024-05-01T10:00:00Z"),
                item("y", "2024-05-02T10:00:00Z"),
            ],
        )
        .await;
        let now = Utc::now();
        store
            .rename_sources(&[("a".into(), "b".into())], now)
            .await
            .unwrap();
        assert_eq!(store.items(Some("b"), 10).await.unwrap().len(), 2, "x once");
        store
            .rename_sources(&[("b".into(), "c".into())], now)
            .await
            .unwrap();
        assert_eq!(
            store.source_fate("a").await.unwrap(),
            SourceFate::Renamed("c".into())
        );
        assert_eq!(
            store.source_fate("b").await.unwrap(),
            SourceFate::Renamed("c".into())
        );
        // Renamed back: `c` is current again, not a redirect to itself.
        store
            .rename_sources(&[("c".into(), "a".into())], now)
            .await
            .unwrap();
        assert_eq!(
            store.source_fate("c").await.unwrap(),
            SourceFate::Renamed("a".into())
        );
        assert_eq!(store.items(Some("a"), 10).await.unwrap().len(), 2);
        let renames = "SELECT count(*) FROM source_renames WHERE old_id = 'a'";
        assert_eq!(count(&store, renames).await, 0);
    }
}

both_backends! {
    async fn keep_items_prunes_the_oldest_and_a_pruned_item_on_the_listing_is_not_new_again() {
        let (_dir, store) = temp_store().await;
        let mut linked = item("c", "2024-05-01T10:00:00Z");
        linked.canonical = Some("https://example.org/c-canonical".into());
        let listing = [
            item("a", "2024-05-03T10:00:00Z"),
            item("b", "2024-05-02T10:00:00Z"),
            linked,
        ];
        commit(&store, "src", None, &listing).await;
        let keep = Retention {
            keep: None,
            keep_items: Some(1),
        };
        let pruned = store.prune_items("src", keep, Utc::now()).await.unwrap();
        assert_eq!(pruned, 2);
        let kept = store.items(Some("src"), 10).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].url, "https://example.org/a");

        let counts = store
            .commit_refresh("src", None, &listing, Utc::now())
            .await
            .unwrap();
        assert_eq!((counts.seen, counts.new), (3, 0));
        assert_eq!(store.items(Some("src"), 10).await.unwrap().len(), 1);

        // Another link form of a pruned item (http, and its canonical URL).
        let mut twin = item("other", "2024-05-01T10:00:00Z");
        twin.url = "http://example.org/b/".into();
        let mut by_canonical = item("c-amp", "2024-05-01T10:00:00Z");
        by_canonical.canonical = Some("https://example.org/c-canonical".into());
        let counts = store
            .commit_refresh("src", None, &[twin, by_canonical], Utc::now())
            .await
            .unwrap();
        assert_eq!(counts.new, 0);
        // A new item is still new.
        let counts = store
            .commit_refresh(
                "src",
                None,
                &[item("d", "2024-05-04T10:00:00Z")],
                Utc::now(),
            )
            .await
            .unwrap();
        assert_eq!(counts.new, 1);
    }
}

both_backends! {
    async fn keep_prunes_by_age_and_keeping_all_deletes_nothing() {
        let (_dir, store) = temp_store().await;
        let now = Utc::now();
        let mut fresh = item("fresh", "2024-01-01T00:00:00Z");
        fresh.published = Some(now - Duration::days(10));
        let mut old = item("old", "2024-01-01T00:00:00Z");
        old.published = Some(now - Duration::days(400));
        commit(&store, "src", None, &[fresh, old.clone()]).await;
        let all = store
            .prune_items("src", Retention::default(), now)
            .await
            .unwrap();
        assert_eq!(all, 0);
        let year = Retention {
            keep: Some(std::time::Duration::from_secs(365 * 86_400)),
            keep_items: None,
        };
        assert_eq!(store.prune_items("src", year, now).await.unwrap(), 1);
        let kept = store.items(Some("src"), 10).await.unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].url, "https://example.org/fresh");
        let counts = store
            .commit_refresh("src", None, &[old], now)
            .await
            .unwrap();
        assert_eq!(counts.new, 0);
    }
}

both_backends! {
    async fn tombstones_unseen_for_long_are_dropped_and_capped_per_source() {
        let (_dir, store) = temp_store().await;
        commit(
            &store,
            "src",
            None,
            &[
                item("a", "2024-05-02T10:00:00Z"),
                item("b", "2024-05-01T10:00:00Z"),
            ],
        )
        .await;
        let keep_one = Retention {
            keep: None,
            keep_items: Some(1),
        };
        let long_ago = Utc::now() - Duration::days(200);
        store.prune_items("src", keep_one, long_ago).await.unwrap();
        let tombstones = "SELECT count(*) FROM item_tombstones";
        assert!(count(&store, tombstones).await >= 2, "id and dedup key");
        store
            .prune_items("src", keep_one, Utc::now())
            .await
            .unwrap();
        assert_eq!(count(&store, tombstones).await, 0, "unseen for 200 days");

        sqlx::query(
            "WITH RECURSIVE n (value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < $2)
             INSERT INTO item_tombstones (source_id, key_hash, seen)
             SELECT 'src', value, $1 + value FROM n",
        )
        .bind(Utc::now().timestamp_millis())
        .bind(MAX_TOMBSTONES + 5)
        .execute(&store.pool)
        .await
        .unwrap();
        store
            .prune_items("src", keep_one, Utc::now())
            .await
            .unwrap();
        assert_eq!(count(&store, tombstones).await, MAX_TOMBSTONES);
        let oldest = "SELECT min(key_hash) FROM item_tombstones";
        assert_eq!(count(&store, oldest).await, 6, "the least recently seen go");
    }
}

both_backends! {
    async fn a_removed_source_is_kept_for_keep_removed_then_deleted_with_everything() {
        let (_dir, store) = temp_store().await;
        full_source(&store, "gone", &[item("a", "2024-05-01T10:00:00Z")]).await;
        commit(&store, "kept", None, &[item("a", "2024-05-01T10:00:00Z")]).await;
        store
            .rename_sources(&[("older".into(), "gone".into())], Utc::now())
            .await
            .unwrap();
        let t0 = Utc::now();
        let configured = ["kept".to_owned()];
        assert_eq!(store.mark_removed(&configured, t0).await.unwrap(), ["gone"]);
        assert_eq!(
            store.source_fate("gone").await.unwrap(),
            SourceFate::Removed
        );
        // A later start does not restart the clock.
        let later = t0 + Duration::days(20);
        assert!(
            store
                .mark_removed(&configured, later)
                .await
                .unwrap()
                .is_empty()
        );
        let month = std::time::Duration::from_secs(30 * 86_400);
        assert!(store.prune_removed(month, later).await.unwrap().is_empty());
        assert_eq!(
            store.items(Some("gone"), 10).await.unwrap().len(),
            1,
            "kept for now"
        );

        let deleted = store
            .prune_removed(month, t0 + Duration::days(31))
            .await
            .unwrap();
        assert_eq!(deleted, ["gone"]);
        assert_eq!(
            store.source_fate("gone").await.unwrap(),
            SourceFate::Unknown
        );
        assert_eq!(
            store.source_fate("older").await.unwrap(),
            SourceFate::Unknown
        );
        for table in [
            "items",
            "item_keys",
            "refreshes",
            "learned_pages",
            "learned_blocks",
            "http_validators",
            "source_discovery",
        ] {
            let sql = format!("SELECT count(*) FROM {table} WHERE source_id = 'gone'");
            assert_eq!(count(&store, &sql).await, 0, "{table}");
        }
        assert_eq!(store.items(Some("kept"), 10).await.unwrap().len(), 1);
    }
}

both_backends! {
    async fn a_source_configured_again_is_no_longer_removed() {
        let (_dir, store) = temp_store().await;
        commit(&store, "back", None, &[item("a", "2024-05-01T10:00:00Z")]).await;
        let t0 = Utc::now();
        store.mark_removed(&[], t0).await.unwrap();
        store.mark_removed(&["back".to_owned()], t0).await.unwrap();
        let month = std::time::Duration::from_secs(30 * 86_400);
        let deleted = store
            .prune_removed(month, t0 + Duration::days(60))
            .await
            .unwrap();
        assert!(deleted.is_empty());
        assert_eq!(store.items(Some("back"), 10).await.unwrap().len(), 1);
    }
}
