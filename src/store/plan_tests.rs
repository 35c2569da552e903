//! The query plans of what rendering a feed reads (issue 13: a 50-item
//! feed renders in O(limit) however many items are stored). SQLite's
//! `EXPLAIN QUERY PLAN` must show index searches only: no `SCAN` of a
//! table without an index (a full scan, O(rows)), and no temporary B-tree
//! for `ORDER BY` (a sort of every matching row before `LIMIT`). A scan
//! *of an index in order* is what `LIMIT` stops early, and allowed.

use super::Store;
use super::health::SOURCE_HEALTH_OF;
use super::items::{ITEMS_OF_ALL, ITEMS_OF_SOURCE};
use super::sites::SOURCE_TITLE_AND_SITE;
use super::test_support::{at, item, temp_store};

/// The plan's lines (the `detail` column) of `sql` with every `?n` bound
/// to `value`.
async fn plan(store: &Store, sql: &str, binds: &[&str]) -> Vec<String> {
    // The statements are the store's own constants.
    let explain = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"));
    let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(explain);
    for value in binds {
        query = query.bind(*value);
    }
    let rows = query.fetch_all(&store.pool).await.unwrap();
    rows.into_iter().map(|(_, _, _, detail)| detail).collect()
}

/// The lines of `plan` that read rows in O(table): a table scan without
/// an index, or a sort before the limit.
fn full_reads(plan: &[String]) -> Vec<&String> {
    plan.iter()
        .filter(|line| {
            let scan = line.starts_with("SCAN ") && !line.contains(" INDEX ");
            scan || line.contains("TEMP B-TREE")
        })
        .collect()
}

/// A store of two sources, nine items each.
async fn two_sources() -> (tempfile::TempDir, Store) {
    let (dir, store) = temp_store().await;
    for source in ["a", "b"] {
        let items: Vec<_> = (1..=9)
            .map(|n| item(&format!("{source}/{n}"), &format!("2024-05-0{n}T10:00:00Z")))
            .collect();
        let started = at("2024-06-01T08:00:00Z");
        store
            .commit_refresh(source, None, &items, started)
            .await
            .unwrap();
    }
    (dir, store)
}

/// Fails on any read of a render that is not an index search or walk.
async fn assert_index_driven(store: &Store) {
    let reads = [
        ("items of one source", ITEMS_OF_SOURCE, &["a", "50"][..]),
        ("items of all", ITEMS_OF_ALL, &["200"][..]),
        ("one source's health", SOURCE_HEALTH_OF, &["a"][..]),
        (
            "one source's title and site",
            SOURCE_TITLE_AND_SITE,
            &["a"][..],
        ),
    ];
    for (name, sql, binds) in reads {
        let plan = plan(store, sql, binds).await;
        assert!(!plan.is_empty(), "{name}");
        assert_eq!(
            full_reads(&plan),
            Vec::<&String>::new(),
            "{name}: {plan:#?}"
        );
    }
}

#[tokio::test]
async fn feed_reads_search_indexes_and_never_sort_or_scan_a_table() {
    let (_dir, store) = two_sources().await;
    assert_index_driven(&store).await;
    let all = plan(&store, ITEMS_OF_ALL, &["200"]).await;
    assert_eq!(
        all,
        ["SCAN items USING INDEX items_published"],
        "in index order, LIMIT stops it"
    );
}

/// With table statistics (`ANALYZE`, which `PRAGMA optimize` runs and
/// PostgreSQL's autovacuum keeps), the planner weighs a scan against the
/// indexes. The item reads must still walk their index, whose order is
/// the feed's, so `LIMIT` stops them. (The two-row `sources` table of this
/// test is scanned once analyzed: cheaper than its primary key at that
/// size, so the per-source reads are left to the test above.)
#[tokio::test]
async fn item_reads_stay_index_walks_with_statistics() {
    let (_dir, store) = two_sources().await;
    sqlx::query("ANALYZE").execute(&store.pool).await.unwrap();
    let source = plan(&store, ITEMS_OF_SOURCE, &["a", "50"]).await;
    assert_eq!(
        source,
        ["SEARCH items USING INDEX items_source_published (source_id=?)"]
    );
    let all = plan(&store, ITEMS_OF_ALL, &["200"]).await;
    assert_eq!(all, ["SCAN items USING INDEX items_published"]);
}

#[test]
fn full_reads_are_told_from_index_walks() {
    let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let bad = lines(&["SCAN s", "USE TEMP B-TREE FOR ORDER BY", "SCAN items"]);
    assert_eq!(full_reads(&bad).len(), 3);
    let good = lines(&[
        "SEARCH items USING INDEX items_source_published (source_id=?)",
        "SCAN items USING INDEX items_published",
        "SEARCH refreshes USING COVERING INDEX refreshes_source (source_id=?)",
    ]);
    assert!(full_reads(&good).is_empty());
}
