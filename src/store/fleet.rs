//! Many `refeed run` instances on one PostgreSQL database (issue 13): the
//! instances' registrations and heartbeats (`instances`) and the shared
//! schedule with its refresh leases (`source_schedule`, postgres migration
//! 0002). SQLite keeps one daemon per database (`lock`) and has neither
//! table: [`Store::is_shared`] tells the daemon which case it is in.
//!
//! A refresh is claimed by one `UPDATE … RETURNING` that sets the lease on
//! a row that is due and whose lease is free or expired: PostgreSQL
//! serializes concurrent updates of one row and re-checks the `WHERE` after
//! waiting, so exactly one claimant gets the row back. Renewals and the
//! release name the owner, so an instance whose lease expired (and was
//! taken over) changes nothing when it finally ends.
//!
//! An instance joins under the lock of the one `fleet` row (postgres
//! migration 0003), so that a fleet's start makes every source due once
//! however many instances start together ([`Store::join_fleet`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::backend::Backend;
use super::time::Millis;
use super::{Store, StoreError, query_error};
use crate::model::ScheduledRun;

impl Store {
    /// Whether several daemons may share this database (PostgreSQL): the
    /// fleet's tables exist and refreshes must be claimed.
    pub fn is_shared(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// Registers (or re-registers) instance `id` as alive at `now`.
    pub async fn register_instance(&self, id: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        register(id, now)
            .execute(&self.pool)
            .await
            .map_err(query_error("register instance"))?;
        Ok(())
    }

    /// Registers instance `id` as alive at `now` and answers whether it
    /// started the fleet anew: no other instance beat since `alive_since`.
    /// A starter records `now` as the fleet's start and makes each of
    /// `due`'s sources due at its time (adding missing rows) unless a
    /// lease holds it. All of it runs under the `fleet` row's lock, in one
    /// transaction: of instances joining at once exactly one finds none
    /// live and starts the fleet; the others wait for its commit and find
    /// it live.
    pub async fn join_fleet(
        &self,
        id: &str,
        now: DateTime<Utc>,
        alive_since: DateTime<Utc>,
        due: &[(String, DateTime<Utc>)],
    ) -> Result<bool, StoreError> {
        let operation = "join the fleet";
        let mut tx = self.pool.begin().await.map_err(query_error(operation))?;
        sqlx::query("SELECT started_at FROM fleet WHERE id = 1 FOR UPDATE")
            .execute(&mut *tx)
            .await
            .map_err(query_error(operation))?;
        let others: i64 =
            sqlx::query_scalar("SELECT count(*) FROM instances WHERE beat_at >= $1 AND id <> $2")
                .bind(Millis(alive_since))
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .map_err(query_error(operation))?;
        register(id, now)
            .execute(&mut *tx)
            .await
            .map_err(query_error(operation))?;
        let starts = others == 0;
        if starts {
            start_fleet(&mut tx, now, due).await?;
        }
        tx.commit().await.map_err(query_error(operation))?;
        Ok(starts)
    }

    /// Renews instance `id`'s heartbeat, prunes registrations silent since
    /// before `forget_before`, and answers the ids of the instances whose
    /// beat is not older than `alive_since` (sorted; `id` among them).
    pub async fn instance_beat(
        &self,
        id: &str,
        now: DateTime<Utc>,
        alive_since: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        self.register_instance(id, now).await?;
        sqlx::query("DELETE FROM instances WHERE beat_at < $1")
            .bind(Millis(forget_before))
            .execute(&self.pool)
            .await
            .map_err(query_error("prune instances"))?;
        self.live_instances(alive_since).await
    }

    /// The ids of the instances whose beat is not older than
    /// `alive_since` (sorted), without registering anyone.
    pub async fn live_instances(
        &self,
        alive_since: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT id FROM instances WHERE beat_at >= $1 ORDER BY id")
            .bind(Millis(alive_since))
            .fetch_all(&self.pool)
            .await
            .map_err(query_error("read live instances"))
    }

    /// Removes instance `id`'s registration (a clean stop) and frees the
    /// leases it still holds.
    pub async fn leave_instance(&self, id: &str) -> Result<(), StoreError> {
        let operation = "unregister instance";
        sqlx::query("DELETE FROM instances WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(query_error(operation))?;
        sqlx::query(
            "UPDATE source_schedule SET lease_owner = NULL, lease_until = NULL
             WHERE lease_owner = $1",
        )
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(query_error(operation))?;
        Ok(())
    }

    /// Adds a schedule row, due at once, for each of `sources` that has
    /// none (a row already there keeps its due time and lease).
    pub async fn schedule_sources(&self, sources: &[String]) -> Result<(), StoreError> {
        for source in sources {
            sqlx::query(
                "INSERT INTO source_schedule (source_id, due_at) VALUES ($1, 0)
                 ON CONFLICT (source_id) DO NOTHING",
            )
            .bind(source)
            .execute(&self.pool)
            .await
            .map_err(query_error("add source schedule"))?;
        }
        Ok(())
    }

    /// Makes `source` due at `due` (adding its schedule row when missing),
    /// unless a refresh of it holds an unexpired lease at `now`.
    pub async fn set_due(
        &self,
        source: &str,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO source_schedule (source_id, due_at) VALUES ($1, $2)
             ON CONFLICT (source_id) DO UPDATE SET due_at = excluded.due_at
             WHERE source_schedule.lease_until IS NULL OR source_schedule.lease_until < $3",
        )
        .bind(source)
        .bind(Millis(due))
        .bind(Millis(now))
        .execute(&self.pool)
        .await
        .map_err(query_error("set source due time"))?;
        Ok(())
    }

    /// Claims `source`'s refresh for `owner` until `until` when it is due
    /// at `now` and nobody holds an unexpired lease on it. True when this
    /// call won the claim.
    pub async fn claim_refresh(
        &self,
        source: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let won: Option<String> = sqlx::query_scalar(
            "UPDATE source_schedule SET lease_owner = $2, lease_until = $4
             WHERE source_id = $1 AND due_at <= $3
               AND (lease_until IS NULL OR lease_until < $3)
             RETURNING source_id",
        )
        .bind(source)
        .bind(owner)
        .bind(Millis(now))
        .bind(Millis(until))
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("claim refresh"))?;
        Ok(won.is_some())
    }

    /// Extends `owner`'s lease on `source` to `until`; false when `owner`
    /// no longer holds it (it expired and another instance took it).
    pub async fn renew_claim(
        &self,
        source: &str,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE source_schedule SET lease_until = $3
             WHERE source_id = $1 AND lease_owner = $2",
        )
        .bind(source)
        .bind(owner)
        .bind(Millis(until))
        .execute(&self.pool)
        .await
        .map_err(query_error("renew refresh claim"))?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends `owner`'s lease on `source`, which is due next at `next`
    /// (`None`: never again). Nothing when `owner` lost the lease.
    pub async fn release_claim(
        &self,
        source: &str,
        owner: &str,
        next: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE source_schedule SET lease_owner = NULL, lease_until = NULL, due_at = $3
             WHERE source_id = $1 AND lease_owner = $2",
        )
        .bind(source)
        .bind(owner)
        .bind(next.map(Millis))
        .execute(&self.pool)
        .await
        .map_err(query_error("release refresh claim"))?;
        Ok(())
    }

    /// The sources due at `now` whose lease is free or expired: what no
    /// instance is refreshing although it should (e.g. its claimant was
    /// killed), or what another instance's scheduler planned.
    pub async fn claimable_sources(&self, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT source_id FROM source_schedule
             WHERE due_at <= $1 AND (lease_until IS NULL OR lease_until < $1)
             ORDER BY due_at",
        )
        .bind(Millis(now))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read claimable sources"))
    }

    /// Every source's place in the fleet's schedule at `now`: when it is
    /// due next and which instance holds an unexpired lease on it.
    pub async fn shared_schedule(
        &self,
        now: DateTime<Utc>,
    ) -> Result<HashMap<String, ScheduledRun>, StoreError> {
        let rows: Vec<(String, Option<Millis>, Option<String>)> = sqlx::query_as(
            "SELECT source_id, due_at, CASE WHEN lease_until >= $1 THEN lease_owner END
             FROM source_schedule",
        )
        .bind(Millis(now))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read the fleet's schedule"))?;
        Ok(rows
            .into_iter()
            .map(|(id, due, running_on)| {
                let next_run = due.map(|m| m.0);
                (
                    id,
                    ScheduledRun {
                        next_run,
                        running_on,
                    },
                )
            })
            .collect())
    }

    /// When `source` is due next, as the fleet last planned it.
    pub async fn shared_due(&self, source: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let due: Option<Option<Millis>> =
            sqlx::query_scalar("SELECT due_at FROM source_schedule WHERE source_id = $1")
                .bind(source)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error("read source schedule"))?;
        Ok(due.flatten().map(|m| m.0))
    }
}

/// The statement registering (or re-registering) instance `id` as alive
/// at `now`.
fn register(
    id: &str,
    now: DateTime<Utc>,
) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(
        "INSERT INTO instances (id, started_at, beat_at) VALUES ($1, $2, $2)
         ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at,
                                        beat_at = excluded.beat_at",
    )
    .bind(id)
    .bind(Millis(now))
}

/// Records `now` as the fleet's start and makes each of `due`'s sources
/// due at its time, in one statement (the list goes as one JSON array),
/// unless an unexpired lease holds it.
async fn start_fleet(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    now: DateTime<Utc>,
    due: &[(String, DateTime<Utc>)],
) -> Result<(), StoreError> {
    let operation = "start the fleet";
    sqlx::query("UPDATE fleet SET started_at = $1 WHERE id = 1")
        .bind(Millis(now))
        .execute(&mut **tx)
        .await
        .map_err(query_error(operation))?;
    let rows: Vec<serde_json::Value> = due
        .iter()
        .map(|(id, at)| serde_json::json!({"id": id, "due": at.timestamp_millis()}))
        .collect();
    sqlx::query(
        "INSERT INTO source_schedule (source_id, due_at)
         SELECT id, due FROM json_to_recordset(CAST($1 AS json)) AS d(id TEXT, due BIGINT)
         ON CONFLICT (source_id) DO UPDATE SET due_at = excluded.due_at
         WHERE source_schedule.lease_until IS NULL OR source_schedule.lease_until < $2",
    )
    .bind(serde_json::Value::Array(rows).to_string())
    .bind(Millis(now))
    .execute(&mut **tx)
    .await
    .map_err(query_error(operation))?;
    Ok(())
}

#[cfg(test)]
mod tests;
