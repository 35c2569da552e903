//! `refeed try`: what a source would yield, before it is added. It finds
//! the items of a page the way a refresh does (`pipeline::discover`: feed,
//! WordPress REST API, structured data, teasers), or with the user's own
//! selectors, and prints the method chosen and why, the candidates
//! rejected, the first items, a warning for each field no item has, and a
//! `[[source]]` block to paste into the config.
//!
//! `refeed try URL` fetches politely (robots.txt obeyed, the `[fetch]`
//! settings of the config file when there is one); `refeed try FILE --url
//! URL` reads a saved page and uses no network at all. Neither needs a
//! config, and neither opens the database.

mod article;
mod considered;
mod render;
mod selectors;
mod source_block;

use std::path::Path;

use anyhow::Context;
use url::Url;

use super::extract::read_page;
use crate::config::Config;
use crate::fetch::{FetchConfig, Fetcher};
use crate::model::{Method, ScrapedItem, TeaserPattern};
use crate::pipeline::RefreshError;
use crate::pipeline::discover::{self, Considered, Detect, Discovered};
use selectors::UserSelectors;

pub use source_block::{SUGGESTED_SCHEDULE, source_block, source_id};

/// How `refeed try` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryFormat {
    /// The report for people.
    Text,
    /// `{"method": ..., "items": [{"url", "title", "date", "author",
    /// "summary", "image"}]}`: the listing benchmark's contract.
    Json,
}

/// What to try on the page.
#[derive(Debug, Clone)]
pub struct TryRequest {
    /// A method to force (`--method`).
    pub pin: Option<Method>,
    /// The user's selectors (`--item`, `--title`, `--link`, ...), instead
    /// of detection.
    pub selectors: Option<TeaserPattern>,
    /// Text or JSON.
    pub format: TryFormat,
    /// Also fetch and extract the first item's article (text output,
    /// network only).
    pub full_text: bool,
}

/// What `refeed try` prints, and whether it failed: a failure (no list of
/// articles) still prints what was considered, in text.
#[derive(Debug)]
pub struct TryOutput {
    /// Standard output.
    pub stdout: String,
    /// Warnings for standard error: in JSON, where standard output holds
    /// only the JSON (the text report has them inline).
    pub warnings: Vec<String>,
    /// The error to report (and exit non-zero with), if any.
    pub failure: Option<anyhow::Error>,
}

/// Items found, and how.
#[derive(Debug, Clone)]
struct Found {
    method: Method,
    /// The chosen candidate's verdict: why this method.
    why: String,
    items: Vec<ScrapedItem>,
    /// The selectors to print for teasers (or the user's own).
    pattern: Option<TeaserPattern>,
    /// Entries past `scrape::MAX_PAGE_ITEMS`, left unread.
    unread: usize,
}

/// What a try made of a page.
#[derive(Debug)]
struct Preview {
    /// The URL asked for (the printed source's `url`).
    url: Url,
    /// The items, when some method found any.
    found: Option<Found>,
    /// Candidates rejected (or, when nothing was found, all considered).
    considered: Vec<Considered>,
    /// Warnings besides the missing fields (bad dates, selectors that
    /// matched nothing, a WordPress API given up).
    warnings: Vec<String>,
    /// Why nothing was found (set exactly when `found` is `None`): the
    /// pipeline's error, printed last and the command's failure.
    failure: Option<anyhow::Error>,
}

impl Preview {
    /// A detection's outcome: its first candidate is the chosen one.
    fn discovered(url: &Url, discovered: Discovered) -> Self {
        let mut considered = discovered.considered;
        let chosen = considered
            .first()
            .filter(|c| c.method == discovered.method)
            .is_some();
        let why = if chosen {
            considered.remove(0).verdict
        } else {
            format!("{} item(s)", discovered.page.items.len())
        };
        let mut warnings = Vec::new();
        if let Some(why) = discovered.wordpress_refused {
            warnings.push(format!("the WordPress REST API was given up: {why}"));
        }
        if let Some(text) = discovered.page.bad_date {
            warnings.push(format!("a date on the page does not read as one: {text:?}"));
        }
        Self {
            url: url.clone(),
            found: Some(Found {
                method: discovered.method,
                why,
                items: discovered.page.items,
                pattern: discovered.pattern,
                unread: discovered.page.unread,
            }),
            considered,
            warnings,
            failure: None,
        }
    }

    /// Nothing found, for the reason `failure`; `considered` says what was
    /// looked at.
    fn nothing(url: &Url, considered: Vec<Considered>, failure: anyhow::Error) -> Self {
        Self {
            url: url.clone(),
            found: None,
            considered,
            warnings: Vec::new(),
            failure: Some(failure),
        }
    }

    /// The report in `format`, failing when nothing was found.
    fn output(self, format: TryFormat) -> anyhow::Result<TryOutput> {
        let (stdout, warnings) = match (format, &self.found) {
            (TryFormat::Text, _) => (render::text(&self), Vec::new()),
            (TryFormat::Json, Some(found)) => {
                (render::json(found, &self.url)?, render::all_warnings(&self))
            }
            (TryFormat::Json, None) => (String::new(), render::all_warnings(&self)),
        };
        Ok(TryOutput {
            stdout,
            warnings,
            failure: self.failure,
        })
    }
}

/// `refeed try FILE --url URL`: the saved page `input` (`.html`,
/// `.html.gz`, or `-` for standard input), read as if fetched from `url`.
/// No network: the WordPress API is not asked, and `--full-text` only
/// says so.
pub fn try_file(input: &Path, url: &Url, request: &TryRequest) -> anyhow::Result<TryOutput> {
    let html = read_page(input)?;
    let preview = match &request.selectors {
        Some(pattern) => UserSelectors::compile(pattern.clone())?.scrape(&html, url)?,
        None => match discover::detect_offline(&html, url, request.pin) {
            Ok(discovered) => Preview::discovered(url, discovered),
            Err(err) if found_nothing(&err) => {
                Preview::nothing(url, survey_if_shown(&html, url, request.format), err.into())
            }
            Err(err) => return Err(err.into()),
        },
    };
    let mut output = preview.output(request.format)?;
    if request.full_text && request.format == TryFormat::Text {
        output.stdout.push_str(article::OFFLINE_NOTE);
    }
    Ok(output)
}

/// `refeed try URL`: fetches the page through one polite client (the
/// `[fetch]` settings of `config` when that file exists, else the
/// defaults) and finds its items as a refresh would.
pub async fn try_url(config: &Path, url: &Url, request: &TryRequest) -> anyhow::Result<TryOutput> {
    let fetcher = fetcher_for(config, url)?;
    let preview = match &request.selectors {
        Some(pattern) => {
            let user = UserSelectors::compile(pattern.clone())?;
            let (body, base) = fetch_page(&fetcher, url).await?;
            tokio::task::spawn_blocking(move || user.scrape(&body, &base)).await??
        }
        None => detect_online(&fetcher, url, request).await?,
    };
    let first = preview.found.as_ref().and_then(|f| f.items.first());
    let first = first.map(|item| item.link.clone());
    let mut output = preview.output(request.format)?;
    if let Some(link) = first.filter(|_| request.full_text) {
        output
            .stdout
            .push_str(&article::first_article(&fetcher, &link).await);
    }
    Ok(output)
}

/// Whether detection failed for finding nothing (no list of articles, a
/// pinned method that does not apply), rather than for not reading the
/// page at all (a fetch error, a parse bomb): only then is there
/// something to show of what was considered.
fn found_nothing(err: &RefreshError) -> bool {
    !matches!(
        err,
        RefreshError::Fetch(_)
            | RefreshError::TooComplex { .. }
            | RefreshError::Parse(_)
            | RefreshError::Panicked(_)
    )
}

/// What was considered on a page where detection found nothing: surveyed
/// again for the text report only (JSON prints nothing on failure, and the
/// benchmark should not pay for a second parse).
fn survey_if_shown(html: &str, url: &Url, format: TryFormat) -> Vec<Considered> {
    match format {
        TryFormat::Text => considered::from_page(html, url),
        TryFormat::Json => Vec::new(),
    }
}

/// Detection over the network; when it finds nothing, the text report
/// fetches the page once more and surveys it, to show what was
/// considered.
async fn detect_online(
    fetcher: &Fetcher,
    url: &Url,
    request: &TryRequest,
) -> anyhow::Result<Preview> {
    let detect = Detect {
        url,
        pin: request.pin,
        remembered: None,
        respect_robots: true,
        source_id: None,
    };
    match discover::detect(fetcher, &detect).await {
        Ok(discovered) => Ok(Preview::discovered(url, discovered)),
        Err(err) if found_nothing(&err) && request.format == TryFormat::Json => {
            Ok(Preview::nothing(url, Vec::new(), err.into()))
        }
        Err(err) if found_nothing(&err) => {
            let considered = match fetch_page(fetcher, url).await {
                Ok((body, base)) => {
                    tokio::task::spawn_blocking(move || considered::from_page(&body, &base)).await?
                }
                Err(err) => {
                    tracing::warn!(url = %url, error = %format!("{err:#}"), "cannot survey the page");
                    Vec::new()
                }
            };
            Ok(Preview::nothing(url, considered, err.into()))
        }
        Err(err) => Err(err.into()),
    }
}

/// The page's body and final URL (after redirects, the base for its
/// relative links).
async fn fetch_page(fetcher: &Fetcher, url: &Url) -> anyhow::Result<(String, Url)> {
    let page = fetcher
        .get(url)
        .await
        .with_context(|| format!("cannot fetch {url}"))?;
    Ok((page.body, page.url))
}

/// The one client of a try: the config file's `[fetch]` settings when
/// `config` exists (an invalid file is an error, not ignored), else the
/// defaults; either way the typed URL's origin is allowed, as a source's
/// own origin is (the user asked for it: a page on the local network
/// included).
fn fetcher_for(config: &Path, url: &Url) -> anyhow::Result<Fetcher> {
    let mut fetch = if config.exists() {
        Config::load(config)?.fetch
    } else {
        FetchConfig::default()
    };
    fetch.access.allow_origin(url);
    Ok(Fetcher::new(&fetch)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScrapedPage;

    fn candidate(method: Method, items: usize, score: Option<f64>, verdict: &str) -> Considered {
        Considered {
            method,
            items,
            score,
            verdict: verdict.into(),
            pattern: None,
        }
    }

    #[test]
    fn the_chosen_candidate_gives_the_why_and_the_others_are_the_rejected() {
        let url = Url::parse("https://a.example/news/").unwrap();
        let discovered = Discovered {
            method: Method::Teasers,
            page: ScrapedPage::default(),
            pattern: None,
            considered: vec![
                candidate(
                    Method::Teasers,
                    12,
                    Some(9.5),
                    "12 teasers with h2 headlines",
                ),
                candidate(Method::Feed, 0, None, "not a feed"),
                candidate(Method::Teasers, 4, Some(2.0), "a sidebar box"),
            ],
            wordpress_refused: Some("403 on /wp-json/".into()),
        };
        let preview = Preview::discovered(&url, discovered);
        let found = preview.found.as_ref().unwrap();
        assert_eq!(found.why, "12 teasers with h2 headlines");
        let rejected: Vec<_> = preview.considered.iter().map(|c| c.items).collect();
        assert_eq!(rejected, [0, 4]);
        assert_eq!(
            preview.warnings,
            ["the WordPress REST API was given up: 403 on /wp-json/"]
        );
        let report = render::text(&preview);
        assert!(report.contains("\nrejected:\n"), "{report}");
        assert!(report.contains("score 2.00"), "{report}");
    }

    #[test]
    fn nothing_found_fails_with_the_pipelines_message_and_prints_no_json() {
        let url = Url::parse("https://a.example/news/").unwrap();
        let failure = RefreshError::NoItems {
            url: url.to_string(),
        };
        let preview = Preview::nothing(&url, Vec::new(), failure.into());
        let output = preview.output(TryFormat::Json).unwrap();
        assert!(output.stdout.is_empty());
        assert_eq!(
            output.failure.unwrap().to_string(),
            "found no list of articles on https://a.example/news/: add [source.items] \
             selectors (refeed try https://a.example/news/ shows what was considered)"
        );
    }
}
