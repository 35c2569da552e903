//! Sources coming and going (issue 12, point 8): which sources the config
//! removed (and since when), deleting them once `[storage] keep_removed`
//! has passed, what a feed id that is no longer configured became, and
//! (in `rename`) moving a renamed source and (in `retention`) deleting
//! the items past a source's `keep` / `keep_items`.

mod rename;
mod retention;

use std::time::Duration;

use chrono::{DateTime, Utc};

pub(super) use retention::was_pruned;
pub use retention::{MAX_TOMBSTONES, PRUNE_BATCH, TOMBSTONE_UNSEEN};

use super::time::{Flag, Millis};
use super::{Store, StoreError, query_error};
use crate::model::SourceFate;

impl Store {
    /// Records which stored sources the config has (`configured`): a
    /// source missing from it is marked removed now, unless it already was
    /// (the first time counts); a configured one is unmarked. Returns the
    /// ids newly marked removed.
    pub async fn mark_removed(
        &self,
        configured: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let operation = "mark removed sources";
        let ids = serde_json::Value::from(configured.to_vec()).to_string();
        // Read first: most starts change nothing and take no write lock.
        let Flag(changed) = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sources
                            WHERE (removed_since IS NULL)
                                = (id NOT IN (SELECT value FROM json_each($1))))",
        )
        .bind(&ids)
        .fetch_one(&self.pool)
        .await
        .map_err(query_error(operation))?;
        if !changed {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write(operation).await?;
        let removed: Vec<String> = sqlx::query_scalar(
            "UPDATE sources SET removed_since = $2
             WHERE removed_since IS NULL AND id NOT IN (SELECT value FROM json_each($1))
             RETURNING id",
        )
        .bind(&ids)
        .bind(Millis(now))
        .fetch_all(&mut *tx)
        .await
        .map_err(query_error(operation))?;
        sqlx::query(
            "UPDATE sources SET removed_since = NULL
             WHERE removed_since IS NOT NULL AND id IN (SELECT value FROM json_each($1))",
        )
        .bind(&ids)
        .execute(&mut *tx)
        .await
        .map_err(query_error(operation))?;
        tx.commit().await.map_err(query_error(operation))?;
        for id in &removed {
            tracing::info!(source = %id, "source removed from the config; its items are kept for now");
        }
        Ok(removed)
    }

    /// Deletes every source removed longer than `keep_removed` ago, with
    /// its items, refresh records, validators, learned boilerplate,
    /// discovery record, tombstones and the redirects to it. Returns the
    /// ids deleted.
    pub async fn prune_removed(
        &self,
        keep_removed: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let operation = "prune removed sources";
        let keep = chrono::Duration::from_std(keep_removed).unwrap_or(chrono::Duration::MAX);
        let cutoff = now
            .checked_sub_signed(keep)
            .map_or(i64::MIN, |t| t.timestamp_millis());
        let Flag(due) =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sources WHERE removed_since <= $1)")
                .bind(cutoff)
                .fetch_one(&self.pool)
                .await
                .map_err(query_error(operation))?;
        if !due {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write(operation).await?;
        let deleted: Vec<String> = sqlx::query_scalar(
            "DELETE FROM sources WHERE removed_since IS NOT NULL AND removed_since <= $1
             RETURNING id",
        )
        .bind(cutoff)
        .fetch_all(&mut *tx)
        .await
        .map_err(query_error(operation))?;
        let ids = serde_json::Value::from(deleted.clone()).to_string();
        // No foreign key to `sources` on these (see 0002, 0005).
        for sql in [
            "DELETE FROM learned_blocks WHERE source_id IN (SELECT value FROM json_each($1))",
            "DELETE FROM item_keys WHERE source_id IN (SELECT value FROM json_each($1))",
            "DELETE FROM source_renames WHERE new_id IN (SELECT value FROM json_each($1))",
        ] {
            sqlx::query(sql)
                .bind(&ids)
                .execute(&mut *tx)
                .await
                .map_err(query_error(operation))?;
        }
        tx.commit().await.map_err(query_error(operation))?;
        for id in &deleted {
            tracing::info!(source = %id, "deleted the items of a source removed from the config");
        }
        Ok(deleted)
    }

    /// What became of feed id `id`, which no configured source has: one
    /// primary-key lookup each in the renames and the sources (asked only
    /// on that path, never for a served feed).
    pub async fn source_fate(&self, id: &str) -> Result<SourceFate, StoreError> {
        let operation = "look up a source that is not configured";
        let renamed: Option<String> =
            sqlx::query_scalar("SELECT new_id FROM source_renames WHERE old_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error(operation))?;
        if let Some(new) = renamed {
            return Ok(SourceFate::Renamed(new));
        }
        let Flag(known) = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sources WHERE id = $1)")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(query_error(operation))?;
        Ok(if known {
            SourceFate::Removed
        } else {
            SourceFate::Unknown
        })
    }
}

#[cfg(test)]
mod tests;
