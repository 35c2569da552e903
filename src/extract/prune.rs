//! Inside the chosen article root, drops what themes put around the text:
//! share bars (Jetpack's `.sharedaddy`), related posts (`.jp-relatedposts`,
//! "Related" link lists), author bios, tag lists, bylines, and the headline
//! the feed already carries as the item title.
//!
//! Generic by design: it reads class/id vocabulary and link density, never a
//! particular outlet's markup.

use super::dom::{Doc, NodeRef, Reason, element, normalize, tag};
use super::vocab::{self, Boilerplate};

/// Blocks the vocabulary may remove (inline elements such as a
/// `<a class="share">` inside a sentence stay: removing them would cut words).
const PRUNABLE: &[&str] = &[
    "div", "section", "aside", "header", "footer", "ul", "ol", "li", "p", "table", "figure", "dl",
];

/// A weakly named block (`entry-meta`, `entry-footer`) shorter than this is a
/// byline or a date line.
const WEAK_MAX_CHARS: usize = 200;

/// Above this share of link text, a weakly named block is navigation.
const LINK_HEAVY: f64 = 0.33;

/// Labels that head link lists of other articles or share buttons.
const LIST_LABELS: &[&str] = &[
    "related",
    "related posts",
    "related articles",
    "related stories",
    "related content",
    "share this",
    "share",
    "like this",
    "you may also like",
    "you might also like",
    "more stories",
    "recommended",
    "read next",
    "read more",
    "also read",
    "tags",
    "follow us",
];

/// Removes boilerplate blocks under `root` (never `root` itself, nor a block
/// holding most of its text), then the headline if it repeats `title`.
pub(crate) fn prune<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>, title: Option<&str>) {
    let total = doc.text_stats(root).chars;
    doc.remove_where(root, |doc, node| {
        is_boilerplate(doc, node, total).then_some(Reason::Boilerplate)
    });
    remove_labelled_link_lists(doc, root);
    if let Some(title) = title {
        remove_title_heading(doc, root, title);
    }
}

fn is_boilerplate<'a>(doc: &Doc<'a>, node: NodeRef<'a>, total: usize) -> bool {
    let Some(el) = element(node).filter(|e| PRUNABLE.contains(&e.name())) else {
        return false;
    };
    let Some(kind) = vocab::boilerplate(el) else {
        return false;
    };
    let stats = doc.text_stats(node);
    if stats.chars * 2 > total {
        return false;
    }
    match kind {
        Boilerplate::Strong => true,
        Boilerplate::Weak => stats.chars < WEAK_MAX_CHARS || stats.link_density() > LINK_HEAVY,
    }
}

/// "Related" / "Share this:" headings followed by a list of links: both go.
fn remove_labelled_link_lists<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>) {
    for node in doc.elements(root) {
        if !matches!(tag(node), Some("h2" | "h3" | "h4" | "h5" | "h6" | "p")) {
            continue;
        }
        let text = doc.norm_text(node);
        let label = text.trim_end_matches([':', '.', '…', ' ']);
        if !LIST_LABELS.contains(&label) {
            continue;
        }
        let next = node
            .next_siblings()
            .find(|s| s.value().is_element() && !doc.is_removed(*s));
        if let Some(list) = next
            && doc.text_stats(list).link_density() > 0.5
        {
            doc.remove(node, Reason::Boilerplate);
            doc.remove(list, Reason::Boilerplate);
        }
    }
}

/// The `h1`/`h2` repeating the page title: feeds carry the title already.
fn remove_title_heading<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>, title: &str) {
    let title = normalize(title);
    let heading = doc
        .elements(root)
        .into_iter()
        .find(|n| matches!(tag(*n), Some("h1" | "h2")) && doc.norm_text(*n) == title);
    if let Some(heading) = heading {
        doc.remove(heading, Reason::Boilerplate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn pruned(html: &str, title: Option<&str>) -> String {
        let parsed = Html::parse_fragment(html);
        let mut doc = Doc::new(&parsed);
        let root = doc.select(&Selector::parse(".root").unwrap())[0];
        prune(&mut doc, root, title);
        doc.norm_text(root)
    }

    const BODY: &str = "<p>The article text, long enough to be most of the root, about the \
        election in Bolivia and what the press made of it.</p>";

    #[test]
    fn share_bars_related_posts_bios_and_tags_go() {
        let html = format!(
            r#"<article class="root">{BODY}
            <div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3>
              <ul><li><a href="https://twitter.com/share">Twitter</a></li></ul></div>
            <div id="jp-relatedposts" class="jp-relatedposts"><h3>Related</h3>
              <p><a href="/other/">Another story</a></p></div>
            <div class="author-bio"><p>Vins writes for the project.</p></div>
            <footer class="entry-footer"><span class="tags-links">Tagged <a href="/tag/bolivia/">Bolivia</a></span></footer>
            </article>"#
        );
        assert_eq!(
            pruned(&html, None),
            normalize(&BODY.replace("<p>", "").replace("</p>", ""))
        );
    }

    #[test]
    fn labelled_link_lists_go_but_prose_lists_stay() {
        let html = format!(
            r#"<div class="root">{BODY}<ul><li>A point made in prose, not a link.</li></ul>
            <h3>You may also like:</h3><ul><li><a href="/a">Story A</a></li><li><a href="/b">Story B</a></li></ul></div>"#
        );
        let text = pruned(&html, None);
        assert!(text.contains("a point made in prose"));
        assert!(!text.contains("story a") && !text.contains("you may also like"));
    }

    #[test]
    fn a_named_block_holding_most_of_the_text_stays() {
        let html = format!(r#"<div class="root"><div class="post-meta-wrap">{BODY}</div></div>"#);
        assert!(pruned(&html, None).contains("the article text"));
    }

    #[test]
    fn the_repeated_headline_goes() {
        let html = format!(r#"<div class="root"><h1>Democracy Prevails</h1>{BODY}</div>"#);
        let text = pruned(&html, Some("Democracy  prevails"));
        assert!(!text.contains("democracy prevails"));
        assert!(text.contains("the article text"));
    }
}
