//! Opening the configured database (issue 13): the SQLite file at
//! `[storage] path`, or the PostgreSQL database at `[storage] url`. The rest
//! of `app` calls these and never asks which one it has.

use crate::config::StorageConfig;
use crate::store::{DaemonLock, Store, StoreError};

/// Opens and migrates the configured database, creating a SQLite file and
/// its folder when missing.
pub async fn open(storage: &StorageConfig) -> Result<Store, StoreError> {
    match &storage.url {
        Some(url) => Store::open_url(url).await,
        None => Store::open(&storage.path).await,
    }
}

/// Opens the configured database without creating a SQLite file
/// ([`Store::open_existing`]); a PostgreSQL database must exist anyway.
pub async fn open_existing(storage: &StorageConfig) -> Result<Store, StoreError> {
    match &storage.url {
        Some(url) => Store::open_url(url).await,
        None => Store::open_existing(&storage.path).await,
    }
}

/// Takes the one-daemon lock of a SQLite database (see `store::lock`).
/// `None` on PostgreSQL: there many daemons share the database as one
/// fleet (issue 13, `app::fleet`).
pub async fn lock(storage: &StorageConfig) -> Result<Option<DaemonLock>, StoreError> {
    match &storage.url {
        Some(_) => Ok(None),
        None => DaemonLock::acquire(&storage.path).await.map(Some),
    }
}
