//! Seeing other processes' writes (issue 12): `refeed once` (or any other
//! process) writing the database beside a running `refeed run` must reach
//! the daemon's cached feeds within 2 s.
//!
//! Every write that changes a served feed appends a row to the database's
//! change log (`feed_changes`, migration 0008) in its own transaction,
//! naming the source and the writing store ([`log_change`]). A serving
//! process keeps one dedicated connection and polls `PRAGMA data_version`
//! on it every [`WATCH_INTERVAL`]: the number changes when another
//! connection committed, and costs no read of any table. Only then does it
//! read the log rows after the last it saw, and pass the sources other
//! writers changed to the in-process change log (`changes`), which the
//! feed cache and the WebSub pinger already follow. Its own rows it skips:
//! it notified those when it wrote them. `data_version` is per connection,
//! so it must be the same connection at every poll: it is taken out of
//! the pool for good.
//!
//! On PostgreSQL (issue 13) there is no `data_version`: the watcher reads a
//! digest of the log instead (its row count plus the sum of its `seq`s: at
//! most [`KEPT_CHANGES`] rows), which changes with every insert and prune.
//! Writers there run side by side, so a `seq` taken earlier may commit
//! after a later one: the watcher re-reads the last [`PG_LOOKBACK`] rows
//! before the newest it saw and skips those it has handled. LISTEN/NOTIFY
//! would spare the poll; it comes with the fleet work.
//!
//! Nothing here runs per HTTP request: requests still compare one atomic
//! generation.

use std::collections::BTreeSet;
use std::time::Duration;

use sqlx::{Any, AnyConnection};
use tokio_util::sync::CancellationToken;

use super::backend::Backend;
use super::{Store, StoreError, query_error};

/// How often a serving process looks for other processes' writes: 500 ms,
/// a quarter of the 2 s issue 12 allows. A poll without a write is one
/// `PRAGMA data_version` on an open connection (microseconds).
pub const WATCH_INTERVAL: Duration = Duration::from_millis(500);

/// Rows the change log keeps. A watcher that falls further behind (it
/// polls every 500 ms; a write logs one row per changed source) cannot
/// tell what it missed and re-renders every feed instead.
const KEPT_CHANGES: i64 = 1000;

/// On PostgreSQL, how far below the newest `seq` seen a watcher looks again
/// for rows that committed late (see the module docs): a write transaction
/// would have to stay open while 100 later ones commit to be missed.
const PG_LOOKBACK: i64 = 100;

/// Appends `source`'s change by `writer` to the change log, inside the
/// writing transaction, and prunes rows beyond [`KEPT_CHANGES`] (never the
/// newest, so a `seq` is never reused).
pub(super) async fn log_change(
    conn: &mut AnyConnection,
    source: &str,
    writer: i64,
) -> Result<(), StoreError> {
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO feed_changes (source_id, writer) VALUES ($1, $2) RETURNING seq",
    )
    .bind(source)
    .bind(writer)
    .fetch_one(&mut *conn)
    .await
    .map_err(query_error("log feed change"))?;
    sqlx::query("DELETE FROM feed_changes WHERE seq <= $1")
        .bind(seq - KEPT_CHANGES)
        .execute(&mut *conn)
        .await
        .map_err(query_error("prune feed changes"))?;
    Ok(())
}

/// Polls the database for other processes' writes; see the module docs.
#[derive(Debug)]
pub struct ChangeWatcher {
    /// The dedicated connection `data_version` is read on.
    conn: AnyConnection,
    /// `data_version` at the last poll.
    version: i64,
    /// The newest change-log row seen.
    seen: i64,
    /// How far below `seen` to look again: 0 on SQLite, [`PG_LOOKBACK`] on
    /// PostgreSQL.
    lookback: i64,
    /// The rows seen within the lookback (PostgreSQL), not to act twice.
    handled: BTreeSet<i64>,
}

impl Store {
    /// A watcher starting from the database as it is now: earlier writes
    /// are already in what this process reads from it.
    pub async fn change_watcher(&self) -> Result<ChangeWatcher, StoreError> {
        let operation = "watch for other writers";
        let conn = self.pool.acquire().await.map_err(query_error(operation))?;
        // Out of the pool for good: the pool opens another in its place.
        let mut conn = conn.detach();
        let version = data_version(&mut conn).await?;
        let lookback = self.backend.pick_number(0, PG_LOOKBACK);
        // The newest row and, on PostgreSQL, those within the lookback
        // below it: known already, never to be notified at the first poll.
        let recent: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT seq, source_id, writer FROM feed_changes
             WHERE seq >= (SELECT coalesce(max(seq), 0) FROM feed_changes) - $1",
        )
        .bind(lookback)
        .fetch_all(&mut conn)
        .await
        .map_err(query_error(operation))?;
        let mut watcher = ChangeWatcher {
            conn,
            version,
            seen: 0,
            lookback,
            handled: BTreeSet::new(),
        };
        watcher.remember(&recent);
        Ok(watcher)
    }

    /// Polls for other processes' writes every [`WATCH_INTERVAL`] until
    /// `shutdown`, notifying this store's readers of the feeds they
    /// changed. A failed poll is logged and tried again at the next tick.
    pub async fn follow_other_writers(self, shutdown: CancellationToken) {
        let mut watcher = match self.change_watcher().await {
            Ok(watcher) => watcher,
            Err(err) => {
                tracing::error!(error = %err, "cannot watch the database for other processes' writes");
                return;
            }
        };
        let mut ticks = tokio::time::interval(WATCH_INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            match watcher.poll(&self).await {
                Ok(changed) if !changed.is_empty() => {
                    tracing::debug!(sources = ?changed, "another process changed feeds");
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "cannot check for other processes' writes")
                }
            }
        }
    }
}

impl ChangeWatcher {
    /// One look: the sources whose feeds other writers changed since the
    /// last poll, which `store`'s readers have now been notified of. Empty
    /// without reading any table when nothing was committed meanwhile.
    pub async fn poll(&mut self, store: &Store) -> Result<Vec<String>, StoreError> {
        // Read before the log: a write committed in between is seen now
        // and makes the next poll look again.
        let version = data_version(&mut self.conn).await?;
        if version == self.version {
            return Ok(Vec::new());
        }
        self.version = version;
        let operation = "read feed changes";
        let mut rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT seq, source_id, writer FROM feed_changes WHERE seq > $1 ORDER BY seq",
        )
        .bind(self.seen - self.lookback)
        .fetch_all(&mut self.conn)
        .await
        .map_err(query_error(operation))?;
        rows.retain(|row| !self.handled.contains(&row.0));
        let Some(newest) = rows.iter().map(|row| row.0).max() else {
            return Ok(Vec::new());
        };
        // Every insert prunes the rows `KEPT_CHANGES` below its own, so
        // rows this watcher had yet to read may be gone once the newest is
        // that far past them. (Not a gap in `seq`s: on PostgreSQL a gap is
        // also a rolled-back write, or one still open, read at a later poll.)
        let missed = newest - KEPT_CHANGES > self.seen - self.lookback;
        self.remember(&rows);
        let writer = store.changes.writer;
        let mut changed: BTreeSet<String> = rows
            .into_iter()
            .filter(|row| row.2 != writer)
            .map(|row| row.1)
            .collect();
        if missed {
            // Pruned before this watcher read them: any feed may have changed.
            let all: Vec<String> = sqlx::query_scalar::<Any, String>("SELECT id FROM sources")
                .fetch_all(&mut self.conn)
                .await
                .map_err(query_error(operation))?;
            changed.extend(all);
        }
        for source in &changed {
            store.notify_foreign_change(source);
        }
        Ok(changed.into_iter().collect())
    }
}

impl ChangeWatcher {
    /// Moves `seen` to the newest of `rows` and, on PostgreSQL, keeps their
    /// `seq`s while they are within the lookback.
    fn remember(&mut self, rows: &[(i64, String, i64)]) {
        self.seen = rows.iter().map(|row| row.0).fold(self.seen, i64::max);
        if self.lookback > 0 {
            self.handled.extend(rows.iter().map(|row| row.0));
            let floor = self.seen - self.lookback;
            self.handled.retain(|seq| *seq > floor);
        }
    }
}

/// `PRAGMA data_version` of `conn`: it changes when another connection
/// committed since the previous read on the same connection. On
/// PostgreSQL, a digest of the change log that changes with every logged
/// write and prune (the watcher's own too: it then reads the log once for
/// nothing).
async fn data_version(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    let sql = Backend::of(conn).pick(
        "PRAGMA data_version",
        "SELECT CAST(count(*) + coalesce(sum(seq), 0) AS BIGINT) FROM feed_changes",
    );
    sqlx::query_scalar(sql)
        .fetch_one(conn)
        .await
        .map_err(query_error("read data_version"))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use tempfile::TempDir;

    use super::super::test_support::{commit, temp_store, undated};
    use super::*;

    /// A second store on `dir`'s database: what another process holds.
    async fn other(dir: &TempDir) -> Store {
        super::super::test_support::reopen(dir).await
    }

    both_backends! {
        async fn another_stores_write_is_seen_and_notified_once() {
            let (dir, store) = temp_store().await;
            let mut watcher = store.change_watcher().await.unwrap();
            assert_eq!(watcher.poll(&store).await.unwrap(), Vec::<String>::new());
            let once = other(&dir).await;
            commit(&once, "b", None, &[undated("x")]).await;
            commit(&once, "a", None, &[undated("y")]).await;
            assert_eq!(store.change_generation(), 0, "not seen before a poll");
            assert_eq!(watcher.poll(&store).await.unwrap(), ["a", "b"]);
            assert_eq!(store.changed_since(0).0, ["a", "b"]);
            let generation = store.change_generation();
            assert_eq!(watcher.poll(&store).await.unwrap(), Vec::<String>::new());
            assert_eq!(store.change_generation(), generation, "notified once");
        }
    }

    both_backends! {
        async fn writes_before_the_watcher_opened_are_not_notified() {
            let (dir, store) = temp_store().await;
            let once = other(&dir).await;
            commit(&once, "a", None, &[undated("x")]).await;
            let mut watcher = store.change_watcher().await.unwrap();
            commit(&once, "b", None, &[undated("y")]).await;
            assert_eq!(watcher.poll(&store).await.unwrap(), ["b"]);
        }
    }

    both_backends! {
        async fn this_stores_own_writes_are_not_notified_twice() {
            let (_dir, store) = temp_store().await;
            let mut watcher = store.change_watcher().await.unwrap();
            commit(&store, "a", None, &[undated("x")]).await;
            assert_eq!(store.change_generation(), 1);
            assert_eq!(watcher.poll(&store).await.unwrap(), Vec::<String>::new());
            assert_eq!(store.change_generation(), 1);
        }
    }

    both_backends! {
        async fn writes_that_change_no_feed_notify_nothing() {
            let (dir, store) = temp_store().await;
            let once = other(&dir).await;
            commit(&once, "a", None, &[undated("x")]).await;
            let mut watcher = store.change_watcher().await.unwrap();
            commit(&once, "a", None, &[undated("x")]).await;
            once.record_not_modified("a", Utc::now()).await.unwrap();
            assert_eq!(watcher.poll(&store).await.unwrap(), Vec::<String>::new());
            assert_eq!(store.change_generation(), 0, "earlier writes are known");
        }
    }

    both_backends! {
        async fn a_watcher_that_missed_pruned_rows_renotifies_every_source() {
            let (dir, store) = temp_store().await;
            let mut watcher = store.change_watcher().await.unwrap();
            let once = other(&dir).await;
            commit(&once, "a", None, &[undated("x")]).await;
            let mut tx = once.begin_write("test").await.unwrap();
            for _ in 0..KEPT_CHANGES + 5 {
                log_change(&mut tx, "b", once.changes.writer).await.unwrap();
            }
            tx.commit().await.unwrap();
            assert_eq!(watcher.poll(&store).await.unwrap(), ["a", "b"]);
            let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM feed_changes")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(kept, KEPT_CHANGES);
        }
    }

    both_backends! {
        async fn a_rolled_back_write_logs_nothing() {
            let (dir, store) = temp_store().await;
            let mut watcher = store.change_watcher().await.unwrap();
            let once = other(&dir).await;
            let mut tx = once.begin_write("test").await.unwrap();
            log_change(&mut tx, "a", once.changes.writer).await.unwrap();
            tx.rollback().await.unwrap();
            commit(&once, "c", None, &[undated("x")]).await;
            assert_eq!(watcher.poll(&store).await.unwrap(), ["c"]);
        }
    }

    both_backends! {
        async fn following_stops_at_shutdown_and_notifies_in_between() {
            let (dir, store) = temp_store().await;
            let shutdown = CancellationToken::new();
            let task = tokio::spawn(store.clone().follow_other_writers(shutdown.clone()));
            let mut changes = store.subscribe_changes();
            // The watcher starts from the database as it is when it opens:
            // write until it has seen one.
            let once = other(&dir).await;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            let mut n = 0;
            while store.change_generation() == 0 {
                assert!(tokio::time::Instant::now() < deadline, "never notified");
                n += 1;
                commit(&once, "a", None, &[undated(&format!("x{n}"))]).await;
                let _ = tokio::time::timeout(WATCH_INTERVAL * 2, changes.changed()).await;
            }
            assert_eq!(store.changed_since(0).0, ["a"]);
            shutdown.cancel();
            tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .expect("stops at shutdown")
                .unwrap();
        }
    }

    #[tokio::test]
    async fn on_postgres_a_change_committed_after_a_later_one_is_still_seen() {
        let Some(url) = super::super::test_postgres::database_url().await else {
            return;
        };
        let store = Store::open_url(&url).await.unwrap();
        let other = Store::open_url(&url).await.unwrap();
        let mut watcher = store.change_watcher().await.unwrap();
        // Takes its `seq` first, commits last.
        let mut late = other.pool.begin().await.unwrap();
        log_change(&mut late, "late", 1).await.unwrap();
        commit(&other, "early", None, &[undated("x")]).await;
        assert_eq!(watcher.poll(&store).await.unwrap(), ["early"]);
        late.commit().await.unwrap();
        assert_eq!(watcher.poll(&store).await.unwrap(), ["late"]);
        assert_eq!(watcher.poll(&store).await.unwrap(), Vec::<String>::new());
    }
}
