//! Validates the `[[source]]` tables: ids, URLs, schedules, selectors and
//! clean rules, each problem reported with the source and key it concerns.
//! Compiling the selectors and clean rules is `rules`'s part.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::Range;

use toml::Spanned;
use url::Url;

use super::limits::{RefreshLimits, limit_problem};
use super::raw::RawSource;
use super::report::{Report, SourceName};
use super::{DEFAULT_MAX_ITEMS, ListingCss, Source};
use crate::fetch::Access;
use crate::model::fnv1a;
use crate::schedule::cron::CronSchedule;

mod lifecycle;
mod method;
mod rules;

pub(crate) use rules::selector_reason;

/// The id of the combined feed (`/feeds/all.rss`), so no source may use it.
const RESERVED_ID: &str = "all";

/// A digest of what decides how a source's pages are read: `full_text`,
/// `method` and its `[source.items]`, `[source.article]` and `[source.clean]` values as
/// written (without their positions in the file, so editing another source
/// changes nothing). Stored with the HTTP validators of its pages: after
/// the rules change, the next fetch is unconditional, so the page is parsed
/// with the new rules instead of being answered 304.
fn rules_digest(raw: &RawSource) -> String {
    fn text(value: &Option<Spanned<String>>) -> Option<&str> {
        value.as_ref().map(|v| v.get_ref().as_str())
    }
    fn texts(values: &[Spanned<String>]) -> Vec<&str> {
        values.iter().map(|v| v.get_ref().as_str()).collect()
    }
    let items = raw.items.as_ref().map(|items| {
        let i = items.get_ref();
        [
            &i.item, &i.title, &i.link, &i.summary, &i.date, &i.author, &i.image,
        ]
        .map(text)
    });
    let content = raw
        .article
        .as_ref()
        .and_then(|a| text(&a.get_ref().content));
    let clean = raw
        .clean
        .as_ref()
        .map(|c| (texts(&c.remove), texts(&c.remove_text)));
    let method = text(&raw.method);
    let written = format!("{:?}", (raw.full_text, items, content, clean, method));
    format!("{:016x}", fnv1a(written.as_bytes()))
}

/// Whether `id` is `[a-z0-9-]+` (it becomes a feed URL).
fn well_formed(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Validates every source; the result holds only the valid ones (the caller
/// refuses the file when `report` is not empty).
/// `listen` is refeed's own address: no source may point at it.
pub(super) fn sources(
    raw: Vec<Spanned<RawSource>>,
    limits: &RefreshLimits,
    listen: Option<SocketAddr>,
    report: &mut Report<'_>,
) -> Vec<Source> {
    lifecycle::check_renames(&raw, report);
    let mut first_seen: HashMap<String, Range<usize>> = HashMap::new();
    let mut valid = Vec::new();
    for (index, raw) in raw.into_iter().enumerate() {
        let header = raw.span();
        let raw = raw.into_inner();
        let name = match &raw.id {
            Some(id) => SourceName::Id(id.get_ref().clone()),
            None => SourceName::Position(index + 1),
        };
        if let Some(id) = &raw.id {
            check_duplicate(id, &name, &mut first_seen, report);
        }
        let mut check = Check {
            report,
            name,
            header,
            limits: *limits,
            listen,
        };
        if let Some(source) = check.source(raw) {
            valid.push(source);
        }
    }
    valid
}

fn check_duplicate(
    id: &Spanned<String>,
    name: &SourceName,
    seen: &mut HashMap<String, Range<usize>>,
    report: &mut Report<'_>,
) {
    match seen.get(id.get_ref()) {
        Some(first) => {
            let line = super::report::line_of(report.text(), first.start);
            let message = format!(
                "duplicate id {:?} (first used on line {line})",
                id.get_ref()
            );
            report.add(id.span(), Some(name), "id", message);
        }
        None => {
            seen.insert(id.get_ref().clone(), id.span());
        }
    }
}

/// Validation of one source: where its problems go and how they are named.
struct Check<'r, 'a> {
    report: &'r mut Report<'a>,
    name: SourceName,
    /// The `[[source]]` header: where a missing key is reported.
    header: Range<usize>,
    /// `[refresh]`: the bounds a source does not set itself.
    limits: RefreshLimits,
    /// `[server] listen`, if valid.
    listen: Option<SocketAddr>,
}

impl Check<'_, '_> {
    fn fail(&mut self, span: Range<usize>, key: &str, message: impl std::fmt::Display) {
        self.report.add(span, Some(&self.name), key, message);
    }

    fn source(&mut self, raw: RawSource) -> Option<Source> {
        let rules_digest = rules_digest(&raw);
        let id = self.id(raw.id);
        let title = self.title(raw.title);
        let url = self.url(raw.url);
        let schedule = self.schedule(raw.schedule);
        let max_items = self.max_items(raw.max_items);
        let max_new_items = self.limit(
            raw.max_new_items,
            self.limits.max_new_items,
            "max_new_items",
        );
        let max_article_fetches = self.limit(
            raw.max_article_fetches,
            self.limits.max_article_fetches,
            "max_article_fetches",
        );
        let pin = self.method(raw.method, raw.items.is_some());
        let listing_css = raw.items.as_ref().map(|items| {
            let items = items.get_ref();
            let text = |v: &Option<Spanned<String>>| {
                v.as_ref().map(|v| v.get_ref().clone()).unwrap_or_default()
            };
            ListingCss {
                item: text(&items.item),
                title: text(&items.title),
                link: text(&items.link),
            }
        });
        let listing = match raw.items {
            Some(items) => self.listing(items).map(Some),
            None => Some(None),
        };
        let previous_ids = self.previous_ids(raw.previous_ids);
        let retention = self.retention(raw.keep, raw.keep_items);
        let full_text = raw.full_text.unwrap_or(false);
        let article = self.article(raw.article, raw.clean.unwrap_or_default(), full_text);
        Some(Source {
            id: id?,
            title: title?,
            url: url?,
            schedule: schedule?,
            full_text,
            respect_robots: raw.respect_robots.unwrap_or(true),
            max_items: max_items?,
            max_new_items: max_new_items?,
            max_article_fetches: max_article_fetches?,
            listing: listing?,
            pin: pin?,
            listing_css,
            article: article?,
            rules_digest,
            previous_ids: previous_ids?,
            retention: retention?,
        })
    }

    fn required<T>(
        &mut self,
        value: Option<Spanned<T>>,
        key: &str,
        what: &str,
    ) -> Option<Spanned<T>> {
        if value.is_none() {
            let header = self.header.clone();
            self.fail(header, key, format!("missing; {what}"));
        }
        value
    }

    fn id(&mut self, id: Option<Spanned<String>>) -> Option<String> {
        let id = self.required(
            id,
            "id",
            "every source needs an id ([a-z0-9-]+) for its feed URL",
        )?;
        let text = id.get_ref();
        if !well_formed(text) {
            let message = format!(
                "malformed id {text:?}: use only lower-case letters, digits and '-' (it becomes the feed URL)"
            );
            self.fail(id.span(), "id", message);
            return None;
        }
        if text == RESERVED_ID {
            self.fail(
                id.span(),
                "id",
                "id \"all\" is reserved for the combined feed",
            );
            return None;
        }
        Some(id.into_inner())
    }

    fn title(&mut self, title: Option<Spanned<String>>) -> Option<Option<String>> {
        match title {
            Some(title) if title.get_ref().trim().is_empty() => {
                let message = "empty title; leave the key out to use the page's own title";
                self.fail(title.span(), "title", message);
                None
            }
            title => Some(title.map(|t| t.into_inner().trim().to_owned())),
        }
    }

    fn url(&mut self, url: Option<Spanned<String>>) -> Option<Url> {
        let url = self.required(
            url,
            "url",
            "every source needs the URL of its listing page or feed",
        )?;
        match http_url(url.get_ref()) {
            Ok(parsed) if self.is_own_listen(&parsed) => {
                let message = format!(
                    "{parsed} is refeed's own listen address ([server] listen): \
                     refeed never fetches itself"
                );
                self.fail(url.span(), "url", message);
                None
            }
            Ok(parsed) => Some(parsed),
            Err(reason) => {
                self.fail(url.span(), "url", reason);
                None
            }
        }
    }

    /// Whether `url` points at `[server] listen` (by address: a wildcard
    /// listen covers every local address at its port).
    fn is_own_listen(&self, url: &Url) -> bool {
        let Some(listen) = self.listen else {
            return false;
        };
        let mut access = Access::default();
        access.forbid_listen(listen);
        access.is_own_listen(url)
            || (url.host_str() == Some("localhost")
                && url.port_or_known_default() == Some(listen.port())
                && (listen.ip().is_loopback() || listen.ip().is_unspecified()))
    }

    fn schedule(&mut self, schedule: Option<Spanned<String>>) -> Option<CronSchedule> {
        let what = "every source needs a cron schedule such as \"*/30 * * * *\"";
        let schedule = self.required(schedule, "schedule", what)?;
        match CronSchedule::parse(schedule.get_ref()) {
            Ok(parsed) => Some(parsed),
            Err(err) => {
                self.fail(schedule.span(), "schedule", err);
                None
            }
        }
    }

    fn max_items(&mut self, max_items: Option<Spanned<usize>>) -> Option<usize> {
        match max_items {
            None => Some(DEFAULT_MAX_ITEMS),
            Some(n) if *n.get_ref() == 0 => {
                self.fail(n.span(), "max_items", "must be at least 1");
                None
            }
            Some(n) => Some(n.into_inner()),
        }
    }

    /// A refresh bound the source sets, or the `[refresh]` default.
    fn limit(&mut self, value: Option<Spanned<usize>>, default: usize, key: &str) -> Option<usize> {
        let Some(value) = value else {
            return Some(default);
        };
        match limit_problem(*value.get_ref(), key) {
            Some(problem) => {
                self.fail(value.span(), key, problem);
                None
            }
            None => Some(value.into_inner()),
        }
    }
}

/// Parses an absolute http(s) URL, or says why it is not one.
pub(super) fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("invalid URL {text:?}: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("URL {text:?} has no host")),
        scheme => Err(format!(
            "URL {text:?} has scheme {scheme:?}; only http and https are supported"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_pass() {
        assert!(http_url("https://example.org/feed/").is_ok());
        assert!(http_url("HTTP://Example.org").is_ok());
        assert!(
            http_url("ftp://example.org/")
                .unwrap_err()
                .contains("\"ftp\"")
        );
        assert!(http_url("/relative").unwrap_err().contains("invalid URL"));
        assert!(
            http_url("file:///etc/passwd")
                .unwrap_err()
                .contains("\"file\"")
        );
    }
}
