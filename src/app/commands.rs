//! The one-shot commands that share the daemon's setup: `once`, `check`,
//! `opml` and `feed`, and `init` (`extract`, `explain` and `status` have
//! their own files). The commands that only read (`status`, `feed`,
//! `opml`) never create a database ([`open_existing`]).

use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::Local;
use futures::{StreamExt, stream};

use super::progress::Progress;
use super::{Opened, app_state, open, save_robots};
use crate::config::{Config, DEFAULT_STORAGE_PATH, REFERENCE_CONFIG, Source};
use crate::http::{self, FeedFormat};
use crate::model::RefreshCounts;
use crate::pipeline::RefreshError;
use crate::store::{Store, StoreError};

/// `refeed once`: refreshes the named sources (all when none are named) and
/// reports one line per source. Returns whether every refresh succeeded.
pub async fn once(config: &Config, ids: &[String]) -> anyhow::Result<bool> {
    let selected = select_sources(config, ids)?;
    let Opened {
        store,
        fetcher,
        pipeline,
        ..
    } = open(config).await?;
    let progress = Progress::new(selected.len(), pipeline.tally());
    let all_ok = stream::iter(selected)
        .map(|source| {
            let pipeline = &pipeline;
            async move { (source, pipeline.refresh(source).await) }
        })
        .buffer_unordered(config.scheduler.workers)
        .fold(true, |all_ok, (source, result)| {
            progress.report(&summary_line(&source.id, &result));
            futures::future::ready(all_ok && result.is_ok())
        })
        .await;
    progress.finish();
    super::lifecycle::prune(&store, &super::lifecycle::PrunePlan::of(config)).await;
    save_robots(&store, &fetcher).await;
    store.close().await;
    Ok(all_ok)
}

pub(super) fn select_sources<'a>(
    config: &'a Config,
    ids: &[String],
) -> anyhow::Result<Vec<&'a Source>> {
    if ids.is_empty() {
        return Ok(config.sources.iter().collect());
    }
    ids.iter()
        .map(|id| {
            config
                .sources
                .iter()
                .find(|s| &s.id == id)
                .with_context(|| {
                    format!(
                        "no source {id:?} in {} (known: {})",
                        config.path.display(),
                        known_ids(config)
                    )
                })
        })
        .collect()
}

fn known_ids(config: &Config) -> String {
    let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
    ids.join(", ")
}

/// The one-line result of a refresh, as `once` prints it.
pub fn summary_line(id: &str, result: &Result<RefreshCounts, RefreshError>) -> String {
    match result {
        Ok(counts) => counts_line(id, counts),
        Err(err) => format!("{id}: error: {}", err.chain()),
    }
}

/// The one-line result of a successful refresh.
pub(super) fn counts_line(id: &str, counts: &RefreshCounts) -> String {
    match counts {
        c if c.not_modified => format!("{id}: not modified"),
        c => {
            let mut line = format!(
                "{id}: ok, {} seen, {} new, {} updated",
                c.seen, c.new, c.updated
            );
            if c.items_cut > 0 {
                let listed = c.seen + c.items_cut;
                line += &format!(
                    "; page lists {listed} items, took the newest {} (max_new_items)",
                    c.seen
                );
            }
            if c.articles_deferred > 0 {
                line += &format!(
                    "; {} articles left for later refreshes (max_article_fetches)",
                    c.articles_deferred
                );
            }
            line
        }
    }
}

/// `refeed check`: the config is already valid when this runs; print each
/// source with its next three run times.
pub fn check(config: &Config) -> String {
    let mut out = format!(
        "{}: ok, {} source(s); serving {} on {}\n",
        config.path.display(),
        config.sources.len(),
        config.server.base_url,
        config.server.listen
    );
    for source in &config.sources {
        let kind = if source.listing.is_some() {
            "listing"
        } else {
            "feed"
        };
        out.push_str(&format!(
            "{}  ({kind}, {}{})\n  schedule {:?}, next runs:",
            source.id,
            source.url,
            if source.full_text { ", full text" } else { "" },
            source.schedule.as_str(),
        ));
        let mut after = Local::now();
        for _ in 0..3 {
            match source.schedule.next_after(&after) {
                Some(next) => {
                    out.push_str(&format!(" {}", next.format("%Y-%m-%d %H:%M:%S %Z")));
                    after = next;
                }
                None => break,
            }
        }
        out.push('\n');
    }
    out
}

/// `refeed opml`: the OPML subscription list the server offers at
/// `/feeds.opml`.
pub async fn opml(config: &Config) -> anyhow::Result<String> {
    let store = open_existing(config).await?;
    let document = http::opml_document(&app_state(config, store.clone())).await;
    store.close().await;
    Ok(document?)
}

/// `refeed feed`: renders a stored feed as the server would.
pub async fn feed(config: &Config, id: &str, format: FeedFormat) -> anyhow::Result<String> {
    let store = open_existing(config).await?;
    let state = app_state(config, store.clone());
    let rendered = http::render_feed(&state, id, format).await;
    store.close().await;
    match rendered? {
        Some(body) => Ok(body),
        None => bail!(
            "no source {id:?} in {} (known: {}, all)",
            config.path.display(),
            known_ids(config)
        ),
    }
}

/// Opens the database for a command that only reads: never creates it,
/// and says what to do when it is not there.
pub(super) async fn open_existing(config: &Config) -> anyhow::Result<Store> {
    match super::database::open_existing(&config.storage).await {
        Err(err @ StoreError::Missing { .. }) => Err(anyhow::anyhow!(
            "{err}: has `refeed run` or `refeed once` run with this config?"
        )),
        opened => Ok(opened?),
    }
}

/// `refeed check`'s last line: whether `refeed run` could listen where the
/// config says, tried by binding it (and letting go at once). Port 0 (any
/// free port) always binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenCheck {
    /// The address is free.
    Free(String),
    /// Something listens there already: another process, or the running
    /// daemon itself (so checking a config before `systemctl reload` still
    /// passes).
    InUse(String),
    /// It can never be listened on from here (not this host's address, a
    /// port below 1024 without the capability).
    Failed(String),
}

/// Tries to bind the listen address of `config`.
pub fn check_listen(config: &Config) -> ListenCheck {
    let addr = config.server.listen;
    match TcpListener::bind(addr) {
        Ok(_) => ListenCheck::Free(format!("listen {addr}: free")),
        Err(err) if err.kind() == ErrorKind::AddrInUse => ListenCheck::InUse(format!(
            "listen {addr}: address in use: another process listens there (a running refeed?); \
             `refeed run` cannot start while it does"
        )),
        Err(err) => ListenCheck::Failed(format!("listen {addr}: cannot listen there: {err}")),
    }
}

/// `refeed init`: writes the reference config to `path` (creating its
/// folder), never over an existing file unless `force`, with `storage` as
/// its `[storage] path` when given. Returns what to tell the user.
pub fn init(path: &Path, force: bool, storage: Option<&Path>) -> anyhow::Result<String> {
    let text = match storage {
        Some(db) => reference_config_with_storage(db)?,
        None => REFERENCE_CONFIG.to_owned(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create folder {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = match options.open(path) {
        Err(err) if err.kind() == ErrorKind::AlreadyExists => bail!(
            "{} exists already: refeed init does not overwrite it (--force does)",
            path.display()
        ),
        opened => opened.with_context(|| format!("cannot write {}", path.display()))?,
    };
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(format!(
        "wrote the reference config to {0}: replace its [[source]] tables with yours, \
         then `refeed check --config {0}`\n",
        path.display()
    ))
}

/// The reference config with its `[storage] path` line set to `db`.
fn reference_config_with_storage(db: &Path) -> anyhow::Result<String> {
    let db = db
        .to_str()
        .with_context(|| format!("{} is not UTF-8: TOML cannot hold it", db.display()))?;
    let line = format!("path = \"{DEFAULT_STORAGE_PATH}\"\n");
    let quoted = toml::Value::String(db.to_owned()).to_string();
    match REFERENCE_CONFIG.split_once(&line) {
        Some((before, after)) => Ok(format!("{before}path = {quoted}\n{after}")),
        None => bail!("the reference config has no `{}` line", line.trim_end()),
    }
}
