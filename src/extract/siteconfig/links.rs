//! The other pages of a multi-page article by a site's rules:
//! `next_page_link` (the page after this one) and `single_page_link` (the
//! whole story on one page), each an XPath selecting an `<a>` (its `href`
//! is the link) or giving the link itself (`//a[@rel='next']/@href`,
//! `string(...)`).
//!
//! A site's rule wins over detection (`extract::pages`); when the site's
//! rules find nothing the detected link stands, unless the site says
//! `autodetect_next_page: no` (then its rules alone decide, as Full-Text
//! RSS decides without detection). The rules are evaluated on the page as
//! Full-Text RSS and graby evaluate them: after `find_string`/
//! `replace_string`, before `strip` (a site often strips the very pager
//! its `next_page_link` reads).
//!
//! Cost: the rules read the tree extraction parsed (through
//! `SiteRun::page_links`); the page is not parsed again.

use url::Url;

use super::xpath::{Item, Page, XPath};
use super::{Origin, Resolved, Rule, SiteConfig};
use crate::extract::PageLinks;

/// What a site's paging rules found on one page, before detection is
/// consulted.
#[derive(Debug, Clone, Default)]
pub(crate) struct SiteLinks<'s> {
    /// The next page, with the rule that gave it.
    next: Option<(Url, &'s Origin)>,
    /// The single-page version, with its rule.
    single: Option<(Url, &'s Origin)>,
    /// Whether detected links stand where the rules find none (not when
    /// the site says `autodetect_next_page: no`).
    autodetect: bool,
}

/// Evaluates the site's `next_page_link` and `single_page_link` rules on
/// `page`, the page as extraction parsed it (after the site's
/// replacements, without scripts and styles, before any removal: the
/// overlay of `dom::Doc` never touches the tree the rules read). Without
/// such rules nothing is evaluated.
pub(crate) fn site_links<'s>(site: Resolved<'s>, page: &Page<'_>, url: &Url) -> SiteLinks<'s> {
    let autodetect = site
        .switch(|c| &c.autodetect_next_page)
        .is_none_or(|rule| rule.value);
    if !has_paging_rules(site) {
        return SiteLinks {
            autodetect,
            ..SiteLinks::default()
        };
    }
    SiteLinks {
        next: link(site, page, url, |c| &c.next_page_link),
        single: link(site, page, url, |c| &c.single_page_link),
        autodetect,
    }
}

impl SiteLinks<'_> {
    /// The page's links: the site's where its rules found one, else
    /// `detected` (see the module documentation).
    pub(crate) fn over(&self, detected: PageLinks) -> PageLinks {
        let fallback = if self.autodetect {
            detected
        } else {
            PageLinks::default()
        };
        let url = |found: &Option<(Url, &Origin)>| found.as_ref().map(|(link, _)| link.clone());
        PageLinks {
            next: url(&self.next).or(fallback.next),
            single: url(&self.single).or(fallback.single),
        }
    }

    /// The links found, each with its rule, for `refeed explain` (`next
    /// page: URL (by file:line next_page_link)`).
    pub(crate) fn explained(&self) -> Vec<String> {
        let next = self.next.as_ref().map(|l| ("next page", l));
        let single = self.single.as_ref().map(|l| ("single page", l));
        next.into_iter()
            .chain(single)
            .map(|(what, (link, origin))| format!("{what}: {link} (by {origin})"))
            .collect()
    }
}

/// Whether the site has `next_page_link` or `single_page_link` rules.
fn has_paging_rules(site: Resolved<'_>) -> bool {
    site.rules(|c| &c.next_page_link).next().is_some()
        || site.rules(|c| &c.single_page_link).next().is_some()
}

/// The link of the first of the site's rules (`pick`) that gives one,
/// and that rule.
fn link<'s>(
    site: Resolved<'s>,
    page: &Page<'_>,
    url: &Url,
    pick: impl Fn(&'s SiteConfig) -> &'s Vec<Rule<XPath>>,
) -> Option<(Url, &'s Origin)> {
    site.rules(pick).find_map(|rule| {
        let link = link_of(&rule.value, page, url)?;
        tracing::debug!(rule = %rule.origin, url = %url, link = %link, "site config page link");
        Some((link, &rule.origin))
    })
}

/// The link a rule points at: the `href` of the first element it selects
/// that has one (an `<a>`), or, when it selects no element, the first
/// text it gives (`.../@href`, `string(...)`), as graby reads it; made
/// absolute against `base`. Only an http(s) link to another page counts.
fn link_of(rule: &XPath, page: &Page<'_>, base: &Url) -> Option<Url> {
    let items = rule.select(page).ok()?;
    fn element<'a>(item: &Item<'a>) -> Option<&'a scraper::node::Element> {
        match item {
            Item::Node(node) => node.value().as_element(),
            Item::Attr(..) => None,
        }
    }
    let href = if items.iter().any(|item| element(item).is_some()) {
        items
            .iter()
            .find_map(|item| element(item)?.attr("href"))
            .map(str::to_owned)
    } else {
        rule.texts(page).ok()?.into_iter().next()
    }?;
    let link = base.join(href.trim()).ok()?;
    (matches!(link.scheme(), "http" | "https") && link != *base).then_some(link)
}

#[cfg(test)]
mod tests;
