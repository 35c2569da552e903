//! Writes the live part of a cleaned tree as HTML for the sanitizer, with
//! the repairs a sanitizer cannot make: lazy-loaded images get their real
//! `src`, `h1` becomes `h2` (the headline is the feed item's title), and the
//! loose text of layout `div`s is put in paragraphs so that div-soup themes
//! keep their paragraph breaks once the `div`s are unwrapped. Given the
//! page's URL, it also writes embedded players as links to their original
//! and makes sure embedded posts link to theirs (see `embed`).

use url::Url;

use super::dom::{Doc, NodeRef, attr, element, tag};
use super::embed;
use super::readability::BLOCK_TAGS;

/// Tags that lay out a page rather than mark up text: unwrapped, their loose
/// text put in paragraphs.
pub(crate) const CONTAINERS: &[&str] = &[
    "html", "body", "div", "section", "article", "main", "header", "footer", "aside", "center",
    "hgroup", "address", "details", "fieldset",
];

/// Elements nested deeper than this are written as their text only: the
/// writer recurses, and a stack overflow on a hostile page would abort the
/// whole daemon, not just fail one article.
pub(crate) const MAX_DEPTH: usize = 200;

/// Kept elements whose children may be blocks (a `div` inside them still
/// gets its loose text wrapped in paragraphs).
const FLOW_TAGS: &[&str] = &[
    "li",
    "blockquote",
    "td",
    "th",
    "dd",
    "figure",
    "ul",
    "ol",
    "dl",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
];

/// Elements never serialized, whatever the root (the page head, and junk in
/// case a caller did not clean). Players (`iframe`, `object`, `video`...)
/// are written only as links to their original (see `embed`).
const SKIPPED: &[&str] = &[
    "head", "title", "meta", "link", "base", "script", "style", "noscript", "template", "svg",
];

/// Elements without content or end tag.
const VOID_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Attributes where lazy-loading scripts keep the real image.
const LAZY_SOURCES: &[&str] = &["data-src", "data-lazy-src", "data-original", "data-url"];

/// Lazy-loading srcset attributes, read when no single source is given.
const LAZY_SRCSETS: &[&str] = &["srcset", "data-srcset", "data-lazy-srcset"];

/// Writes the live content of `root` as HTML, without players (already
/// sanitized HTML has none).
pub(crate) fn serialize<'a>(doc: &Doc<'a>, root: NodeRef<'a>) -> String {
    write(doc, root, None)
}

/// Writes the live content of `root` as HTML, players as links to their
/// original resolved against `base` (the page's URL).
pub(crate) fn serialize_with_embeds<'a>(doc: &Doc<'a>, root: NodeRef<'a>, base: &Url) -> String {
    write(doc, root, Some(base))
}

fn write<'a>(doc: &Doc<'a>, root: NodeRef<'a>, base: Option<&Url>) -> String {
    let mut writer = Writer {
        doc,
        base,
        out: String::new(),
        depth: 0,
    };
    writer.children(root, Context::Flow, true);
    writer.out
}

/// Whether the parent accepts block content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    Flow,
    Phrasing,
}

struct Writer<'d, 'a> {
    doc: &'d Doc<'a>,
    /// The page's URL, when players are written as links.
    base: Option<&'d Url>,
    out: String,
    /// Elements open around the one being written.
    depth: usize,
}

impl<'a> Writer<'_, 'a> {
    /// Writes the children of `node`; with `wrap`, runs of loose text and
    /// inline elements become paragraphs (a container's direct text).
    fn children(&mut self, node: NodeRef<'a>, context: Context, wrap: bool) {
        let mut run = Vec::new();
        for child in node.children() {
            if self.doc.is_removed(child) || is_ignored(child) {
                continue;
            }
            if wrap && self.is_inline(child) {
                run.push(child);
                continue;
            }
            self.paragraph(&mut run);
            self.node(child, context);
        }
        self.paragraph(&mut run);
    }

    /// Writes a run of inline nodes as one paragraph, without the
    /// whitespace around it; nothing if it is only whitespace.
    fn paragraph(&mut self, run: &mut Vec<NodeRef<'a>>) {
        let has_content = |n: &NodeRef<'a>| match n.value() {
            scraper::Node::Text(t) => !t.trim().is_empty(),
            _ => true,
        };
        if let (Some(first), Some(last)) = (
            run.iter().position(has_content),
            run.iter().rposition(has_content),
        ) {
            if first == last && self.player(run[first], Context::Flow) {
                run.clear();
                return;
            }
            self.out.push_str("<p>");
            for node in &run[first..=last] {
                self.node(*node, Context::Phrasing);
            }
            self.out.push_str("</p>");
        }
        run.clear();
    }

    fn is_inline(&self, node: NodeRef<'a>) -> bool {
        match tag(node) {
            None => node.value().is_text(),
            // A player between blocks is a block of its own (a figure).
            Some(_) if embed::is_player(node) => false,
            Some(name) if BLOCK_TAGS.contains(&name) || CONTAINERS.contains(&name) => false,
            Some(_) => !node
                .descendants()
                .any(|d| tag(d).is_some_and(|t| BLOCK_TAGS.contains(&t))),
        }
    }

    fn node(&mut self, node: NodeRef<'a>, context: Context) {
        match node.value() {
            scraper::Node::Text(text) => escape_into(&mut self.out, text, false),
            scraper::Node::Element(_) if self.depth >= MAX_DEPTH => {
                escape_into(&mut self.out, &self.doc.raw_text(node), false);
            }
            scraper::Node::Element(_) => {
                self.depth += 1;
                self.element(node, context);
                self.depth -= 1;
            }
            _ => {}
        }
    }

    fn element(&mut self, node: NodeRef<'a>, context: Context) {
        let name = tag(node).unwrap_or_default();
        if self.player(node, context) {
            return;
        }
        if name == "p"
            && context == Context::Flow
            && let Some(player) = self.sole_child(node)
            && self.player(player, Context::Flow)
        {
            return;
        }
        if CONTAINERS.contains(&name) {
            self.children(node, context, context == Context::Flow);
            return;
        }
        // The page's headline is the feed item's title: the body starts at h2.
        let name = if name == "h1" { "h2" } else { name };
        self.out.push('<');
        self.out.push_str(name);
        self.attributes(node);
        self.out.push('>');
        if VOID_TAGS.contains(&name) {
            return;
        }
        let inner = if context == Context::Flow && FLOW_TAGS.contains(&name) {
            Context::Flow
        } else {
            Context::Phrasing
        };
        self.children(node, inner, false);
        if name == "blockquote" {
            self.post_link(node, inner);
        }
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// Writes `node` as a link to its original if it is a player (at block
    /// level as a figure); a player that leads nowhere usable is dropped.
    /// Whether `node` was a player.
    fn player(&mut self, node: NodeRef<'a>, context: Context) -> bool {
        if !embed::is_player(node) {
            return false;
        }
        if let Some(found) = self.base.and_then(|base| embed::player(node, base)) {
            // Inside a figure (WordPress's embed block) the figure is there
            // already: no figure in a figure.
            let in_figure = node.ancestors().any(|a| tag(a) == Some("figure"));
            let block = context == Context::Flow;
            if block && in_figure {
                self.out.push_str("<p>");
            }
            embed::write_link(&mut self.out, &found, block && !in_figure);
            if block && in_figure {
                self.out.push_str("</p>");
            }
            return true;
        }
        // A WordPress wrapper whose URL is no known provider's keeps its text.
        tag(node) != Some("div")
    }

    /// The one live child of `node` that is not whitespace, if it has one.
    fn sole_child(&self, node: NodeRef<'a>) -> Option<NodeRef<'a>> {
        let mut live = node.children().filter(|c| match c.value() {
            scraper::Node::Text(t) => !t.trim().is_empty(),
            scraper::Node::Element(_) => !self.doc.is_removed(*c),
            _ => false,
        });
        let first = live.next()?;
        live.next().is_none().then_some(first)
    }

    /// Ends an embedded post's blockquote with a link to the post when none
    /// of its own links leads there.
    fn post_link(&mut self, node: NodeRef<'a>, context: Context) {
        let Some(base) = self.base else { return };
        if let Some(post) = embed::post(self.doc, node, base)
            && !post.linked
        {
            let block = context == Context::Flow;
            if block {
                self.out.push_str("<p>");
            }
            embed::write_link(&mut self.out, &post.embed, false);
            if block {
                self.out.push_str("</p>");
            }
        }
    }

    fn attributes(&mut self, node: NodeRef<'a>) {
        let Some(el) = element(node) else { return };
        let is_img = el.name() == "img";
        for (name, value) in el.attrs() {
            if is_img && name == "src" {
                continue;
            }
            self.attribute(name, value);
        }
        if is_img && let Some(src) = image_source(node) {
            self.attribute("src", src);
        }
    }

    fn attribute(&mut self, name: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        escape_into(&mut self.out, value, true);
        self.out.push('"');
    }
}

/// Comments, doctypes and [`SKIPPED`] elements: never written.
fn is_ignored(node: NodeRef<'_>) -> bool {
    match node.value() {
        scraper::Node::Text(_) => false,
        scraper::Node::Element(el) => SKIPPED.contains(&el.name()),
        _ => true,
    }
}

/// The real source of an image: `src`, unless missing or a `data:`
/// placeholder, in which case the lazy-loading attributes or the first
/// `srcset` candidate.
fn image_source(node: NodeRef<'_>) -> Option<&str> {
    let usable = |v: &&str| {
        let v = v.trim();
        !v.is_empty() && !v.starts_with("data:")
    };
    if let Some(src) = attr(node, "src").filter(usable) {
        return Some(src);
    }
    LAZY_SOURCES
        .iter()
        .find_map(|a| attr(node, a).filter(usable))
        .or_else(|| {
            LAZY_SRCSETS
                .iter()
                .find_map(|a| attr(node, a).and_then(first_srcset_candidate))
        })
}

fn first_srcset_candidate(srcset: &str) -> Option<&str> {
    let first = srcset.split(',').next()?.split_whitespace().next()?;
    (!first.starts_with("data:")).then_some(first)
}

/// Appends `text` HTML-escaped (quotes too when `in_attribute`).
pub(crate) fn escape_into(out: &mut String, text: &str, in_attribute: bool) {
    // Runs between the escaped characters (all ASCII) are copied whole.
    let mut copied = 0;
    for (at, b) in text.bytes().enumerate() {
        let entity = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if in_attribute => "&quot;",
            _ => continue,
        };
        out.push_str(&text[copied..at]);
        out.push_str(entity);
        copied = at + 1;
    }
    out.push_str(&text[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn serialized(html: &str) -> String {
        let parsed = Html::parse_fragment(html);
        let doc = Doc::new(&parsed);
        serialize(&doc, doc.root)
    }

    #[test]
    fn loose_text_of_layout_divs_becomes_paragraphs() {
        assert_eq!(
            serialized("<div>One <b>bold</b></div>\n<div><div>Two</div><p>Three</p></div>"),
            "<p>One <b>bold</b></p><p>Two</p><p>Three</p>"
        );
        // Inside a list item the divs still separate paragraphs.
        assert_eq!(
            serialized("<ul><li><div>a</div><div>b</div></li><li>c</li></ul>"),
            "<ul><li><p>a</p><p>b</p></li><li>c</li></ul>"
        );
        // Inside a paragraph-like element nothing is wrapped.
        assert_eq!(
            serialized("<p><span><span>x</span></span></p>"),
            "<p><span><span>x</span></span></p>"
        );
    }

    #[test]
    fn attributes_and_text_are_escaped() {
        assert_eq!(
            serialized(
                r#"<p><a title="a &quot;b&quot; &amp; c" href="/x?a=1&amp;b=2">1 &lt; 2</a></p>"#
            ),
            r#"<p><a href="/x?a=1&amp;b=2" title="a &quot;b&quot; &amp; c">1 &lt; 2</a></p>"#
        );
    }

    #[test]
    fn lazy_image_source_replaces_the_placeholder() {
        assert_eq!(
            serialized(
                r#"<p><img data-src="/real.jpg" src="data:image/gif;base64,AAAA" alt="A"></p>"#
            ),
            r#"<p><img alt="A" data-src="/real.jpg" src="/real.jpg"></p>"#
        );
        assert_eq!(
            serialized(r#"<p><img data-srcset="/s.jpg 300w, /b.jpg 900w"></p>"#),
            r#"<p><img data-srcset="/s.jpg 300w, /b.jpg 900w" src="/s.jpg"></p>"#
        );
    }

    #[test]
    fn headline_is_demoted_and_head_skipped() {
        let parsed = Html::parse_document(
            "<html><head><title>T</title></head><body><h1>H</h1><p>x</p></body></html>",
        );
        let doc = Doc::new(&parsed);
        assert_eq!(serialize(&doc, doc.root), "<h2>H</h2><p>x</p>");
    }
}
