//! How each source's items were found (issue 10): the method, the teaser
//! pattern, the item count and a WordPress API refusal, remembered per
//! source (`source_discovery`, migration 0006) so the next refresh reuses
//! them and `/status` shows them.
//!
//! Written only by [`Store::commit`], in the transaction of a successful
//! refresh: a failed refresh (which never commits) leaves the record as it
//! was. When the method or the pattern changes, `since` moves to that
//! refresh's start and `previous` keeps the old method; otherwise both stay.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::time::Millis;
use super::{Store, StoreError, query_error};
use crate::model::{DiscoveryRecord, Method, TeaserPattern};

/// Inserts or updates a source's record. Inside `DO UPDATE` every column
/// name reads the old row, so `previous` and `since` compare the stored
/// method and pattern with the new ones before they are replaced. Patterns
/// compare as their JSON text, which serde writes in one fixed field order.
const SAVE: &str = "\
    INSERT INTO source_discovery AS d
        (source_id, method, pattern, items, wordpress_refused, since, previous)
    VALUES ($1, $2, $3, $4, $5, $6, NULL)
    ON CONFLICT (source_id) DO UPDATE SET
        previous = CASE WHEN d.method = excluded.method
                             AND d.pattern IS NOT DISTINCT FROM excluded.pattern
                        THEN d.previous ELSE d.method END,
        since = CASE WHEN d.method = excluded.method
                          AND d.pattern IS NOT DISTINCT FROM excluded.pattern
                     THEN d.since ELSE excluded.since END,
        method = excluded.method,
        pattern = excluded.pattern,
        items = excluded.items,
        wordpress_refused = excluded.wordpress_refused";

impl Store {
    /// What the last successful refresh of `source` remembered of its
    /// discovery (method, teaser pattern, item count, WordPress refusal),
    /// or `None` when no refresh stored one.
    pub async fn discovery(&self, source: &str) -> Result<Option<DiscoveryRecord>, StoreError> {
        let row: Option<DiscoveryRow> = sqlx::query_as(
            "SELECT method, pattern, items, wordpress_refused, since, previous
             FROM source_discovery WHERE source_id = $1",
        )
        .bind(source)
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("read discovery"))?;
        Ok(row.and_then(|row| row.into_record(source)))
    }
}

/// Stores `record` for `source` within a refresh's transaction. The
/// record's own `since` and `previous` are not read: `since` becomes
/// `started` (the refresh's start) when the method or pattern changed, or
/// on the first record, and `previous` the method stored before.
pub(super) async fn save_discovery(
    conn: &mut AnyConnection,
    source: &str,
    record: &DiscoveryRecord,
    started: DateTime<Utc>,
) -> Result<(), StoreError> {
    let pattern = record
        .pattern
        .as_ref()
        .map(|p| serde_json::to_string(p).expect("a pattern of strings serializes to JSON"));
    sqlx::query(SAVE)
        .bind(source)
        .bind(record.method.name())
        .bind(pattern)
        .bind(i64::from(record.items))
        .bind(&record.wordpress_refused)
        .bind(Millis(started))
        .execute(conn)
        .await
        .map_err(query_error("commit refresh: save discovery"))?;
    Ok(())
}

/// A stored record, as read alone or beside a source's health (where a
/// source without one reads as all `NULL`, hence the options).
#[derive(Debug, sqlx::FromRow)]
pub(super) struct DiscoveryRow {
    method: Option<String>,
    pattern: Option<String>,
    items: Option<i64>,
    wordpress_refused: Option<String>,
    since: Option<Millis>,
    previous: Option<String>,
}

impl DiscoveryRow {
    /// The record, if the row holds one. The schema admits only known
    /// method names; a pattern this build cannot read (written by a newer
    /// refeed) is dropped with a warning, so detection simply runs again.
    pub(super) fn into_record(self, source: &str) -> Option<DiscoveryRecord> {
        let method: Method = self.method?.parse().ok()?;
        let pattern = self.pattern.and_then(|json| {
            serde_json::from_str::<TeaserPattern>(&json)
                .inspect_err(|error| {
                    tracing::warn!(source, %error, "stored teaser pattern unreadable: dropped");
                })
                .ok()
        });
        Some(DiscoveryRecord {
            method,
            pattern,
            items: u32::try_from(self.items?).ok()?,
            wordpress_refused: self.wordpress_refused,
            since: self.since?.0,
            previous: self.previous.and_then(|name| name.parse().ok()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::RefreshCommit;
    use super::super::test_support::{at, item, reopen, temp_store};
    use super::*;
    use crate::model::StaleVerdict;

    fn pattern(item: &str) -> TeaserPattern {
        TeaserPattern {
            item: item.to_owned(),
            title: "h2 a".to_owned(),
            link: "h2 a".to_owned(),
            date: Some("time".to_owned()),
            summary: None,
            author: None,
            image: Some("img".to_owned()),
        }
    }

    fn record(method: Method, pattern: Option<TeaserPattern>, items: u32) -> DiscoveryRecord {
        DiscoveryRecord {
            method,
            pattern,
            items,
            wordpress_refused: None,
            // Not read by the store: it computes both.
            since: at("2000-01-01T00:00:00Z"),
            previous: Some(Method::Selectors),
        }
    }

    fn teasers(items: u32) -> DiscoveryRecord {
        record(Method::Teasers, Some(pattern("article.post")), items)
    }

    /// Commits a successful refresh of `src` that started at `started`.
    async fn refresh(store: &Store, started: &str, discovery: Option<&DiscoveryRecord>) {
        let items = [item("a", "2024-03-01T10:00:00Z")];
        let refresh = RefreshCommit {
            source: "src",
            page_title: None,
            items: &items,
            started: at(started),
            validators: &[],
            rules: "r",
            stale: StaleVerdict::Unknown,
            discovery,
        };
        store.commit(&refresh).await.unwrap();
    }

    async fn stored(store: &Store) -> DiscoveryRecord {
        store.discovery("src").await.unwrap().expect("a record")
    }

    both_backends! {
        async fn the_first_record_starts_at_its_refresh_without_a_previous_method() {
            let (_dir, store) = temp_store().await;
            assert_eq!(store.discovery("src").await.unwrap(), None);
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            let want = DiscoveryRecord {
                since: at("2024-06-01T08:00:00Z"),
                previous: None,
                ..teasers(12)
            };
            assert_eq!(stored(&store).await, want);
            assert_eq!(store.discovery("other").await.unwrap(), None);
        }
    }

    both_backends! {
        async fn the_same_method_and_pattern_keep_since_and_update_count_and_refusal() {
            let (_dir, store) = temp_store().await;
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            let refused = DiscoveryRecord {
                wordpress_refused: Some("HTTP 403 from /wp-json/".to_owned()),
                ..teasers(9)
            };
            refresh(&store, "2024-06-01T09:00:00Z", Some(&refused)).await;
            let got = stored(&store).await;
            assert_eq!(got.since, at("2024-06-01T08:00:00Z"));
            assert_eq!((got.items, got.previous), (9, None));
            assert_eq!(
                got.wordpress_refused.as_deref(),
                Some("HTTP 403 from /wp-json/")
            );
            refresh(&store, "2024-06-01T10:00:00Z", Some(&teasers(11))).await;
            let got = stored(&store).await;
            assert_eq!((got.items, got.wordpress_refused), (11, None));
            assert_eq!(got.since, at("2024-06-01T08:00:00Z"));
        }
    }

    both_backends! {
        async fn a_new_method_starts_a_new_since_and_remembers_the_old_one() {
            let (_dir, store) = temp_store().await;
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            let wordpress = record(Method::Wordpress, None, 10);
            refresh(&store, "2024-06-02T08:00:00Z", Some(&wordpress)).await;
            let got = stored(&store).await;
            assert_eq!(got.method, Method::Wordpress);
            assert_eq!(got.pattern, None);
            assert_eq!(got.since, at("2024-06-02T08:00:00Z"));
            assert_eq!(got.previous, Some(Method::Teasers));
            // Unchanged from then on: the change stays on record.
            refresh(&store, "2024-06-03T08:00:00Z", Some(&wordpress)).await;
            let got = stored(&store).await;
            assert_eq!(got.since, at("2024-06-02T08:00:00Z"));
            assert_eq!(got.previous, Some(Method::Teasers));
        }
    }

    both_backends! {
        async fn a_new_teaser_pattern_is_a_change_too() {
            let (_dir, store) = temp_store().await;
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            let moved = record(Method::Teasers, Some(pattern("li.teaser")), 12);
            refresh(&store, "2024-06-02T08:00:00Z", Some(&moved)).await;
            let got = stored(&store).await;
            assert_eq!(got.pattern, Some(pattern("li.teaser")));
            assert_eq!(got.since, at("2024-06-02T08:00:00Z"));
            assert_eq!(got.previous, Some(Method::Teasers));
        }
    }

    both_backends! {
        async fn a_refresh_without_discovery_or_a_failed_one_leaves_the_record() {
            let (_dir, store) = temp_store().await;
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            let before = stored(&store).await;
            refresh(&store, "2024-06-02T08:00:00Z", None).await;
            assert_eq!(stored(&store).await, before);
            // A failed refresh never commits: only its record is written.
            let failed = store.record_failure("src", Utc::now(), "found no list of articles", None);
            failed.await.unwrap();
            store.record_not_modified("src", Utc::now()).await.unwrap();
            assert_eq!(stored(&store).await, before);
        }
    }

    both_backends! {
        async fn a_commit_that_fails_writes_no_discovery() {
            let (_dir, store) = temp_store().await;
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            let before = stored(&store).await;
            let mut broken = item("b", "2024-03-01T10:00:00Z");
            broken.url = String::new(); // violates CHECK (url <> '')
            let wordpress = record(Method::Wordpress, None, 1);
            let refresh = RefreshCommit {
                source: "src",
                page_title: None,
                items: &[broken],
                started: Utc::now(),
                validators: &[],
                rules: "r",
                stale: StaleVerdict::Unknown,
                discovery: Some(&wordpress),
            };
            assert!(store.commit(&refresh).await.is_err());
            assert_eq!(stored(&store).await, before);
        }
    }

    both_backends! {
        async fn the_record_survives_a_restart() {
            let (dir, store) = temp_store().await;
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            let wordpress = record(Method::Wordpress, None, 10);
            refresh(&store, "2024-06-02T08:00:00Z", Some(&wordpress)).await;
            let before = stored(&store).await;
            store.close().await;
            let store = reopen(&dir).await;
            assert_eq!(stored(&store).await, before);
            assert_eq!(before.previous, Some(Method::Teasers));
        }
    }

    both_backends! {
        async fn a_pattern_this_build_cannot_read_is_dropped_not_fatal() {
            let (_dir, store) = temp_store().await;
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            sqlx::query("UPDATE source_discovery SET pattern = '{\"rows\": 3}'")
                .execute(&store.pool)
                .await
                .unwrap();
            let got = stored(&store).await;
            assert_eq!(
                (got.method, got.pattern, got.items),
                (Method::Teasers, None, 12)
            );
        }
    }

    both_backends! {
        async fn the_schema_refuses_unknown_methods_and_invalid_json() {
            let (_dir, store) = temp_store().await;
            refresh(&store, "2024-06-01T08:00:00Z", Some(&teasers(12))).await;
            for statement in [
                "UPDATE source_discovery SET method = 'rss'",
                "UPDATE source_discovery SET previous = 'guess'",
                "UPDATE source_discovery SET pattern = '{not json'",
                "UPDATE source_discovery SET items = -1",
            ] {
                let result = sqlx::query(statement).execute(&store.pool).await;
                assert!(result.is_err(), "accepted: {statement}");
            }
        }
    }
}
