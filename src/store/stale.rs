//! The stale-source warning (issue 5): a listing that used to yield items
//! and now yields none, or articles that used to yield text and now yield
//! almost none, means the outlet's markup or the source's selectors changed.
//! The pipeline judges; this module stores its verdict (inside the refresh's
//! transaction), reads the standing warnings for the feeds, and gives the
//! article-size baseline the extraction check compares against.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::time::Millis;
use super::{Store, StoreError, query_error};
use crate::model::{StaleKind, StaleVerdict, StaleWarning};

/// How many of a source's latest articles make its baseline size: enough to
/// ride out one short article, recent enough to follow a redesign.
const BASELINE_ITEMS: i64 = 20;

/// Fewer stored articles than this give no baseline: two sizes say nothing
/// about what is typical.
const BASELINE_MIN_ITEMS: usize = 3;

impl Store {
    /// The stale warnings that stand, per source (read by the feeds).
    pub async fn stale_warnings(&self) -> Result<HashMap<String, StaleWarning>, StoreError> {
        let rows: Vec<StaleRow> = sqlx::query_as(
            "SELECT id, stale_kind, stale_since, stale_message
             FROM sources WHERE stale_kind IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read stale warnings"))?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let warning = warning(row.stale_kind, row.stale_since, row.stale_message)?;
                Some((row.id, warning))
            })
            .collect())
    }

    /// The median size in bytes (as `str::len` counts) of the article HTML
    /// stored for the source's most recently first-seen (up to 20) items
    /// with content: the baseline against which a refresh's extractions are
    /// judged "almost nothing". `None` below 3 such items.
    ///
    /// With `before` (when an extraction warning stands: its `since`), only
    /// items first seen before then count: the thin articles stored while
    /// the source is broken would otherwise become the baseline, and the
    /// warning would lift itself with the outlet still broken.
    pub async fn typical_content_len(
        &self,
        source: &str,
        before: Option<DateTime<Utc>>,
    ) -> Result<Option<usize>, StoreError> {
        // Bytes rather than SQLite's `length()` of text (characters), so the
        // baseline compares with the pipeline's `html.len()` on any script.
        let lens: Vec<i64> = sqlx::query_scalar(
            "SELECT octet_length(content) FROM items
             WHERE source_id = $1 AND content IS NOT NULL
               AND ($3 IS NULL OR first_seen < $3)
             ORDER BY first_seen DESC, id DESC LIMIT $2",
        )
        .bind(source)
        .bind(BASELINE_ITEMS)
        .bind(before.map(Millis))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read typical article size"))?;
        let lens = lens.into_iter().map(|n| usize::try_from(n).unwrap_or(0));
        Ok(median(lens.collect()))
    }
}

/// A row of [`Store::stale_warnings`].
#[derive(sqlx::FromRow)]
struct StaleRow {
    id: String,
    stale_kind: Option<String>,
    stale_since: Option<Millis>,
    stale_message: Option<String>,
}

/// The median of at least [`BASELINE_MIN_ITEMS`] sizes (the mean of the two
/// middle ones for an even count).
fn median(mut lens: Vec<usize>) -> Option<usize> {
    if lens.len() < BASELINE_MIN_ITEMS {
        return None;
    }
    lens.sort_unstable();
    let mid = lens.len() / 2;
    Some(if lens.len().is_multiple_of(2) {
        lens[mid - 1].midpoint(lens[mid])
    } else {
        lens[mid]
    })
}

/// The warning held by a source row's three stale columns (all set or all
/// NULL, by the schema's CHECK).
pub(super) fn warning(
    kind: Option<String>,
    since: Option<Millis>,
    message: Option<String>,
) -> Option<StaleWarning> {
    Some(StaleWarning {
        kind: StaleKind::parse(&kind?)?,
        since: since?.0,
        message: message?,
    })
}

/// Stores a refresh's verdict on `source`, inside its transaction, and
/// tells whether the stored warning appeared, cleared or changed (the
/// source's feeds show it as an entry, so they must re-render).
///
/// A source already stale for the same reason keeps its `since` and its
/// message: its feed entry keeps one id, date and text while the outlet
/// stays broken (a message with this refresh's figures would rewrite the
/// entry, re-render the feed and ping the WebSub hub at every refresh).
pub(super) async fn apply_verdict(
    conn: &mut AnyConnection,
    source: &str,
    verdict: &StaleVerdict,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let query = match verdict {
        StaleVerdict::Unknown => return Ok(false),
        StaleVerdict::Healthy => sqlx::query(
            "UPDATE sources SET stale_kind = NULL, stale_since = NULL, stale_message = NULL
             WHERE id = $1 AND stale_kind IS NOT NULL",
        )
        .bind(source),
        // Only a new kind of warning (or a first one) writes the row.
        StaleVerdict::Stale { kind, message } => sqlx::query(
            "UPDATE sources SET stale_since = $4, stale_kind = $2, stale_message = $3
             WHERE id = $1 AND stale_kind IS DISTINCT FROM $2",
        )
        .bind(source)
        .bind(kind.as_str())
        .bind(message)
        .bind(Millis(now)),
    };
    let done = query
        .execute(conn)
        .await
        .map_err(query_error("commit refresh: save stale warning"))?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::SubsecRound;

    use super::super::RefreshCommit;
    use super::super::test_support::{item, temp_store};
    use super::*;
    use crate::model::NewItem;

    fn stale(kind: StaleKind, message: &str) -> StaleVerdict {
        StaleVerdict::Stale {
            kind,
            message: message.to_owned(),
        }
    }

    /// Commits an empty refresh of `src` with `verdict`; whether it
    /// notified a change.
    async fn judge(store: &Store, verdict: StaleVerdict) -> bool {
        let before = store.change_generation();
        let refresh = RefreshCommit {
            source: "src",
            page_title: None,
            items: &[],
            started: Utc::now(),
            validators: &[],
            rules: "r1",
            discovery: None,
            stale: verdict,
        };
        store.commit(&refresh).await.unwrap();
        store.change_generation() > before
    }

    async fn standing(store: &Store) -> Option<StaleWarning> {
        store.stale_warnings().await.unwrap().remove("src")
    }

    both_backends! {
        async fn a_stale_warning_keeps_its_since_until_healthy_clears_it() {
            let (_dir, store) = temp_store().await;
            let listing = "the listing yielded no items (the last successful refresh yielded 12)";
            let before = Utc::now().trunc_subsecs(3);
            judge(&store, stale(StaleKind::Listing, listing)).await;
            let first = standing(&store).await.expect("warning stored");
            assert_eq!(
                (first.kind, first.message.as_str()),
                (StaleKind::Listing, listing)
            );
            assert!(first.since >= before && first.since <= Utc::now());

            tokio::time::sleep(Duration::from_millis(5)).await;
            judge(&store, stale(StaleKind::Listing, listing)).await;
            assert_eq!(standing(&store).await, Some(first.clone()), "since kept");
            judge(&store, StaleVerdict::Unknown).await;
            assert_eq!(standing(&store).await, Some(first), "unknown leaves it");

            judge(&store, StaleVerdict::Healthy).await;
            assert_eq!(standing(&store).await, None);
            assert!(store.stale_warnings().await.unwrap().is_empty());
        }
    }

    both_backends! {
        async fn a_new_reason_restarts_the_warning_and_the_same_one_keeps_it() {
            let (_dir, store) = temp_store().await;
            judge(&store, stale(StaleKind::Listing, "no items")).await;
            let listing = standing(&store).await.unwrap();
            let again = judge(&store, stale(StaleKind::Listing, "still no items")).await;
            assert!(!again, "the feeds' warning entry did not change");
            assert_eq!(standing(&store).await.unwrap(), listing);

            tokio::time::sleep(Duration::from_millis(5)).await;
            judge(&store, stale(StaleKind::Extraction, "articles are empty")).await;
            let extraction = standing(&store).await.unwrap();
            assert_eq!(extraction.kind, StaleKind::Extraction);
            assert!(
                extraction.since > listing.since,
                "a new warning, a new date"
            );
        }
    }

    both_backends! {
        async fn feeds_are_notified_when_the_warning_appears_changes_kind_or_clears() {
            let (_dir, store) = temp_store().await;
            assert!(
                !judge(&store, StaleVerdict::Healthy).await,
                "nothing to clear"
            );
            assert!(judge(&store, stale(StaleKind::Listing, "no items")).await);
            assert!(!judge(&store, stale(StaleKind::Listing, "no items")).await);
            assert!(!judge(&store, StaleVerdict::Unknown).await);
            assert!(!judge(&store, stale(StaleKind::Listing, "none again")).await);
            assert!(judge(&store, stale(StaleKind::Extraction, "none again")).await);
            assert!(judge(&store, StaleVerdict::Healthy).await);
            assert!(!judge(&store, StaleVerdict::Healthy).await);
            assert_eq!(store.changed_since(0).0, ["src"]);
        }
    }

    both_backends! {
        async fn warnings_are_kept_per_source() {
            let (_dir, store) = temp_store().await;
            judge(&store, stale(StaleKind::Extraction, "empty articles")).await;
            let other = RefreshCommit {
                source: "other",
                page_title: None,
                items: &[],
                started: Utc::now(),
                validators: &[],
                rules: "r1",
                discovery: None,
                stale: StaleVerdict::Healthy,
            };
            store.commit(&other).await.unwrap();
            let warnings = store.stale_warnings().await.unwrap();
            assert_eq!(warnings.keys().collect::<Vec<_>>(), ["src"]);
            assert_eq!(warnings["src"].kind, StaleKind::Extraction);
        }
    }

    fn with_content(slug: &str, bytes: usize) -> NewItem {
        NewItem {
            content: Some("x".repeat(bytes)),
            ..item(slug, "2024-03-01T10:00:00Z")
        }
    }

    async fn commit_items(store: &Store, items: &[NewItem]) {
        store
            .commit_refresh("src", None, items, Utc::now())
            .await
            .unwrap();
    }

    both_backends! {
        async fn typical_content_len_is_the_median_of_the_latest_articles() {
            let (_dir, store) = temp_store().await;
            let mut items = vec![with_content("a", 100), with_content("b", 900)];
            items.push(item("no-article", "2024-03-01T10:00:00Z"));
            commit_items(&store, &items).await;
            assert_eq!(store.typical_content_len("src", None).await.unwrap(), None);
            commit_items(&store, &[with_content("c", 300)]).await;
            assert_eq!(
                store.typical_content_len("src", None).await.unwrap(),
                Some(300)
            );
            commit_items(&store, &[with_content("d", 500)]).await;
            assert_eq!(
                store.typical_content_len("src", None).await.unwrap(),
                Some(400)
            );
            assert_eq!(
                store.typical_content_len("other", None).await.unwrap(),
                None
            );
        }
    }

    both_backends! {
        async fn typical_content_len_forgets_articles_older_than_the_latest_twenty() {
            let (_dir, store) = temp_store().await;
            let old: Vec<NewItem> = (0..30)
                .map(|n| with_content(&format!("old{n}"), 50))
                .collect();
            commit_items(&store, &old).await;
            tokio::time::sleep(Duration::from_millis(5)).await;
            let redesign: Vec<NewItem> = (0..11)
                .map(|n| with_content(&format!("new{n}"), 2000))
                .collect();
            commit_items(&store, &redesign).await;
            // 11 of the latest 20 are the new size: the median follows them.
            assert_eq!(
                store.typical_content_len("src", None).await.unwrap(),
                Some(2000)
            );
        }
    }

    both_backends! {
        async fn while_articles_are_thin_the_baseline_is_from_before() {
            let (_dir, store) = temp_store().await;
            let good: Vec<NewItem> = (0..5)
                .map(|n| with_content(&format!("good{n}"), 4000))
                .collect();
            commit_items(&store, &good).await;
            tokio::time::sleep(Duration::from_millis(5)).await;
            let since = Utc::now();
            tokio::time::sleep(Duration::from_millis(5)).await;
            let thin: Vec<NewItem> = (0..15)
                .map(|n| with_content(&format!("thin{n}"), 100))
                .collect();
            commit_items(&store, &thin).await;
            assert_eq!(
                store.typical_content_len("src", None).await.unwrap(),
                Some(100)
            );
            let before = store.typical_content_len("src", Some(since)).await.unwrap();
            assert_eq!(
                before,
                Some(4000),
                "the thin articles do not lift the warning"
            );
        }
    }

    both_backends! {
        async fn typical_content_len_counts_bytes_like_str_len() {
            let (_dir, store) = temp_store().await;
            let text = "<p>Ærø – 東京</p>";
            let items: Vec<NewItem> = ["a", "b", "c"]
                .map(|slug| NewItem {
                    content: Some(text.to_owned()),
                    ..item(slug, "2024-03-01T10:00:00Z")
                })
                .into();
            commit_items(&store, &items).await;
            let typical = store.typical_content_len("src", None).await.unwrap();
            assert_eq!(typical, Some(text.len()));
        }
    }

    #[test]
    fn median_takes_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1]), None);
        assert_eq!(median(vec![9, 1, 5]), Some(5));
        assert_eq!(median(vec![1, 2, 4, 100]), Some(3));
        assert_eq!(median(vec![1, 2, 3, 100]), Some(2), "rounds down");
    }
}
