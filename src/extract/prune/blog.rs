//! Blog theme boxes known by their fixed wording rather than their names:
//! the words come from the theme's templates, so every blog on that theme
//! (and on the many themes copied from it) prints them alike.

use super::super::dom::{Doc, NodeRef, tag};

/// Phrases of the entry footers of WordPress's default themes: Kubrick's
/// (and the themes built from it) "This entry was posted on … and is filed
/// under … You can follow any responses to this entry through the RSS 2.0
/// feed…", and Twenty Ten's and Twenty Eleven's "This entry was posted in …
/// Bookmark the permalink."
const ENTRY_FOOTER_PHRASES: &[&str] = &[
    "follow any responses to this entry",
    "bookmark the permalink",
];

/// An entry footer is a sentence or two around its links, never this long.
const ENTRY_FOOTER_MAX_CHARS: usize = 500;

/// Whether a block's normalized text is a WordPress entry footer (see
/// [`ENTRY_FOOTER_PHRASES`]).
pub(super) fn is_entry_footer(text: &str, chars: usize) -> bool {
    chars < ENTRY_FOOTER_MAX_CHARS && ENTRY_FOOTER_PHRASES.iter().any(|p| text.contains(p))
}

/// Headings of the author box themes put after a post.
const AUTHOR_BOX_HEADINGS: &[&str] = &["about the author", "about the authors"];

/// Whether `node` is a box headed "About the author" (its first element
/// is that heading): the writer's bio, not the story.
pub(super) fn is_author_box<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> bool {
    let first = node
        .children()
        .find(|c| c.value().is_element() && !doc.is_removed(*c));
    let Some(heading) = first.filter(|h| matches!(tag(*h), Some("h2" | "h3" | "h4" | "h5" | "h6")))
    else {
        return false;
    };
    let text = doc.norm_text(heading);
    let label = text.trim_end_matches(['.', ':', '…', ' ']);
    AUTHOR_BOX_HEADINGS.contains(&label)
}
