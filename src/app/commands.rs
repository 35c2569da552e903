//! The one-shot commands that share the daemon's setup: `once`, `check`,
//! `opml` and `feed` (`extract`, `explain` and `status` have their own
//! files).

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::Local;
use futures::{StreamExt, stream};

use super::{Opened, app_state, open, save_robots};
use crate::config::{Config, Source};
use crate::http::{self, FeedFormat};
use crate::model::RefreshCounts;
use crate::pipeline::RefreshError;
use crate::store::Store;

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
    let progress = Progress::new(selected.len());
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
        Ok(c) if c.not_modified => format!("{id}: not modified"),
        Ok(c) => {
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
        Err(err) => format!("{id}: error: {}", err.chain()),
    }
}

/// A progress bar on a terminal; plain lines on stdout otherwise.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(len: usize) -> Self {
        if !std::io::stdout().is_terminal() {
            return Self(None);
        }
        let bar = indicatif::ProgressBar::new(len as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} sources {elapsed}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    fn report(&self, line: &str) {
        match &self.0 {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => println!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
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
    let store = Store::open(&config.storage.path).await?;
    let document = http::opml_document(&app_state(config, store.clone())).await;
    store.close().await;
    Ok(document?)
}

/// `refeed feed`: renders a stored feed as the server would.
pub async fn feed(config: &Config, id: &str, format: FeedFormat) -> anyhow::Result<String> {
    let store = Store::open(&config.storage.path).await?;
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
