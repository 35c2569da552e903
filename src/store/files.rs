//! The database's place on disk (issue 9): the folder refeed creates for
//! it is private to its user (0700) and so is the file (0600), whatever the
//! umask; SQLite gives the `-wal` and `-shm` files it creates beside the
//! database the database file's own mode, so they are private too.
//!
//! The database holds what refeed scraped, intranet sources included, and
//! its validators and robots.txt answers: nothing other users of the host
//! need. A file or folder that exists already keeps its mode (an operator
//! may have opened it to a backup group on purpose); a database readable
//! by others is named in a warning.

use std::io::ErrorKind;
use std::path::Path;

use super::StoreError;

/// Mode of a database folder refeed creates.
pub const DIR_MODE: u32 = 0o700;

/// Mode of a database file refeed creates (and so of its `-wal`/`-shm`).
pub const FILE_MODE: u32 = 0o600;

/// Creates the database's missing folders (0700) and the database file
/// itself (0600, empty: SQLite takes an empty file as an empty database)
/// when it does not exist yet; warns when an existing one is open to
/// other users.
pub(super) async fn prepare(path: &Path) -> Result<(), StoreError> {
    prepare_dir(path).await?;
    match create_file(path).await {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AlreadyExists => {
            warn_if_shared(path).await;
            Ok(())
        }
        // A folder at the path, or a file refeed may not create: SQLite's
        // own error names it better (and the tests expect it).
        Err(_) => Ok(()),
    }
}

/// Creates the missing folders (0700) that hold the database at `path`.
pub(super) async fn prepare_dir(path: &Path) -> Result<(), StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir(parent)
            .await
            .map_err(|source| StoreError::CreateDir {
                path: parent.display().to_string(),
                source,
            })?;
    }
    Ok(())
}

async fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(DIR_MODE);
    builder.create(dir).await
}

pub(super) async fn create_file(path: &Path) -> std::io::Result<()> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options.open(path).await.map(drop)
}

/// Logs a warning when the existing database at `path` is readable or
/// writable by its group or others (made by an earlier refeed under a
/// permissive umask, or opened on purpose).
async fn warn_if_shared(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = tokio::fs::metadata(path).await else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if meta.is_file() && mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                mode = format!("{mode:04o}"),
                "the database is open to other users of this host; refeed creates it {FILE_MODE:04o}: \
                 `chmod 600` it (and its -wal/-shm files) unless that is meant"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    // The umask is process-wide, so the umask-0 case is tested on the
    // binary (tests/it/files.rs); here the modes asked for are checked.
    #[tokio::test]
    async fn new_folders_and_file_are_private_existing_ones_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a/b/refeed.db");
        prepare(&db).await.unwrap();
        assert_eq!(mode(&db), FILE_MODE);
        assert_eq!(mode(&dir.path().join("a")), DIR_MODE);
        assert_eq!(mode(&dir.path().join("a/b")), DIR_MODE);

        let shared = dir.path().join("shared.db");
        std::fs::write(&shared, "").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare(&shared).await.unwrap();
        assert_eq!(mode(&shared), 0o644);
    }
}
