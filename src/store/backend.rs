//! Which database a store runs on (issue 13): SQLite (a file, the default)
//! or PostgreSQL (`[storage] url`). Both are reached through sqlx's `Any`
//! driver, so every query of the store is written once, with `$N`
//! placeholders (sqlx-sqlite binds those by number too) and SQL both
//! dialects accept; the few statements that differ choose their text here
//! with [`Backend::pick`]. What differs beyond SQL text: the migrations
//! folder, how a write transaction begins, the journal settings (SQLite),
//! how other processes' writes are seen (`watch`), backups (`backup`) and
//! the one-daemon lock (`lock`).

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor};

/// The SQLite schema, embedded at compile time (`build.rs` reruns on
/// changes). These files are the ones refeed always had: their checksums
/// are recorded in every existing database.
pub(super) static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// The PostgreSQL schema: the same tables, with BIGINT for every SQLite
/// INTEGER and BYTEA for BLOB.
pub(super) static POSTGRES_MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a connection waits for another writer before giving up. Refresh
/// transactions are short (one source's batch), so 5 s is ample.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections in a SQLite pool: SQLite has one writer at a time anyway; a
/// few connections let HTTP reads proceed beside the refresh workers.
const SQLITE_CONNECTIONS: u32 = 4;

/// Connections in a PostgreSQL pool: writers run side by side there, so one
/// per refresh worker and a few for HTTP reads. PostgreSQL's default
/// `max_connections` (100) leaves room for several instances.
const POSTGRES_CONNECTIONS: u32 = 10;

/// The settings of every SQLite connection that sqlx's URL form cannot
/// carry. WAL lets HTTP reads run beside a refresh's write.
/// `synchronous = NORMAL` is safe in WAL mode (a power cut may lose the
/// last commits, never corrupts); FULL would fsync every commit for nothing
/// a news cache needs. Foreign keys and the busy timeout are sqlx's
/// defaults, set again here so they never depend on them.
const SQLITE_SETUP: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                            PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;";

/// The database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

impl Backend {
    /// The backend `conn` talks to.
    pub(super) fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name() == "PostgreSQL" {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }

    /// This backend's migrations.
    pub(super) fn migrator(self) -> &'static Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATOR,
            Self::Postgres => &POSTGRES_MIGRATOR,
        }
    }

    /// The statement starting a write transaction. SQLite's `BEGIN
    /// IMMEDIATE` takes the write lock up front (waiting up to the busy
    /// timeout): a deferred `BEGIN` that reads first can fail with
    /// `SQLITE_BUSY` at its first write when another worker committed in
    /// between, and the busy timeout does not help there (WAL snapshot
    /// upgrade). PostgreSQL locks rows as they are written.
    pub(super) fn begin_write(self) -> &'static str {
        self.pick("BEGIN IMMEDIATE", "BEGIN")
    }

    /// `sqlite` or `postgres`, a setting that differs.
    pub(super) fn pick_number(self, sqlite: i64, postgres: i64) -> i64 {
        match self {
            Self::Sqlite => sqlite,
            Self::Postgres => postgres,
        }
    }

    /// `sqlite` or `postgres`, the text of one statement in each dialect.
    pub(super) fn pick(self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self {
            Self::Sqlite => sqlite,
            Self::Postgres => postgres,
        }
    }
}

/// Whether `location` (`[storage] url`, or an argument of `migrate-store`)
/// names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// `url` as messages show it: the password replaced by `***`.
pub(super) fn shown_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

/// sqlx's options for the SQLite file at `path`, created if missing.
pub(super) fn connect_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
}

/// A pool on the SQLite file at `path` (created when `create`), each
/// connection set up with [`SQLITE_SETUP`].
pub(super) async fn sqlite_pool(
    path: &Path,
    create: bool,
    connections: Option<u32>,
) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let url = connect_options(path)
        .create_if_missing(create)
        .to_url_lossy();
    let options = AnyConnectOptions::from_url(&url)?;
    sqlite_pool_options(connections.unwrap_or(SQLITE_CONNECTIONS))
        .connect_with(options)
        .await
}

/// A SQLite pool of up to `connections`, each set up with [`SQLITE_SETUP`].
fn sqlite_pool_options(connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        // A connection to a local file does not go stale: pinging it at
        // every acquire was a round trip to its worker thread per query
        // (issue 13: a quarter of an unchanged refresh's).
        .test_before_acquire(false)
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute(SQLITE_SETUP).await?;
                Ok(())
            })
        })
}

/// The pool write transactions take their connection from. On SQLite, one
/// connection to the file of `pool`, opened when first needed: SQLite has
/// one writer at a time anyway, and writers queued here wait their turn
/// without polling, where `BEGIN IMMEDIATE` on a connection each would
/// make all but one sleep in SQLite's busy handler (1 ms, 2 ms, 5 ms, …:
/// with several refresh workers writing a small record each, most of the
/// time of an unchanged refresh; issue 13). On PostgreSQL, `pool` itself:
/// writers run side by side there.
pub(super) fn writer_pool(pool: &AnyPool, backend: Backend) -> AnyPool {
    match backend {
        Backend::Sqlite => sqlite_pool_options(1)
            .connect_lazy_with(AnyConnectOptions::clone(&pool.connect_options())),
        Backend::Postgres => pool.clone(),
    }
}

/// A pool on the PostgreSQL database at `url`.
pub(super) async fn postgres_pool(url: &str) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(POSTGRES_CONNECTIONS)
        .connect(url)
        .await
}
