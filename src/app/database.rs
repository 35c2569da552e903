//! Opening the configured database (issue 13): the SQLite file at
//! `[storage] path`, or the PostgreSQL database at `[storage] url`. The rest
//! of `app` calls these and never asks which one it has. Also
//! `refeed migrate-store`, which copies one database into another.

use std::path::Path;

use anyhow::Context;

use super::fleet::DEAD_AFTER;
use crate::config::StorageConfig;
use crate::store::{DaemonLock, Store, StoreError, is_postgres_url};

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

/// `refeed migrate-store --from FROM --to TO`: copies every row of the
/// database at `from` into the new, empty one at `to` (each a SQLite file or
/// a `postgres://` URL); the lines to print (rows per table). Refuses when
/// a daemon runs on either: a SQLite file's daemon lock is held (it is
/// taken here for the copy), or, unless `while_running`, instances of a
/// fleet are live on a PostgreSQL database.
pub async fn migrate(from: &str, to: &str, while_running: bool) -> anyhow::Result<String> {
    let _locks = (no_daemon_on(from).await?, no_daemon_on(to).await?);
    let source = match is_postgres_url(from) {
        true => Store::open_url(from).await,
        false => Store::open_existing(Path::new(from)).await,
    }
    .with_context(|| format!("cannot open {}", shown(from)))?;
    let target = match is_postgres_url(to) {
        true => Store::open_url(to).await,
        false => Store::open(Path::new(to)).await,
    }
    .with_context(|| format!("cannot open {}", shown(to)))?;
    if !while_running {
        no_live_fleet(&source, from).await?;
        no_live_fleet(&target, to).await?;
    }
    let copied = source.copy_into(&target).await;
    source.close().await;
    target.close().await;
    let copied = copied.with_context(|| format!("cannot copy into {}", shown(to)))?;
    let mut out = format!("copied {} into {}\n", shown(from), shown(to));
    for (table, rows) in copied {
        out.push_str(&format!("  {table}: {rows} rows\n"));
    }
    Ok(out)
}

/// The daemon lock of the SQLite file at `location`, held for the copy;
/// an error naming the database when a daemon holds it.
async fn no_daemon_on(location: &str) -> anyhow::Result<Option<DaemonLock>> {
    if is_postgres_url(location) {
        return Ok(None);
    }
    let lock = DaemonLock::acquire(Path::new(location)).await;
    let lock =
        lock.with_context(|| format!("refusing to copy {location}: stop its daemon first"))?;
    Ok(Some(lock))
}

/// Fails when instances of a fleet are live on `store` (PostgreSQL).
async fn no_live_fleet(store: &Store, location: &str) -> anyhow::Result<()> {
    if !store.is_shared() {
        return Ok(());
    }
    let since = chrono::Utc::now() - chrono::TimeDelta::from_std(DEAD_AFTER)?;
    let live = store.live_instances(since).await?;
    if !live.is_empty() {
        anyhow::bail!(
            "refusing to copy {}: {} instance(s) of refeed run are live on it ({}); stop them \
             first, or pass --while-running to copy anyway",
            shown(location),
            live.len(),
            live.join(", ")
        );
    }
    Ok(())
}

/// `location` as printed: a URL without its password.
fn shown(location: &str) -> String {
    match url::Url::parse(location) {
        Ok(mut url) if is_postgres_url(location) && url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => location.to_owned(),
    }
}
