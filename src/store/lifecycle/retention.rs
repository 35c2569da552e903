//! Retention (`keep`, `keep_items`): deleting a source's oldest items, and
//! the tombstones that keep a deleted item from coming back as new while
//! the outlet's listing still carries it.
//!
//! A tombstone is a 64-bit hash ([`fnv1a`]) of each form the item was
//! matched under: its id (canonical URL), that id's dedup key and the
//! dedup keys it claimed (its article's canonical URL). Ingest checks a
//! new item's forms against them (one indexed statement, only for items
//! not stored) and refreshes `seen` on a match.
//!
//! The table is bounded two ways: a tombstone the listing has not carried
//! for [`TOMBSTONE_UNSEEN`] is dropped (the item left the listing long
//! ago; were it to come back after that, it would be stored again), and a
//! source keeps at most [`MAX_TOMBSTONES`] (the most recently seen).

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;
use url::Url;

use super::super::time::{Flag, Millis};
use super::super::{Store, StoreError, query_error};
use crate::model::{Retention, dedup_key, fnv1a};

/// A tombstone not matched by any listing for this long is dropped.
pub const TOMBSTONE_UNSEEN: Duration = Duration::from_secs(90 * 24 * 3600);

/// Tombstones kept per source at most (16 bytes of key each, so well
/// under a megabyte): far more than any listing refeed reads carries.
pub const MAX_TOMBSTONES: i64 = 10_000;

/// Items one prune deletes per source at most, so that switching on
/// `keep_items = 10` over 100,000 stored items holds the write lock for
/// one bounded transaction; the next prune continues.
pub const PRUNE_BATCH: i64 = 10_000;

impl Store {
    /// Deletes the items of `source` that `retention` no longer keeps (at
    /// most [`PRUNE_BATCH`]), leaving tombstones, and bounds the source's
    /// tombstones. Returns how many items were deleted.
    pub async fn prune_items(
        &self,
        source: &str,
        retention: Retention,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let operation = "prune items";
        // Read first: most prunes find nothing to do and take no write
        // lock (they run at every start, before the first refreshes). An
        // item found here and updated before the delete is still past
        // retention: its date never changes.
        let mut conn = self.pool.acquire().await.map_err(query_error(operation))?;
        let pruned = if retention.keeps_all() {
            Vec::new()
        } else {
            expired(&mut conn, source, retention, now).await?
        };
        let over = tombstones_over_bound(&mut conn, source, now).await?;
        drop(conn);
        if pruned.is_empty() && !over {
            return Ok(0);
        }
        let mut tx = self.begin_write(operation).await?;
        if !pruned.is_empty() {
            bury(&mut tx, source, &pruned, now).await?;
        }
        bound_tombstones(&mut tx, source, now).await?;
        tx.commit().await.map_err(query_error(operation))?;
        if !pruned.is_empty() {
            tracing::info!(source = %source, items = pruned.len(), "pruned items past retention");
            self.notify_changed(source);
        }
        Ok(pruned.len() as u64)
    }
}

impl Store {
    /// Which of `sources` have tombstones to drop (what
    /// [`Store::prune_items`] checks first), in one statement: a prune of
    /// every source asks this once and skips the sources that keep all
    /// their items and have none due, instead of a query per source
    /// (issue 13: 10,000 sources made that 20,000 queries per `refeed once`).
    pub async fn tombstones_due(
        &self,
        sources: &[String],
        now: DateTime<Utc>,
    ) -> Result<HashSet<String>, StoreError> {
        let ids = serde_json::Value::from(sources.to_vec()).to_string();
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT s.value FROM json_each($1) s
             WHERE EXISTS (SELECT 1 FROM item_tombstones
                           WHERE source_id = s.value AND seen < $2)
                OR EXISTS (SELECT 1 FROM item_tombstones
                           WHERE source_id = s.value LIMIT 1 OFFSET $3)",
        )
        .bind(ids)
        .bind(Millis(unseen_cutoff(now)))
        .bind(MAX_TOMBSTONES)
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("prune items: find tombstones due"))?;
        Ok(due.into_iter().collect())
    }
}

/// When tombstones unseen since this are dropped.
fn unseen_cutoff(now: DateTime<Utc>) -> DateTime<Utc> {
    let unseen = chrono::Duration::from_std(TOMBSTONE_UNSEEN).unwrap_or(chrono::Duration::MAX);
    now.checked_sub_signed(unseen).unwrap_or(now)
}

/// Whether [`bound_tombstones`] has anything to drop (two index walks).
async fn tombstones_over_bound(
    conn: &mut AnyConnection,
    source: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Flag(due) = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM item_tombstones WHERE source_id = $1 AND seen < $2)
             OR EXISTS (SELECT 1 FROM item_tombstones WHERE source_id = $1 LIMIT 1 OFFSET $3)",
    )
    .bind(source)
    .bind(Millis(unseen_cutoff(now)))
    .bind(MAX_TOMBSTONES)
    .fetch_one(conn)
    .await
    .map_err(query_error("prune items: count tombstones"))?;
    Ok(due)
}

/// The items `retention` no longer keeps: `(row id, canonical URL)`.
async fn expired(
    conn: &mut AnyConnection,
    source: &str,
    retention: Retention,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, String)>, StoreError> {
    let cutoff = retention
        .keep
        .and_then(|keep| chrono::Duration::from_std(keep).ok())
        .and_then(|keep| now.checked_sub_signed(keep))
        .map_or(i64::MIN, |cutoff| cutoff.timestamp_millis());
    let kept = retention
        .keep_items
        .map_or(i64::MAX, |n| i64::try_from(n).unwrap_or(i64::MAX));
    // Feed order (newest first, ties in listing order): the first
    // `keep_items` are the ones a reader sees.
    sqlx::query_as(
        "SELECT id, url FROM items
         WHERE source_id = $1
           AND (published < $2
                OR id IN (SELECT id FROM items WHERE source_id = $1
                          ORDER BY published DESC, id LIMIT 9223372036854775807 OFFSET $3))
         LIMIT $4",
    )
    .bind(source)
    .bind(cutoff)
    .bind(kept)
    .bind(PRUNE_BATCH)
    .fetch_all(conn)
    .await
    .map_err(query_error("prune items: find expired"))
}

/// Leaves a tombstone of every form of the `pruned` items, then deletes
/// them (their dedup keys go with them).
async fn bury(
    conn: &mut AnyConnection,
    source: &str,
    pruned: &[(i64, String)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let operation = "prune items: leave tombstones";
    let ids: Vec<i64> = pruned.iter().map(|(id, _)| *id).collect();
    let ids = serde_json::Value::from(ids).to_string();
    let claimed: Vec<String> = sqlx::query_scalar(
        "SELECT key FROM item_keys
         WHERE item_id IN (SELECT CAST(value AS BIGINT) FROM json_each($1))",
    )
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(query_error(operation))?;
    let forms = pruned.iter().flat_map(|(_, url)| forms_of(url, &[]));
    let hashes: Vec<i64> = forms.chain(claimed.iter().map(|k| hash(k))).collect();
    sqlx::query(
        "INSERT INTO item_tombstones (source_id, key_hash, seen)
         SELECT DISTINCT $1, CAST(value AS BIGINT), $2 FROM json_each($3) WHERE true
         ON CONFLICT (source_id, key_hash) DO UPDATE SET seen = excluded.seen",
    )
    .bind(source)
    .bind(Millis(now))
    .bind(serde_json::Value::from(hashes).to_string())
    .execute(&mut *conn)
    .await
    .map_err(query_error(operation))?;
    sqlx::query("DELETE FROM items WHERE id IN (SELECT CAST(value AS BIGINT) FROM json_each($1))")
        .bind(&ids)
        .execute(&mut *conn)
        .await
        .map_err(query_error("prune items: delete"))?;
    Ok(())
}

/// Drops the source's tombstones unseen for [`TOMBSTONE_UNSEEN`], then all
/// but the [`MAX_TOMBSTONES`] most recently seen.
async fn bound_tombstones(
    conn: &mut AnyConnection,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let operation = "prune items: bound tombstones";
    let cutoff = unseen_cutoff(now);
    sqlx::query("DELETE FROM item_tombstones WHERE source_id = $1 AND seen < $2")
        .bind(source)
        .bind(Millis(cutoff))
        .execute(&mut *conn)
        .await
        .map_err(query_error(operation))?;
    sqlx::query(
        // `LIMIT i64::MAX OFFSET n`: all rows after the first n, in both
        // dialects (SQLite wants a LIMIT before OFFSET; PostgreSQL refuses -1).
        "DELETE FROM item_tombstones WHERE source_id = $1 AND key_hash IN
             (SELECT key_hash FROM item_tombstones WHERE source_id = $1
              ORDER BY seen DESC LIMIT 9223372036854775807 OFFSET $2)",
    )
    .bind(source)
    .bind(MAX_TOMBSTONES)
    .execute(&mut *conn)
    .await
    .map_err(query_error(operation))?;
    Ok(())
}

/// Whether an item not stored in `source`, with canonical URL `url` and
/// dedup keys `keys`, was pruned: then the listing still carries it, and
/// its tombstones are marked seen `now`.
pub(in crate::store) async fn was_pruned(
    conn: &mut AnyConnection,
    source: &str,
    url: &str,
    keys: &[String],
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let hashes = serde_json::Value::from(forms_of(url, keys)).to_string();
    let done = sqlx::query(
        "UPDATE item_tombstones SET seen = $3
         WHERE source_id = $1
           AND key_hash IN (SELECT CAST(value AS BIGINT) FROM json_each($2))",
    )
    .bind(source)
    .bind(hashes)
    .bind(Millis(now))
    .execute(conn)
    .await
    .map_err(query_error("commit refresh: look up tombstones"))?;
    Ok(done.rows_affected() > 0)
}

/// The hashes of an item's forms: its id, the id's dedup key, `keys`.
fn forms_of(url: &str, keys: &[String]) -> Vec<i64> {
    let key = Url::parse(url).ok().map(|parsed| dedup_key(&parsed));
    let mut hashes: Vec<i64> = [url]
        .into_iter()
        .chain(key.as_deref())
        .chain(keys.iter().map(String::as_str))
        .map(hash)
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// A form's hash, stored bit for bit as INTEGER.
fn hash(form: &str) -> i64 {
    i64::from_ne_bytes(fnv1a(form.as_bytes()).to_ne_bytes())
}
