//! Tests of the parent module.

use std::error::Error as _;

use super::test_support::{database_at, temp_store};
use super::*;

#[tokio::test]
async fn open_uses_wal_normal_sync_and_foreign_keys() {
    let (_dir, store) = temp_store().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(synchronous, 1, "1 = NORMAL");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&store.pool)
        .await
        .unwrap();
    assert_eq!(foreign_keys, 1);
}

#[tokio::test]
async fn open_creates_missing_parent_folders_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/nested/refeed.db");
    let store = Store::open(&path).await.unwrap();
    assert!(path.is_file());
    assert!(store.items(None, 10).await.unwrap().is_empty());
    store.close().await;
}

both_backends! {
    async fn open_applies_the_schema_once_and_reopens_cleanly() {
        let (dir, store) = temp_store().await;
        store.close().await;
        let store = super::test_support::reopen(&dir).await;
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(applied, store.backend.migrator().iter().count() as i64);
    }
}

#[tokio::test]
async fn a_folder_that_cannot_be_created_is_named_in_the_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, "").unwrap();
    let err = Store::open(&file.join("refeed.db")).await.unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    let cause = err.source().unwrap().to_string();
    assert_eq!(
        err.to_string(),
        format!("cannot create database folder {}", file.display())
    );
    assert!(!err.to_string().contains(&cause), "cause printed twice");
}

#[tokio::test]
async fn a_path_that_is_a_folder_fails_to_open_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open(dir.path()).await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("cannot open database {}", dir.path().display())
    );
    assert!(err.source().is_some());
}

both_backends! {
    async fn a_database_migrated_by_a_newer_refeed_is_refused() {
        let (dir, store) = temp_store().await;
        // A migration this build does not know: what a downgrade looks like.
        let checksum = store.backend.pick("x'00'", "'\\x00'::bytea");
        let insert = format!(
            "INSERT INTO _sqlx_migrations
                     (version, description, success, checksum, execution_time)
                 VALUES (999999, 'from the future', true, {checksum}, 0)"
        );
        sqlx::query(sqlx::AssertSqlSafe(insert))
            .execute(&store.pool)
            .await
            .unwrap();
        store.close().await;
        let (shown, opened) = super::test_support::try_reopen(&dir).await;
        let err = opened.unwrap_err();
        assert!(
            matches!(err, StoreError::NewerSchema { schema: 999999, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "database {shown} was written by a newer refeed (schema 999999); \
                     upgrade refeed or restore a backup"
            )
        );
    }
}

#[tokio::test]
async fn the_health_migration_keeps_the_records_of_an_earlier_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refeed.db");
    // A database as refeed left it before issue 5 (migrations 1 and 2).
    database_at(
        &path,
        2,
        "INSERT INTO sources (id, title) VALUES ('src', 'Outlet');
             INSERT INTO refreshes (source_id, started, finished, ok, error, seen, new, updated)
             VALUES ('src', 1000, 2000, 1, NULL, 3, 3, 0),
                    ('src', 3000, 4000, 0, 'HTTP 500', 0, 0, 0);",
    )
    .await;

    let store = Store::open(&path).await.unwrap();
    let health = store.source_health().await.unwrap().remove("src").unwrap();
    assert_eq!(health.consecutive_failures, 1);
    assert_eq!(health.last_seen, Some(3));
    assert_eq!(health.stale, None);
    let last = health.last.unwrap();
    assert_eq!(
        (last.outcome, last.retry_at),
        (Err("HTTP 500".into()), None)
    );
    let not_modified: Vec<i64> = sqlx::query_scalar("SELECT not_modified FROM refreshes")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert_eq!(not_modified, [0, 0]);
    assert_eq!(store.source_titles().await.unwrap()["src"], "Outlet");
}

#[tokio::test]
async fn the_discovery_migration_keeps_items_without_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refeed.db");
    // A database as refeed left it before issue 10 (migrations 1 to 5).
    database_at(
            &path,
            5,
            "INSERT INTO sources (id, title) VALUES ('src', 'Outlet');
             INSERT INTO items (source_id, url, link, title, published, dated, first_seen, updated)
             VALUES ('src', 'https://example.org/a', 'https://example.org/a', 'A', 1000, 1, 1000, 1000);
             DELETE FROM pending_backfills;",
        )
        .await;

    let store = Store::open(&path).await.unwrap();
    let items = store.items(Some("src"), 10).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!((items[0].title.as_str(), &items[0].image), ("A", &None));
    assert_eq!(store.discovery("src").await.unwrap(), None);
}

both_backends! {
    async fn the_schema_refuses_half_a_stale_warning_and_a_retry_on_success() {
        let (_dir, store) = temp_store().await;
        store
            .record_not_modified("src", chrono::Utc::now())
            .await
            .unwrap();
        let refused = [
            "UPDATE sources SET stale_kind = 'listing'",
            "UPDATE sources SET stale_kind = 'listing', stale_since = 1",
            "UPDATE sources SET stale_kind = 'layout', stale_since = 1, stale_message = 'm'",
            "UPDATE refreshes SET retry_at = 1",
            "UPDATE refreshes SET ok = 0, error = 'HTTP 500'",
            "INSERT INTO http_validators (source_id, url, rules, saved) \
                 VALUES ('src', 'https://example.org/', 'r', 1)",
        ];
        for statement in refused {
            let result = sqlx::query(statement).execute(&store.pool).await;
            assert!(result.is_err(), "accepted: {statement}");
        }
    }
}

#[test]
fn a_query_error_names_the_operation_only() {
    let err = query_error("list items")(sqlx::Error::RowNotFound);
    assert_eq!(err.to_string(), "database operation failed: list items");
    assert!(err.source().is_some());
}

#[tokio::test]
async fn open_existing_never_creates_a_database_or_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/refeed.db");
    let err = Store::open_existing(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Missing { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("no database at {}", path.display())
    );
    assert!(!dir.path().join("data").exists());
    Store::open(&path).await.unwrap().close().await;
    let store = Store::open_existing(&path).await.unwrap();
    assert!(store.items(None, 10).await.unwrap().is_empty());
    store.close().await;
}
