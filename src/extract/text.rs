//! The plain-text rendering of the cleaned article: one paragraph per
//! block, blocks separated by a blank line, whitespace collapsed (line
//! breaks from `<br>` and inside `<pre>` kept).
//!
//! Read straight from the cleaned tree (no sanitize-and-reparse round trip:
//! text has nothing to sanitize). Figures are left out: captions and photo
//! credits ("Photo: AP", "Credit: Getty") describe a picture the text
//! reader does not see, and news text conventions (the benchmark's ground
//! truth among them) never include them; the HTML keeps them. A "caption"
//! chosen as the article, or holding most of its text (slideshow pages put
//! the whole story in one), is text, though. Two line breaks in a row (`<br><br>`) end a paragraph.
//! Embedded players add no text (their fallback messages and play-button
//! labels are not the article's); an embedded post's text is text (see
//! `embed`), unless it is only links (Instagram's "View this post").

use scraper::Node;

use super::dom::{Doc, NodeRef, element, tag};
use super::embed;
use super::readability::BLOCK_TAGS;
use super::serialize::MAX_DEPTH;
use super::vocab;

/// Blocks of sanitized HTML that are not in [`BLOCK_TAGS`] but still stand
/// on their own line.
const EXTRA_BLOCKS: &[&str] = &["figcaption", "dt", "dd", "tr", "td", "th", "caption"];

/// A post embed with this share of link text or more holds no text of
/// the post (see [`TextWriter::is_bare_post`]).
const BARE_POST_LINKS: f64 = 0.9;

/// Picture elements: their text (captions, credits) is not article text,
/// unless the pictures are the article (see [`is_photo_story`]).
const PICTURES: &[&str] = &["figure", "figcaption"];

/// Elements whose text is never article text.
const SKIPPED: &[&str] = &[
    "head", "title", "script", "style", "noscript", "template", "svg",
];

/// Plain text of the live content under `root`.
pub(crate) fn plain_text<'a>(doc: &Doc<'a>, root: NodeRef<'a>) -> String {
    let root_chars = doc.text_stats(root).chars;
    let mut writer = TextWriter {
        doc,
        root,
        root_chars,
        captions_are_text: is_photo_story(doc, root, root_chars),
        blocks: Vec::new(),
        current: String::new(),
        depth: 0,
    };
    writer.walk(root, false);
    writer.flush();
    writer.blocks.join("\n\n")
}

/// Whether the pictures' captions hold most of the root's text: a photo
/// story (a gallery post, "Photos: ..." with a line of text per picture),
/// whose captions are the story.
fn is_photo_story<'a>(doc: &Doc<'a>, root: NodeRef<'a>, root_chars: usize) -> bool {
    let mut captions = 0;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if doc.is_removed(node) {
            continue;
        }
        let chars = doc.text_stats(node).chars;
        // A block named like a caption that holds most of the text is the
        // story (a slideshow's), not a picture's caption: read into it.
        let picture = node != root
            && (is_picture(node)
                || (element(node).is_some_and(vocab::is_caption) && chars * 2 <= root_chars));
        if picture {
            captions += chars;
        } else {
            stack.extend(node.children().filter(|c| c.value().is_element()));
        }
    }
    captions * 2 > root_chars
}

/// A picture element (see [`PICTURES`]). A figure holding an embedded post
/// (WordPress's embed block around a tweet) is the post's text, not a
/// picture's caption.
fn is_picture(node: NodeRef<'_>) -> bool {
    tag(node).is_some_and(|t| PICTURES.contains(&t) && !(t == "figure" && embed::holds_post(node)))
}

struct TextWriter<'d, 'a> {
    doc: &'d Doc<'a>,
    /// The article: read even when named like a caption.
    root: NodeRef<'a>,
    /// The root's text (non-whitespace characters).
    root_chars: usize,
    /// Whether captions are read (a photo story, see [`is_photo_story`]).
    captions_are_text: bool,
    blocks: Vec<String>,
    current: String,
    /// Elements open around the one being read.
    depth: usize,
}

impl<'a> TextWriter<'_, 'a> {
    fn walk(&mut self, node: NodeRef<'a>, in_pre: bool) {
        if self.doc.is_removed(node) {
            return;
        }
        match node.value() {
            Node::Text(text) if in_pre => self.current.push_str(&text.replace('\n', "\u{0}")),
            Node::Text(text) => self.current.push_str(text),
            Node::Element(_) if self.depth >= MAX_DEPTH => {
                // Bounded recursion (see `MAX_DEPTH`): the rest is read flat.
                self.current.push_str(&self.doc.raw_text(node));
            }
            Node::Element(_) => {
                self.depth += 1;
                self.element(node, in_pre);
                self.depth -= 1;
            }
            Node::Document | Node::Fragment => self.children(node, in_pre),
            _ => {}
        }
    }

    fn children(&mut self, node: NodeRef<'a>, in_pre: bool) {
        for child in node.children() {
            self.walk(child, in_pre);
        }
    }

    fn element(&mut self, node: NodeRef<'a>, in_pre: bool) {
        let name = tag(node).unwrap_or_default();
        if SKIPPED.contains(&name)
            || embed::is_player(node)
            || self.is_bare_post(node)
            || (!self.captions_are_text && (is_picture(node) || self.is_caption(node)))
        {
            return;
        }
        if name == "br" {
            if self.current.trim_end().ends_with('\u{0}') {
                // The second of two line breaks: a paragraph break.
                self.flush();
            } else {
                // A line break survives whitespace collapsing as NUL.
                self.current.push('\u{0}');
            }
            return;
        }
        let is_block = BLOCK_TAGS.contains(&name) || EXTRA_BLOCKS.contains(&name);
        if is_block {
            self.flush();
        }
        self.children(node, in_pre || name == "pre");
        if is_block {
            self.flush();
        }
    }

    /// Whether `node` is a picture caption or credit (left out), rather
    /// than the story in a block named like one (slideshow pages): the root,
    /// or a block holding most of its text.
    fn is_caption(&self, node: NodeRef<'a>) -> bool {
        node != self.root
            && element(node).is_some_and(vocab::is_caption)
            && self.doc.text_stats(node).chars * 2 <= self.root_chars
    }

    /// Whether `node` is a post embed made only of links ("View this post
    /// on Instagram": the post's own text is loaded by the provider's
    /// script): the HTML links to it, the text has nothing of it to say.
    fn is_bare_post(&self, node: NodeRef<'a>) -> bool {
        embed::is_post(node) && self.doc.text_stats(node).link_density() >= BARE_POST_LINKS
    }

    /// Ends the current block: collapses its whitespace, keeps its line breaks.
    fn flush(&mut self) {
        let lines: Vec<String> = self
            .current
            .split('\u{0}')
            .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|line| !line.is_empty())
            .collect();
        if !lines.is_empty() {
            self.blocks.push(lines.join("\n"));
        }
        self.current.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn plain(html: &str) -> String {
        let parsed = Html::parse_fragment(html);
        let doc = Doc::new(&parsed);
        plain_text(&doc, doc.root)
    }

    #[test]
    fn paragraphs_are_separated_by_blank_lines() {
        let html = "<h2>Heading</h2><p>First   paragraph\n with <a href=\"x\">a link</a>.</p>\
            <ul><li>One</li><li><p>Two</p></li></ul><blockquote><p>Quote</p></blockquote>";
        assert_eq!(
            plain(html),
            "Heading\n\nFirst paragraph with a link.\n\nOne\n\nTwo\n\nQuote"
        );
    }

    #[test]
    fn line_breaks_and_preformatted_lines_are_kept() {
        assert_eq!(
            plain("<p>Line one<br>line two</p><pre>a  = 1\nb = 2</pre>"),
            "Line one\nline two\n\na = 1\nb = 2"
        );
    }

    #[test]
    fn figures_and_captions_are_not_text() {
        let html = "<p>Before.</p><figure><img src=a.jpg><figcaption>Photo: AP</figcaption></figure>\
            <p>After.</p>";
        assert_eq!(plain(html), "Before.\n\nAfter.");
    }

    #[test]
    fn a_story_in_a_block_named_caption_is_text() {
        let story = "The exhibition invites visitors to pose inside the paintings, \
            which were painted so that a camera sees them in depth.";
        let html = format!(
            "<div class=\"caption\"><h2>Art you can step into</h2><p>{story}</p>\
             <span class=\"photo-credit\">Photo: AP</span></div>"
        );
        let parsed = Html::parse_fragment(&html);
        let doc = Doc::new(&parsed);
        let root = doc.select(&scraper::Selector::parse("div.caption").unwrap())[0];
        let text = plain_text(&doc, root);
        assert_eq!(text, format!("Art you can step into\n\n{story}"));
        // Or inside the root, beside a picture and its credit.
        let slide = format!(
            "<div class=\"slide\"><img src=a.jpg><p class=\"credit\">Photo: AP</p>{html}</div>"
        );
        assert_eq!(plain(&slide), format!("Art you can step into\n\n{story}"));
    }

    #[test]
    fn two_line_breaks_end_a_paragraph() {
        assert_eq!(
            plain(
                "<div>First paragraph.<br><br>Second, with a<br>line break.<br> <br>\n<br>Third.</div>"
            ),
            "First paragraph.\n\nSecond, with a\nline break.\n\nThird."
        );
    }

    #[test]
    fn empty_html_gives_empty_text() {
        assert_eq!(plain(""), "");
        assert_eq!(plain("<p> </p>"), "");
    }
}
