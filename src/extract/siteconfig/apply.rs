//! Applies a site's rules during extraction, in Full-Text RSS's order:
//! `find_string`/`replace_string` on the raw HTML before parsing; then
//! `strip`, `strip_id_or_class` and `strip_image_src` (after the source's
//! own `[source.clean]` removals, which win); then `title`, `author` and
//! `date` over the detected ones; then `body` (unless the source's
//! `[source.article] content` chose the article), all of its matches
//! making the article.
//!
//! Every node a rule removes or keeps out is recorded with the rule's
//! file, line and directive, for `refeed explain`.

use std::borrow::Cow;

use scraper::Html;

use super::links::{SiteLinks, site_links};
use super::parse::{Origin, Replace};
use super::xpath::{Item, Page, XPath};
use super::{Resolved, Rule};
use crate::extract::dom::{Doc, Key, KeyMap, NodeRef, Reason, contains, element, tag};
use crate::extract::meta::Meta;

/// Largest growth `find_string`/`replace_string` may cause: the page may
/// grow to twice its size plus 1 MiB; replacements that would go beyond
/// are not made (a one-character `find_string` with a long replacement
/// would otherwise multiply the page).
const MAX_GROWTH_BYTES: usize = 1024 * 1024;

/// What the site's rules did to one page, for `refeed explain`.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// The rule that removed each node it removed.
    pub(crate) removed_by: KeyMap<String>,
    /// The `body` rule that chose the article.
    pub(crate) body: Option<String>,
    /// The rules that chose a part (`body: file:line body`, `title: ...`).
    pub(crate) chosen: Vec<String>,
}

/// One page's site rules at work: the rules and the page's XPath index.
pub(crate) struct SiteRun<'s, 'a> {
    resolved: Resolved<'s>,
    page: Page<'a>,
    /// What was done, for `refeed explain`.
    pub(crate) applied: Applied,
}

/// The article body as the site's rules decide it.
pub(crate) enum Body<'a> {
    /// Chosen by a `body` rule.
    Chosen(NodeRef<'a>),
    /// No `body` rule matched and the site says `autodetect_on_failure: no`:
    /// the page has no article. Carries the explanation.
    Failed(String),
    /// No rule chose it: find it generically.
    Generic,
}

/// Applies the site's `find_string`/`replace_string` pairs in file order.
pub(crate) fn replace_html<'h>(resolved: &Resolved<'_>, html: &'h str) -> Cow<'h, str> {
    let limit = html
        .len()
        .saturating_mul(2)
        .saturating_add(MAX_GROWTH_BYTES);
    let mut out = Cow::Borrowed(html);
    for rule in resolved.rules(|c| &c.replace) {
        let Replace { find, with } = &rule.value;
        if find.is_empty() || !out.contains(find.as_str()) {
            continue;
        }
        let count = out.matches(find.as_str()).count();
        let grown = out.len() + count * with.len().saturating_sub(find.len());
        if grown > limit {
            tracing::debug!(rule = %rule.origin, "replacement skipped: the page would grow too much");
            continue;
        }
        out = Cow::Owned(out.replace(find.as_str(), with));
    }
    out
}

impl<'s, 'a> SiteRun<'s, 'a> {
    /// Indexes the parsed page for the rules.
    pub(crate) fn new(resolved: Resolved<'s>, parsed: &'a Html) -> Self {
        SiteRun {
            resolved,
            page: Page::new(parsed.tree.root()),
            applied: Applied::default(),
        }
    }

    /// Removes what `strip`, `strip_id_or_class` and `strip_image_src`
    /// name (live elements only: what the source's rules removed stays
    /// theirs).
    pub(crate) fn strip(&mut self, doc: &mut Doc<'a>) {
        for rule in self.resolved.rules(|c| &c.strip) {
            for node in self.elements(doc, &rule.value) {
                self.remove(doc, node, &rule.origin);
            }
        }
        for rule in self.resolved.rules(|c| &c.strip_id_or_class) {
            let word = rule.value.as_str();
            let hits: Vec<_> = doc
                .elements(doc.root)
                .filter(|n| has_id_or_class(*n, word))
                .collect();
            for node in hits {
                self.remove(doc, node, &rule.origin);
            }
        }
        for rule in self.resolved.rules(|c| &c.strip_image_src) {
            let hits: Vec<_> = doc
                .elements(doc.root)
                .filter(|n| tag(*n) == Some("img"))
                .filter(|n| {
                    element(*n)
                        .and_then(|e| e.attr("src"))
                        .is_some_and(|s| s.contains(rule.value.as_str()))
                })
                .collect();
            for node in hits {
                self.remove(doc, node, &rule.origin);
            }
        }
    }

    fn remove(&mut self, doc: &mut Doc<'a>, node: NodeRef<'a>, origin: &Origin) {
        if doc.is_live(node) {
            doc.remove(node, Reason::SiteConfig);
            self.applied
                .removed_by
                .insert(Key::of(node), origin.to_string());
        }
    }

    /// The live elements a rule selects (an evaluation over its budget
    /// selects nothing).
    fn elements(&self, doc: &Doc<'a>, rule: &XPath) -> Vec<NodeRef<'a>> {
        let Ok(items) = rule.select(&self.page) else {
            tracing::debug!(
                xpath = rule.source(),
                "site config rule stopped: too costly"
            );
            return Vec::new();
        };
        items
            .into_iter()
            .filter_map(|item| match item {
                Item::Node(node) if node.value().is_element() && doc.is_live(node) => Some(node),
                _ => None,
            })
            .collect()
    }

    /// Puts the site's `title`, `author` and `date` over the detected
    /// ones, each from its first rule that gives a text (a date only when
    /// it parses), and records the rules used.
    pub(crate) fn override_meta(&mut self, meta: &mut Meta) {
        if let Some((origin, texts)) = self.first_texts(|c| &c.title) {
            meta.title = texts.into_iter().next();
            self.applied.chosen.push(format!("title: {origin}"));
        }
        if let Some((origin, authors)) = self.first_texts(|c| &c.author) {
            let mut unique: Vec<String> = Vec::new();
            for author in authors {
                if !unique.contains(&author) {
                    unique.push(author);
                }
            }
            meta.author = Some(unique.join(", "));
            self.applied.chosen.push(format!("author: {origin}"));
        }
        let date = self.resolved.rules(|c| &c.date).find_map(|rule| {
            let texts = rule.value.texts(&self.page).ok()?;
            let date = texts.iter().find_map(|text| crate::dates::parse(text))?;
            Some((&rule.origin, date))
        });
        if let Some((origin, date)) = date {
            meta.published = Some(date);
            self.applied.chosen.push(format!("date: {origin}"));
        }
    }

    /// The first of the rules (`pick`) that gives a text, and its texts.
    fn first_texts(
        &self,
        pick: impl Fn(&'s super::SiteConfig) -> &'s Vec<Rule<XPath>>,
    ) -> Option<(&'s Origin, Vec<String>)> {
        self.resolved.rules(pick).find_map(|rule| {
            let texts = rule.value.texts(&self.page).ok()?;
            (!texts.is_empty()).then_some((&rule.origin, texts))
        })
    }

    /// The article by the site's `body` rules: the first rule that selects
    /// a live element wins; several elements make one article (the
    /// smallest block holding them all, everything else in it left out),
    /// as Full-Text RSS joins them.
    pub(crate) fn body(&mut self, doc: &mut Doc<'a>) -> Body<'a> {
        let mut tried = Vec::new();
        for rule in self.resolved.rules(|c| &c.body) {
            let parts = outermost(self.elements(doc, &rule.value));
            if let Some(root) = common_ancestor(&parts) {
                if parts.len() > 1 {
                    keep_only(doc, root, &parts);
                }
                self.applied.body = Some(rule.origin.to_string());
                self.applied.chosen.push(format!("body: {}", rule.origin));
                return Body::Chosen(root);
            }
            tried.push(rule.origin.to_string());
        }
        match self.resolved.switch(|c| &c.autodetect_on_failure) {
            Some(off) if !off.value && !tried.is_empty() => Body::Failed(format!(
                "no match for {}, and {}: no",
                tried.join(", "),
                off.origin
            )),
            _ => Body::Generic,
        }
    }

    /// The site's paging links on this page (see `links`).
    pub(crate) fn page_links(&self, url: &url::Url) -> SiteLinks<'s> {
        site_links(self.resolved, &self.page, url)
    }

    /// Whether the generic pruning (share bars, related links) runs on a
    /// body the site chose: not when the site says `prune: no`.
    pub(crate) fn prunes(&self) -> bool {
        self.applied.body.is_none()
            || self
                .resolved
                .switch(|c| &c.prune)
                .is_none_or(|rule| rule.value)
    }
}

/// Graby's reading of `strip_id_or_class` (j0k3r/graby#181): the id, or
/// one of the classes, is the word (Full-Text RSS matched any substring,
/// which stripped `p_related` for `related`).
fn has_id_or_class(node: NodeRef<'_>, word: &str) -> bool {
    element(node).is_some_and(|el| {
        el.id() == Some(word)
            || el
                .attr("class")
                .is_some_and(|c| c.split_whitespace().any(|c| c == word))
    })
}

/// Drops the nodes that sit inside another of them (document order kept).
fn outermost<'a>(nodes: Vec<NodeRef<'a>>) -> Vec<NodeRef<'a>> {
    let mut out: Vec<NodeRef<'a>> = Vec::new();
    for node in nodes {
        if !out.iter().any(|kept| contains(*kept, node)) {
            out.push(node);
        }
    }
    out
}

/// The nearest node holding all of `parts` (the part itself when alone).
fn common_ancestor<'a>(parts: &[NodeRef<'a>]) -> Option<NodeRef<'a>> {
    let first = *parts.first()?;
    std::iter::once(first)
        .chain(first.ancestors())
        .find(|candidate| parts.iter().all(|part| contains(*candidate, *part)))
}

/// Leaves `parts` and their ancestors under `root`, removing every other
/// branch as outside the article.
fn keep_only<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>, parts: &[NodeRef<'a>]) {
    let mut on_path: KeyMap<()> = KeyMap::default();
    for part in parts {
        for node in std::iter::once(*part).chain(part.ancestors()) {
            if node == root {
                break;
            }
            on_path.insert(Key::of(node), ());
        }
    }
    let is_part = |node: NodeRef<'a>| parts.contains(&node);
    let mut stack: Vec<NodeRef<'a>> = root.children().collect();
    while let Some(node) = stack.pop() {
        if is_part(node) {
            continue;
        }
        if on_path.contains_key(&Key::of(node)) {
            stack.extend(node.children());
        } else if node.value().is_element()
            || node.value().as_text().is_some_and(|t| !t.trim().is_empty())
        {
            doc.remove(node, Reason::Outside);
        }
    }
}

#[cfg(test)]
mod tests;
