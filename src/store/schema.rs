//! Refusing a database a newer refeed migrated (issue 12, point 8): its
//! schema holds migrations this build does not know, and running on it
//! could misread or damage what the newer build stored. sqlx's own error
//! ("migration N was previously applied but is missing") says nothing of
//! what to do; this one does.

use std::collections::HashSet;

use super::backend::Backend;
use super::time::Flag;
use super::{StoreError, query_error};

/// Fails with [`StoreError::NewerSchema`] when the database at `pool` has
/// applied a migration this build does not have. A fresh database (no
/// migrations table yet) passes.
pub(super) async fn refuse_newer(
    pool: &sqlx::AnyPool,
    backend: Backend,
    path: &str,
) -> Result<(), StoreError> {
    let operation = "read schema version";
    let Flag(tracked) = sqlx::query_scalar(backend.pick(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master
                        WHERE type = 'table' AND name = '_sqlx_migrations')",
        "SELECT to_regclass('_sqlx_migrations') IS NOT NULL",
    ))
    .fetch_one(pool)
    .await
    .map_err(query_error(operation))?;
    if !tracked {
        return Ok(());
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await
        .map_err(query_error(operation))?;
    let known: HashSet<i64> = backend.migrator().iter().map(|m| m.version).collect();
    if applied.iter().any(|version| !known.contains(version)) {
        let schema = applied.iter().copied().max().unwrap_or_default();
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            schema,
        });
    }
    Ok(())
}
