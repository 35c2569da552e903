//! The config file exactly as written: every table and key the TOML may
//! hold, unknown keys rejected, values still unchecked. Values keep their
//! byte spans (`Spanned`) so validation can name the line of each problem.
//!
//! Keys a source cannot do without (`id`, `url`, `schedule`, the three
//! required item selectors) are `Option` here on purpose: serde would stop at
//! the first missing one, while validation reports them all at once.

use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

/// A duration written as humantime text (`"30s"`, `"2m"`).
pub(crate) type RawDuration = Spanned<humantime_serde::Serde<Duration>>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawConfig {
    #[serde(default)]
    pub server: RawServer,
    #[serde(default)]
    pub storage: RawStorage,
    #[serde(default)]
    pub fetch: RawFetch,
    #[serde(default)]
    pub scheduler: RawScheduler,
    #[serde(default)]
    pub refresh: RawRefresh,
    #[serde(default)]
    pub extract: RawExtract,
    #[serde(default, rename = "source")]
    pub sources: Vec<Spanned<RawSource>>,
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawServer {
    pub listen: Option<Spanned<String>>,
    pub base_url: Option<Spanned<String>>,
    pub websub_hub: Option<Spanned<String>>,
    pub header_read_timeout: Option<RawDuration>,
    pub idle_timeout: Option<RawDuration>,
    pub max_connections: Option<Spanned<usize>>,
    pub cache_bytes: Option<usize>,
}

/// `[storage]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStorage {
    pub path: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub keep_removed: Option<RawDuration>,
}

/// `[fetch]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFetch {
    pub timeout: Option<RawDuration>,
    pub connect_timeout: Option<RawDuration>,
    pub first_byte_timeout: Option<RawDuration>,
    pub max_body_bytes: Option<Spanned<u64>>,
    pub max_redirects: Option<usize>,
    pub per_host_concurrency: Option<Spanned<usize>>,
    pub per_host_delay: Option<RawDuration>,
    pub max_connections: Option<Spanned<usize>>,
    pub allow_hosts: Option<Vec<Spanned<String>>>,
}

/// `[scheduler]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScheduler {
    pub workers: Option<Spanned<usize>>,
    pub jitter: Option<RawDuration>,
    pub max_backoff: Option<RawDuration>,
}

/// `[refresh]`: the defaults of the per-source bounds of one refresh.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRefresh {
    pub max_new_items: Option<Spanned<usize>>,
    pub max_article_fetches: Option<Spanned<usize>>,
}

/// `[extract]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExtract {
    pub site_config_dir: Option<Spanned<String>>,
}

/// One `[[source]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSource {
    pub id: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub schedule: Option<Spanned<String>>,
    pub full_text: Option<bool>,
    pub respect_robots: Option<bool>,
    pub max_items: Option<Spanned<usize>>,
    pub max_new_items: Option<Spanned<usize>>,
    pub max_article_fetches: Option<Spanned<usize>>,
    pub method: Option<Spanned<String>>,
    pub items: Option<Spanned<RawItems>>,
    pub article: Option<Spanned<RawArticle>>,
    pub clean: Option<RawClean>,
    pub previous_ids: Option<Vec<Spanned<String>>>,
    pub keep: Option<RawDuration>,
    pub keep_items: Option<Spanned<usize>>,
}

/// `[source.items]`: CSS selectors of a listing page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawItems {
    pub item: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub link: Option<Spanned<String>>,
    pub summary: Option<Spanned<String>>,
    pub date: Option<Spanned<String>>,
    pub author: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
}

/// `[source.article]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArticle {
    pub content: Option<Spanned<String>>,
}

/// `[source.clean]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClean {
    #[serde(default)]
    pub remove: Vec<Spanned<String>>,
    #[serde(default)]
    pub remove_text: Vec<Spanned<String>>,
}

/// Where the sources of a file start and what they are called, read
/// leniently (unknown keys ignored, other values not typed) so that an error
/// serde reports at some byte offset can be placed in its source even though
/// [`RawConfig`] failed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Outline {
    #[serde(default)]
    pub source: Vec<Spanned<SourceOutline>>,
}

/// A `[[source]]` in an [`Outline`].
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SourceOutline {
    /// Any type: a source whose `id` is not a string still has a position.
    pub id: Option<toml::Value>,
}

impl Outline {
    /// The outline of `text`, or an empty one when even the lenient read
    /// fails (`source = 5`): errors are then placed by line only.
    pub fn of(text: &str) -> Self {
        toml::from_str(text).unwrap_or_default()
    }
}

impl SourceOutline {
    /// The source's id when it is a string.
    pub fn id(&self) -> Option<&str> {
        self.id.as_ref().and_then(toml::Value::as_str)
    }
}
