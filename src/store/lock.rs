//! One `refeed run` per database (issue 12): a second daemon on the same
//! database would refresh every source twice, fight over the politeness
//! budget of every outlet and answer on a second port with feeds of its
//! own. SQLite would keep the data whole (WAL, one writer at a time), but
//! nothing good comes of it, so the second refuses to start.
//!
//! The daemon holds an advisory lock (`flock`, through the standard
//! library's `File::try_lock`) on `DATABASE.lock` beside the database for
//! as long as it runs, and writes its process id into the file so the
//! refusal can name it. The kernel drops the lock when the process ends,
//! however it ends (a SIGKILL leaves no stale lock). One-shot commands
//! (`refeed once`, `status`, `feed`) take no lock: they run beside the
//! daemon, SQLite's busy timeout serializing their writes with its own.
//! The file is left in place at exit: removing it would race with a
//! daemon starting meanwhile.
//!
//! On PostgreSQL (issue 13) there is no file: the daemon holds a session
//! advisory lock on the database instead (`lock_postgres`), released when
//! its connection closes, however the process ends. Several instances on
//! one PostgreSQL are the fleet work's (leases per source); until then one
//! `refeed run` per database holds there too.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use super::StoreError;
use super::files;

/// The lock a running `refeed run` holds on its database; released when
/// dropped (or when the process ends).
#[derive(Debug)]
pub struct DaemonLock {
    /// What holds the lock: closing it releases the lock.
    _held: Held,
}

/// What a [`DaemonLock`] holds (only ever dropped: that releases it).
#[derive(Debug)]
#[allow(dead_code)]
enum Held {
    /// The open lock file (SQLite).
    File(File),
    /// The session holding the advisory lock (PostgreSQL).
    Session(sqlx::AnyConnection),
}

/// The lock file of the database at `path`: `PATH.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl DaemonLock {
    /// Takes the lock of the database at `path` (creating its folders as
    /// [`Store::open`](super::Store::open) would: 0700), or fails with
    /// [`StoreError::Locked`] naming the process holding it.
    pub async fn acquire(path: &Path) -> Result<Self, StoreError> {
        files::prepare_dir(path).await?;
        let lock = lock_path(path);
        let io_error = |source| StoreError::Lock {
            path: lock.display().to_string(),
            source,
        };
        let mut file = open(&lock).map_err(io_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::Locked {
                    path: path.display().to_string(),
                    pid: holder(&mut file),
                });
            }
            Err(TryLockError::Error(err)) => return Err(io_error(err)),
        }
        write_pid(&mut file).map_err(io_error)?;
        Ok(Self {
            _held: Held::File(file),
        })
    }
}

impl DaemonLock {
    /// Takes the advisory lock of the PostgreSQL database at `url` (see
    /// `lock_postgres`), or fails with [`StoreError::Locked`].
    pub async fn acquire_url(url: &str) -> Result<Self, StoreError> {
        let session = super::lock_postgres::acquire(url).await?;
        Ok(Self {
            _held: Held::Session(session),
        })
    }
}

/// Opens (creating, private to the user like the database) the lock file
/// without truncating it: the holder's pid must stay readable.
fn open(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(files::FILE_MODE);
    }
    options.open(path)
}

/// Replaces the file's content with this process's id.
fn write_pid(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    file.sync_data()
}

/// The pid the holder wrote, if readable (it writes it just after taking
/// the lock: a refusal in between names no pid).
fn holder(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_lock_is_refused_naming_the_database_and_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/refeed.db");
        let first = DaemonLock::acquire(&path).await.unwrap();
        let text = std::fs::read_to_string(lock_path(&path)).unwrap();
        assert_eq!(text.trim(), std::process::id().to_string());

        let err = DaemonLock::acquire(&path).await.unwrap_err();
        let pid = std::process::id();
        assert!(
            matches!(err, StoreError::Locked { pid: Some(p), .. } if p == pid),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(&format!("pid {pid}")), "{message}");

        drop(first);
        let again = DaemonLock::acquire(&path).await;
        assert!(again.is_ok(), "released when dropped: {again:?}");
    }

    #[tokio::test]
    async fn the_lock_file_is_private_and_sits_beside_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("refeed.db");
        let _lock = DaemonLock::acquire(&path).await.unwrap();
        let lock = dir.path().join("refeed.db.lock");
        assert_eq!(lock_path(&path), lock);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&lock).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, files::FILE_MODE);
        }
    }
}
