//! Multi-page articles, the extraction's side (issue 11): on one parsed
//! article page, find the link to the next page of the same story and the
//! link to the whole story on one page (`links`, using the URL places of
//! `place`), drop the story's paging box ("Pages: 1 2 3", "Next page ›")
//! from the article, and, on page 2 and later, drop the blocks an earlier
//! page already had (the headline, the byline, a repeated standfirst or
//! navigation line). [`join`] puts the pages together.
//!
//! Pure like the rest of `extract`: it never fetches. Following the links
//! (at most so many pages, same host only, politely) is the pipeline's job
//! (`pipeline::pages`).

mod links;
mod place;
#[cfg(test)]
mod tests;

use std::collections::HashSet;

use url::Url;

use super::dom::{Doc, Key, NodeRef, Reason, attr, normalize, tag};
use crate::model::{Article, fnv1a};

pub use links::PageLinks;
use place::place;

/// The fingerprint of one text block of a page (FNV-1a of its normalized
/// text): page 2 and later drop the blocks whose fingerprint an earlier
/// page had.
pub type BlockPrint = u64;

/// A paging box holds at most this much text (non-whitespace characters):
/// "Pages: 1 2 3 4 5 Next ›", not a paragraph with a link to page 2.
const MAX_BOX_CHARS: usize = 200;

/// ...of which at most this much outside its links ("Pages:", "Page 2 of
/// 3", "Continue reading on").
const MAX_BOX_PLAIN_CHARS: usize = 30;

/// Elements whose text is one block of a page, when they hold no other
/// (the innermost block owns its text).
const BLOCKS: &[&str] = &[
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figcaption",
    "dd",
    "dt",
    "div",
    "section",
    "header",
    "footer",
    "address",
    "aside",
    "pre",
    "td",
    "th",
];

/// Elements that never make a paging box on their own (inline text).
const INLINE: &[&str] = &["a", "span", "strong", "b", "em", "i", "small", "sup", "sub"];

/// Finds the page's links to the rest of the story, removes its paging
/// boxes from the article under `root`, then removes the blocks whose
/// fingerprints are in `earlier` (the earlier pages'). Returns the links
/// and this page's block fingerprints (before that removal).
pub(crate) fn paginate<'a>(
    doc: &mut Doc<'a>,
    root: NodeRef<'a>,
    url: &Url,
    earlier: &HashSet<BlockPrint>,
) -> (PageLinks, Vec<BlockPrint>) {
    let links = links::find(doc, root, url);
    remove_paging(doc, root, url);
    let blocks = blocks(doc, root);
    for (node, print) in &blocks {
        if earlier.contains(print) && doc.is_live(*node) {
            doc.remove(*node, Reason::Boilerplate);
        }
    }
    (links, blocks.into_iter().map(|(_, print)| print).collect())
}

/// Puts the pages of one story together, in order: their HTML and text
/// one after another, the metadata (title, author, dates, canonical URL)
/// of the first page.
pub fn join(first: Article, rest: impl IntoIterator<Item = Article>) -> Article {
    let mut joined = first;
    for page in rest {
        joined.html.push_str(&page.html);
        if !page.text.trim().is_empty() {
            if !joined.text.is_empty() {
                joined.text.push_str("\n\n");
            }
            joined.text.push_str(&page.text);
        }
    }
    joined
}

/// Removes the boxes under `root` that hold the story's paging links (to a
/// numbered or single-page version of the same story, see
/// [`links::is_sibling`]): the largest short, link-made block around each.
fn remove_paging<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>, url: &Url) {
    let here = place(url);
    let boxes: Vec<NodeRef<'a>> = doc
        .elements(root)
        .filter(|node| tag(*node) == Some("a") && is_paging_link(*node, url, &here))
        .filter_map(|link| paging_box(doc, root, link))
        .collect();
    for node in boxes {
        if doc.is_live(node) {
            doc.remove(node, Reason::Boilerplate);
        }
    }
}

/// A link to another page of this story (numbered or single), or a page
/// number of the story's pager.
fn is_paging_link(node: NodeRef<'_>, url: &Url, here: &place::Place) -> bool {
    let Some(target) = attr(node, "href").and_then(|href| url.join(href.trim()).ok()) else {
        return false;
    };
    let there = place(&target);
    if !place::same_host(&target, url) || !links::is_sibling(&there, here) {
        return false;
    }
    let text = node_text(node);
    there.single
        || there.number.is_some()
        || (!text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || !c.is_alphanumeric()))
}

/// The largest block around `link` (below `root`) that is short and made
/// of links (see [`MAX_BOX_CHARS`]).
fn paging_box<'a>(doc: &Doc<'a>, root: NodeRef<'a>, link: NodeRef<'a>) -> Option<NodeRef<'a>> {
    let mut found = None;
    for ancestor in std::iter::once(link).chain(link.ancestors()) {
        if ancestor == root || !ancestor.value().is_element() {
            break;
        }
        let stats = doc.text_stats(ancestor);
        if stats.chars > MAX_BOX_CHARS || stats.chars - stats.link_chars > MAX_BOX_PLAIN_CHARS {
            break;
        }
        if !tag(ancestor).is_some_and(|t| INLINE.contains(&t)) {
            found = Some(ancestor);
        }
    }
    found
}

/// The live innermost blocks under `root` with text, and their
/// fingerprints. Each block marks its nearest enclosing block as not
/// innermost: one walk up per block, bounded by the markup's depth limit.
fn blocks<'a>(doc: &Doc<'a>, root: NodeRef<'a>) -> Vec<(NodeRef<'a>, BlockPrint)> {
    let is_block = |node: NodeRef<'_>| tag(node).is_some_and(|t| BLOCKS.contains(&t));
    let all: Vec<NodeRef<'a>> = doc.elements(root).filter(|node| is_block(*node)).collect();
    let mut outer = HashSet::new();
    for node in all.iter().filter(|node| **node != root) {
        for ancestor in node.ancestors() {
            if is_block(ancestor) {
                outer.insert(Key::of(ancestor));
                break;
            }
            if ancestor == root {
                break;
            }
        }
    }
    all.into_iter()
        .filter(|node| !outer.contains(&Key::of(*node)))
        .filter_map(|node| {
            let text = doc.norm_text(node);
            (!text.is_empty()).then(|| (node, fnv1a(text.as_bytes())))
        })
        .collect()
}

/// The text under a node, dead parts included, whitespace collapsed.
pub(super) fn node_text(node: NodeRef<'_>) -> String {
    let text: Vec<&str> = node
        .descendants()
        .filter_map(|n| n.value().as_text().map(|t| &**t))
        .collect();
    normalize(&text.join(" "))
}
