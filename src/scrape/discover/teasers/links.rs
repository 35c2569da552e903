//! The page's candidate links: each visible `<a href>` with text, its
//! headline element, the region it sits in, and the structural key that
//! groups it with the links of the same teaser shape.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use super::css;
use super::region::{self, Region};
use crate::scrape::text::{collapse_whitespace, resolve_http};

/// The most links read from one page; a real listing has a few hundred
/// (a 2014 news front page about 600), so past this a page is hostile.
pub(super) const MAX_LINKS: usize = 5_000;

/// How far up an anchor's ancestors are read for its region.
const MAX_REGION_DEPTH: usize = 40;

static ANCHOR: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("body a[href]").expect("valid selector"));
static HEADING: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("h1, h2, h3, h4, h5, h6").expect("valid selector"));

/// One candidate link.
#[derive(Debug, Clone)]
pub(super) struct Link {
    /// The `<a>` element.
    pub anchor: NodeId,
    /// The headline: the heading around or inside the anchor, a
    /// title-classed element inside it, else the anchor itself.
    pub head: NodeId,
    /// The outer of anchor and headline: where the walk to the item starts.
    pub start: NodeId,
    /// Whether the headline is a heading (h1–h6) or title-classed.
    pub headline_tag: bool,
    /// The absolute link.
    pub url: Url,
    /// The region of its nearest marked ancestor.
    pub region: Region,
    /// Links with the same key share a teaser shape.
    pub key: u64,
}

/// Candidate links in page order: visible, http(s), not back to the page
/// itself, with headline text.
pub(super) fn collect(doc: &Html, base: &Url) -> Vec<Link> {
    let anchors: Vec<ElementRef<'_>> = doc.select(&ANCHOR).take(MAX_LINKS).collect();
    let mut markers = Markers::new();
    let mut facts = Facts::new();
    let (mut found, mut marks) = (Vec::new(), Vec::new());
    for a in &anchors {
        let Some(url) = resolve_http(base, a.value().attr("href").unwrap_or_default()) else {
            continue;
        };
        if same_page(&url, base) {
            continue;
        }
        let Some(place) = place(*a, &mut markers, &mut facts) else {
            continue;
        };
        if let Some(link) = link(*a, url, place.region_key) {
            found.push(link);
            marks.push(place.marks);
        }
    }
    settle_regions(&mut found, &marks, &markers, anchors.len());
    found
}

/// Marked ancestors seen: their region, whether a tag or role (rather than
/// a class name) marks them, and how many candidate anchors they hold.
type Markers = HashMap<NodeId, (Region, bool, usize)>;

/// What an element says of the anchors inside it (whether it hides them,
/// the region it marks), read once per element: anchors share ancestors.
type Facts = HashMap<NodeId, (bool, Option<Region>)>;

/// Where an anchor sits: its marked ancestors, nearest first.
struct Place {
    marks: Vec<NodeId>,
    region_key: Option<NodeId>,
}

/// Reads the anchor's ancestors: hidden ones drop it; marked ones are
/// recorded (and counted in `markers`, to tell a box from a page wrapper).
fn place(a: ElementRef<'_>, markers: &mut Markers, facts: &mut Facts) -> Option<Place> {
    let mut marks = Vec::new();
    let mut in_article = false;
    let mut pending_header = None;
    for (depth, el) in std::iter::once(a)
        .chain(a.ancestors().filter_map(ElementRef::wrap))
        .enumerate()
    {
        let (hidden, marked) = *facts
            .entry(el.id())
            .or_insert_with(|| (region::hidden(el), region::marked(el)));
        if hidden {
            return None;
        }
        if depth > MAX_REGION_DEPTH {
            continue;
        }
        let name = el.value().name();
        if name == "article" {
            in_article = true;
            pending_header = None;
        }
        if matches!(name, "header" | "footer") {
            // A teaser's own <header>/<footer> is not the page's.
            if !in_article && pending_header.is_none() {
                pending_header = Some(el.id());
            }
            continue;
        }
        if let Some(region) = marked {
            let by_tag =
                matches!(name, "nav" | "aside" | "main") || el.value().attr("role").is_some();
            markers.entry(el.id()).or_insert((region, by_tag, 0)).2 += 1;
            marks.push(el.id());
        }
    }
    if let Some(header) = pending_header {
        markers.entry(header).or_insert((Region::Chrome, true, 0)).2 += 1;
        marks.insert(0, header);
    }
    Some(Place {
        region_key: marks.first().copied(),
        marks,
    })
}

/// A link pointing back at the page (`#top`, `?replytocom=`-less self links).
fn same_page(url: &Url, base: &Url) -> bool {
    url.scheme() == base.scheme()
        && url.host_str() == base.host_str()
        && url.path().trim_end_matches('/') == base.path().trim_end_matches('/')
        && url.query() == base.query()
}

fn link(a: ElementRef<'_>, url: Url, region_key: Option<NodeId>) -> Option<Link> {
    let (head, headline_tag) = headline(a);
    if head.text().all(|t| t.trim().is_empty()) {
        return None;
    }
    let start = if head.ancestors().any(|n| n.id() == a.id()) {
        a
    } else {
        head
    };
    Some(Link {
        anchor: a.id(),
        head: head.id(),
        start: start.id(),
        headline_tag,
        url,
        region: Region::Main,
        key: shape_key(a, head, region_key),
    })
}

/// Gives each link the region of its nearest marked ancestor, ignoring
/// class-named markers that hold most of the page's links (a wrapper
/// `div.has-sidebar` is not a sidebar).
fn settle_regions(links: &mut [Link], marks: &[Vec<NodeId>], markers: &Markers, anchors: usize) {
    for (link, marks) in links.iter_mut().zip(marks) {
        let mut found = marks
            .iter()
            .filter_map(|id| markers.get(id))
            .filter(|(_, by_tag, count)| *by_tag || *count * 2 <= anchors.max(1));
        let nearest = found.next();
        // A "widget" inside the main column (Blogger's posts widget) is not a sidebar.
        link.region = match nearest {
            Some((Region::Aside, false, _))
                if found.next().is_some_and(|m| m.0 == Region::Main) =>
            {
                Region::Main
            }
            Some(m) => m.0,
            None => Region::Main,
        };
    }
}

/// The headline of a link and whether it is a heading or title-classed:
/// a heading around the anchor (up to two levels), a heading inside it, an
/// element inside it classed as a title, else the anchor.
fn headline(a: ElementRef<'_>) -> (ElementRef<'_>, bool) {
    let around = a
        .ancestors()
        .take(2)
        .filter_map(ElementRef::wrap)
        .find(|e| is_heading(e.value().name()));
    if let Some(h) = around {
        // A heading holding a kicker beside its link: the link is the headline.
        let longer = text_len(h) > text_len(a) + 2;
        return (if longer { a } else { h }, true);
    }
    if let Some(h) = a.select(&HEADING).next() {
        return (h, true);
    }
    let titled = a
        .descendants()
        .take(50)
        .filter_map(ElementRef::wrap)
        .find(|e| css::title_classed(*e));
    match titled {
        Some(t) => (t, true),
        None => (a, css::title_classed(a)),
    }
}

fn text_len(el: ElementRef<'_>) -> usize {
    el.text().map(|t| t.trim().len()).sum()
}

/// Whether a tag is a heading.
pub(super) fn is_heading(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// The shape of a link: the headline's tag and classes, its parent's, the
/// tags of three more ancestors, how anchor and headline nest, and the
/// nearest marked region.
fn shape_key(a: ElementRef<'_>, head: ElementRef<'_>, region: Option<NodeId>) -> u64 {
    let mut h = DefaultHasher::new();
    (a.id() == head.id()).hash(&mut h);
    css::describe(head).hash(&mut h);
    let mut up = head.ancestors().filter_map(ElementRef::wrap);
    if let Some(parent) = up.next() {
        css::describe(parent).hash(&mut h);
    }
    for el in up.take(3) {
        el.value().name().hash(&mut h);
    }
    region.hash(&mut h);
    h.finish()
}

/// The page's first heading inside `item` that is not a date line (Blogger
/// prints the day as an `h2` above the post title), if any.
pub(super) fn item_heading(item: ElementRef<'_>) -> Option<ElementRef<'_>> {
    item.select(&HEADING).take(4).find(|h| {
        let text = collapse_whitespace(&h.text().collect::<String>());
        !text.is_empty() && crate::dates::parse(&text).is_none()
    })
}
