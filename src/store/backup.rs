//! `refeed backup FILE` (issue 12, point 8): a consistent copy of the
//! database by SQLite's `VACUUM INTO`, which reads one snapshot (WAL lets
//! the daemon keep writing meanwhile) and writes a compact database file.

use std::path::Path;

use super::backend::{Backend, sqlite_pool};
use super::files::create_file;
use super::{Store, StoreError};

impl Store {
    /// Backs up the database at `database` to `target` (see
    /// [`Store::backup`]) without migrating or creating it: a backup
    /// taken before an upgrade is the database as the old refeed left it.
    pub async fn backup_file(database: &Path, target: &Path) -> Result<u64, StoreError> {
        let pool = sqlite_pool(database, false, Some(1))
            .await
            .map_err(|source| StoreError::Open {
                path: database.display().to_string(),
                source,
            })?;
        let result = vacuum_into(&pool, target).await;
        pool.close().await;
        result
    }

    /// Writes a copy of the database to `target`, which must not exist
    /// (it is created private to this user, as the database is, then
    /// filled); returns its size in bytes. Safe while another process
    /// writes: the copy is the database as of one committed transaction.
    /// On PostgreSQL this is [`StoreError::BackupUnsupported`]: `pg_dump`
    /// does it.
    pub async fn backup(&self, target: &Path) -> Result<u64, StoreError> {
        if self.backend == Backend::Postgres {
            return Err(StoreError::BackupUnsupported);
        }
        vacuum_into(&self.pool, target).await
    }
}

/// `VACUUM INTO` a new file at `target`; its size.
async fn vacuum_into(pool: &sqlx::AnyPool, target: &Path) -> Result<u64, StoreError> {
    {
        let shown = target.display().to_string();
        let io_error = |source| StoreError::BackupFile {
            path: shown.clone(),
            source,
        };
        // `create_new` refuses an existing file, and `VACUUM INTO` accepts
        // the empty file it leaves.
        create_file(target).await.map_err(io_error)?;
        let vacuum = sqlx::query("VACUUM INTO $1")
            .bind(target.to_string_lossy().into_owned())
            .execute(pool)
            .await;
        if let Err(source) = vacuum {
            // Leave no empty or partial file that a restore could mistake
            // for a backup.
            let _ = tokio::fs::remove_file(target).await;
            return Err(StoreError::Backup {
                path: shown,
                source,
            });
        }
        let size = tokio::fs::metadata(target).await.map_err(io_error)?.len();
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{commit, item, temp_store};
    use super::*;

    #[tokio::test]
    async fn a_backup_is_a_database_with_the_items_and_never_overwrites() {
        let (dir, store) = temp_store().await;
        commit(
            &store,
            "src",
            Some("Outlet"),
            &[item("a", "2024-05-01T10:00:00Z")],
        )
        .await;
        let target = dir.path().join("backup.db");
        let size = store.backup(&target).await.unwrap();
        assert_eq!(size, std::fs::metadata(&target).unwrap().len());
        assert!(size > 0);

        let copy = Store::open(&target).await.unwrap();
        let items = copy.items(Some("src"), 10).await.unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].url, "https://example.org/a");
        copy.close().await;
        store.close().await;
        let again = dir.path().join("again.db");
        let path = dir.path().join("refeed.db");
        assert!(Store::backup_file(&path, &again).await.unwrap() > 0);
        let (none, x) = (dir.path().join("none.db"), dir.path().join("x.db"));
        let missing = Store::backup_file(&none, &x).await;
        assert!(
            matches!(missing, Err(StoreError::Open { .. })),
            "{missing:?}"
        );
        assert!(!dir.path().join("none.db").exists(), "never created");
        let store = Store::open(&path).await.unwrap();

        let err = store.backup(&target).await.unwrap_err();
        assert!(matches!(err, StoreError::BackupFile { .. }), "{err:?}");
        assert_eq!(std::fs::metadata(&target).unwrap().len(), size, "kept");
    }
}
