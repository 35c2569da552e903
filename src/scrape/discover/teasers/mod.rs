//! Teaser detection: the page's repeated teaser blocks, found without
//! selectors and written out as selectors.
//!
//! 1. `links`: every visible link with headline text, its headline element,
//!    its region (main content, chrome, sidebar, a "popular" box) and a key
//!    of its shape (tags and stable classes around the headline).
//! 2. `group`: links of one shape form a group; each link grows into its
//!    teaser; the best [`group::MAX_CANDIDATES`] by a first estimate go on.
//! 3. `pattern`: each group becomes a [`TeaserPattern`]; its items are what
//!    `scrape::listing` reads with it, so a stored pattern yields on later
//!    refreshes exactly what it was chosen for.
//! 4. `score`: the items are measured (URL and title shape, headline tags,
//!    region, dates/excerpts/images); the best group is accepted when it
//!    plausibly is the page's list of articles, and joined with the other
//!    good groups of the main content (a front page's several sections).
//!
//! Cost is linear in the page: at most [`links::MAX_LINKS`] links, a
//! bounded walk above each, and a bounded number of selector passes.

use scraper::{Html, Selector};
use url::Url;

use super::TeaserGroup;
use crate::model::{ScrapedItem, TeaserPattern};
use crate::scrape::listing;

mod css;
mod group;
mod links;
mod pattern;
mod region;
mod score;

#[cfg(test)]
mod tests;

use group::Candidate;
use score::Measures;

/// The least quality (see [`Measures::quality`]) of an accepted group.
const ACCEPT_QUALITY: f64 = 0.35;

/// The least mean region weight of an accepted group: mostly in the main
/// content, not in a sidebar or a "related" box.
const ACCEPT_REGION: f64 = 0.6;

/// The fewest items of an accepted group.
const ACCEPT_ITEMS: usize = 3;

/// The least quality of a group joined to the accepted one.
const JOIN_QUALITY: f64 = 0.45;

/// The least region weight of a joined group (main content only).
const JOIN_REGION: f64 = 0.9;

/// The least mean URL shape of a joined group (not kicker or section links).
const JOIN_URLS: f64 = 0.6;

/// The most groups joined into one pattern.
const MAX_JOINED: usize = 16;

/// The most groups reported (the accepted one and those rejected).
const MAX_REPORTED: usize = 8;

/// A group run through its pattern.
struct Built {
    pattern: TeaserPattern,
    items: Vec<ScrapedItem>,
    measures: Measures,
    headline: Vec<bool>,
    region: Vec<f64>,
    /// Whether the title and the link selectors match the teaser itself.
    own: (bool, bool),
}

/// The page's teaser groups, best first; the first is accepted when it is
/// plausibly the page's list of articles. Empty when the page has no
/// repeated links.
pub(super) fn find(doc: &Html, base: &Url) -> Vec<TeaserGroup> {
    let links = links::collect(doc, base);
    let index = css::TagIndex::new(doc.root_element());
    let mut built: Vec<Built> = group::candidates(doc, &links, base)
        .iter()
        .filter_map(|c| build(doc, c, &index, base))
        .filter(|b| b.items.len() >= 2)
        .collect();
    built.sort_by(|a, b| b.measures.score().total_cmp(&a.measures.score()));
    dedup_patterns(&mut built);
    let mut ranked = built.into_iter();
    let Some(best) = ranked.next() else {
        return Vec::new();
    };
    if !acceptable(&best.measures) {
        return std::iter::once(best)
            .chain(ranked)
            .take(MAX_REPORTED)
            .map(|b| report(b, false))
            .collect();
    }
    let (joined, rest) = join(doc, base, best, ranked);
    std::iter::once(report(joined, true))
        .chain(
            rest.into_iter()
                .take(MAX_REPORTED - 1)
                .map(|b| report(b, false)),
        )
        .collect()
}

fn build(doc: &Html, cand: &Candidate<'_>, index: &css::TagIndex<'_>, base: &Url) -> Option<Built> {
    let pattern = pattern::build(cand, index, base)?;
    let headline = vec![cand.headline; cand.items.len()];
    let region = cand.regions.iter().map(|r| r.weight()).collect();
    let first = *cand.items.first()?;
    let own = |css: &str| Selector::parse(css).is_ok_and(|s| s.matches(&first));
    let own = (own(&pattern.title), own(&pattern.link));
    let mut built = run(doc, base, pattern, headline, region)?;
    built.own = own;
    Some(built)
}

/// Runs a pattern through `scrape::listing`'s item reader and measures it.
fn run(
    doc: &Html,
    base: &Url,
    pattern: TeaserPattern,
    headline: Vec<bool>,
    region: Vec<f64>,
) -> Option<Built> {
    let rules = pattern::rules(&pattern)?;
    let items = listing::items_of(doc, base, &rules);
    let measures = Measures::of(&items, base, &headline, &region);
    Some(Built {
        pattern,
        items,
        measures,
        headline,
        region,
        own: (false, false),
    })
}

/// Keeps the first (best) of groups whose patterns are the same.
fn dedup_patterns(built: &mut Vec<Built>) {
    let mut seen: Vec<TeaserPattern> = Vec::new();
    built.retain(|b| {
        let new = !seen.contains(&b.pattern);
        seen.push(b.pattern.clone());
        new
    });
}

fn acceptable(m: &Measures) -> bool {
    m.count >= ACCEPT_ITEMS && m.quality() >= ACCEPT_QUALITY && m.region >= ACCEPT_REGION
}

fn joinable(m: &Measures) -> bool {
    m.count >= 2 && m.quality() >= JOIN_QUALITY && m.region >= JOIN_REGION && m.urls >= JOIN_URLS
}

/// Joins the best group with the other good groups of the main content
/// that bring mostly new links; returns the joined group and the rest.
fn join(
    doc: &Html,
    base: &Url,
    best: Built,
    others: impl Iterator<Item = Built>,
) -> (Built, Vec<Built>) {
    let mut links: Vec<Url> = best.items.iter().map(|i| i.link.clone()).collect();
    let (mut chosen, mut rest) = (vec![best], Vec::new());
    for b in others {
        let new = b.items.iter().filter(|i| !links.contains(&i.link)).count();
        let same_items = chosen.iter().any(|c| c.pattern.item == b.pattern.item);
        let fits = chosen.len() < MAX_JOINED && !same_items && joinable(&b.measures);
        if fits && new * 2 > b.items.len() {
            links.extend(b.items.iter().map(|i| i.link.clone()));
            chosen.push(b);
        } else {
            rest.push(b);
        }
    }
    if chosen.len() == 1 {
        return (chosen.remove(0), rest);
    }
    let pattern = joined_pattern(&chosen);
    let headline = chosen.iter().flat_map(|b| b.headline.clone()).collect();
    let region = chosen.iter().flat_map(|b| b.region.clone()).collect();
    match run(doc, base, pattern, headline, region) {
        Some(joined) => (joined, rest),
        None => (chosen.remove(0), rest),
    }
}

/// One pattern for several groups: a selector list of their items, and
/// each field scoped by its group's item selector (`article.post h2 a`), so
/// one group's title selector never picks an element in another's teaser.
fn joined_pattern(groups: &[Built]) -> TeaserPattern {
    let scoped = |field: &dyn Fn(&Built) -> Option<(&String, bool)>| {
        let parts: Vec<String> = groups
            .iter()
            .filter_map(|b| {
                let (css, own) = field(b)?;
                let item = &b.pattern.item;
                Some(if own {
                    item.clone()
                } else {
                    format!("{item} {css}")
                })
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    };
    let items: Vec<&str> = groups.iter().map(|b| b.pattern.item.as_str()).collect();
    TeaserPattern {
        item: items.join(", "),
        title: scoped(&|b| Some((&b.pattern.title, b.own.0))).unwrap_or_default(),
        link: scoped(&|b| Some((&b.pattern.link, b.own.1))).unwrap_or_default(),
        date: scoped(&|b| b.pattern.date.as_ref().map(|c| (c, false))),
        summary: scoped(&|b| b.pattern.summary.as_ref().map(|c| (c, false))),
        author: scoped(&|b| b.pattern.author.as_ref().map(|c| (c, false))),
        image: scoped(&|b| b.pattern.image.as_ref().map(|c| (c, false))),
    }
}

fn report(b: Built, accepted: bool) -> TeaserGroup {
    let groups = b.pattern.item.split(", ").count();
    let why = if groups > 1 {
        format!("{groups} teaser groups joined: {}", b.measures.describe())
    } else {
        format!("teasers {}: {}", b.pattern.item, b.measures.describe())
    };
    TeaserGroup {
        score: b.measures.score(),
        pattern: b.pattern,
        items: b.items,
        accepted,
        why,
    }
}
