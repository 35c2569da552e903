//! `refeed migrate-store` (issue 13): copies every table of one store into
//! another, whichever backends they run on (SQLite → PostgreSQL and back),
//! rows unchanged: item ids, dates (unix milliseconds in both), validators,
//! health records, learned boilerplate, discovery, robots.txt answers,
//! tombstones, renames and the change log.
//!
//! The target must be empty (freshly migrated): copying into a database
//! that holds rows could mix two histories or collide on ids. Each table
//! is streamed from the source (memory stays bounded whatever its size)
//! into one transaction on the target; PostgreSQL's identity sequences are
//! then moved past the copied ids so new rows never collide with them.

use futures::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::backend::Backend;
use super::time::Flag;
use super::{Store, StoreError, query_error};

/// How a column is read and written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// INTEGER (SQLite) / BIGINT (PostgreSQL).
    Int,
    /// TEXT.
    Text,
    /// BLOB / BYTEA.
    Bytes,
}

use Kind::{Bytes, Int, Text};

/// Every table of the schema with its columns, parents before children
/// (foreign keys). `store::copy` tests check that no table is missing.
pub(super) const TABLES: [(&str, &[(&str, Kind)]); 14] = [
    (
        "sources",
        &[
            ("id", Text),
            ("title", Text),
            ("stale_kind", Text),
            ("stale_since", Int),
            ("stale_message", Text),
            ("removed_since", Int),
            ("site", Text),
        ],
    ),
    (
        "items",
        &[
            ("id", Int),
            ("source_id", Text),
            ("url", Text),
            ("link", Text),
            ("title", Text),
            ("summary", Text),
            ("content", Text),
            ("author", Text),
            ("published", Int),
            ("dated", Int),
            ("modified", Int),
            ("first_seen", Int),
            ("updated", Int),
            ("image", Text),
        ],
    ),
    (
        "refreshes",
        &[
            ("id", Int),
            ("source_id", Text),
            ("started", Int),
            ("finished", Int),
            ("ok", Int),
            ("error", Text),
            ("seen", Int),
            ("new", Int),
            ("updated", Int),
            ("not_modified", Int),
            ("retry_at", Int),
        ],
    ),
    (
        "learned_pages",
        &[("id", Int), ("source_id", Text), ("url", Text)],
    ),
    (
        "learned_blocks",
        &[("page_id", Int), ("source_id", Text), ("fingerprint", Int)],
    ),
    (
        "learned_cleared",
        &[("source_id", Text), ("fingerprint", Int)],
    ),
    (
        "http_validators",
        &[
            ("source_id", Text),
            ("url", Text),
            ("rules", Text),
            ("etag", Text),
            ("last_modified", Text),
            ("saved", Int),
        ],
    ),
    (
        "robots_txt",
        &[
            ("origin", Text),
            ("status", Int),
            ("body", Bytes),
            ("expires", Int),
        ],
    ),
    (
        "item_keys",
        &[("source_id", Text), ("key", Text), ("item_id", Int)],
    ),
    (
        "source_discovery",
        &[
            ("source_id", Text),
            ("method", Text),
            ("pattern", Text),
            ("items", Int),
            ("wordpress_refused", Text),
            ("since", Int),
            ("previous", Text),
        ],
    ),
    (
        "source_renames",
        &[("old_id", Text), ("new_id", Text), ("renamed", Int)],
    ),
    (
        "item_tombstones",
        &[("source_id", Text), ("key_hash", Int), ("seen", Int)],
    ),
    (
        "feed_changes",
        &[("seq", Int), ("source_id", Text), ("writer", Int)],
    ),
    ("pending_backfills", &[("name", Text)]),
];

/// The identity columns of PostgreSQL's schema, moved past the copied ids.
const IDENTITIES: [(&str, &str); 4] = [
    ("items", "id"),
    ("refreshes", "id"),
    ("learned_pages", "id"),
    ("feed_changes", "seq"),
];

/// Why a copy did not happen or stopped.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target already holds rows.
    #[error("the target database is not empty (table {table} has rows): copy into a new one")]
    NotEmpty {
        /// The first table found holding rows.
        table: &'static str,
    },
    /// A read or a write failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Rows copied per table, in [`TABLES`] order.
pub type Copied = Vec<(&'static str, u64)>;

impl Store {
    /// Copies every row of this store into `target`, which must be empty
    /// (see the module docs); the rows copied per table.
    pub async fn copy_into(&self, target: &Store) -> Result<Copied, CopyError> {
        if let Some(table) = target.first_table_with_rows().await? {
            return Err(CopyError::NotEmpty { table });
        }
        let mut copied = Vec::with_capacity(TABLES.len());
        for (table, columns) in TABLES {
            copied.push((table, self.copy_table(target, table, columns).await?));
        }
        if target.backend == Backend::Postgres {
            target.advance_identities().await?;
        }
        Ok(copied)
    }

    /// The first table holding rows, but `pending_backfills` (a fresh
    /// schema holds its backfill marker).
    async fn first_table_with_rows(&self) -> Result<Option<&'static str>, StoreError> {
        for (table, _) in TABLES.iter().filter(|(t, _)| *t != "pending_backfills") {
            let sql = sqlx::AssertSqlSafe(format!("SELECT EXISTS (SELECT 1 FROM {table})"));
            let Flag(rows) = sqlx::query_scalar(sql)
                .fetch_one(&self.pool)
                .await
                .map_err(query_error("migrate store: check the target is empty"))?;
            if rows {
                return Ok(Some(table));
            }
        }
        Ok(None)
    }

    /// Streams `table` into `target` in one transaction; the rows copied.
    async fn copy_table(
        &self,
        target: &Store,
        table: &str,
        columns: &[(&str, Kind)],
    ) -> Result<u64, StoreError> {
        let operation = "migrate store: copy a table";
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let select = format!("SELECT {} FROM {table}", names.join(", "));
        let marks: Vec<String> = (1..=names.len()).map(|n| format!("${n}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            marks.join(", ")
        );
        let mut tx = target.begin_write(operation).await?;
        if table == "pending_backfills" {
            sqlx::query("DELETE FROM pending_backfills")
                .execute(&mut *tx)
                .await
                .map_err(query_error(operation))?;
        }
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(&self.pool);
        let mut count = 0;
        while let Some(row) = rows.try_next().await.map_err(query_error(operation))? {
            bind_row(
                sqlx::query(sqlx::AssertSqlSafe(insert.clone())),
                &row,
                columns,
            )
            .map_err(query_error(operation))?
            .execute(&mut *tx)
            .await
            .map_err(query_error(operation))?;
            count += 1;
        }
        tx.commit().await.map_err(query_error(operation))?;
        Ok(count)
    }

    /// Moves each identity sequence past the largest copied id.
    async fn advance_identities(&self) -> Result<(), StoreError> {
        for (table, column) in IDENTITIES {
            let sql = format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                               (SELECT coalesce(max({column}), 0) + 1 FROM {table}), false)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&self.pool)
                .await
                .map_err(query_error("migrate store: advance identities"))?;
        }
        Ok(())
    }
}

/// The statement type rows are inserted with.
type Insert<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// `insert` with `row`'s values bound in `columns` order.
fn bind_row<'q>(
    mut insert: Insert<'q>,
    row: &AnyRow,
    columns: &[(&str, Kind)],
) -> Result<Insert<'q>, sqlx::Error> {
    for (index, (_, kind)) in columns.iter().enumerate() {
        insert = match kind {
            Int => insert.bind(row.try_get::<Option<i64>, _>(index)?),
            Text => insert.bind(row.try_get::<Option<String>, _>(index)?),
            Bytes => insert.bind(row.try_get::<Option<Vec<u8>>, _>(index)?),
        };
    }
    Ok(insert)
}

#[cfg(test)]
mod tests;
