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

#[cfg(test)]
#[macro_use]
mod test_support;
#[cfg(test)]
mod test_postgres;

mod backend;
mod backup;
mod changes;
mod copy;
pub use copy::{Copied, CopyError};
mod discovery;
mod files;
mod fleet;
mod health;
mod ingest;
mod items;
mod keys;
pub mod learned;
pub mod lifecycle;
mod lock;
mod lock_postgres;
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

use backend::Backend;
pub use backend::is_postgres_url;
use sqlx::migrate::MigrateError;

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
    /// `refeed backup` copies SQLite files; PostgreSQL has its own tools.
    #[error(
        "refeed backup copies SQLite databases; back up a PostgreSQL database \
         with pg_dump (e.g. `pg_dump --format=custom --file=FILE DBNAME`)"
    )]
    BackupUnsupported,
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

/// Handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: sqlx::AnyPool,
    /// Where write transactions run: see [`backend::writer_pool`].
    writer: sqlx::AnyPool,
    /// Which database `pool` reaches.
    backend: Backend,
    /// Which sources changed, for readers that cache (see `changes`).
    changes: Arc<changes::ChangeLog>,
}

impl Store {
    /// Opens (creating folder and file if missing, private to this user:
    /// see `files`) and migrates the SQLite database at `path`.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        files::prepare(path).await?;
        let pool = backend::sqlite_pool(path, true, None).await;
        Self::connected(pool, Backend::Sqlite, shown).await
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
        let pool = backend::sqlite_pool(path, false, None).await;
        Self::connected(pool, Backend::Sqlite, shown).await
    }

    /// Connects to and migrates the PostgreSQL database at `url`
    /// (`postgres://…`, `[storage] url`, issue 13). The database must
    /// exist; its tables are created by the migrations.
    pub async fn open_url(url: &str) -> Result<Self, StoreError> {
        let pool = backend::postgres_pool(url).await;
        Self::connected(pool, Backend::Postgres, backend::shown_url(url)).await
    }

    /// Migrates the database once `pool` is connected (`shown`: where it
    /// is, for messages).
    async fn connected(
        pool: Result<sqlx::AnyPool, sqlx::Error>,
        backend: Backend,
        shown: String,
    ) -> Result<Self, StoreError> {
        let pool = pool.map_err(|source| StoreError::Open {
            path: shown.clone(),
            source,
        })?;
        Self::migrated(pool, backend, shown).await
    }

    /// Migrates the schema over `pool` and completes what older schemas
    /// left out.
    async fn migrated(
        pool: sqlx::AnyPool,
        backend: Backend,
        shown: String,
    ) -> Result<Self, StoreError> {
        schema::refuse_newer(&pool, backend, &shown).await?;
        backend
            .migrator()
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                path: shown,
                source,
            })?;
        let store = Self {
            writer: backend::writer_pool(&pool, backend),
            pool,
            backend,
            changes: Arc::new(changes::ChangeLog::new()),
        };
        store.backfill_keys().await?;
        Ok(store)
    }

    /// Starts a write transaction (see [`Backend::begin_write`]).
    async fn begin_write(
        &self,
        operation: &'static str,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        self.writer
            .begin_with(self.backend.begin_write())
            .await
            .map_err(query_error(operation))
    }

    /// Whether this store runs on PostgreSQL (`[storage] url`) rather than
    /// a SQLite file.
    pub fn is_postgres(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// Waits for in-flight queries and closes the database cleanly.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

#[cfg(test)]
mod plan_tests;

#[cfg(test)]
mod tests;
