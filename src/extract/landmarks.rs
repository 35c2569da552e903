//! The elements metadata is read from, found in one walk of the page:
//! `meta`, `link`, `title`, `time` and JSON-LD `script` elements, and the
//! byline candidates. Reading each kind with its own walk of the whole tree
//! cost more than reading the metadata.
//!
//! Every element is listed, removed or not, in document order: readers that
//! want only live ones (visible dates, bylines) ask the [`Doc`].

use html5ever::local_name;

use super::dom::{Doc, NodeRef, attr, element, tag};

/// Classes one of which every element a byline selector (`meta::BYLINE`)
/// matches has: the class its last compound names.
pub(crate) const BYLINE_CLASSES: &[&str] = &[
    "author",
    "author-name",
    "fn",
    "entry-author",
    "post-author-name",
    "byline",
];

/// Whether a `class` attribute names one of the [`BYLINE_CLASSES`], case
/// ignored (selectors ignore it on pages in quirks mode).
fn has_byline_class(classes: &str) -> bool {
    classes
        .split_ascii_whitespace()
        .any(|c| BYLINE_CLASSES.iter().any(|b| b.eq_ignore_ascii_case(c)))
}

/// The page's metadata elements, each kind in document order.
#[derive(Default)]
pub(crate) struct Landmarks<'a> {
    /// The `<html>` element.
    pub(crate) html: Option<NodeRef<'a>>,
    /// The first `<title>`.
    pub(crate) title: Option<NodeRef<'a>>,
    /// `<meta>` elements.
    pub(crate) metas: Vec<NodeRef<'a>>,
    /// `<link>` elements.
    pub(crate) links: Vec<NodeRef<'a>>,
    /// `<script>` elements (JSON-LD among them).
    pub(crate) scripts: Vec<NodeRef<'a>>,
    /// `<time datetime>` elements.
    pub(crate) times: Vec<NodeRef<'a>>,
    /// Elements with a `rel` attribute.
    pub(crate) rels: Vec<NodeRef<'a>>,
    /// Elements with one of the [`BYLINE_CLASSES`].
    pub(crate) bylines: Vec<NodeRef<'a>>,
}

impl<'a> Landmarks<'a> {
    /// Walks the whole page once.
    pub(crate) fn of(doc: &Doc<'a>) -> Landmarks<'a> {
        let mut marks = Landmarks {
            html: doc.root.children().find(|n| tag(*n) == Some("html")),
            ..Landmarks::default()
        };
        // Names compared as interned atoms: one integer comparison each.
        for node in doc.root.descendants() {
            let Some(el) = element(node) else { continue };
            let name = &el.name.local;
            if *name == local_name!("meta") {
                marks.metas.push(node);
            } else if *name == local_name!("link") {
                marks.links.push(node);
            } else if *name == local_name!("script") {
                marks.scripts.push(node);
            } else if *name == local_name!("title") && marks.title.is_none() {
                marks.title = Some(node);
            } else if *name == local_name!("time") && attr(node, "datetime").is_some() {
                marks.times.push(node);
            }
            for (key, value) in &el.attrs {
                if key.prefix.is_some() || !key.ns.is_empty() {
                    continue;
                }
                if key.local == local_name!("rel") {
                    marks.rels.push(node);
                } else if key.local == local_name!("class") && has_byline_class(value) {
                    marks.bylines.push(node);
                }
            }
        }
        marks
    }
}
