//! Candidate teaser groups: links of one shape, each grown into its teaser
//! (the largest ancestor holding no other link of the group), ranked by a
//! first estimate so only the best few are turned into selectors.

use std::collections::HashMap;

use ego_tree::NodeId;
use scraper::{ElementRef, Html};
use url::Url;

use super::links::{self, Link};
use super::region::Region;
use super::score;
use crate::scrape::text::collapse_whitespace;

/// How many groups are turned into selectors and run (each costs a pass
/// over the page).
pub(super) const MAX_CANDIDATES: usize = 12;

/// How far above its headline a teaser may start.
const MAX_UP: usize = 6;

/// A group of teasers of one shape, in page order.
#[derive(Debug)]
pub(super) struct Candidate<'a> {
    /// The teaser elements.
    pub items: Vec<ElementRef<'a>>,
    /// Each teaser's headline element.
    pub titles: Vec<ElementRef<'a>>,
    /// Each teaser's link element.
    pub anchors: Vec<ElementRef<'a>>,
    /// Each teaser's link.
    pub urls: Vec<Url>,
    /// Each teaser's region.
    pub regions: Vec<Region>,
    /// Whether the headlines are headings or title-classed.
    pub headline: bool,
}

/// The page's best candidate groups, best estimate first.
pub(super) fn candidates<'a>(doc: &'a Html, links: &[Link], base: &Url) -> Vec<Candidate<'a>> {
    let mut by_key: HashMap<u64, Vec<&Link>> = HashMap::new();
    let mut order = Vec::new();
    for link in links {
        let members = by_key.entry(link.key).or_default();
        if members.is_empty() {
            order.push(link.key);
        }
        members.push(link);
    }
    let mut ranked: Vec<(f64, &Vec<&Link>)> = order
        .iter()
        .filter_map(|k| by_key.get(k))
        .filter(|m| distinct_urls(m) >= 2)
        .map(|m| (estimate(doc, m, base), m))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked
        .into_iter()
        .take(MAX_CANDIDATES)
        .filter_map(|(_, members)| grow(doc, members))
        .collect()
}

fn distinct_urls(members: &[&Link]) -> usize {
    let mut urls: Vec<&str> = members.iter().map(|l| l.url.as_str()).collect();
    urls.sort_unstable();
    urls.dedup();
    urls.len()
}

fn element(doc: &Html, id: NodeId) -> Option<ElementRef<'_>> {
    doc.tree.get(id).and_then(ElementRef::wrap)
}

fn text_of(el: ElementRef<'_>) -> String {
    collapse_whitespace(&el.text().collect::<String>())
}

/// Mean URL shape × mean title shape × mean region weight × √size.
fn estimate(doc: &Html, members: &[&Link], base: &Url) -> f64 {
    let n = members.len() as f64;
    let mean = |f: &dyn Fn(&Link) -> f64| members.iter().map(|l| f(l)).sum::<f64>() / n;
    let urls = mean(&|l| score::url_shape(&l.url, base));
    let titles = mean(&|l| element(doc, l.head).map_or(0.0, |h| score::title_shape(&text_of(h))));
    let region = mean(&|l| l.region.weight());
    urls * titles.max(0.3) * region * n.sqrt()
}

/// Turns a group of links into teasers: each link's teaser is its
/// ancestor at the level where most links still have one of their own.
fn grow<'a>(doc: &'a Html, members: &[&Link]) -> Option<Candidate<'a>> {
    let starts: Vec<ElementRef<'a>> = members
        .iter()
        .filter_map(|l| element(doc, l.start))
        .collect();
    if starts.len() != members.len() {
        return None;
    }
    let level = item_level(&starts);
    let mut seen = Vec::new();
    let mut cand = Candidate {
        items: Vec::new(),
        titles: Vec::new(),
        anchors: Vec::new(),
        urls: Vec::new(),
        regions: Vec::new(),
        headline: members.iter().all(|l| l.headline_tag),
    };
    for (link, start) in members.iter().zip(&starts) {
        let item = ancestor(*start, level);
        if seen.contains(&item.id()) || cand.urls.contains(&link.url) {
            continue;
        }
        seen.push(item.id());
        cand.items.push(item);
        cand.titles.push(element(doc, link.head)?);
        cand.anchors.push(element(doc, link.anchor)?);
        cand.urls.push(link.url.clone());
        cand.regions.push(link.region);
    }
    keep_majority_tag(&mut cand);
    prefer_item_headings(&mut cand);
    (cand.items.len() >= 2).then_some(cand)
}

/// The level above the starts at which teasers sit: for each start, how
/// many ancestors hold no other start (up to [`MAX_UP`], never past
/// `<body>` or `<main>`); the lower quartile of those, so one teaser
/// holding two links does not merge its neighbours.
fn item_level(starts: &[ElementRef<'_>]) -> usize {
    let mut counts: HashMap<NodeId, usize> = HashMap::new();
    for start in starts {
        for el in chain(*start).take(MAX_UP + 1) {
            *counts.entry(el.id()).or_default() += 1;
        }
    }
    let mut own: Vec<usize> = starts
        .iter()
        .map(|s| {
            chain(*s)
                .take(MAX_UP + 1)
                .take_while(|el| counts.get(&el.id()) == Some(&1) && !is_page_level(*el))
                .count()
                .saturating_sub(1)
        })
        .collect();
    own.sort_unstable();
    own[own.len() / 4]
}

/// An element and its element ancestors.
fn chain(el: ElementRef<'_>) -> impl Iterator<Item = ElementRef<'_>> {
    std::iter::once(el).chain(el.ancestors().filter_map(ElementRef::wrap))
}

fn is_page_level(el: ElementRef<'_>) -> bool {
    matches!(el.value().name(), "body" | "html" | "main")
}

fn ancestor(el: ElementRef<'_>, level: usize) -> ElementRef<'_> {
    chain(el).nth(level).unwrap_or(el)
}

/// Drops the teasers whose tag differs from most (one selector names them).
fn keep_majority_tag(cand: &mut Candidate<'_>) {
    let mut tally: HashMap<&str, usize> = HashMap::new();
    for item in &cand.items {
        *tally.entry(item.value().name()).or_default() += 1;
    }
    let Some((tag, _)) = tally.into_iter().max_by_key(|(_, n)| *n) else {
        return;
    };
    let tag = tag.to_owned();
    let keep: Vec<bool> = cand.items.iter().map(|i| i.value().name() == tag).collect();
    let mut flags = keep.iter();
    cand.items.retain(|_| *flags.next().unwrap_or(&false));
    retain_by(&mut cand.titles, &keep);
    retain_by(&mut cand.anchors, &keep);
    retain_by(&mut cand.urls, &keep);
    retain_by(&mut cand.regions, &keep);
}

fn retain_by<T>(list: &mut Vec<T>, keep: &[bool]) {
    let mut flags = keep.iter();
    list.retain(|_| *flags.next().unwrap_or(&false));
}

/// When the link is not a headline (Blogger links the post's time, not its
/// title) but most teasers hold a heading that is not a date, that heading
/// is the title.
fn prefer_item_headings(cand: &mut Candidate<'_>) {
    if cand.headline {
        return;
    }
    let headings: Vec<Option<ElementRef<'_>>> =
        cand.items.iter().map(|i| links::item_heading(*i)).collect();
    if headings.iter().all(Option::is_some) {
        cand.titles = headings.into_iter().flatten().collect();
        cand.headline = true;
    }
}
