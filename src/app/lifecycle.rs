//! Sources coming and going (issue 12, point 8), applied to the database
//! from the config: renames (`previous_ids`) and removals at start (and on
//! reload) before any refresh, then pruning (removed sources past
//! `[storage] keep_removed`, items past each source's `keep` /
//! `keep_items`) at start, every [`PRUNE_INTERVAL`] while `refeed run`
//! runs, and after `refeed once`'s refreshes. Also `refeed backup`.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::model::Retention;
use crate::store::Store;

/// How often the daemon prunes. Retention is a matter of days; an hour
/// keeps a `keep_items` feed near its size at the cost of one indexed
/// query per source.
pub const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// What pruning needs of the config (a snapshot: a reload builds a new one).
#[derive(Debug, Clone)]
pub struct PrunePlan {
    /// Each configured source's retention.
    pub retention: Vec<(String, Retention)>,
    /// `[storage] keep_removed`.
    pub keep_removed: Duration,
}

impl PrunePlan {
    /// The plan of `config`.
    pub fn of(config: &Config) -> Self {
        PrunePlan {
            retention: config
                .sources
                .iter()
                .map(|s| (s.id.clone(), s.retention))
                .collect(),
            keep_removed: config.storage.keep_removed,
        }
    }
}

/// Brings the database in line with `config` before any refresh: moves
/// renamed sources (one transaction), then marks removed ones and prunes.
/// Run at start; a reload should run it again with the new config.
pub async fn apply(store: &Store, config: &Config) -> anyhow::Result<()> {
    let now = Utc::now();
    let renames: Vec<(String, String)> = config
        .sources
        .iter()
        .flat_map(|s| s.previous_ids.iter().map(|old| (old.clone(), s.id.clone())))
        .collect();
    if !renames.is_empty() {
        store.rename_sources(&renames, now).await?;
    }
    prune(store, &PrunePlan::of(config)).await;
    Ok(())
}

/// Prunes once: marks the sources the plan lacks as removed (and those it
/// has as not: another process with another config may have marked them,
/// and they must never be deleted while served), deletes those removed
/// past `keep_removed`, then each source's items past its retention. A
/// failure is logged and left for the next prune: the items stay, which
/// is never worse than before.
pub async fn prune(store: &Store, plan: &PrunePlan) {
    let now = Utc::now();
    let configured: Vec<String> = plan.retention.iter().map(|(id, _)| id.clone()).collect();
    if let Err(err) = store.mark_removed(&configured, now).await {
        tracing::warn!(error = %err, "cannot mark removed sources");
        return;
    }
    if let Err(err) = store.prune_removed(plan.keep_removed, now).await {
        tracing::warn!(error = %err, "cannot prune removed sources");
    }
    // One statement for every source's tombstones; only the sources with
    // a retention or tombstones due get their own queries.
    let tombstones_due = match store.tombstones_due(&configured, now).await {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!(error = %err, "cannot check tombstones");
            return;
        }
    };
    for (source, retention) in &plan.retention {
        if retention.keeps_all() && !tombstones_due.contains(source) {
            continue;
        }
        if let Err(err) = store.prune_items(source, *retention, now).await {
            tracing::warn!(source = %source, error = %err, "cannot prune items");
        }
    }
}

/// Prunes every [`PRUNE_INTERVAL`] until `shutdown`, by the latest plan
/// `plans` holds (a config reload sends a new one).
pub fn spawn_pruner(
    store: Store,
    plans: watch::Receiver<PrunePlan>,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(PRUNE_INTERVAL);
        ticks.tick().await; // the first tick is now: `apply` just pruned
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = ticks.tick() => {
                    let plan = plans.borrow().clone();
                    prune(&store, &plan).await;
                }
            }
        }
    })
}

/// `refeed backup FILE`: copies the database to `target` (which must not
/// exist) by `VACUUM INTO`, safe while `refeed run` writes; the line to
/// print, with the copy's size. Neither creates nor migrates the database.
pub async fn backup(config: &Config, target: &Path) -> anyhow::Result<String> {
    let database = &config.storage.path;
    if config.storage.url.is_some() {
        bail!("{}", crate::store::StoreError::BackupUnsupported);
    }
    if !database.is_file() {
        bail!(
            "no database at {}: has `refeed run` or `refeed once` run with this config?",
            database.display()
        );
    }
    if target.exists() {
        bail!(
            "{} exists; refeed backup never overwrites a file: name a new one",
            target.display()
        );
    }
    let size = Store::backup_file(database, target)
        .await
        .with_context(|| format!("backup of {} failed", database.display()))?;
    Ok(format!(
        "backed up {} to {} ({})\n",
        database.display(),
        target.display(),
        human_size(size)
    ))
}

/// `size` in bytes, with kB/MB/GB (decimal) beside it past 1,000.
fn human_size(size: u64) -> String {
    const UNITS: [&str; 3] = ["kB", "MB", "GB"];
    let mut value = size as f64;
    let mut unit = None;
    for name in UNITS {
        if value < 1000.0 {
            break;
        }
        value /= 1000.0;
        unit = Some(name);
    }
    match unit {
        Some(unit) => format!("{size} bytes, {value:.1} {unit}"),
        None => format!("{size} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_in_bytes_and_decimal_units() {
        assert_eq!(human_size(999), "999 bytes");
        assert_eq!(human_size(12_345), "12345 bytes, 12.3 kB");
        assert_eq!(human_size(4_500_000), "4500000 bytes, 4.5 MB");
        assert_eq!(human_size(2_000_000_000), "2000000000 bytes, 2.0 GB");
    }
}
