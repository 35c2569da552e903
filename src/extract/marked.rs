//! schema.org microdata's `itemprop="articleBody"`: the publisher's own
//! word on where the article is. Some templates mark each paragraph, or
//! each part of a body split around an inline box, so the article is the
//! nearest block holding every marked part, from the first part to the
//! last: what lies before the first part (headline, byline, lead photo) or
//! after the last (footer, comments) in that block is not the article.

use super::dom::{Doc, NodeRef, Reason, attr, contains};

/// The outermost live elements marked `itemprop="articleBody"` under
/// `scope`, in page order.
pub(crate) fn parts<'a>(doc: &Doc<'a>, scope: NodeRef<'a>) -> Vec<NodeRef<'a>> {
    let mut marked: Vec<NodeRef<'a>> = Vec::new();
    for node in doc.elements(scope) {
        if is_marked(node) && !marked.last().is_some_and(|last| contains(*last, node)) {
            marked.push(node);
        }
    }
    marked
}

fn is_marked(node: NodeRef<'_>) -> bool {
    attr(node, "itemprop").is_some_and(|v| {
        v.split_whitespace()
            .any(|p| p.eq_ignore_ascii_case("articleBody"))
    })
}

/// Removes what `root` holds before the first of `parts` and after the
/// last (both under `root`, in page order).
pub(crate) fn trim_outside<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>, parts: &[NodeRef<'a>]) {
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return;
    };
    let mut node = *first;
    while node != root {
        for before in node.prev_siblings() {
            doc.remove(before, Reason::Outside);
        }
        let Some(parent) = node.parent() else { break };
        node = parent;
    }
    let mut node = *last;
    while node != root {
        for after in node.next_siblings() {
            doc.remove(after, Reason::Outside);
        }
        let Some(parent) = node.parent() else { break };
        node = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::plain_text;
    use scraper::Html;

    #[test]
    fn trimming_keeps_the_span_from_the_first_marked_part_to_the_last() {
        let html = r#"<div id="a"><h6>By A. Writer</h6>
            <div class="body"><p itemprop="articleBody">One.</p></div>
            <div class="inline">Box.</div>
            <div class="body"><p itemprop="articleBody">Two.</p><p itemprop="articleBody">Three.</p>
            <p class="note">A version of this appeared in print.</p></div>
            <div id="comments">Comment.</div></div>"#;
        let parsed = Html::parse_fragment(html);
        let mut doc = Doc::new(&parsed);
        let found = parts(&doc, doc.root);
        assert_eq!(found.len(), 3);
        let root = doc.select(&scraper::Selector::parse("#a").unwrap())[0];
        trim_outside(&mut doc, root, &found);
        assert_eq!(plain_text(&doc, root), "One.\n\nBox.\n\nTwo.\n\nThree.");
    }

    #[test]
    fn nested_marks_count_once() {
        let html = r#"<div itemprop="articleBody"><p itemprop="articleBody">One.</p></div>"#;
        let parsed = Html::parse_fragment(html);
        let doc = Doc::new(&parsed);
        assert_eq!(parts(&doc, doc.root).len(), 1);
    }
}
