//! Tests of storing a refresh.

use std::time::Duration;

use super::super::test_support::{at, item, reopen, temp_store, undated};
use super::*;
use crate::model::StoredItem;

fn counts(seen: u32, new: u32, updated: u32) -> RefreshCounts {
    RefreshCounts {
        seen,
        new,
        updated,
        not_modified: false,
        ..RefreshCounts::default()
    }
}

fn batch() -> Vec<NewItem> {
    vec![
        item("c", "2024-03-03T10:00:00Z"),
        item("b", "2024-03-02T10:00:00Z"),
        item("a", "2024-03-01T10:00:00Z"),
    ]
}

async fn all(store: &Store) -> Vec<StoredItem> {
    store.items(Some("src"), 100).await.unwrap()
}

async fn commit(store: &Store, items: &[NewItem]) -> RefreshCounts {
    store
        .commit_refresh("src", Some("Outlet"), items, Utc::now())
        .await
        .unwrap()
}

both_backends! {
    async fn new_items_are_inserted_with_their_own_dates() {
        let (_dir, store) = temp_store().await;
        let mut items = batch();
        items[0].modified = Some(at("2024-03-04T00:00:00Z"));
        assert_eq!(commit(&store, &items).await, counts(3, 3, 0));
        let stored = all(&store).await;
        let c = &stored[0];
        assert_eq!(c.url, "https://example.org/c");
        assert_eq!(c.link, "https://example.org/c?utm_source=rss");
        assert_eq!(c.title, "Title of c");
        assert_eq!(c.summary.as_deref(), Some("<p>Summary of c</p>"));
        assert_eq!(c.author.as_deref(), Some("A. Writer"));
        assert_eq!(c.published, at("2024-03-03T10:00:00Z"));
        assert_eq!(c.updated, at("2024-03-04T00:00:00Z"), "modified date");
        assert_eq!(stored[1].updated, stored[1].published, "no modified date");
    }
}

both_backends! {
    async fn committing_the_same_items_again_changes_nothing() {
        let (_dir, store) = temp_store().await;
        commit(&store, &batch()).await;
        let before = all(&store).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(commit(&store, &batch()).await, counts(3, 0, 0));
        assert_eq!(all(&store).await, before);
    }
}

both_backends! {
    async fn a_changed_title_updates_that_item_only_with_a_new_updated_time() {
        let (_dir, store) = temp_store().await;
        commit(&store, &batch()).await;
        let before = all(&store).await;
        let mut items = batch();
        items[1].title = "Corrected title".to_owned();
        let committed = Utc::now();
        assert_eq!(commit(&store, &items).await, counts(3, 0, 1));
        let after = all(&store).await;
        assert_eq!(after[1].title, "Corrected title");
        assert!(after[1].updated >= committed - chrono::Duration::milliseconds(1));
        assert_eq!(
            after[1].published, before[1].published,
            "published is fixed"
        );
        assert_eq!((&after[0], &after[2]), (&before[0], &before[2]));
    }
}

both_backends! {
    async fn a_changed_summary_keeps_content_and_author_the_batch_lacks() {
        let (_dir, store) = temp_store().await;
        let mut items = batch();
        items[0].content = Some("<p>Full text</p>".to_owned());
        commit(&store, &items).await;
        let mut items = batch();
        items[0].summary = Some("<p>New summary</p>".to_owned());
        items[0].author = None;
        items[0].link = "https://example.org/c?moved".to_owned();
        assert_eq!(commit(&store, &items).await, counts(3, 0, 1));
        let c = &all(&store).await[0];
        assert_eq!(c.summary.as_deref(), Some("<p>New summary</p>"));
        assert_eq!(c.link, "https://example.org/c?moved");
        assert_eq!(c.content.as_deref(), Some("<p>Full text</p>"));
        assert_eq!(c.author.as_deref(), Some("A. Writer"));
    }
}

both_backends! {
    async fn missing_content_is_filled_in_once_without_a_new_updated_time() {
        let (_dir, store) = temp_store().await;
        commit(&store, &batch()).await;
        let before = all(&store).await;
        let mut items = batch();
        items[2].content = Some("<p>Article</p>".to_owned());
        assert_eq!(commit(&store, &items).await, counts(3, 0, 1));
        let after = all(&store).await;
        assert_eq!(after[2].content.as_deref(), Some("<p>Article</p>"));
        assert_eq!(after[2].updated, before[2].updated);
        // Stored content is not replaced by a refetch of an unchanged item.
        items[2].content = Some("<p>Article, new ad slot</p>".to_owned());
        assert_eq!(commit(&store, &items).await, counts(3, 0, 0));
        assert_eq!(all(&store).await, after);
    }
}

both_backends! {
    async fn an_undated_item_keeps_its_first_seen_date_across_refreshes_and_reopening() {
        let (dir, store) = temp_store().await;
        let before = Utc::now() - chrono::Duration::milliseconds(1);
        commit(&store, &[undated("x")]).await;
        let first = all(&store).await;
        assert!(first[0].published >= before && first[0].published <= Utc::now());
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(commit(&store, &[undated("x")]).await, counts(1, 0, 0));
        store.close().await;
        let store = reopen(&dir).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(commit(&store, &[undated("x")]).await, counts(1, 0, 0));
        assert_eq!(all(&store).await, first);
    }
}

both_backends! {
    async fn a_first_seen_date_gives_way_once_to_the_date_its_article_reveals() {
        let (_dir, store) = temp_store().await;
        // First sight: the article (which holds the only date) failed to load.
        commit(&store, &[undated("x")]).await;
        let first_seen = all(&store).await[0].published;
        // Next refresh: the article loads and brings its metadata date.
        let mut learned = item("x", "2020-10-23T12:00:00Z");
        learned.content = Some("<p>Article</p>".to_owned());
        assert_eq!(commit(&store, &[learned.clone()]).await, counts(1, 0, 1));
        let stored = &all(&store).await[0];
        assert_eq!(stored.published, at("2020-10-23T12:00:00Z"));
        assert_ne!(stored.published, first_seen);
        // From then on the date is fixed, whatever later pages claim.
        learned.title = "Retitled".to_owned();
        learned.published = Some(at("2021-01-01T00:00:00Z"));
        assert_eq!(commit(&store, &[learned]).await, counts(1, 0, 1));
        assert_eq!(all(&store).await[0].published, at("2020-10-23T12:00:00Z"));
    }
}

both_backends! {
    async fn an_outlet_date_never_moves_when_the_item_changes() {
        let (_dir, store) = temp_store().await;
        commit(&store, &batch()).await;
        let mut items = batch();
        items[0].title = "Corrected title".to_owned();
        items[0].published = Some(at("2025-01-01T00:00:00Z"));
        assert_eq!(commit(&store, &items).await, counts(3, 0, 1));
        assert_eq!(all(&store).await[0].published, at("2024-03-03T10:00:00Z"));
    }
}

both_backends! {
    async fn reopening_the_database_stores_no_duplicates() {
        let (dir, store) = temp_store().await;
        commit(&store, &batch()).await;
        store.close().await;
        let store = reopen(&dir).await;
        assert_eq!(commit(&store, &batch()).await, counts(3, 0, 0));
        assert_eq!(all(&store).await.len(), 3);
    }
}

both_backends! {
    async fn a_url_repeated_in_one_batch_counts_once_and_the_first_wins() {
        let (_dir, store) = temp_store().await;
        let mut repeat = item("a", "2024-03-01T10:00:00Z");
        repeat.title = "Featured teaser".to_owned();
        let items = [
            repeat,
            item("b", "2024-03-02T10:00:00Z"),
            item("a", "2024-03-01T10:00:00Z"),
        ];
        assert_eq!(commit(&store, &items).await, counts(2, 2, 0));
        let titles: Vec<String> = all(&store).await.into_iter().map(|i| i.title).collect();
        assert_eq!(titles, ["Title of b", "Featured teaser"]);
    }
}

both_backends! {
    async fn a_failing_item_rolls_the_whole_refresh_back() {
        let (_dir, store) = temp_store().await;
        commit(&store, &batch()).await;
        let before = all(&store).await;
        let records = store.last_refreshes().await.unwrap();
        let mut items = batch();
        items[0].title = "Changed".to_owned();
        items.push(item("", "2024-03-05T10:00:00Z"));
        items[3].url = String::new(); // violates CHECK (url <> '')
        let err = store
            .commit_refresh("src", Some("Renamed"), &items, Utc::now())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Query { .. }), "{err:?}");
        assert_eq!(all(&store).await, before);
        assert_eq!(store.last_refreshes().await.unwrap(), records);
        assert_eq!(store.source_titles().await.unwrap()["src"], "Outlet");
    }
}

both_backends! {
    async fn concurrent_refreshes_of_several_sources_all_commit() {
        let (_dir, store) = temp_store().await;
        let items: Vec<NewItem> = (0..50).map(|n| undated(&format!("n{n}"))).collect();
        let commits = ["a", "b", "c", "d", "e", "f"].map(|source| {
            let (store, items) = (store.clone(), items.clone());
            tokio::spawn(async move {
                // Read first, then write, as the pipeline does.
                store.known_items(source, &[]).await.unwrap();
                store.commit_refresh(source, None, &items, Utc::now()).await
            })
        });
        for commit in commits {
            assert_eq!(commit.await.unwrap().unwrap(), counts(50, 50, 0));
        }
        assert_eq!(store.items(None, 1000).await.unwrap().len(), 300);
    }
}
