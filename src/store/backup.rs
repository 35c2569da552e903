//! `refeed backup FILE` (issue 12, point 8): a consistent copy of the
//! database by SQLite's `VACUUM INTO`, which reads one snapshot (WAL lets
//! the daemon keep writing meanwhile) and writes a compact database file.

use std::path::Path;

use super::files::create_file;
use super::{Store, StoreError};

impl Store {
    /// Writes a copy of the database to `target`, which must not exist
    /// (it is created private to this user, as the database is, then
    /// filled); returns its size in bytes. Safe while another process
    /// writes: the copy is the database as of one committed transaction.
    pub async fn backup(&self, target: &Path) -> Result<u64, StoreError> {
        let shown = target.display().to_string();
        let io_error = |source| StoreError::BackupFile {
            path: shown.clone(),
            source,
        };
        // `create_new` refuses an existing file, and `VACUUM INTO` accepts
        // the empty file it leaves.
        create_file(target).await.map_err(io_error)?;
        let vacuum = sqlx::query("VACUUM INTO ?1")
            .bind(target.to_string_lossy().into_owned())
            .execute(&self.pool)
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

        let err = store.backup(&target).await.unwrap_err();
        assert!(matches!(err, StoreError::BackupFile { .. }), "{err:?}");
        assert_eq!(std::fs::metadata(&target).unwrap().len(), size, "kept");
    }
}
