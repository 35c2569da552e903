//! Readability's sibling merge: an article is often split over several
//! blocks side by side (text, a photo block, more text: Express writes each
//! run of paragraphs in its own `text-description`), and the best-scoring
//! block alone would be a fraction of it. Siblings of the winner that score
//! well, share its class, or are prose paragraphs (a `p`, or a content
//! `div` of loose text) join it: the root becomes the parent and the
//! siblings that do not belong are removed. An embedded
//! player or post between joined blocks (a video between two runs of
//! paragraphs) stays where it was.

use super::dom::{Doc, Key, KeyMap, NodeRef, Reason, attr, element, tag};
use super::embed;
use super::readability::{candidate_scores, is_paragraph};
use super::vocab;

/// A sibling joins when it scores this share of the winner (readability's
/// 0.2), and at least [`MIN_SIBLING_SCORE`].
const SIBLING_SHARE: f64 = 0.2;
const MIN_SIBLING_SCORE: f64 = 10.0;

/// A paragraph sibling this long (non-whitespace characters) with little
/// link text is prose.
const LONG_PARAGRAPH: usize = 80;
const MAX_LINK_DENSITY: f64 = 0.25;

/// The winner `top`, or its parent with the non-belonging siblings removed.
pub(crate) fn merge<'a>(doc: &mut Doc<'a>, top: NodeRef<'a>) -> NodeRef<'a> {
    let top = outermost_only_child(doc, top);
    let Some(parent) = top
        .parent()
        .filter(|p| matches!(tag(*p), Some(t) if t != "html"))
    else {
        return top;
    };
    let scores: KeyMap<f64> = candidate_scores(doc)
        .into_iter()
        .map(|(node, score)| (Key::of(node), score))
        .collect();
    let Some(&top_score) = scores.get(&Key::of(top)) else {
        return top;
    };
    let threshold = (top_score * SIBLING_SHARE).max(MIN_SIBLING_SCORE);
    let top_class = attr(top, "class").filter(|c| !c.trim().is_empty());
    // Each element sibling in order, and whether it joins.
    let mut verdicts = Vec::new();
    for sibling in parent.children() {
        if !sibling.value().is_element() || doc.is_removed(sibling) {
            continue;
        }
        if sibling == top {
            verdicts.push((sibling, true));
            continue;
        }
        let mut score = scores.get(&Key::of(sibling)).copied().unwrap_or(0.0);
        if top_class.is_some() && attr(sibling, "class") == top_class {
            score += top_score * SIBLING_SHARE;
        }
        verdicts.push((sibling, score >= threshold || is_prose(doc, sibling)));
    }
    if verdicts.iter().filter(|(_, joins)| *joins).count() < 2 {
        return top;
    }
    keep_embeds_between(doc, &mut verdicts);
    for (sibling, joins) in verdicts {
        if !joins {
            doc.remove(sibling, Reason::Outside);
        }
    }
    parent
}

/// Lets the embeds between the first and the last joined sibling join:
/// they have no text to score, yet sit inside the article.
fn keep_embeds_between<'a>(doc: &Doc<'a>, verdicts: &mut [(NodeRef<'a>, bool)]) {
    let first = verdicts.iter().position(|(_, joins)| *joins);
    let last = verdicts.iter().rposition(|(_, joins)| *joins);
    let (Some(first), Some(last)) = (first, last) else {
        return;
    };
    for (sibling, joins) in &mut verdicts[first..last] {
        if !*joins && embed::holds_embed(doc, *sibling, EMBED_BLOCK_CHARS) {
            *joins = true;
        }
    }
}

/// Most text (non-whitespace characters) around an embed for a sibling to
/// count as the embed's block (a caption, a credit; a tweet's own text).
const EMBED_BLOCK_CHARS: usize = 600;

/// Readability.js's climb: a winner that is its parent's only element
/// is the parent, so that the blocks of an article split around a side box
/// (`div.body > article` beside `div.body-start`) are siblings to merge.
fn outermost_only_child<'a>(doc: &Doc<'a>, top: NodeRef<'a>) -> NodeRef<'a> {
    let mut node = top;
    while let Some(parent) = node
        .parent()
        .filter(|p| matches!(tag(*p), Some(t) if t != "body" && t != "html"))
    {
        let mut elements = parent
            .children()
            .filter(|c| c.value().is_element() && !doc.is_removed(*c));
        if elements.next() != Some(node) || elements.next().is_some() {
            break;
        }
        node = parent;
    }
    node
}

/// A `p` of prose: long with few links, or a short link-free sentence;
/// or a content `div` of loose prose (see [`is_prose_text`]).
fn is_prose<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> bool {
    if tag(node) == Some("div") && is_paragraph(doc, node) {
        return is_prose_text(doc, node);
    }
    if tag(node) != Some("p") {
        return false;
    }
    let stats = doc.text_stats(node);
    if stats.chars > LONG_PARAGRAPH {
        return stats.link_density() < MAX_LINK_DENSITY;
    }
    let text = doc.raw_text(node);
    stats.chars > 0
        && stats.link_chars == 0
        && (text.contains(". ") || text.trim_end().ends_with('.'))
}

/// The loose text of a `div` named like content (Movable Type's and
/// Typepad's extended entry, `div.entry-more`, after the `div.entry-body`
/// and its "Continue reading" anchor): long, with few links, in sentences.
fn is_prose_text<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> bool {
    let stats = doc.text_stats(node);
    element(node).is_some_and(|e| vocab::class_weight(e) > 0.0)
        && stats.chars > LONG_PARAGRAPH
        && stats.link_density() < MAX_LINK_DENSITY
        && doc.raw_text(node).contains(". ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::readability::find_root;
    use scraper::Html;

    const P: &str = "<p>Bolivia's Movement to Socialism, the party of Evo Morales, won the \
        election outright, with a lead of more than twenty points over its nearest rival.</p>";

    fn merged_text(html: &str) -> String {
        let parsed = Html::parse_document(html);
        let mut doc = Doc::new(&parsed);
        let top = find_root(&doc);
        let root = merge(&mut doc, top);
        doc.norm_text(root)
    }

    #[test]
    fn split_article_blocks_are_merged_and_the_rest_dropped() {
        let html = format!(
            r#"<body><div class="body"><div class="text">{P}{P}{P}</div>
            <div class="photo"><span>Photo: AP</span></div>
            <div class="text"><p>The second run of paragraphs, after the photo, ends here.</p></div>
            <div class="promo"><a href="/x">Another story entirely</a></div></div></body>"#
        );
        let text = merged_text(&html);
        assert!(text.contains("the second run of paragraphs"), "{text}");
        assert!(
            !text.contains("another story") && !text.contains("photo: ap"),
            "{text}"
        );
    }

    #[test]
    fn a_lone_winner_stays_the_root() {
        let html = format!(
            r#"<body><div class="wrap"><div class="story">{P}{P}</div><div class="nav"><a href="/">Home</a></div></div></body>"#
        );
        let text = merged_text(&html);
        assert!(!text.contains("home"), "{text}");
    }

    #[test]
    fn an_embed_between_joined_blocks_stays_and_one_after_them_goes() {
        let html = format!(
            r#"<body><div class="body"><div class="text">{P}{P}{P}</div>
            <div class="embed"><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe></div>
            <div class="text"><p>The second run of paragraphs, after the video, ends here.</p></div>
            <div class="promo"><iframe src="https://player.vimeo.com/video/1"></iframe></div></div></body>"#
        );
        let parsed = Html::parse_document(&html);
        let mut doc = Doc::new(&parsed);
        let top = find_root(&doc);
        let root = merge(&mut doc, top);
        let frames: Vec<_> = doc
            .elements(root)
            .filter(|n| tag(*n) == Some("iframe"))
            .filter_map(|n| attr(n, "src"))
            .collect();
        assert_eq!(frames, ["https://www.youtube.com/embed/dQw4w9WgXcQ"]);
    }
}
