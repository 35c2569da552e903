//! All SQL lives here: the SQLite database of items and refresh records.
//!
//! Migrations (`migrations/`) are applied at open; the journal is WAL so the
//! HTTP layer reads while a refresh writes; each source refresh commits in one
//! transaction. `ingest` writes items (the rules of a refresh), `items` reads
//! them for the pipeline and the feeds, `sources` keeps each source's title
//! and refresh records, `changes` tells readers which sources' items changed,
//! `learned` keeps the block fingerprints of each source's articles and the
//! boilerplate learned from them (issue 3), `validators` keeps `ETag` and
//! `Last-Modified` per source and URL, `health` and `stale` keep what
//! `/status` shows and the stale-source warning (issue 5), `keys` keeps the
//! dedup keys items are matched under (issue 9), `robots` keeps
//! robots.txt answers across restarts, `time` maps times to integers,
//! `files` creates the database folder and file private to refeed's user,
//! `watch` sees other processes' writes and `lock` keeps one `refeed run`
//! per database (issue 12); `lifecycle` keeps removed and renamed sources
//! and retention (issue 12), `backup` copies the database, `schema` refuses
//! one a newer refeed wrote.
//! Methods are named after domain operations and return `model` types: no
//! `sqlx` type leaves this module except inside [`StoreError`]'s sources.
//!
//! Queries are runtime `query`/`query_as` (not the `query!` macros) so that
//! building refeed never needs a database.

mod backup;
mod changes;
mod discovery;
mod files;
mod health;
mod ingest;
mod items;
mod keys;
pub mod learned;
pub mod lifecycle;
mod lock;
mod overview;
mod ping;
mod robots;
mod schema;
mod watch;
pub use ingest::RefreshCommit;
pub use lock::{DaemonLock, lock_path};
pub use validators::PageKey;
pub use watch::{ChangeWatcher, WATCH_INTERVAL};
mod sites;
mod sources;
mod stale;
mod time;
mod validators;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The schema, embedded at compile time (`build.rs` reruns on changes).
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// How long a connection waits for another writer before giving up. Refresh
/// transactions are short (one source's batch), so 5 s is ample.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections in the pool: SQLite has one writer at a time anyway; a few
/// connections let HTTP reads proceed beside the refresh workers.
const MAX_CONNECTIONS: u32 = 4;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder that should hold the database could not be created.
    #[error("cannot create database folder {path}")]
    CreateDir {
        /// The folder.
        path: String,
        /// The file-system error.
        #[source]
        source: std::io::Error,
    },
    /// A command that only reads found no database to read (it never
    /// creates one: see [`Store::open_existing`]).
    #[error("no database at {path}")]
    Missing {
        /// The database file.
        path: String,
    },
    /// The database could not be opened or created.
    #[error("cannot open database {path}")]
    Open {
        /// The database file.
        path: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The migrations in `migrations/` could not be applied.
    #[error("cannot migrate database {path}")]
    Migrate {
        /// The database file.
        path: String,
        /// What went wrong (a failed statement, or a database newer than
        /// this build).
        #[source]
        source: MigrateError,
    },
    /// Another `refeed run` holds the database's lock (see `lock`).
    #[error(
        "database {path} is in use by another `refeed run` ({holder}): stop it first \
         (one-shot commands such as `refeed once` may run beside it)",
        holder = pid.map_or("pid unknown".to_string(), |pid| format!("pid {pid}"))
    )]
    Locked {
        /// The database file.
        path: String,
        /// The process holding the lock, as it wrote it in the lock file.
        pid: Option<u32>,
    },
    /// The database's lock file could not be opened, locked or written.
    #[error("cannot take the database lock file {path}")]
    Lock {
        /// The lock file.
        path: String,
        /// The file-system error.
        #[source]
        source: std::io::Error,
    },
    /// The database holds migrations this build does not know.
    #[error(
        "database {path} was written by a newer refeed (schema {schema}); \
         upgrade refeed or restore a backup"
    )]
    NewerSchema {
        /// The database file.
        path: String,
        /// The newest migration the database has applied.
        schema: i64,
    },
    /// The backup file could not be created (it exists, or its folder is
    /// missing or not writable) or read back.
    #[error("cannot write backup {path}")]
    BackupFile {
        /// The backup file.
        path: String,
        /// The file-system error.
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not write the backup.
    #[error("cannot back up the database to {path}")]
    Backup {
        /// The backup file.
        path: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A query failed.
    #[error("database operation failed: {operation}")]
    Query {
        /// The domain operation, e.g. "commit refresh".
        operation: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
}

/// Wraps a driver error as a [`StoreError::Query`] naming `operation`.
fn query_error(operation: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { operation, source }
}

/// How every connection is set up. WAL lets HTTP reads run beside a
/// refresh's write. `synchronous = NORMAL` is safe in WAL mode (a power cut
/// may lose the last commits, never corrupts); FULL would fsync every commit
/// for nothing a news cache needs.
fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
}

/// Handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: sqlx::SqlitePool,
    /// Which sources changed, for readers that cache (see `changes`).
    changes: Arc<changes::ChangeLog>,
}

impl Store {
    /// Opens (creating folder and file if missing, private to this user:
    /// see `files`) and migrates the database.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        files::prepare(path).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(connect_options(path))
            .await
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?;
        Self::migrated(pool, shown).await
    }

    /// Opens and migrates the database at `path` when it exists; never
    /// creates a file or folder. For the commands that only read (`status`,
    /// `feed`, `opml`, issue 12): a mistyped or relative path found from
    /// the wrong folder must not leave an empty database behind that the
    /// daemon would never fill. [`StoreError::Missing`] when it is absent.
    pub async fn open_existing(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        if !tokio::fs::try_exists(path).await.unwrap_or(false) {
            return Err(StoreError::Missing { path: shown });
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(connect_options(path).create_if_missing(false))
            .await
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?;
        Self::migrated(pool, shown).await
    }

    /// Migrates the schema over `pool` and completes what older schemas
    /// left out.
    async fn migrated(pool: sqlx::SqlitePool, shown: String) -> Result<Self, StoreError> {
        schema::refuse_newer(&pool, &shown).await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                path: shown,
                source,
            })?;
        let store = Self {
            pool,
            changes: Arc::new(changes::ChangeLog::new()),
        };
        store.backfill_keys().await?;
        Ok(store)
    }

    /// Starts a write transaction with `BEGIN IMMEDIATE`: it takes the write
    /// lock up front (waiting up to the busy timeout). A deferred `BEGIN`
    /// that reads first can fail with `SQLITE_BUSY` at its first write when
    /// another worker committed in between, and the busy timeout does not
    /// help there (WAL snapshot upgrade).
    async fn begin_write(
        &self,
        operation: &'static str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(query_error(operation))
    }

    /// Waits for in-flight queries and closes the database cleanly.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::test_support::{database_at, temp_store};
    use super::*;

    #[tokio::test]
    async fn open_uses_wal_normal_sync_and_foreign_keys() {
        let (_dir, store) = temp_store().await;
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(synchronous, 1, "1 = NORMAL");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(foreign_keys, 1);
    }

    #[tokio::test]
    async fn open_creates_missing_parent_folders_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/nested/refeed.db");
        let store = Store::open(&path).await.unwrap();
        assert!(path.is_file());
        assert!(store.items(None, 10).await.unwrap().is_empty());
        store.close().await;
    }

    #[tokio::test]
    async fn open_applies_the_schema_once_and_reopens_cleanly() {
        let (dir, store) = temp_store().await;
        store.close().await;
        let store = super::test_support::reopen(&dir).await;
        let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(applied, MIGRATOR.iter().count() as i64);
    }

    #[tokio::test]
    async fn a_folder_that_cannot_be_created_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, "").unwrap();
        let err = Store::open(&file.join("refeed.db")).await.unwrap_err();
        assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
        let cause = err.source().unwrap().to_string();
        assert_eq!(
            err.to_string(),
            format!("cannot create database folder {}", file.display())
        );
        assert!(!err.to_string().contains(&cause), "cause printed twice");
    }

    #[tokio::test]
    async fn a_path_that_is_a_folder_fails_to_open_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = Store::open(dir.path()).await.unwrap_err();
        assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("cannot open database {}", dir.path().display())
        );
        assert!(err.source().is_some());
    }

    #[tokio::test]
    async fn a_database_migrated_by_a_newer_refeed_is_refused() {
        let (dir, store) = temp_store().await;
        // A migration this build does not know: what a downgrade looks like.
        sqlx::query(
            "INSERT INTO _sqlx_migrations
                 (version, description, success, checksum, execution_time)
             VALUES (999999, 'from the future', 1, x'00', 0)",
        )
        .execute(&store.pool)
        .await
        .unwrap();
        store.close().await;
        let path = dir.path().join("refeed.db");
        let err = Store::open(&path).await.unwrap_err();
        assert!(
            matches!(err, StoreError::NewerSchema { schema: 999999, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "database {} was written by a newer refeed (schema 999999); \
                 upgrade refeed or restore a backup",
                path.display()
            )
        );
    }

    #[tokio::test]
    async fn the_health_migration_keeps_the_records_of_an_earlier_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("refeed.db");
        // A database as refeed left it before issue 5 (migrations 1 and 2).
        database_at(
            &path,
            2,
            "INSERT INTO sources (id, title) VALUES ('src', 'Outlet');
             INSERT INTO refreshes (source_id, started, finished, ok, error, seen, new, updated)
             VALUES ('src', 1000, 2000, 1, NULL, 3, 3, 0),
                    ('src', 3000, 4000, 0, 'HTTP 500', 0, 0, 0);",
        )
        .await;

        let store = Store::open(&path).await.unwrap();
        let health = store.source_health().await.unwrap().remove("src").unwrap();
        assert_eq!(health.consecutive_failures, 1);
        assert_eq!(health.last_seen, Some(3));
        assert_eq!(health.stale, None);
        let last = health.last.unwrap();
        assert_eq!(
            (last.outcome, last.retry_at),
            (Err("HTTP 500".into()), None)
        );
        let not_modified: Vec<i64> = sqlx::query_scalar("SELECT not_modified FROM refreshes")
            .fetch_all(&store.pool)
            .await
            .unwrap();
        assert_eq!(not_modified, [0, 0]);
        assert_eq!(store.source_titles().await.unwrap()["src"], "Outlet");
    }

    #[tokio::test]
    async fn the_discovery_migration_keeps_items_without_an_image() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("refeed.db");
        // A database as refeed left it before issue 10 (migrations 1 to 5).
        database_at(
            &path,
            5,
            "INSERT INTO sources (id, title) VALUES ('src', 'Outlet');
             INSERT INTO items (source_id, url, link, title, published, dated, first_seen, updated)
             VALUES ('src', 'https://example.org/a', 'https://example.org/a', 'A', 1000, 1, 1000, 1000);
             DELETE FROM pending_backfills;",
        )
        .await;

        let store = Store::open(&path).await.unwrap();
        let items = store.items(Some("src"), 10).await.unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!((items[0].title.as_str(), &items[0].image), ("A", &None));
        assert_eq!(store.discovery("src").await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_schema_refuses_half_a_stale_warning_and_a_retry_on_success() {
        let (_dir, store) = temp_store().await;
        store
            .record_not_modified("src", chrono::Utc::now())
            .await
            .unwrap();
        let refused = [
            "UPDATE sources SET stale_kind = 'listing'",
            "UPDATE sources SET stale_kind = 'listing', stale_since = 1",
            "UPDATE sources SET stale_kind = 'layout', stale_since = 1, stale_message = 'm'",
            "UPDATE refreshes SET retry_at = 1",
            "UPDATE refreshes SET ok = 0, error = 'HTTP 500'",
            "INSERT INTO http_validators (source_id, url, rules, saved) \
             VALUES ('src', 'https://example.org/', 'r', 1)",
        ];
        for statement in refused {
            let result = sqlx::query(statement).execute(&store.pool).await;
            assert!(result.is_err(), "accepted: {statement}");
        }
    }

    #[test]
    fn a_query_error_names_the_operation_only() {
        let err = query_error("list items")(sqlx::Error::RowNotFound);
        assert_eq!(err.to_string(), "database operation failed: list items");
        assert!(err.source().is_some());
    }

    #[tokio::test]
    async fn open_existing_never_creates_a_database_or_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/refeed.db");
        let err = Store::open_existing(&path).await.unwrap_err();
        assert!(matches!(err, StoreError::Missing { .. }), "{err}");
        assert_eq!(
            err.to_string(),
            format!("no database at {}", path.display())
        );
        assert!(!dir.path().join("data").exists());
        Store::open(&path).await.unwrap().close().await;
        let store = Store::open_existing(&path).await.unwrap();
        assert!(store.items(None, 10).await.unwrap().is_empty());
        store.close().await;
    }
}
