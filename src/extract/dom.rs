//! A removal overlay over a parsed page, and the text measures every step
//! shares.
//!
//! The parsed tree is never mutated: removing a node records it (with the
//! reason) in [`Doc`], and every walk skips removed subtrees. This keeps node
//! handles valid across steps (scraper does not re-export `ego_tree::NodeId`,
//! so ids could not cross function boundaries anyway), and the recorded
//! reasons are what a later "explain what was removed" needs (issue 3).

use std::collections::HashMap;
use std::ops::Deref;

use scraper::node::Element;
use scraper::{ElementRef, Node, Selector};

/// A node of the parsed tree (`ego_tree::NodeRef<'a, scraper::Node>`, named
/// through `ElementRef`'s `Deref` target because scraper does not re-export
/// ego_tree).
pub(crate) type NodeRef<'a> = <ElementRef<'a> as Deref>::Target;

/// The identity of a node within one parsed page: the address of its value.
/// Stable because the tree is never mutated while a [`Doc`] borrows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key(usize);

impl Key {
    pub(crate) fn of(node: NodeRef<'_>) -> Key {
        Key(std::ptr::from_ref::<Node>(node.value()) as usize)
    }
}

/// Why a node was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Scripts, forms, navigation, comment sections: never article content.
    Junk,
    /// Hidden by inline style or attribute (spam links hide this way).
    Hidden,
    /// Matched a source's `clean.remove` selector.
    RuleSelector,
    /// Held a source's `clean.remove_text`.
    RuleText,
    /// Class/id vocabulary of share bars, related posts, bios, tag lists.
    Boilerplate,
    /// "The post … appeared first on …", "Continue reading" in feeds.
    FeedFooter,
    /// Left empty after sanitizing.
    Empty,
}

/// A parsed page (or fragment) plus the nodes removed from it.
pub(crate) struct Doc<'a> {
    /// The tree's root (the document or fragment node).
    pub(crate) root: NodeRef<'a>,
    removed: HashMap<Key, Reason>,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(html: &'a scraper::Html) -> Doc<'a> {
        Doc {
            root: html.tree.root(),
            removed: HashMap::new(),
        }
    }

    /// The live `<body>` of a document, or the root of a fragment.
    pub(crate) fn body(&self) -> NodeRef<'a> {
        self.root
            .descendants()
            .find(|n| tag(*n) == Some("body") && self.is_live(*n))
            .unwrap_or(self.root)
    }

    /// Removes `node` and everything under it; the first reason given sticks.
    pub(crate) fn remove(&mut self, node: NodeRef<'a>, reason: Reason) {
        self.removed.entry(Key::of(node)).or_insert(reason);
    }

    /// Whether `node` itself was removed (not looking at its ancestors).
    pub(crate) fn is_removed(&self, node: NodeRef<'_>) -> bool {
        self.removed.contains_key(&Key::of(node))
    }

    /// Whether `node` is still in the page: neither it nor an ancestor removed.
    pub(crate) fn is_live(&self, node: NodeRef<'_>) -> bool {
        !self.is_removed(node) && !node.ancestors().any(|a| self.is_removed(a))
    }

    /// Live elements under `scope` (itself included), in document order.
    pub(crate) fn elements(&self, scope: NodeRef<'a>) -> Vec<NodeRef<'a>> {
        let mut out = Vec::new();
        let mut stack = vec![scope];
        while let Some(node) = stack.pop() {
            if self.is_removed(node) {
                continue;
            }
            if node.value().is_element() {
                out.push(node);
            }
            stack.extend(node.children().rev());
        }
        out
    }

    /// Live elements matching `selector` in the whole page.
    pub(crate) fn select(&self, selector: &Selector) -> Vec<NodeRef<'a>> {
        self.elements(self.root)
            .into_iter()
            .filter(|n| ElementRef::wrap(*n).is_some_and(|e| selector.matches(&e)))
            .collect()
    }

    /// The live text under `node`, as it appears in the source.
    pub(crate) fn raw_text(&self, node: NodeRef<'a>) -> String {
        let mut out = String::new();
        self.each_text(node, &mut |text, _| out.push_str(text));
        out
    }

    /// The live text under `node`, lower-cased with whitespace collapsed:
    /// the form `clean.remove_text` is matched against.
    pub(crate) fn norm_text(&self, node: NodeRef<'a>) -> String {
        normalize(&self.raw_text(node))
    }

    /// Characters of live text under `node` (whitespace not counted) and how
    /// many of them sit inside links.
    pub(crate) fn text_stats(&self, node: NodeRef<'a>) -> TextStats {
        let mut stats = TextStats::default();
        self.each_text(node, &mut |text, in_link| {
            let n = text.chars().filter(|c| !c.is_whitespace()).count();
            stats.chars += n;
            if in_link {
                stats.link_chars += n;
            }
        });
        stats
    }

    /// Calls `f(text, inside_a_link)` for every live text node under `node`.
    fn each_text(&self, node: NodeRef<'a>, f: &mut dyn FnMut(&str, bool)) {
        let in_link = node.ancestors().any(|a| tag(a) == Some("a"));
        // Iterative: hostile pages nest thousands of elements deep.
        let mut stack = vec![(node, in_link)];
        while let Some((node, in_link)) = stack.pop() {
            if self.is_removed(node) {
                continue;
            }
            match node.value() {
                Node::Text(text) => f(text, in_link),
                Node::Element(_) | Node::Document | Node::Fragment => {
                    let in_link = in_link || tag(node) == Some("a");
                    stack.extend(node.children().rev().map(|c| (c, in_link)));
                }
                _ => {}
            }
        }
    }

    /// Walks the live elements under `scope` (not `scope` itself) in
    /// document order; where `decide` gives a reason, removes the element
    /// and skips its subtree.
    pub(crate) fn remove_where(
        &mut self,
        scope: NodeRef<'a>,
        mut decide: impl FnMut(&Doc<'a>, NodeRef<'a>) -> Option<Reason>,
    ) {
        let mut stack: Vec<_> = scope.children().rev().collect();
        while let Some(node) = stack.pop() {
            if self.is_removed(node) || !node.value().is_element() {
                continue;
            }
            match decide(self, node) {
                Some(reason) => self.remove(node, reason),
                None => stack.extend(node.children().rev()),
            }
        }
    }
}

/// Amount of text in a subtree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TextStats {
    /// Non-whitespace characters.
    pub(crate) chars: usize,
    /// Non-whitespace characters inside `<a>`.
    pub(crate) link_chars: usize,
}

impl TextStats {
    /// Share of the text that is link text (0 when there is no text).
    pub(crate) fn link_density(self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f64 / self.chars as f64
        }
    }
}

/// The element of a node, if it is one.
pub(crate) fn element<'a>(node: NodeRef<'a>) -> Option<&'a Element> {
    node.value().as_element()
}

/// The local tag name of an element node.
pub(crate) fn tag<'a>(node: NodeRef<'a>) -> Option<&'a str> {
    element(node).map(Element::name)
}

/// An attribute of an element node.
pub(crate) fn attr<'a>(node: NodeRef<'a>, name: &str) -> Option<&'a str> {
    element(node).and_then(|e| e.attr(name))
}

/// Whether `ancestor` is `node` or one of its ancestors.
pub(crate) fn contains(ancestor: NodeRef<'_>, node: NodeRef<'_>) -> bool {
    ancestor == node || node.ancestors().any(|a| a == ancestor)
}

/// Lower-cases and collapses whitespace (non-breaking spaces included).
pub(crate) fn normalize(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn normalize_collapses_whitespace_and_case() {
        assert_eq!(
            normalize("  Urgent\u{a0}End \n Of\tYEAR "),
            "urgent end of year"
        );
    }

    #[test]
    fn removed_subtrees_disappear_from_walks_and_text() {
        let html =
            Html::parse_fragment("<div><p>keep <a href=x>link</a></p><p id=b>drop</p></div>");
        let mut doc = Doc::new(&html);
        let b = doc.select(&Selector::parse("#b").unwrap())[0];
        doc.remove(b, Reason::RuleSelector);
        let div = doc.select(&Selector::parse("div").unwrap())[0];
        assert_eq!(doc.norm_text(div), "keep link");
        assert!(!doc.is_live(b.first_child().unwrap()));
        assert_eq!(doc.elements(div).len(), 3);
        let stats = doc.text_stats(div);
        assert_eq!((stats.chars, stats.link_chars), (8, 4));
        assert!((stats.link_density() - 0.5).abs() < 1e-9);
    }
}
