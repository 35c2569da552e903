//! Readers' comments kept inside the article root: blog themes (Typepad,
//! Movable Type, Blogger, old WordPress) write the comment thread in the
//! same container as the post, after a heading such as "12 Comments",
//! "Comments (0)" or "Leave a Reply", with nothing in the markup of the
//! comments themselves (`div#c1699`) that says what they are. The heading
//! is the marker: it and everything after it in the root go.
//!
//! Only a marker that comes after a paragraph's worth of article text
//! counts, so a "7 Comments" link in the byline above the post never cuts
//! the post itself.

use std::sync::LazyLock;

use scraper::{ElementRef, Selector};

use super::dom::{Doc, NodeRef, Reason, tag, visible_chars};

/// Text (non-whitespace characters) the root must hold before a marker for
/// the marker to end the article.
const MIN_TEXT_BEFORE: usize = 250;

/// A marker is a short label: longer blocks are prose that mentions comments.
const MAX_MARKER_CHARS: usize = 60;

/// Labels of comment sections, matched against a block's whole text
/// (lower-cased, counts and punctuation dropped, see [`label`]).
const LABELS: &[&str] = &[
    "comment",
    "comments",
    "response",
    "responses",
    "reply",
    "replies",
    "reader comments",
    "readers comments",
    "reader's comments",
    "readers' comments",
    "your comments",
    "user comments",
    "comments and trackbacks",
    "leave a comment",
    "leave a reply",
    "leave a response",
    "leave comment",
    "leave your comment",
    "post a comment",
    "post comment",
    "add a comment",
    "add comment",
    "add your comment",
    "add new comment",
    "write a comment",
    "join the discussion",
    "join the conversation",
    "discussion",
    "trackback",
    "trackbacks",
    "pingbacks",
    "trackbacks and pingbacks",
    "have your say",
    "speak your mind",
    "what do you think",
    "no comments yet",
    "comments are closed",
    "comments closed",
    "comments powered by disqus",
];

/// Headings whose id or class names a comment section (`h2#comments`,
/// `h3.comments-title`): removed as junk before this step runs, they still
/// mark where the thread starts.
static NAMED_HEADING: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse(
        "h1[id*=comment], h2[id*=comment], h3[id*=comment], h4[id*=comment], \
         h1[class*=comment], h2[class*=comment], h3[class*=comment], h4[class*=comment]",
    )
    .expect("valid comment heading selector")
});

/// Blocks that may be a marker: a heading, or a label in its own block
/// (never an inline element: "<b>Reply</b> to comments on your posts" is
/// a sentence of the article).
const MARKER_TAGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "dt", "li"];

/// Removes the first comment-section marker under `root` that follows a
/// paragraph's worth of text, and everything after it within `root`.
pub(crate) fn cut<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>) {
    let Some(marker) = first_marker(doc, root) else {
        return;
    };
    doc.remove(marker, Reason::Junk);
    let mut node = marker;
    while node != root {
        for after in node.next_siblings() {
            doc.remove(after, Reason::Junk);
        }
        let Some(parent) = node.parent() else { break };
        node = parent;
    }
}

/// The first marker under `root`, in document order, that follows
/// [`MIN_TEXT_BEFORE`] of text. Removed subtrees are not entered, but a
/// removed heading may itself be the marker.
fn first_marker<'a>(doc: &Doc<'a>, root: NodeRef<'a>) -> Option<NodeRef<'a>> {
    let mut stack: Vec<_> = root.children().rev().collect();
    while let Some(node) = stack.pop() {
        if !node.value().is_element() {
            continue;
        }
        let removed = doc.is_removed(node);
        if is_marker(doc, node, removed) && text_before(doc, node, root) >= MIN_TEXT_BEFORE {
            return Some(node);
        }
        if !removed {
            stack.extend(node.children().rev());
        }
    }
    None
}

/// Whether `node` labels a comment section: a heading named for comments
/// (already removed as junk), or a short block whose text is a comment
/// label (headings may be links; other blocks may not).
fn is_marker<'a>(doc: &Doc<'a>, node: NodeRef<'a>, removed: bool) -> bool {
    let Some(name) = tag(node) else {
        return false;
    };
    if !MARKER_TAGS.contains(&name) {
        return false;
    }
    if removed {
        return doc.removal(node) == Some(Reason::Junk)
            && ElementRef::wrap(node).is_some_and(|e| NAMED_HEADING.matches(&e));
    }
    let stats = doc.text_stats(node);
    if stats.chars == 0 || stats.chars > MAX_MARKER_CHARS {
        return false;
    }
    let heading = name.starts_with('h');
    (heading || stats.link_chars == 0) && LABELS.contains(&label(&doc.norm_text(node)).as_str())
}

/// A block's text as a label: counts ("12", "one", "no"), brackets,
/// quotes and punctuation dropped, and "N comments on “Title”" cut at "on".
fn label(text: &str) -> String {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty())
        .collect();
    let mut words: Vec<&str> = words
        .into_iter()
        .skip_while(|w| is_count(w))
        .take_while(|w| !matches!(*w, "on" | "to" | "for"))
        .collect();
    while words.last().is_some_and(|w| is_count(w)) {
        words.pop();
    }
    words.join(" ")
}

fn is_count(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit()) || matches!(word, "no" | "one" | "two" | "three")
}

/// Live text (non-whitespace characters) of `root` that comes before `node`.
fn text_before<'a>(doc: &Doc<'a>, node: NodeRef<'a>, root: NodeRef<'a>) -> usize {
    let mut total = 0;
    let mut current = node;
    while current != root {
        for before in current.prev_siblings() {
            total += match before.value().as_text() {
                Some(text) => visible_chars(text),
                None => doc.text_stats(before).chars,
            };
        }
        let Some(parent) = current.parent() else {
            break;
        };
        current = parent;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::plain_text;
    use scraper::Html;

    fn after_cut(html: &str) -> String {
        let parsed = Html::parse_fragment(html);
        let mut doc = Doc::new(&parsed);
        let root = doc.root;
        cut(&mut doc, root);
        plain_text(&doc, root)
    }

    const POST: &str = "<p>The knitting season starts when the nights turn cool, and this \
        year they stayed warm well into the autumn, so the scarves waited.</p>\
        <p>Still, two pairs of arm warmers came off the needles, in a cotton yarn that \
        breathes, with a few rows of seed stitch at the top, and a picot edge \
        along the thumb holes.</p>";

    #[test]
    fn labels_drop_counts_and_titles() {
        assert_eq!(label("12 comments"), "comments");
        assert_eq!(label("comments (0)"), "comments");
        assert_eq!(label("one response to “arm warmers”"), "response");
        assert_eq!(label("leave a reply"), "leave a reply");
        assert_eq!(label("what do you think?"), "what do you think");
    }

    #[test]
    fn the_thread_after_a_comments_heading_goes() {
        let html = format!(
            "<div>{POST}<p class=\"posted\">Posted at 9:02</p><h3>3 Comments</h3>\
             <div id=\"c1\"><p>Lovely colours, I want a pair.</p></div>\
             <p class=\"posted\">Posted by Ann</p><div id=\"c2\"><p>Cold here already.</p></div></div>"
        );
        let text = after_cut(&html);
        assert!(text.ends_with("Posted at 9:02"), "{text}");
    }

    #[test]
    fn a_comment_count_in_the_byline_does_not_cut_the_post() {
        let html = format!(
            "<div><p>By Ann · <a href=\"#c\">7 Comments</a></p><div>Comments</div>{POST}</div>"
        );
        let text = after_cut(&html);
        assert!(text.contains("seed stitch"), "{text}");
    }
}
