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
//! Cost: the page is parsed again, only on hosts whose site config has
//! such a rule, and refused beyond the [`markup`](crate::markup) limits
//! like every extracted page.

use scraper::Html;
use url::Url;

use super::xpath::{Item, Page, XPath};
use super::{Origin, Resolved, Rule, SiteConfig, SiteConfigs, replace_html};
use crate::extract::{PageLinks, prepass};

impl SiteConfigs {
    /// The next-page and single-page links of the page `html` at `url`:
    /// those of its site's rules where they find one, else `detected`
    /// (see the module documentation). Without such rules for the host,
    /// `detected` unchanged and the page not parsed.
    pub fn page_links(&self, html: &str, url: &Url, detected: PageLinks) -> PageLinks {
        let Some(site) = self.for_url(url) else {
            return detected;
        };
        let autodetect = site
            .switch(|c| &c.autodetect_next_page)
            .is_none_or(|rule| rule.value);
        let fallback = if autodetect {
            detected
        } else {
            PageLinks::default()
        };
        if !has_paging_rules(site) {
            return fallback;
        }
        let Some(page) = parse(site, html) else {
            return fallback;
        };
        PageLinks {
            next: link(site, &page, url, |c| &c.next_page_link)
                .map(|(link, _)| link)
                .or(fallback.next),
            single: link(site, &page, url, |c| &c.single_page_link)
                .map(|(link, _)| link)
                .or(fallback.single),
        }
    }

    /// The links the site's rules find on the page, each with its rule,
    /// for `refeed explain` (`next page: URL (by file:line
    /// next_page_link)`); empty without such rules or links.
    pub fn page_link_rules(&self, html: &str, url: &Url) -> Vec<String> {
        let Some(site) = self.for_url(url).filter(|site| has_paging_rules(*site)) else {
            return Vec::new();
        };
        let Some(page) = parse(site, html) else {
            return Vec::new();
        };
        let next = link(site, &page, url, |c| &c.next_page_link).map(|l| ("next page", l));
        let single = link(site, &page, url, |c| &c.single_page_link).map(|l| ("single page", l));
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

/// The page as the rules read it: after the site's replacements, without
/// scripts and styles; `None` beyond the markup limits.
fn parse(site: Resolved<'_>, html: &str) -> Option<Html> {
    let (stripped, _) = prepass::strip(&replace_html(&site, html));
    crate::markup::check(&stripped).ok()?;
    Some(Html::parse_document(&stripped))
}

/// The link of the first of the site's rules (`pick`) that gives one,
/// and that rule.
fn link<'s>(
    site: Resolved<'s>,
    page: &Html,
    url: &Url,
    pick: impl Fn(&'s SiteConfig) -> &'s Vec<Rule<XPath>>,
) -> Option<(Url, &'s Origin)> {
    let indexed = Page::new(page.tree.root());
    site.rules(pick).find_map(|rule| {
        let link = link_of(&rule.value, &indexed, url)?;
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
