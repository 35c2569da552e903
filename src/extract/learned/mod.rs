//! Boilerplate learned per outlet (issue 3): fingerprints of the text blocks
//! of an article, and their removal once the store has seen a block on many
//! of a source's pages.
//!
//! Outlets repeat the same appeal, newsletter box or author bio on every
//! article, often with markup no vocabulary recognises (a donation box in a
//! `<div class="k3z-wrap">`). The store counts, per source, on how many
//! pages each block's fingerprint appears; this module only computes the
//! fingerprints and strips the blocks it is given. It works on the cleaned,
//! sanitized article HTML that [`super::article`] returns and the store
//! keeps, so stored articles can be re-cleaned later by the same code.
//! Deciding *which* fingerprints are boilerplate is the store's job
//! (thresholds in `store::learned`).

use std::collections::HashSet;
use std::ops::Deref;

use scraper::{ElementRef, Html};

use super::{Removal, RemovalReason};
use crate::model::fnv1a;

mod strip;

pub use strip::strip;

/// The fingerprint of one normalized text block: stable across runs,
/// machines and versions (FNV-1a 64 of the normalized text), so it can be
/// stored.
pub type Fingerprint = u64;

/// Blocks whose normalized text is shorter than this (in characters) get no
/// fingerprint: short common phrases ("Read more", "Share this") are never
/// learned on their own (issue 3).
pub const MIN_BLOCK_CHARS: usize = 40;

/// Block elements that can carry a fingerprint, when they hold no other
/// block (the innermost block owns its text: `<li><p>x</p></li>` is the `p`).
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
    "td",
    "th",
    "pre",
    "dd",
    "dt",
];

/// Elements that are content even without text: a wrapper holding one of
/// them is not empty.
const MEDIA: &[&str] = &["img", "video", "audio", "iframe", "picture", "svg"];

/// Stripping stops after this many passes even if a pass still removed
/// something (a removal can turn a wrapper into a new innermost block).
const MAX_PASSES: usize = 4;

/// Deeper than this, a subtree is copied as it is rather than walked
/// (bounded recursion on hostile markup).
const MAX_DEPTH: usize = 256;

/// Characters of text shown in a removal's excerpt.
const EXCERPT_CHARS: usize = 80;

/// A node of the parsed tree (`ego_tree::NodeRef`, which scraper does not
/// re-export).
type NodeRef<'a> = <ElementRef<'a> as Deref>::Target;

/// The fingerprints of an article's text blocks, in document order, each
/// once. Only innermost blocks (see [`BLOCKS`]) with at least
/// [`MIN_BLOCK_CHARS`] characters of normalized text count.
pub fn fingerprints(article_html: &str) -> Vec<Fingerprint> {
    let parsed = Html::parse_fragment(article_html);
    let mut seen = HashSet::new();
    blocks(&parsed)
        .into_iter()
        .filter_map(|block| block.fingerprint)
        .filter(|fingerprint| seen.insert(*fingerprint))
        .collect()
}

/// The fingerprint of a block's text, if it is long enough to count.
/// Normalization: lower-cased, punctuation dropped, whitespace collapsed,
/// so a changed quote style or spacing does not make a new block.
pub fn fingerprint_text(text: &str) -> Option<Fingerprint> {
    let normalized = normalize(text);
    (normalized.chars().count() >= MIN_BLOCK_CHARS).then(|| fnv1a(normalized.as_bytes()))
}

/// The plain text of sanitized article HTML (paragraphs separated by blank
/// lines), as [`crate::model::Article::text`] holds it; needed to recompute
/// the text after [`strip`].
pub fn plain_text(article_html: &str) -> String {
    let parsed = Html::parse_fragment(article_html);
    let doc = super::dom::Doc::new(&parsed);
    super::text::plain_text(&doc, doc.root)
}

/// One innermost block of an article.
struct Block<'a> {
    node: NodeRef<'a>,
    fingerprint: Option<Fingerprint>,
    /// Normalized text (see [`normalize`]).
    normalized: String,
    /// Text with whitespace collapsed, case and punctuation kept.
    text: String,
}

/// The innermost blocks of a parsed article, in document order.
fn blocks(parsed: &Html) -> Vec<Block<'_>> {
    parsed
        .tree
        .root()
        .descendants()
        .filter(|node| is_block(*node) && !node.descendants().skip(1).any(is_block))
        .map(|node| {
            let raw: String = node
                .descendants()
                .filter_map(|d| d.value().as_text().map(|t| &**t))
                .collect();
            let normalized = normalize(&raw);
            let fingerprint = (normalized.chars().count() >= MIN_BLOCK_CHARS)
                .then(|| fnv1a(normalized.as_bytes()));
            let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
            Block {
                node,
                fingerprint,
                normalized,
                text,
            }
        })
        .collect()
}

fn is_block(node: NodeRef<'_>) -> bool {
    tag(node).is_some_and(|name| BLOCKS.contains(&name))
}

fn tag<'a>(node: NodeRef<'a>) -> Option<&'a str> {
    node.value().as_element().map(|e| e.name())
}

/// Lower-cased; every run of characters that are not letters or digits
/// becomes one space; trimmed.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const APPEAL_1: &str = "Online donations are back! Keep independent media alive.";
    const APPEAL_2: &str =
        "Due to the attacks on our fiscal sponsor, we were unable to raise funds online.";

    /// A sanitized article with an appeal box in the middle (its `div` was
    /// unwrapped by the sanitizer, so its blocks are siblings of the story's).
    fn article(story: &str) -> String {
        format!(
            "<p>{story} opened the session with a long statement about the budget.</p>\n\
             <h3>Urgent End Of Year Fundraising Campaign</h3>\n\
             <p>{APPEAL_1}</p>\n<p>{APPEAL_2}</p>\n<p><a href=\"https://x.example/donate/\">Donate</a></p>\n\
             <p>The vote on the &amp; amendment is expected next week, officials said.</p>"
        )
    }

    fn learned(texts: &[&str]) -> HashSet<Fingerprint> {
        texts.iter().filter_map(|t| fingerprint_text(t)).collect()
    }

    #[test]
    fn fingerprints_are_stable_known_values() {
        // FNV-1a 64 of the normalized text: fixed forever, as they are stored.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let text = "Online donations are back! Keep independent media alive.";
        assert_eq!(
            normalize(text),
            "online donations are back keep independent media alive"
        );
        assert_eq!(
            fingerprint_text(text),
            Some(fnv1a(
                b"online donations are back keep independent media alive"
            ))
        );
    }

    #[test]
    fn fingerprints_ignore_case_spacing_and_punctuation() {
        let a = fingerprint_text("Online donations are back!  Keep independent media alive.");
        let b = fingerprint_text("ONLINE donations are back — keep\nindependent media alive");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_ne!(
            a,
            fingerprint_text("Online donations are back! Keep independent media going.")
        );
    }

    #[test]
    fn short_blocks_get_no_fingerprint() {
        let html = "<h3>Urgent End Of Year Fundraising Campaign</h3><p>Donate</p>\
                    <p>Share this article with your friends now</p>";
        assert_eq!("urgent end of year fundraising campaign".len(), 39);
        let prints = fingerprints(html);
        assert_eq!(
            prints,
            vec![fingerprint_text("Share this article with your friends now").unwrap()]
        );
    }

    #[test]
    fn fingerprints_are_per_innermost_block_in_order_and_deduplicated() {
        let html = format!(
            "<ul><li><p>{APPEAL_1}</p></li></ul><blockquote><p>{APPEAL_2}</p></blockquote><p>{APPEAL_1}</p>"
        );
        assert_eq!(
            fingerprints(&html),
            vec![
                fingerprint_text(APPEAL_1).unwrap(),
                fingerprint_text(APPEAL_2).unwrap(),
            ]
        );
    }

    #[test]
    fn strip_removes_the_box_with_its_heading_and_call_to_action() {
        let html = article("The mayor");
        let (out, removals) = strip(&html, &learned(&[APPEAL_1, APPEAL_2]));
        assert_eq!(
            out,
            "<p>The mayor opened the session with a long statement about the budget.</p>\n\
             \n\n\n\n\
             <p>The vote on the &amp; amendment is expected next week, officials said.</p>"
        );
        let whats: Vec<(&str, RemovalReason)> = removals
            .iter()
            .map(|r| (r.excerpt.as_str(), r.reason))
            .collect();
        assert_eq!(
            whats,
            [
                (APPEAL_1, RemovalReason::Learned),
                (APPEAL_2, RemovalReason::Learned),
                (
                    "Urgent End Of Year Fundraising Campaign",
                    RemovalReason::Learned
                ),
                ("Donate", RemovalReason::Learned),
            ]
        );
        assert_eq!(removals[0].bytes, format!("<p>{APPEAL_1}</p>").len());
        assert!(removals[0].what.starts_with("p #"), "{}", removals[0].what);
        assert_eq!(plain_text(&out).split("\n\n").count(), 2);
    }

    #[test]
    fn strip_keeps_a_similar_but_different_paragraph() {
        let similar = "Online donations are back! Keep independent media alive, said the editor.";
        let html = format!("<p>{similar}</p><p>Another paragraph of the story, long enough.</p>");
        let (out, removals) = strip(&html, &learned(&[APPEAL_1]));
        assert_eq!(out, html);
        assert!(removals.is_empty());
    }

    #[test]
    fn a_short_line_before_or_after_that_reads_as_a_sentence_stays() {
        let html = format!(
            "<p>He said no.</p><p>{APPEAL_1}</p><p>Sources:</p><p>A list of sources that follows here.</p>"
        );
        let (out, removals) = strip(&html, &learned(&[APPEAL_1]));
        assert_eq!(
            out,
            "<p>He said no.</p><p>Sources:</p><p>A list of sources that follows here.</p>"
        );
        assert_eq!(removals.len(), 1);
        // A heading after the box starts the article's next section.
        let html = format!("<p>{APPEAL_1}</p><h2>Background</h2><p>Story.</p>");
        let (out, _) = strip(&html, &learned(&[APPEAL_1]));
        assert_eq!(out, "<h2>Background</h2><p>Story.</p>");
    }

    #[test]
    fn wrappers_left_empty_are_dropped() {
        let html = format!(
            "<p>Story text.</p><ul><li><p>{APPEAL_1}</p></li><li><p>{APPEAL_2}</p></li></ul>\
             <figure><img src=\"https://x.example/a.jpg\"><figcaption>{APPEAL_2}</figcaption></figure>"
        );
        let (out, _) = strip(&html, &learned(&[APPEAL_1, APPEAL_2]));
        assert_eq!(
            out,
            "<p>Story text.</p><figure><img src=\"https://x.example/a.jpg\"></figure>"
        );
    }

    #[test]
    fn strip_is_idempotent_and_a_no_op_without_boilerplate() {
        let html = article("The governor");
        let set = learned(&[APPEAL_1, APPEAL_2]);
        let (once, _) = strip(&html, &set);
        let (twice, removals) = strip(&once, &set);
        assert_eq!(twice, once);
        assert!(removals.is_empty());
        assert_eq!(strip(&html, &HashSet::new()), (html.clone(), Vec::new()));
        let unrelated = learned(&["A paragraph that appears on no page of this outlet at all."]);
        assert_eq!(strip(&html, &unrelated).0, html);
    }

    #[test]
    fn kept_markup_and_escapes_are_unchanged() {
        let html = "<p><a href=\"https://x.example/?a=1&amp;b=2\" title=\"&quot;q&quot;\">x</a> \
                    1 &lt; 2&nbsp;&gt; 0</p><blockquote><p>Online donations are back! Keep \
                    independent media alive.</p><p>Quoted story paragraph stays here.</p></blockquote>";
        let (out, _) = strip(html, &learned(&[APPEAL_1]));
        assert_eq!(
            out,
            "<p><a href=\"https://x.example/?a=1&amp;b=2\" title=\"&quot;q&quot;\">x</a> \
             1 &lt; 2&nbsp;&gt; 0</p><blockquote><p>Quoted story paragraph stays here.</p></blockquote>"
        );
    }
}
