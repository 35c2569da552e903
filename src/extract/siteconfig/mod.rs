//! Site config files in the Full-Text RSS format (the public, CC0
//! `ftr-site-config` collection, also read by wallabag's graby): per-site
//! XPath rules naming an outlet's article body, headline, byline, date,
//! what to strip and where the next page is.
//!
//! Pure: the caller reads the folder (`config`) and hands over each file's
//! name and text; [`parse`] reads one file, [`xpath`] evaluates its rules
//! over scraper's tree, `apply` uses them during extraction (called from
//! `extract`), `links` finds the other pages of a multi-page article by
//! them (during the same extraction), and [`SiteConfigs`] picks the file for a
//! page's host.
//!
//! Host resolution follows Full-Text RSS and graby
//! (`ConfigBuilder::loadSiteConfig`): the host lower-cased, a leading
//! `www.` dropped, then `host.txt`, then the wildcard files `.host.txt`,
//! `.parent.txt`, ... for each parent domain of at least two labels (graby
//! tries only the first parent; its code marks the others as a to-do). The
//! first file found is the site's; a `global.txt` in the folder is merged
//! after it (its rules tried after the site's, its switches used where
//! the site sets none), unless the site says `autodetect_on_failure: no`,
//! as graby merges it. An IP address host matches only its exact file.

mod apply;
mod links;
pub mod parse;
pub mod xpath;

use std::collections::HashMap;

use scraper::Html;
use url::Url;

pub(crate) use apply::{Applied, Body, SiteRun, replace_html};
pub(crate) use links::SiteLinks;
pub use parse::{Origin, Problem, Replace, Rule, Severity, SiteConfig, TestUrl};
use xpath::{Item, Page};

/// The name of the file merged into every site's rules.
pub const GLOBAL_FILE: &str = "global.txt";

/// Most files read from a folder (the collection has about 2,000).
pub const MAX_FILES: usize = 20_000;

/// Every site config file of a folder, by file name.
#[derive(Debug, Default)]
pub struct SiteConfigs {
    files: HashMap<String, SiteConfig>,
}

/// The rules that apply to one host: its own file and `global.txt`.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'s> {
    /// The site's file, if one matched.
    pub site: Option<&'s SiteConfig>,
    /// `global.txt`, when present and not turned off by the site.
    pub global: Option<&'s SiteConfig>,
}

impl SiteConfigs {
    /// Parses the files (`(file name, text)`; names not ending in `.txt`
    /// are ignored).
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> SiteConfigs {
        let files = files
            .into_iter()
            .filter(|(name, _)| name.ends_with(".txt"))
            .map(|(name, text)| {
                let config = parse::parse(&name, &text);
                (name.to_ascii_lowercase(), config)
            })
            .collect();
        SiteConfigs { files }
    }

    /// Every file, sorted by name.
    pub fn files(&self) -> Vec<&SiteConfig> {
        let mut all: Vec<&SiteConfig> = self.files.values().collect();
        all.sort_by(|a, b| a.file.cmp(&b.file));
        all
    }

    /// How many files were read.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The rules for `url`'s host, or `None` when no file applies.
    pub fn for_url(&self, url: &Url) -> Option<Resolved<'_>> {
        let site = candidates(url)
            .into_iter()
            .find_map(|name| self.files.get(&format!("{name}.txt")));
        let autodetect =
            site.is_none_or(|s| s.autodetect_on_failure.as_ref().is_none_or(|r| r.value));
        let global = self.files.get(GLOBAL_FILE).filter(|_| autodetect);
        (site.is_some() || global.is_some()).then_some(Resolved { site, global })
    }

    /// The first of the site's `body` rules that selects an element of
    /// `page` (`file:line body`), for `refeed check --site-configs
    /// --fetch-test-urls`; `None` when none does or there are none.
    pub fn matching_body(&self, page: &Html, url: &Url) -> Option<String> {
        let indexed = Page::new(page.tree.root());
        self.for_url(url)?
            .rules(|c| &c.body)
            .find(|rule| {
                rule.value.select(&indexed).is_ok_and(|items| {
                    items
                        .iter()
                        .any(|item| matches!(item, Item::Node(n) if n.value().is_element()))
                })
            })
            .map(|rule| rule.origin.to_string())
    }
}

impl<'s> Resolved<'s> {
    /// The site's rules of one directive, then `global.txt`'s.
    pub fn rules<T: 's>(
        self,
        pick: impl Fn(&'s SiteConfig) -> &'s Vec<Rule<T>>,
    ) -> impl Iterator<Item = &'s Rule<T>> {
        self.site
            .into_iter()
            .chain(self.global)
            .flat_map(move |config| pick(config).iter())
    }

    /// A switch: the site's, else `global.txt`'s.
    pub fn switch(
        self,
        pick: impl Fn(&'s SiteConfig) -> &'s Option<Rule<bool>>,
    ) -> Option<&'s Rule<bool>> {
        self.site
            .and_then(|c| pick(c).as_ref())
            .or_else(|| self.global.and_then(|c| pick(c).as_ref()))
    }
}

/// The file names (without `.txt`) that may hold a host's rules, in the
/// order they are tried.
fn candidates(url: &Url) -> Vec<String> {
    let Some(host) = url.host_str() else {
        return Vec::new();
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let mut out = vec![host.clone()];
    if !matches!(url.host(), Some(url::Host::Domain(_))) {
        return out;
    }
    let mut rest = host.as_str();
    loop {
        if rest.contains('.') {
            out.push(format!(".{rest}"));
        }
        match rest.split_once('.') {
            Some((_, parent)) if parent.contains('.') => rest = parent,
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests;
