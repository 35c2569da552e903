//! Tests of `copy`: every table is covered, and SQLite → PostgreSQL →
//! SQLite keeps every row (item ids, dates, validators, …) unchanged.

use std::collections::BTreeSet;

use super::super::test_support::{commit, item, temp_store, undated};
use super::*;

/// Rows of every table that the store's own writes do not fill in a short
/// test: a removed and stale source, learned blocks at the ends of the
/// 64-bit range, validators, a robots.txt body with non-UTF-8 bytes, a
/// discovery record, a rename, a tombstone and an item with a far id.
const RAW_ROWS: &str = "
    INSERT INTO sources (id, title, stale_kind, stale_since, stale_message, removed_since, site)
        VALUES ('gone', 'Gone', 'listing', 1700000000000, 'no items', 1700000000001,
                'https://gone.example/');
    INSERT INTO items (id, source_id, url, link, title, summary, content, author, published,
                       dated, modified, first_seen, updated, image)
        VALUES (1000, 'gone', 'https://gone.example/x', 'https://gone.example/x?a=1', 'X',
                NULL, '<p>Body</p>', NULL, -86400000, 1, 1, 2, 3, 'https://gone.example/x.jpg');
    INSERT INTO learned_pages (id, source_id, url) VALUES (7, 'src', 'https://example.org/a');
    INSERT INTO learned_blocks (page_id, source_id, fingerprint)
        VALUES (7, 'src', -9223372036854775808), (7, 'src', 9223372036854775807);
    INSERT INTO learned_cleared (source_id, fingerprint) VALUES ('src', 12345);
    INSERT INTO http_validators (source_id, url, rules, etag, last_modified, saved)
        VALUES ('src', 'https://example.org/', 'digest', 'W/\"e1\"', NULL, 1700000000000);
    INSERT INTO robots_txt (origin, status, body, expires)
        VALUES ('https://example.org', 200, X'00FF0A41', 1800000000000);
    INSERT INTO source_discovery (source_id, method, pattern, items, wordpress_refused, since,
                                  previous)
        VALUES ('src', 'teasers', '{\"item\":\"article\"}', 3, '401', 1700000000000, 'feed');
    INSERT INTO source_renames (old_id, new_id, renamed) VALUES ('old', 'src', 1700000000000);
    INSERT INTO item_tombstones (source_id, key_hash, seen) VALUES ('src', -42, 1700000000000);
";

/// Every row of every table, as text, in a fixed order.
async fn dump(store: &Store) -> Vec<String> {
    let mut all = Vec::new();
    for (table, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let order: Vec<String> = (1..=names.len()).map(|n| n.to_string()).collect();
        let sql = format!(
            "SELECT {} FROM {table} ORDER BY {}",
            names.join(", "),
            order.join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&store.pool)
            .await
            .unwrap();
        for row in rows {
            let values: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(index, (_, kind))| match kind {
                    Int => format!("{:?}", row.get::<Option<i64>, _>(index)),
                    Text => format!("{:?}", row.get::<Option<String>, _>(index)),
                    Bytes => format!("{:?}", row.get::<Option<Vec<u8>>, _>(index)),
                })
                .collect();
            all.push(format!("{table}: {}", values.join(" | ")));
        }
    }
    all
}

/// A SQLite store holding rows in every table.
async fn filled() -> (tempfile::TempDir, Store) {
    let (dir, store) = temp_store().await;
    let items = [
        item("a", "2024-05-06T07:08:09.123Z"),
        undated("b"),
        item("c", "1969-07-20T20:17:00Z"),
    ];
    commit(&store, "src", Some("Outlet"), &items).await;
    sqlx::raw_sql(RAW_ROWS).execute(&store.pool).await.unwrap();
    (dir, store)
}

#[tokio::test]
async fn the_copy_covers_every_table_and_column_of_the_schema() {
    let (_dir, store) = temp_store().await;
    let tables: BTreeSet<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let copied: BTreeSet<String> = TABLES.iter().map(|(t, _)| t.to_string()).collect();
    assert_eq!(tables, copied);
    for (table, columns) in TABLES {
        let mut stored: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(table)
            .fetch_all(&store.pool)
            .await
            .unwrap();
        let mut listed: Vec<String> = columns.iter().map(|(c, _)| c.to_string()).collect();
        stored.sort();
        listed.sort();
        assert_eq!(stored, listed, "columns of {table}");
    }
}

#[tokio::test]
async fn sqlite_to_postgres_to_sqlite_keeps_every_row_id_and_date() {
    let Some(url) = super::super::test_postgres::database_url().await else {
        return;
    };
    let (_dir, sqlite) = filled().await;
    let before = dump(&sqlite).await;
    assert!(
        before
            .iter()
            .any(|row| row.starts_with("items: Some(1000)"))
    );

    let postgres = Store::open_url(&url).await.unwrap();
    let copied = sqlite.copy_into(&postgres).await.unwrap();
    assert!(
        copied
            .iter()
            .all(|(table, rows)| *rows > 0 || *table == "pending_backfills"),
        "{copied:?}"
    );
    assert_eq!(dump(&postgres).await, before);

    let (_back_dir, back) = temp_store().await;
    postgres.copy_into(&back).await.unwrap();
    assert_eq!(dump(&back).await, before);

    // The copy's ids continue after the copied ones, and a non-empty
    // target is refused.
    commit(&postgres, "src", None, &[undated("new")]).await;
    let newest: i64 = sqlx::query_scalar("SELECT max(id) FROM items")
        .fetch_one(&postgres.pool)
        .await
        .unwrap();
    assert_eq!(newest, 1001);
    let err = sqlite.copy_into(&postgres).await.unwrap_err();
    assert!(
        matches!(err, CopyError::NotEmpty { table: "sources" }),
        "{err:?}"
    );
}
