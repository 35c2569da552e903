//! The TOML configuration: read as `raw` structs (unknown keys rejected),
//! then validated and compiled (selectors, cron schedules, URLs) into
//! [`Config`]. Every error names the file, line, source id and key, and all
//! of a file's problems are reported at once. Reading the file is the only
//! I/O here; `config/refeed.toml` documents every key and its default.
//!
//! Each section is validated in its own file (`server`, `fetch`, `limits`
//! for `[refresh]`, `source`); `[storage]` and `[scheduler]` are here.
//! `keys` reports every unknown key before serde (which stops at the
//! first). A relative `storage.path` is the config file's folder's.

mod extract;
mod fetch;
mod keys;
mod lifecycle;
mod limits;
mod raw;
mod report;
mod server;
mod source;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_keys;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use url::Url;

pub use self::extract::{ExtractConfig, read_folder};
use self::fetch::{configure_access, fetch};
pub use self::lifecycle::DEFAULT_KEEP_REMOVED;
use self::limits::refresh;
pub use self::limits::{DEFAULT_MAX_ARTICLE_FETCHES, DEFAULT_MAX_NEW_ITEMS};
use self::raw::{RawConfig, RawDuration, RawScheduler, RawStorage};
use self::report::Report;
use crate::extract::ArticleRules;
use crate::fetch::FetchConfig;
use crate::http::ConnectionLimits;
use crate::model::{Method, Retention, SourceMeta};
use crate::schedule::cron::CronSchedule;
use crate::scrape::ListingRules;

/// Compiles one CSS selector as the config does, the error in words
/// (`dangling combinator`, not scraper's "please report this" dump).
pub fn compile_selector(css: &str) -> Result<scraper::Selector, String> {
    scraper::Selector::parse(css).map_err(|err| source::selector_reason(&err))
}

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default config path when neither `--config` nor `REFEED_CONFIG` is given.
pub const DEFAULT_CONFIG_PATH: &str = "config/refeed.toml";
/// The commented reference config (`config/refeed.toml`), embedded so that
/// `refeed init` needs no source tree.
pub const REFERENCE_CONFIG: &str = include_str!("../../config/refeed.toml");
/// Default database path (relative to the config file's folder).
pub const DEFAULT_STORAGE_PATH: &str = "data/refeed.db";
/// Default number of items per served feed.
pub const DEFAULT_MAX_ITEMS: usize = 50;
/// Default number of refresh workers.
pub const DEFAULT_WORKERS: usize = 4;
/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// File it was read from (for messages).
    pub path: PathBuf,
    /// `[server]`.
    pub server: ServerConfig,
    /// `[storage]`.
    pub storage: StorageConfig,
    /// `[fetch]`.
    pub fetch: FetchConfig,
    /// `[scheduler]`.
    pub scheduler: SchedulerConfig,
    /// `[extract]`.
    pub extract: ExtractConfig,
    /// `[[source]]`, in file order.
    pub sources: Vec<Source>,
}

/// `[server]`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Absolute http(s) prefix for self links and the index page; defaults
    /// to `http://` + `listen`.
    pub base_url: Url,
    /// `websub_hub`: the WebSub hub feeds name (`rel="hub"`) and that refeed
    /// pings when a feed changes; `None` when not configured.
    pub websub_hub: Option<Url>,
    /// `header_read_timeout`, `idle_timeout` and `max_connections`.
    pub limits: ConnectionLimits,
    /// `cache_bytes`: memory the rendered feeds may hold in all (0: none
    /// cached; default [`DEFAULT_CACHE_BYTES`](crate::http::DEFAULT_CACHE_BYTES)).
    pub cache_bytes: usize,
}

/// `[storage]`.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// SQLite file. A relative `path` in the file is taken relative to the
    /// config file's folder (issue 12: the same database whatever the
    /// working directory), so this is that folder joined with it.
    pub path: PathBuf,
    /// `url`: a PostgreSQL database (`postgres://…`, issue 13) used
    /// instead of the SQLite file at `path` when set.
    pub url: Option<String>,
    /// `keep_removed`: how long the items of a source removed from the
    /// config are kept (see `lifecycle`).
    pub keep_removed: Duration,
}

/// `[scheduler]`.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// Refreshes run at once.
    pub workers: usize,
    /// Largest delay added to each source's scheduled runs (a fixed
    /// per-source offset), so that many sources on `*/30` do not all fire
    /// at once. Zero (the default) runs exactly on schedule.
    pub jitter: Duration,
    /// The longest a failing source is backed off between attempts.
    pub max_backoff: Duration,
}

/// Default cap on a failing source's backoff.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// One `[[source]]`.
#[derive(Debug, Clone)]
pub struct Source {
    /// `[a-z0-9-]+`, unique.
    pub id: String,
    /// Title override.
    pub title: Option<String>,
    /// Listing page or feed URL.
    pub url: Url,
    /// When to refresh.
    pub schedule: CronSchedule,
    /// Also fetch each item's page for its article.
    pub full_text: bool,
    /// Obey the outlet's robots.txt (default); `respect_robots = false`
    /// opts a source out.
    pub respect_robots: bool,
    /// Items per served feed.
    pub max_items: usize,
    /// Items one refresh takes from the page, newest first.
    pub max_new_items: usize,
    /// Article pages one refresh fetches; the others wait for later ones.
    pub max_article_fetches: usize,
    /// `[source.items]`: present means the URL is a listing page read by
    /// these selectors; absent, the items are found by detection (issue 10).
    pub listing: Option<ListingRules>,
    /// The `item`, `title` and `link` selectors of `[source.items]` as
    /// written, for messages about them.
    pub listing_css: Option<ListingCss>,
    /// `method`: the one way of finding items the source allows (detection
    /// tries no other); `None` lets detection choose.
    pub pin: Option<Method>,
    /// `[source.article]` and `[source.clean]`.
    pub article: ArticleRules,
    /// A digest of the rules above and `full_text` as written: the stored
    /// HTTP validators of the source's pages count only while it is the
    /// same (see `source::rules_digest`).
    pub rules_digest: String,
    /// `previous_ids`: the ids this source had before, whose stored items
    /// and state move to it and whose feed URLs redirect to its own.
    pub previous_ids: Vec<String>,
    /// `keep` and `keep_items`.
    pub retention: Retention,
}

/// The required `[source.items]` selectors as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListingCss {
    /// `item`.
    pub item: String,
    /// `title`.
    pub title: String,
    /// `link`.
    pub link: String,
}

/// A configuration error, located in the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("{path}:{line}:{column}: TOML syntax error: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// What the TOML parser expected.
        message: String,
    },
    /// The file is TOML but not a valid config: one line per problem, each
    /// `file:line: source "id": key "key": what is wrong`, in file order.
    #[error("{}", errors.join("\n"))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The problems, rendered.
        errors: Vec<String>,
    },
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Validates config text; `path` is used in messages only.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        // Syntax first, on an untyped table: a syntax error then reads as
        // one, not as a problem with some key.
        if let Err(err) = toml::from_str::<toml::Table>(text) {
            let at = err.span().map_or(0, |span| span.start);
            return Err(ConfigError::Syntax {
                path: path.to_owned(),
                line: report::line_of(text, at),
                column: report::column_of(text, at),
                message: err.message().to_owned(),
            });
        }
        // Every unknown key at once, before serde (which stops at the
        // first one).
        let mut unknown = Report::new(text);
        keys::check(&mut unknown);
        if !unknown.is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                errors: unknown.into_lines(path),
            });
        }
        // serde stops at the first wrong type, so these come one at a
        // time; everything after is collected.
        let raw: RawConfig = toml::from_str(text).map_err(|err| ConfigError::Invalid {
            path: path.to_owned(),
            errors: vec![report::de_problem(text, &err).render(path)],
        })?;
        Self::from_raw(raw, text, path)
    }

    /// Validates and compiles what was read from `text` (the file's
    /// contents, for line numbers), collecting every problem.
    pub(crate) fn from_raw(raw: RawConfig, text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut report = Report::new(text);
        let server = server::server(&raw.server, &mut report);
        let storage = storage(&raw.storage, config_dir(path), &mut report);
        let fetch = fetch(&raw.fetch, &mut report);
        let scheduler = scheduler(&raw.scheduler, &mut report);
        let limits = refresh(&raw.refresh, &mut report);
        let extract = extract::extract(&raw.extract, config_dir(path), &mut report);
        let listen = server.as_ref().map(|s| s.listen);
        let mut sources = source::sources(raw.sources, &limits, listen, &mut report);
        match (server, storage, fetch, scheduler, extract) {
            (Some(mut server), Some(storage), Some(mut fetch), Some(scheduler), Some(extract))
                if report.is_empty() =>
            {
                configure_access(&mut fetch.access, &server, &sources);
                server.limits.outgoing = fetch.max_connections;
                for source in &mut sources {
                    source
                        .article
                        .site_configs
                        .clone_from(&extract.site_configs);
                }
                Ok(Config {
                    path: path.to_owned(),
                    server,
                    storage,
                    fetch,
                    scheduler,
                    extract,
                    sources,
                })
            }
            _ => Err(ConfigError::Invalid {
                path: path.to_owned(),
                errors: report.into_lines(path),
            }),
        }
    }

    /// The narrow view of the sources that `http` and `feed` need.
    pub fn source_meta(&self) -> Vec<SourceMeta> {
        self.sources
            .iter()
            .map(|s| SourceMeta {
                id: s.id.clone(),
                title: s.title.clone(),
                url: s.url.clone(),
                max_items: s.max_items,
                refresh_interval: s.schedule.refresh_interval(chrono::Utc::now()),
            })
            .collect()
    }
}

/// The folder of the config file at `path` (empty for a bare file name:
/// the working directory).
fn config_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

fn storage(raw: &RawStorage, dir: &Path, report: &mut Report<'_>) -> Option<StorageConfig> {
    let keep_removed = lifecycle::keep_removed(raw, report);
    let url = storage_url(raw, report)?;
    let written = match &raw.path {
        None => DEFAULT_STORAGE_PATH,
        Some(path) if path.get_ref().trim().is_empty() => {
            report.add(path.span(), None, "storage.path", "empty path");
            return None;
        }
        Some(path) => path.get_ref(),
    };
    // `join` keeps an absolute path as it is.
    Some(StorageConfig {
        path: dir.join(written),
        url,
        keep_removed: keep_removed?,
    })
}

/// `storage.url`, checked: a PostgreSQL URL, and not beside `storage.path`
/// (one database or the other). `Some(None)` when unset.
fn storage_url(raw: &RawStorage, report: &mut Report<'_>) -> Option<Option<String>> {
    let Some(url) = &raw.url else {
        return Some(None);
    };
    let text = url.get_ref().trim();
    if raw.path.is_some() {
        let message = "set `storage.path` (a SQLite file) or `storage.url` (PostgreSQL), not both";
        report.add(url.span(), None, "storage.url", message);
        return None;
    }
    if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
        let message = "not a PostgreSQL URL (postgres://USER:PASSWORD@HOST/DATABASE); \
                       a SQLite file is `storage.path`";
        report.add(url.span(), None, "storage.url", message);
        return None;
    }
    Some(Some(text.to_owned()))
}

fn scheduler(raw: &RawScheduler, report: &mut Report<'_>) -> Option<SchedulerConfig> {
    let workers = positive(&raw.workers, DEFAULT_WORKERS, "scheduler.workers", report);
    let max_backoff = duration(
        &raw.max_backoff,
        DEFAULT_MAX_BACKOFF,
        "scheduler.max_backoff",
        report,
    );
    Some(SchedulerConfig {
        workers: workers?,
        jitter: raw
            .jitter
            .as_ref()
            .map_or(Duration::ZERO, |value| **value.get_ref()),
        max_backoff: max_backoff?,
    })
}

/// A duration that must not be zero (a zero timeout fails every request).
fn duration(
    raw: &Option<RawDuration>,
    default: Duration,
    key: &str,
    report: &mut Report<'_>,
) -> Option<Duration> {
    let Some(value) = raw else {
        return Some(default);
    };
    let duration: Duration = **value.get_ref();
    if duration.is_zero() {
        report.add(value.span(), None, key, "must be longer than 0s");
        return None;
    }
    Some(duration)
}

/// A count that must be at least 1.
fn positive<T: Copy + Default + PartialEq>(
    raw: &Option<Spanned<T>>,
    default: T,
    key: &str,
    report: &mut Report<'_>,
) -> Option<T> {
    let Some(value) = raw else {
        return Some(default);
    };
    let n = *value.get_ref();
    if n == T::default() {
        report.add(value.span(), None, key, "must be at least 1");
        return None;
    }
    Some(n)
}
