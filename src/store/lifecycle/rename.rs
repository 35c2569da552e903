//! Renaming a source (`previous_ids`): everything stored under the old id
//! moves to the new one in one transaction, and the old id is remembered so
//! its feed URLs answer 301.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::super::time::{Flag, Millis};
use super::super::{Store, StoreError, query_error};

/// The tables keyed by source id, with the other columns of their unique
/// key. Each is moved by an update that skips the rows the new id already
/// holds under the same key (both ids were refreshed, e.g. by a daemon that
/// ran the new config before): the new id's row wins and the old one goes
/// with the old source. `refreshes` and `learned_blocks` (keyed by page)
/// have no such key. (SQLite's `UPDATE OR IGNORE` did this before issue 13;
/// PostgreSQL has no such clause.)
const MOVED_TABLES: [(&str, &[&str]); 9] = [
    ("items", &["url"]),
    ("item_keys", &["key"]),
    ("item_tombstones", &["key_hash"]),
    ("refreshes", &[]),
    ("http_validators", &["url"]),
    ("learned_pages", &["url"]),
    ("learned_blocks", &[]),
    ("learned_cleared", &["fingerprint"]),
    ("source_discovery", &[""]),
];

/// The statement moving `table`'s rows from `$1` to `$2` but those whose
/// `key` (the unique key's columns besides `source_id`; `[""]`: none, the
/// source id alone is the key; `[]`: no unique key) the new id holds.
fn move_rows(table: &str, key: &[&str]) -> String {
    let update = format!("UPDATE {table} SET source_id = $2 WHERE source_id = $1");
    if key.is_empty() {
        return update;
    }
    let same: String = key
        .iter()
        .filter(|column| !column.is_empty())
        .map(|column| format!(" AND o.{column} = {table}.{column}"))
        .collect();
    format!("{update} AND NOT EXISTS (SELECT 1 FROM {table} AS o WHERE o.source_id = $2{same})")
}

/// Tables without a foreign key to `sources`: what was not moved is deleted
/// by hand (the others follow the old source row's `ON DELETE CASCADE`).
const UNLINKED_TABLES: [&str; 2] = ["item_keys", "learned_blocks"];

impl Store {
    /// Moves every `(old, new)` of `renames` in one transaction: items
    /// (their ids, dates and dedup keys unchanged), validators, learned
    /// boilerplate, discovery record, refresh records and stale warning.
    /// Idempotent: an old id with nothing stored only (re)records the
    /// redirect. Returns the old ids that had something to move.
    pub async fn rename_sources(
        &self,
        renames: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let operation = "rename sources";
        let mut tx = self.begin_write(operation).await?;
        let mut moved = Vec::new();
        for (old, new) in renames {
            if rename(&mut tx, old, new, now).await? {
                moved.push(old.clone());
            }
        }
        tx.commit().await.map_err(query_error(operation))?;
        for (old, new) in renames {
            self.notify_changed(old);
            self.notify_changed(new);
        }
        Ok(moved)
    }
}

/// Renames `old` to `new`; whether `old` had a row to move.
async fn rename(
    conn: &mut AnyConnection,
    old: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let operation = "rename source";
    record_redirect(conn, old, new, now).await?;
    let Flag(known) = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sources WHERE id = $1)")
        .bind(old)
        .fetch_one(&mut *conn)
        .await
        .map_err(query_error(operation))?;
    if !known {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO sources (id, title, stale_kind, stale_since, stale_message)
         SELECT $2, title, stale_kind, stale_since, stale_message FROM sources WHERE id = $1
         ON CONFLICT (id) DO UPDATE SET removed_since = NULL",
    )
    .bind(old)
    .bind(new)
    .execute(&mut *conn)
    .await
    .map_err(query_error(operation))?;
    for (table, key) in MOVED_TABLES {
        run(conn, move_rows(table, key), old, new).await?;
    }
    for table in UNLINKED_TABLES {
        run(
            conn,
            format!("DELETE FROM {table} WHERE source_id = $1"),
            old,
            new,
        )
        .await?;
    }
    run(conn, "DELETE FROM sources WHERE id = $1".into(), old, new).await?;
    tracing::info!(from = %old, to = %new, "renamed source");
    Ok(true)
}

/// Remembers that `old` is now `new` (for the 301), points earlier names
/// of `old` at `new`, and forgets `new` as anyone's old name.
async fn record_redirect(
    conn: &mut AnyConnection,
    old: &str,
    new: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // First, so that the update cannot point a name at itself (renamed back).
    run(
        conn,
        "DELETE FROM source_renames WHERE old_id = $2".into(),
        old,
        new,
    )
    .await?;
    run(
        conn,
        "UPDATE source_renames SET new_id = $2 WHERE new_id = $1".into(),
        old,
        new,
    )
    .await?;
    sqlx::query(
        "INSERT INTO source_renames (old_id, new_id, renamed) VALUES ($1, $2, $3)
         ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id",
    )
    .bind(old)
    .bind(new)
    .bind(Millis(now))
    .execute(&mut *conn)
    .await
    .map_err(query_error("record source rename"))?;
    Ok(())
}

/// Runs one statement of a rename, bound to `$1 = old`, `$2 = new`.
async fn run(
    conn: &mut AnyConnection,
    sql: String,
    old: &str,
    new: &str,
) -> Result<(), StoreError> {
    // The table names are the constants above, never input.
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(old)
        .bind(new)
        .execute(conn)
        .await
        .map_err(query_error("rename source"))?;
    Ok(())
}
