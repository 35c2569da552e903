//! The bench's databases: built through the store's own schema
//! (`Store::open` migrates) and bulk SQL, as refreshes would have left
//! them (sources, one refresh record each, items with a dedup key each;
//! every item a ~200-byte summary and a ~1.5 KB article).

use std::path::Path;
use std::time::Duration;

use refeed::model::SourceMeta;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use url::Url;

/// Items per source feed (the default `max_items`).
pub const MAX_ITEMS: usize = 50;

/// The configured sources: ids `s0`, `s1`..., in the database's order.
pub fn metas(count: usize) -> Vec<SourceMeta> {
    (0..count)
        .map(|n| SourceMeta {
            id: format!("s{n}"),
            title: None,
            url: Url::parse(&format!("https://s{n}.example/news/")).expect("valid URL"),
            max_items: MAX_ITEMS,
            refresh_interval: Duration::from_secs(15 * 60),
        })
        .collect()
}

/// Fills the database at `path` (already migrated) through bulk SQL:
/// `groups` of `(sources, items each)`. Returns the sources and the item
/// count.
pub async fn generate(path: &Path, groups: &[(usize, usize)]) -> (Vec<SourceMeta>, usize) {
    let options = SqliteConnectOptions::new().filename(path);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("connect for bulk inserts");
    let (mut first, mut items) = (0, 0);
    for &(count, each) in groups {
        for n in first..first + count {
            insert_source(&pool, &format!("s{n}"), each).await;
        }
        first += count;
        items += count * each;
    }
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&pool)
        .await
        .expect("checkpoint");
    pool.close().await;
    (metas(first), items)
}

/// One source, its refresh record and `items` items (newest `published`
/// first by `n`), each with its dedup key, in one transaction.
async fn insert_source(pool: &sqlx::SqlitePool, id: &str, items: usize) {
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("INSERT INTO sources (id, title) VALUES (?1, 'Source ' || ?1)")
        .bind(id)
        .execute(&mut *tx)
        .await
        .expect("insert source");
    sqlx::query(
        "INSERT INTO refreshes (source_id, started, finished, ok, seen, new)
         VALUES (?1, 1717228800000, 1717228801000, 1, 20, 20)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .expect("insert refresh");
    // `published` steps back a minute per item, each source offset by its
    // number so `all` interleaves them.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
         INSERT INTO items (source_id, url, link, title, summary, content, author,
                            published, dated, first_seen, updated)
         SELECT ?1, 'https://' || ?1 || '.example/2024/05/article-number-' || i || '/',
                'https://' || ?1 || '.example/2024/05/article-number-' || i || '/?utm_source=rss',
                'Headline number ' || i || ' of source ' || ?1 || ', long enough to be real',
                '<p>' || substr(printf('%.200c', 's'), 1, 180) || ' ' || i || '</p>',
                '<p>' || printf('%.1500c', 'c') || ' ' || i || '</p>',
                'Reporter ' || (i % 17),
                1717200000000 - i * 60000 - (CAST(substr(?1, 2) AS INTEGER) * 7919) % 60000,
                1, 1717200000000, 1717200000000
         FROM n",
    )
    .bind(id)
    .bind(i64::try_from(items).expect("item count fits"))
    .execute(&mut *tx)
    .await
    .expect("insert items");
    sqlx::query(
        "INSERT INTO item_keys (source_id, key, item_id)
         SELECT source_id, substr(url, 9), id FROM items WHERE source_id = ?1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .expect("insert dedup keys");
    tx.commit().await.expect("commit");
}

/// The database file's bytes (after the checkpoint, the WAL is empty).
pub async fn database_bytes(path: &Path) -> u64 {
    let wal = path.with_extension("db-wal");
    let main = tokio::fs::metadata(path).await.map_or(0, |m| m.len());
    main + tokio::fs::metadata(wal).await.map_or(0, |m| m.len())
}
