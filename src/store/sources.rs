//! The per-source tables: each source's scraped title and the record of
//! every refresh attempt, which the index page shows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::time::{Flag, Millis};
use super::{Store, StoreError, query_error};
use crate::model::health::FAILURE_NOTICE_MIN_AGE;
use crate::model::{RefreshCounts, RefreshRecord};

impl Store {
    /// Records a failed refresh; stored items, validators and the stale
    /// warning are left as they were. `retry_at` is when the server said to
    /// come back (`Retry-After` on a 429 or 503), for the scheduler's
    /// backoff to honour after a restart too. Readers are notified when the
    /// source's failure notice may have appeared or changed (see
    /// `insert_refresh`).
    pub async fn record_failure(
        &self,
        source: &str,
        started: DateTime<Utc>,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let operation = "record failed refresh";
        let mut tx = self.begin_write(operation).await?;
        ensure_source(&mut tx, source, None).await?;
        let noticed = insert_refresh(&mut tx, source, started, Err(error), retry_at).await?;
        self.commit_change(tx, operation, source, noticed).await
    }

    /// Titles scraped from each source's page or feed.
    pub async fn source_titles(&self) -> Result<HashMap<String, String>, StoreError> {
        sqlx::query_as("SELECT id, title FROM sources WHERE title IS NOT NULL")
            .fetch_all(&self.pool)
            .await
            .map(|rows| rows.into_iter().collect())
            .map_err(query_error("read source titles"))
    }

    /// The latest refresh record of every source that has one.
    pub async fn last_refreshes(&self) -> Result<HashMap<String, RefreshRecord>, StoreError> {
        // Latest = highest id: records are inserted when a refresh ends, and
        // ids never tie where start times might.
        let rows: Vec<RefreshRow> = sqlx::query_as(
            "SELECT source_id, started, finished, ok, error, seen, new, updated,
                    not_modified, retry_at
             FROM refreshes
             WHERE id IN (SELECT max(id) FROM refreshes GROUP BY source_id)",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read last refreshes"))?;
        Ok(rows
            .into_iter()
            .map(|row| (row.source_id.clone(), RefreshRecord::from(row)))
            .collect())
    }

    /// The source's latest refresh records, newest first, at most `limit`
    /// (`refeed status SOURCE_ID` and `/status/{id}` show them).
    pub async fn refresh_history(
        &self,
        source: &str,
        limit: u32,
    ) -> Result<Vec<RefreshRecord>, StoreError> {
        let rows: Vec<RefreshRow> = sqlx::query_as(
            "SELECT source_id, started, finished, ok, error, seen, new, updated,
                    not_modified, retry_at
             FROM refreshes WHERE source_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(source)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read refresh history"))?;
        Ok(rows.into_iter().map(RefreshRecord::from).collect())
    }
}

/// Makes sure the source has a row (items and refreshes reference it) and
/// stores its scraped title when there is one.
pub(super) async fn ensure_source(
    conn: &mut AnyConnection,
    source: &str,
    title: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sources (id, title) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title
         WHERE excluded.title IS NOT NULL",
    )
    .bind(source)
    .bind(title)
    .execute(conn)
    .await
    .map_err(query_error("save source"))?;
    Ok(())
}

/// Appends a refresh record, finished now. `retry_at` only accompanies a
/// failure (the schema refuses it on a success).
///
/// Returns whether the source's failure notice (issue 12, point 5: see
/// [`SourceHealth::failure_notice`](crate::model::SourceHealth)) may have
/// appeared, changed or gone with this record: a failure that extends, or
/// a success that ends, failures spanning at least
/// [`FAILURE_NOTICE_MIN_AGE`], the shortest threshold. The store does not
/// know the source's refresh interval: a source with a longer threshold
/// re-renders an unchanged feed, at worst.
pub(super) async fn insert_refresh(
    conn: &mut AnyConnection,
    source: &str,
    started: DateTime<Utc>,
    outcome: Result<RefreshCounts, &str>,
    retry_at: Option<DateTime<Utc>>,
) -> Result<bool, StoreError> {
    let ends_failures = outcome.is_ok() && failures_lasted(conn, source).await?;
    let (counts, error) = match outcome {
        Ok(counts) => (counts, None),
        Err(message) => (RefreshCounts::default(), Some(message)),
    };
    sqlx::query(
        "INSERT INTO refreshes (source_id, started, finished, ok, error, seen, new, updated,
                                not_modified, retry_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(source)
    .bind(Millis(started))
    .bind(Millis(Utc::now()))
    .bind(i64::from(error.is_none()))
    .bind(error)
    .bind(i64::from(counts.seen))
    .bind(i64::from(counts.new))
    .bind(i64::from(counts.updated))
    .bind(i64::from(counts.not_modified))
    .bind(retry_at.map(Millis))
    .execute(&mut *conn)
    .await
    .map_err(query_error("record refresh"))?;
    let extends_failures = error.is_some() && failures_lasted(conn, source).await?;
    prune_refreshes(conn, source).await?;
    Ok(ends_failures || extends_failures)
}

/// Whether the source's failed attempts since its latest success span at
/// least [`FAILURE_NOTICE_MIN_AGE`] (from the start of the first to the end
/// of the latest); false when there are none.
async fn failures_lasted(conn: &mut AnyConnection, source: &str) -> Result<bool, StoreError> {
    let lasted: Option<i64> = sqlx::query_scalar(
        "WITH failures AS (
             SELECT id, started, finished FROM refreshes
             WHERE source_id = $1 AND id > coalesce(
                 (SELECT max(id) FROM refreshes WHERE source_id = $1 AND ok = 1), 0))
         SELECT (SELECT max(finished) FROM failures)
              - (SELECT started FROM failures ORDER BY id LIMIT 1)",
    )
    .bind(source)
    .fetch_one(&mut *conn)
    .await
    .map_err(query_error("record refresh: measure failures"))?;
    let min_age = i64::try_from(FAILURE_NOTICE_MIN_AGE.as_millis()).unwrap_or(i64::MAX);
    Ok(lasted.is_some_and(|millis| millis >= min_age))
}

/// Refresh records kept per source (besides its latest success and latest
/// parsed page, which source health needs whatever their age). A source
/// refreshed every 15 minutes would otherwise add 35,000 rows a year, and
/// `/` and `/status` read them all. Consecutive failures are counted over
/// the kept records, so they read at most this many: by then the backoff
/// has long reached its cap.
pub(super) const KEPT_REFRESHES: i64 = 100;

/// Deletes the source's records older than its latest [`KEPT_REFRESHES`],
/// but for its latest success, its latest success that parsed a page and
/// the first failure after its latest success (which dates the failure
/// notice: without it, "failing since" would creep forward).
async fn prune_refreshes(conn: &mut AnyConnection, source: &str) -> Result<(), StoreError> {
    sqlx::query(
        "DELETE FROM refreshes
         WHERE source_id = $1
           AND id <= (SELECT id FROM refreshes WHERE source_id = $1
                      ORDER BY id DESC LIMIT 1 OFFSET $2)
           AND id <> coalesce((SELECT max(id) FROM refreshes
                               WHERE source_id = $1 AND ok = 1), 0)
           AND id <> coalesce((SELECT max(id) FROM refreshes
                               WHERE source_id = $1 AND ok = 1 AND not_modified = 0), 0)
           AND id <> coalesce((SELECT min(id) FROM refreshes
                               WHERE source_id = $1 AND id > coalesce(
                                   (SELECT max(id) FROM refreshes
                                    WHERE source_id = $1 AND ok = 1), 0)), 0)",
    )
    .bind(source)
    .bind(KEPT_REFRESHES)
    .execute(conn)
    .await
    .map_err(query_error("prune refresh records"))?;
    Ok(())
}

/// A row of [`Store::last_refreshes`] (and part of a source-health row).
#[derive(sqlx::FromRow)]
pub(super) struct RefreshRow {
    source_id: String,
    started: Millis,
    finished: Millis,
    #[sqlx(try_from = "Flag")]
    ok: bool,
    error: Option<String>,
    #[sqlx(try_from = "i64")]
    seen: u32,
    #[sqlx(try_from = "i64")]
    new: u32,
    #[sqlx(try_from = "i64")]
    updated: u32,
    #[sqlx(try_from = "Flag")]
    not_modified: bool,
    retry_at: Option<Millis>,
}

impl From<RefreshRow> for RefreshRecord {
    fn from(row: RefreshRow) -> Self {
        let outcome = if row.ok {
            Ok(RefreshCounts {
                seen: row.seen,
                new: row.new,
                updated: row.updated,
                not_modified: row.not_modified,
                // Not recorded: known to the refresh that made them only.
                items_cut: 0,
                articles_deferred: 0,
            })
        } else {
            Err(row.error.unwrap_or_default())
        };
        RefreshRecord {
            source_id: row.source_id,
            started: row.started.0,
            finished: row.finished.0,
            outcome,
            retry_at: row.retry_at.map(|at| at.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, commit, temp_store, undated};
    use chrono::SubsecRound;

    use super::*;
    use crate::model::NewItem;

    fn two_items() -> [NewItem; 2] {
        [undated("x"), undated("y")]
    }

    both_backends! {
        async fn a_successful_refresh_is_recorded_with_its_counts() {
            let (_dir, store) = temp_store().await;
            let started = at("2025-01-01T00:00:00Z");
            let items = two_items();
            store
                .commit_refresh("src", None, &items, started)
                .await
                .unwrap();
            let record = &store.last_refreshes().await.unwrap()["src"];
            assert_eq!(record.source_id, "src");
            assert_eq!(record.started, started);
            assert!(record.finished > started);
            let counts = RefreshCounts {
                seen: 2,
                new: 2,
                updated: 0,
                not_modified: false,
                ..RefreshCounts::default()
            };
            assert_eq!(record.outcome, Ok(counts));
        }
    }

    both_backends! {
        async fn a_failure_is_recorded_and_leaves_items_untouched() {
            let (_dir, store) = temp_store().await;
            commit(&store, "src", Some("Outlet"), &two_items()).await;
            let before = store.items(None, 10).await.unwrap();
            let started = Utc::now();
            store
                .record_failure("src", started, "HTTP 500", None)
                .await
                .unwrap();
            assert_eq!(store.items(None, 10).await.unwrap(), before);
            assert_eq!(store.source_titles().await.unwrap()["src"], "Outlet");
            let record = &store.last_refreshes().await.unwrap()["src"];
            assert_eq!(record.started, started.trunc_subsecs(3));
            assert_eq!(record.outcome, Err("HTTP 500".to_owned()));
        }
    }

    both_backends! {
        async fn a_source_that_never_succeeded_gets_its_failure_recorded() {
            let (_dir, store) = temp_store().await;
            store
                .record_failure("new", Utc::now(), "timeout", None)
                .await
                .unwrap();
            let record = &store.last_refreshes().await.unwrap()["new"];
            assert_eq!(record.outcome, Err("timeout".to_owned()));
            assert!(store.source_titles().await.unwrap().is_empty());
        }
    }

    both_backends! {
        async fn source_titles_keep_the_last_scraped_title() {
            let (_dir, store) = temp_store().await;
            commit(&store, "a", Some("First"), &[]).await;
            commit(&store, "a", Some("Second"), &[]).await;
            commit(&store, "a", None, &[]).await;
            commit(&store, "untitled", None, &[]).await;
            let titles = store.source_titles().await.unwrap();
            assert_eq!(
                titles,
                HashMap::from([("a".to_owned(), "Second".to_owned())])
            );
        }
    }

    both_backends! {
        async fn refresh_history_lists_one_sources_records_newest_first() {
            let (_dir, store) = temp_store().await;
            let t1 = at("2025-01-01T00:00:00Z");
            let t2 = at("2025-01-01T00:30:00Z");
            let t3 = at("2025-01-01T01:00:00Z");
            store
                .record_failure("a", t1, "timeout", None)
                .await
                .unwrap();
            store.commit_refresh("a", None, &[], t2).await.unwrap();
            store
                .record_failure("b", t2, "HTTP 500", None)
                .await
                .unwrap();
            store
                .record_failure("a", t3, "HTTP 503", None)
                .await
                .unwrap();
            let history = store.refresh_history("a", 2).await.unwrap();
            let started: Vec<_> = history.iter().map(|r| r.started).collect();
            assert_eq!(started, [t3, t2]);
            assert_eq!(history[0].outcome, Err("HTTP 503".to_owned()));
            assert!(history[1].outcome.is_ok());
            assert!(store.refresh_history("c", 5).await.unwrap().is_empty());
        }
    }

    both_backends! {
        async fn last_refreshes_holds_the_latest_record_of_each_source() {
            let (_dir, store) = temp_store().await;
            let t1 = at("2025-01-01T00:00:00Z");
            let t2 = at("2025-01-01T00:30:00Z");
            commit(&store, "a", None, &[undated("x")]).await;
            let retry = at("2025-01-01T01:00:00Z");
            let failed = store.record_failure("a", t2, "HTTP 503", Some(retry));
            failed.await.unwrap();
            store
                .record_failure("b", t1, "timeout", None)
                .await
                .unwrap();
            store.commit_refresh("b", None, &[], t2).await.unwrap();
            let last = store.last_refreshes().await.unwrap();
            assert_eq!(last.len(), 2);
            assert_eq!(last["a"].source_id, "a");
            assert_eq!(last["a"].started, t2);
            assert_eq!(last["a"].outcome, Err("HTTP 503".to_owned()));
            assert_eq!(last["a"].retry_at, Some(retry));
            assert_eq!(last["b"].outcome, Ok(RefreshCounts::default()));
            assert_eq!(last["b"].retry_at, None);
        }
    }
}
