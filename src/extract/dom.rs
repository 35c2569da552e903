//! A removal overlay over a parsed page, and the text measures every step
//! shares.
//!
//! The parsed tree is never mutated: removing a node records it (with the
//! reason) in [`Doc`], and every walk skips removed subtrees. This keeps node
//! handles valid across steps (scraper does not re-export `ego_tree::NodeId`,
//! so ids could not cross function boundaries anyway), and the recorded
//! reasons are what a later "explain what was removed" needs (issue 3).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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

/// Hashes a [`Key`] (a pointer) by mixing its bits: SipHash showed up in
/// profiles, and keys are addresses, not attacker-chosen strings.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64 >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by node.
pub(crate) type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

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
    /// Beside the article's blocks but not part of it (sibling merge).
    Outside,
    /// Named by a site config rule (`strip`, `strip_id_or_class`,
    /// `strip_image_src`).
    SiteConfig,
}

/// A parsed page (or fragment) plus the nodes removed from it.
pub(crate) struct Doc<'a> {
    /// The tree's root (the document or fragment node).
    pub(crate) root: NodeRef<'a>,
    removed: KeyMap<Reason>,
    /// Text statistics of subtrees, dropped for the ancestors of each
    /// removal: scoring and pruning ask for the same subtrees many times.
    stats: RefCell<KeyMap<TextStats>>,
    /// Readability's candidate scores, until the next removal: choosing the
    /// body and merging its siblings both ask for them.
    scores: RefCell<Option<Vec<(NodeRef<'a>, f64)>>>,
}

impl<'a> Doc<'a> {
    pub(crate) fn new(html: &'a scraper::Html) -> Doc<'a> {
        // Scoring reads the stats of about every element with children:
        // room for them up front spares rehashing the cache as it fills.
        let stats =
            KeyMap::with_capacity_and_hasher(html.tree.values().len() / 2, Default::default());
        Doc {
            root: html.tree.root(),
            removed: KeyMap::default(),
            stats: RefCell::new(stats),
            scores: RefCell::default(),
        }
    }

    /// The candidate scores of the page as it is now: `compute`d once, then
    /// remembered until something is removed.
    pub(crate) fn scores(
        &self,
        compute: impl FnOnce() -> Vec<(NodeRef<'a>, f64)>,
    ) -> Vec<(NodeRef<'a>, f64)> {
        if let Some(scores) = self.scores.borrow().as_ref() {
            return scores.clone();
        }
        let scores = compute();
        *self.scores.borrow_mut() = Some(scores.clone());
        scores
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
        self.scores.borrow_mut().take();
        // Only the enclosing subtrees lose text; the rest stays valid.
        let mut stats = self.stats.borrow_mut();
        for ancestor in node.ancestors() {
            stats.remove(&Key::of(ancestor));
        }
    }

    /// The reason `node` itself was removed, if it was.
    pub(crate) fn removal(&self, node: NodeRef<'_>) -> Option<Reason> {
        self.removed.get(&Key::of(node)).copied()
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
    /// Lazy, so a search stops at its first match without collecting the
    /// whole page first.
    pub(crate) fn elements(&self, scope: NodeRef<'a>) -> impl Iterator<Item = NodeRef<'a>> + '_ {
        let mut stack = vec![scope];
        std::iter::from_fn(move || {
            while let Some(node) = stack.pop() {
                if self.is_removed(node) {
                    continue;
                }
                stack.extend(node.children().rev());
                if node.value().is_element() {
                    return Some(node);
                }
            }
            None
        })
    }

    /// Live elements matching `selector` in the whole page.
    pub(crate) fn select(&self, selector: &Selector) -> Vec<NodeRef<'a>> {
        self.elements(self.root)
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
        if self.is_removed(node) {
            return TextStats::default();
        }
        let mut stats = self.subtree_stats(node);
        if node.ancestors().any(|a| tag(a) == Some("a")) {
            stats.link_chars = stats.chars;
        }
        stats
    }

    /// Stats of a live subtree as if it were not inside a link, memoized for
    /// every element under it (post-order, iterative: pages nest deep).
    fn subtree_stats(&self, node: NodeRef<'a>) -> TextStats {
        if let Some(stats) = self.stats.borrow().get(&Key::of(node)) {
            return *stats;
        }
        let mut stack = vec![(node, false)];
        let mut cache = self.stats.borrow_mut();
        while let Some((current, done)) = stack.pop() {
            if done {
                let mut stats = TextStats::default();
                for child in current.children() {
                    stats.add(child_stats(&cache, &self.removed, child));
                }
                if tag(current) == Some("a") {
                    stats.link_chars = stats.chars;
                }
                cache.insert(Key::of(current), stats);
                continue;
            }
            stack.push((current, true));
            for child in current.children() {
                let key = Key::of(child);
                if child.has_children()
                    && !self.removed.contains_key(&key)
                    && !cache.contains_key(&key)
                {
                    stack.push((child, false));
                }
            }
        }
        cache[&Key::of(node)]
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

/// The stats a child adds to its parent (children are computed first).
fn child_stats(
    cache: &KeyMap<TextStats>,
    removed: &KeyMap<Reason>,
    child: NodeRef<'_>,
) -> TextStats {
    let key = Key::of(child);
    if removed.contains_key(&key) {
        return TextStats::default();
    }
    match child.value() {
        Node::Text(text) => TextStats {
            chars: visible_chars(text),
            link_chars: 0,
        },
        _ => cache.get(&key).copied().unwrap_or_default(),
    }
}

impl TextStats {
    fn add(&mut self, other: TextStats) {
        self.chars += other.chars;
        self.link_chars += other.link_chars;
    }

    /// Share of the text that is link text (0 when there is no text).
    pub(crate) fn link_density(self) -> f64 {
        if self.chars == 0 {
            0.0
        } else {
            self.link_chars as f64 / self.chars as f64
        }
    }
}

/// Characters of `text` that are not whitespace (`char::is_whitespace`).
/// Most page text is ASCII: that is counted byte by byte, without decoding.
pub(crate) fn visible_chars(text: &str) -> usize {
    if text.is_ascii() {
        // The ASCII characters `char::is_whitespace` accepts: tab, line
        // feed, vertical tab, form feed, carriage return and space.
        text.bytes()
            .filter(|b| !matches!(b, b'\t'..=b'\r' | b' '))
            .count()
    } else {
        text.chars().filter(|c| !c.is_whitespace()).count()
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

/// An attribute of an element node (in no namespace, as
/// `Element::attr` finds it, but by comparing names: `Element::attr`
/// interns the name it is given first, which cost more than the search).
pub(crate) fn attr<'a>(node: NodeRef<'a>, name: &str) -> Option<&'a str> {
    element(node)?
        .attrs
        .iter()
        .find(|(key, _)| key.prefix.is_none() && key.ns.is_empty() && &*key.local == name)
        .map(|(_, value)| &**value)
}

/// Whether `ancestor` is `node` or one of its ancestors.
pub(crate) fn contains(ancestor: NodeRef<'_>, node: NodeRef<'_>) -> bool {
    ancestor == node || node.ancestors().any(|a| a == ancestor)
}

/// Lower-cases and collapses whitespace (non-breaking spaces included).
pub(crate) fn normalize(text: &str) -> String {
    if text.is_ascii() {
        return normalize_ascii(text.as_bytes());
    }
    if text.contains('Σ') {
        // `str::to_lowercase` lower-cases a final capital sigma to `ς`,
        // looking at its neighbours: leave that to it.
        let words: Vec<&str> = text.split_whitespace().collect();
        return words.join(" ").to_lowercase();
    }
    normalize_chars(text)
}

/// [`normalize`] of text without a capital sigma, one character at a time
/// (the collapsed string's `to_lowercase` handled every character after
/// the first non-ASCII one the slow way: a tenth of pruning's time).
fn normalize_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// [`normalize`] of ASCII text, byte by byte (most pages' texts, and every
/// block's text is normalized while pruning).
fn normalize_ascii(text: &[u8]) -> String {
    // The ASCII characters of Unicode's White_Space (`split_whitespace`'s
    // definition; it has U+000B, which `u8::is_ascii_whitespace` has not).
    let is_space = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
    let mut out = Vec::with_capacity(text.len());
    for word in text.split(is_space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend(word.iter().map(u8::to_ascii_lowercase));
    }
    // Only ASCII bytes were written.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn visible_chars_skips_exactly_what_char_is_whitespace_skips() {
        let pieces = [
            "a", " ", "\t", "\n", "\u{b}", "\u{c}", "\r", "\u{1c}", "\u{85}", "\u{a0}", "é",
            "\u{3000}", "x y",
        ];
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..2000 {
            let text: String = (0..rng.usize(0..12))
                .map(|_| pieces[rng.usize(..pieces.len())])
                .collect();
            let plain = text.chars().filter(|c| !c.is_whitespace()).count();
            assert_eq!(visible_chars(&text), plain, "{text:?}");
        }
    }

    #[test]
    fn normalize_agrees_with_its_plain_definition() {
        let plain = |t: &str| {
            t.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let pieces = [
            "A", "b", " ", "\t", "\n", "\u{b}", "\u{c}", "\r", "\u{1c}", "\u{a0}", "\u{85}", "É",
            "ΟΔΟΣ", "Σ", "İ", "\u{3000}", "x.Y", "\u{0}", "Ǆ", "ẞ", "Ω", "ﬁ",
        ];
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..5000 {
            let text: String = (0..rng.usize(0..12))
                .map(|_| pieces[rng.usize(..pieces.len())])
                .collect();
            assert_eq!(normalize(&text), plain(&text), "{text:?}");
            let no_sigma = text.replace('Σ', "");
            assert_eq!(normalize_chars(&no_sigma), plain(&no_sigma), "{no_sigma:?}");
        }
    }

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
        assert_eq!(doc.elements(div).count(), 3);
        let stats = doc.text_stats(div);
        assert_eq!((stats.chars, stats.link_chars), (8, 4));
        assert!((stats.link_density() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn attr_finds_what_element_attr_finds() {
        let html = Html::parse_fragment(
            r#"<p id=a class="x y" data-v="" DATA-Up=u>t</p><a href="/h" title=t>l</a>
            <svg viewBox="0 0 1 1"><use xlink:href="i" href="j"></use></svg>"#,
        );
        let names = [
            "id",
            "class",
            "data-v",
            "data-up",
            "DATA-Up",
            "href",
            "title",
            "viewBox",
            "viewbox",
            "xlink:href",
            "missing",
            "",
        ];
        for node in html.tree.root().descendants() {
            let Some(el) = element(node) else { continue };
            for name in names {
                assert_eq!(attr(node, name), el.attr(name), "{} {name}", el.name());
            }
        }
    }

    #[test]
    fn scores_are_remembered_until_a_removal() {
        let html = Html::parse_fragment("<div><p id=x>a</p></div>");
        let mut doc = Doc::new(&html);
        let x = doc.select(&Selector::parse("#x").unwrap())[0];
        let computed = std::cell::Cell::new(0);
        let compute = || {
            computed.set(computed.get() + 1);
            vec![(x, f64::from(computed.get()))]
        };
        assert_eq!(doc.scores(compute)[0].1, 1.0);
        assert_eq!(doc.scores(compute)[0].1, 1.0);
        doc.remove(x, Reason::Junk);
        assert_eq!(doc.scores(compute)[0].1, 2.0);
        assert_eq!(computed.get(), 2);
    }

    #[test]
    fn stats_follow_removals_after_being_cached() {
        let html = Html::parse_fragment("<div><section><p>abc</p><p id=x>defg</p></section></div>");
        let mut doc = Doc::new(&html);
        let div = doc.select(&Selector::parse("div").unwrap())[0];
        assert_eq!(doc.text_stats(div).chars, 7);
        let x = doc.select(&Selector::parse("#x").unwrap())[0];
        doc.remove(x, Reason::Junk);
        assert_eq!(doc.text_stats(div).chars, 3);
    }
}
