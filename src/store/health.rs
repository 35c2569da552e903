//! Source health (issue 5): what `/status`, `refeed status` and the
//! scheduler's backoff read: the latest attempt, the latest success,
//! consecutive failures, the items the last parsed page yielded, and the
//! stale-source warning (kept by `stale`) and how the items were found
//! (kept by `discovery`). Also the record of a 304.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::discovery::DiscoveryRow;
use super::sources::{RefreshRow, ensure_source, insert_refresh};
use super::stale::warning;
use super::time::Millis;
use super::{Store, StoreError, query_error};
use crate::model::{RefreshCounts, RefreshRecord, SourceHealth};

/// Every source's health ([`SOURCE_HEALTH`]), or one source's
/// ([`SOURCE_HEALTH_OF`], `$1` its id), in one statement: `$filter` picks
/// the sources. Per source, three index walks
/// (`refreshes_source`, `refreshes_source_ok`) find the latest record, the
/// latest success and the latest success that parsed a page (not a 304);
/// the failures since that success are the records after it, the first of
/// them dates the failure (`prune_refreshes` keeps it). Sources without
/// any record (a row made by `learned`) are left out by the inner join.
macro_rules! source_health {
    ($filter:literal) => {
        concat!(
            "\
    WITH marks AS (
        SELECT s.id AS source_id, s.stale_kind, s.stale_since, s.stale_message,
            (SELECT max(id) FROM refreshes WHERE source_id = s.id) AS last_id,
            (SELECT max(id) FROM refreshes WHERE source_id = s.id AND ok = 1) AS ok_id,
            (SELECT id FROM refreshes
             WHERE source_id = s.id AND ok = 1 AND not_modified = 0
             ORDER BY id DESC LIMIT 1) AS parsed_id
        FROM sources s
        ",
            $filter,
            "
    )
    SELECT m.source_id, m.stale_kind, m.stale_since, m.stale_message,
        r.started, r.finished, r.ok, r.error, r.seen, r.new, r.updated,
        r.not_modified, r.retry_at,
        success.finished AS last_success,
        (SELECT count(*) FROM refreshes
         WHERE source_id = m.source_id AND id > coalesce(m.ok_id, 0)) AS consecutive_failures,
        parsed.seen AS last_seen,
        (SELECT started FROM refreshes
         WHERE source_id = m.source_id AND id > coalesce(m.ok_id, 0)
         ORDER BY id LIMIT 1) AS failing_since,
        d.method, d.pattern, d.items, d.wordpress_refused, d.since, d.previous
    FROM marks m
    JOIN refreshes r ON r.id = m.last_id
    LEFT JOIN refreshes success ON success.id = m.ok_id
    LEFT JOIN refreshes parsed ON parsed.id = m.parsed_id
    LEFT JOIN source_discovery d ON d.source_id = m.source_id"
        )
    };
}

/// Every source's health; see [`source_health!`].
const SOURCE_HEALTH: &str = source_health!("");

/// One source's health, found by its primary key: a feed render reads it,
/// and `$1 IS NULL OR s.id = $1` made SQLite scan every source (issue 13).
pub(super) const SOURCE_HEALTH_OF: &str = source_health!("WHERE s.id = $1");

impl Store {
    /// Records a refresh that the outlet answered with 304 Not Modified: a
    /// successful attempt that parsed and wrote nothing else (no items, no
    /// validators, no stale verdict: nothing was looked at). Readers are
    /// notified when it ends a failure notice.
    pub async fn record_not_modified(
        &self,
        source: &str,
        started: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let operation = "record unchanged refresh";
        let counts = RefreshCounts {
            not_modified: true,
            ..RefreshCounts::default()
        };
        let mut tx = self.begin_write(operation).await?;
        ensure_source(&mut tx, source, None).await?;
        let noticed = insert_refresh(&mut tx, source, started, Ok(counts), None).await?;
        self.commit_change(tx, operation, source, noticed).await
    }

    /// The health of every source that has a refresh record.
    pub async fn source_health(&self) -> Result<HashMap<String, SourceHealth>, StoreError> {
        let rows = self.health_rows(SOURCE_HEALTH, None).await?;
        Ok(rows
            .into_iter()
            .map(SourceHealth::from)
            .map(|health| (health.source_id.clone(), health))
            .collect())
    }

    /// The health of one source, if it has a refresh record: what a
    /// refresh reads to judge staleness, without reading every source's.
    pub async fn source_health_of(&self, source: &str) -> Result<Option<SourceHealth>, StoreError> {
        let rows = self.health_rows(SOURCE_HEALTH_OF, Some(source)).await?;
        Ok(rows.into_iter().next().map(SourceHealth::from))
    }

    async fn health_rows(
        &self,
        sql: &'static str,
        source: Option<&str>,
    ) -> Result<Vec<HealthRow>, StoreError> {
        let query = sqlx::query_as(sql);
        let query = match source {
            Some(source) => query.bind(source),
            None => query,
        };
        query
            .fetch_all(&self.pool)
            .await
            .map_err(query_error("read source health"))
    }
}

/// A row of [`SOURCE_HEALTH`].
#[derive(sqlx::FromRow)]
struct HealthRow {
    #[sqlx(flatten)]
    last: RefreshRow,
    stale_kind: Option<String>,
    stale_since: Option<Millis>,
    stale_message: Option<String>,
    last_success: Option<Millis>,
    #[sqlx(try_from = "i64")]
    consecutive_failures: u32,
    last_seen: Option<i64>,
    failing_since: Option<Millis>,
    #[sqlx(flatten)]
    discovery: DiscoveryRow,
}

impl From<HealthRow> for SourceHealth {
    fn from(row: HealthRow) -> Self {
        let last = RefreshRecord::from(row.last);
        SourceHealth {
            source_id: last.source_id.clone(),
            discovery: row.discovery.into_record(&last.source_id),
            last: Some(last),
            last_success: row.last_success.map(|at| at.0),
            consecutive_failures: row.consecutive_failures,
            last_seen: row.last_seen.and_then(|seen| u32::try_from(seen).ok()),
            stale: warning(row.stale_kind, row.stale_since, row.stale_message),
            failing_since: row.failing_since.map(|at| at.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::SubsecRound;

    use super::super::RefreshCommit;
    use super::super::test_support::{at, commit, query_plan, temp_store, undated};
    use super::*;
    use crate::model::{DiscoveryRecord, Method, StaleKind, StaleVerdict};

    async fn health(store: &Store, source: &str) -> SourceHealth {
        store.source_health().await.unwrap().remove(source).unwrap()
    }

    async fn fail(store: &Store, source: &str) {
        let failed = store.record_failure(source, Utc::now(), "HTTP 500", None);
        failed.await.unwrap();
    }

    both_backends! {
        async fn old_records_are_pruned_but_the_latest_success_and_parse_stay() {
            let (_dir, store) = temp_store().await;
            commit(&store, "src", Some("Outlet"), &[undated("x")]).await;
            store.record_not_modified("src", Utc::now()).await.unwrap();
            let before = health(&store, "src").await;
            let extra = 20;
            let began = at("2025-01-01T00:00:00Z");
            let first = store.record_failure("src", began, "HTTP 500", None);
            first.await.unwrap();
            for _ in 1..crate::store::sources::KEPT_REFRESHES + extra {
                fail(&store, "src").await;
            }
            let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM refreshes")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            // The newest failures, the 304 (latest success), the commit
            // (latest parsed page) and the first failure (the failure's date).
            assert_eq!(rows, crate::store::sources::KEPT_REFRESHES + 3);
            let after = health(&store, "src").await;
            assert_eq!(after.last_success, before.last_success);
            assert_eq!(after.last_seen, Some(1), "items on the last parsed page");
            let kept = u32::try_from(crate::store::sources::KEPT_REFRESHES).unwrap();
            assert_eq!(after.consecutive_failures, kept + 1);
            assert_eq!(
                after.failing_since,
                Some(began),
                "the first failure is kept"
            );
        }
    }

    both_backends! {
        async fn a_304_is_a_success_that_counts_nothing() {
            let (_dir, store) = temp_store().await;
            commit(&store, "src", Some("Outlet"), &[undated("x")]).await;
            let items = store.items(None, 10).await.unwrap();
            let generation = store.change_generation();
            let started = at("2025-02-01T00:00:00Z");
            store.record_not_modified("src", started).await.unwrap();
            let record = &store.last_refreshes().await.unwrap()["src"];
            assert_eq!(record.started, started);
            let unchanged = RefreshCounts {
                not_modified: true,
                ..RefreshCounts::default()
            };
            assert_eq!(record.outcome, Ok(unchanged));
            assert_eq!(record.retry_at, None);
            assert_eq!(store.items(None, 10).await.unwrap(), items);
            assert_eq!(store.source_titles().await.unwrap()["src"], "Outlet");
            assert_eq!(store.change_generation(), generation, "feeds stay cached");
        }
    }

    both_backends! {
        async fn a_304_of_a_source_never_seen_before_is_recorded() {
            let (_dir, store) = temp_store().await;
            store.record_not_modified("new", Utc::now()).await.unwrap();
            let health = health(&store, "new").await;
            assert!(health.last.unwrap().outcome.unwrap().not_modified);
            assert_eq!(health.last_seen, None, "no page was ever parsed");
        }
    }

    both_backends! {
        async fn failures_are_counted_since_the_last_success_and_reset_by_one() {
            let (_dir, store) = temp_store().await;
            fail(&store, "src").await;
            fail(&store, "src").await;
            let never = health(&store, "src").await;
            assert_eq!(never.consecutive_failures, 2);
            assert_eq!((never.last_success, never.last_seen), (None, None));

            commit(&store, "src", None, &[undated("x"), undated("y")]).await;
            let ok = health(&store, "src").await;
            assert_eq!(ok.consecutive_failures, 0);
            let finished = ok.last.as_ref().unwrap().finished;
            assert_eq!(ok.last_success, Some(finished));
            assert_eq!(ok.last_seen, Some(2));

            for _ in 0..3 {
                fail(&store, "src").await;
            }
            let failing = health(&store, "src").await;
            assert_eq!(failing.consecutive_failures, 3);
            assert_eq!(failing.last_success, Some(finished));
            assert_eq!(failing.last.unwrap().outcome, Err("HTTP 500".to_owned()));

            store.record_not_modified("src", Utc::now()).await.unwrap();
            let recovered = health(&store, "src").await;
            assert_eq!(recovered.consecutive_failures, 0, "a 304 is a success");
            assert!(recovered.last_success.unwrap() > finished);
        }
    }

    both_backends! {
        async fn the_items_last_seen_survive_a_304_but_not_a_new_parse() {
            let (_dir, store) = temp_store().await;
            commit(&store, "src", None, &[undated("x"), undated("y")]).await;
            store.record_not_modified("src", Utc::now()).await.unwrap();
            fail(&store, "src").await;
            store.record_not_modified("src", Utc::now()).await.unwrap();
            assert_eq!(health(&store, "src").await.last_seen, Some(2));
            commit(&store, "src", None, &[]).await;
            assert_eq!(health(&store, "src").await.last_seen, Some(0));
        }
    }

    both_backends! {
        async fn retry_after_is_stored_with_the_failure() {
            let (_dir, store) = temp_store().await;
            let retry = Utc::now().trunc_subsecs(3) + chrono::Duration::minutes(10);
            let failed = store.record_failure("src", Utc::now(), "HTTP 429", Some(retry));
            failed.await.unwrap();
            let last = health(&store, "src").await.last.unwrap();
            assert_eq!(last.retry_at, Some(retry));
            assert_eq!(last.outcome, Err("HTTP 429".to_owned()));
            fail(&store, "src").await;
            assert_eq!(health(&store, "src").await.last.unwrap().retry_at, None);
        }
    }

    both_backends! {
        async fn health_covers_every_refreshed_source_with_its_warning() {
            let (_dir, store) = temp_store().await;
            commit(&store, "ok", None, &[undated("x")]).await;
            fail(&store, "down").await;
            let stale = RefreshCommit {
                source: "broken",
                page_title: None,
                items: &[],
                started: Utc::now(),
                validators: &[],
                rules: "r1",
                discovery: None,
                stale: StaleVerdict::Stale {
                    kind: StaleKind::Listing,
                    message: "the listing yielded no items".to_owned(),
                },
            };
            store.commit(&stale).await.unwrap();
            // A source row without any refresh record (boilerplate learning
            // creates one) has no health to show.
            let pages = [("https://example.org/a".to_owned(), vec![1])];
            store.record_page_blocks("learning", &pages).await.unwrap();

            let all = store.source_health().await.unwrap();
            let mut ids: Vec<&str> = all.keys().map(String::as_str).collect();
            ids.sort_unstable();
            assert_eq!(ids, ["broken", "down", "ok"]);
            assert_eq!(all["ok"].stale, None);
            assert_eq!(all["down"].consecutive_failures, 1);
            let warning = all["broken"].stale.as_ref().unwrap();
            assert_eq!(warning.kind, StaleKind::Listing);
            assert_eq!(warning.message, "the listing yielded no items");
            assert_eq!(all["broken"].last_seen, Some(0));

            // One source's health is that source's entry of the whole.
            for id in ["broken", "down", "ok"] {
                let one = store.source_health_of(id).await.unwrap();
                assert_eq!(one.as_ref(), Some(&all[id]), "{id}");
            }
            assert_eq!(store.source_health_of("learning").await.unwrap(), None);
            assert_eq!(store.source_health_of("unknown").await.unwrap(), None);
        }
    }

    both_backends! {
        async fn health_carries_the_discovery_record_of_its_source() {
            let (_dir, store) = temp_store().await;
            let found = DiscoveryRecord {
                method: Method::Wordpress,
                pattern: None,
                items: 10,
                wordpress_refused: None,
                since: at("2024-06-01T08:00:00Z"),
                previous: None,
            };
            let refresh = RefreshCommit {
                source: "wp",
                page_title: None,
                items: &[],
                started: at("2024-06-01T08:00:00Z"),
                validators: &[],
                rules: "r1",
                discovery: Some(&found),
                stale: StaleVerdict::Unknown,
            };
            store.commit(&refresh).await.unwrap();
            commit(&store, "plain", None, &[undated("x")]).await;
            fail(&store, "wp").await;
            let all = store.source_health().await.unwrap();
            assert_eq!(all["wp"].discovery.as_ref(), Some(&found));
            assert_eq!(all["plain"].discovery, None);
            let one = store.source_health_of("wp").await.unwrap().unwrap();
            assert_eq!(one.discovery, Some(found));
        }
    }

    /// A source keeps up to 100 records: health must find each source's
    /// marks by index, not read every record of every source.
    #[tokio::test]
    async fn source_health_searches_the_records_by_index() {
        let (_dir, store) = temp_store().await;
        let plan = query_plan(&store, SOURCE_HEALTH, 0).await;
        let scans = plan.iter().filter(|step| step.starts_with("SCAN"));
        assert_eq!(scans.collect::<Vec<_>>(), ["SCAN s"], "{plan:?}");
        assert!(plan.iter().any(|step| step.contains("refreshes_source_ok")));
    }

    both_backends! {
        /// The failure notice shows in the feeds: the failures that may raise,
        /// update or end it notify readers; short runs of failures do not.
        async fn failures_notify_readers_once_they_span_six_hours() {
            let (_dir, store) = temp_store().await;
            let ago = |hours| Utc::now() - chrono::Duration::hours(hours);
            let notified = |before: u64, store: &Store| store.change_generation() > before;
            let g = store.change_generation();
            store
                .record_failure("a", ago(5), "HTTP 500", None)
                .await
                .unwrap();
            assert!(!notified(g, &store), "5 h: no notice can show yet");
            store
                .record_failure("b", ago(7), "HTTP 500", None)
                .await
                .unwrap();
            assert!(notified(g, &store), "7 h: the notice may appear");
            let g = store.change_generation();
            store
                .record_failure("b", ago(0), "HTTP 502", None)
                .await
                .unwrap();
            assert!(notified(g, &store), "and change");
            let g = store.change_generation();
            store.record_not_modified("a", Utc::now()).await.unwrap();
            assert!(!notified(g, &store), "a short run ends unnoticed");
            store.record_not_modified("b", Utc::now()).await.unwrap();
            assert!(notified(g, &store), "the notice goes with a success");
            let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM feed_changes")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(logged, 3, "each for other processes too");
        }
    }
}
