//! Inside the chosen article root, drops what themes put around the text:
//! share bars (Jetpack's `.sharedaddy`), related posts (`.jp-relatedposts`,
//! "Related" link lists), author bios (named so, or headed "About the
//! author"), tag lists, bylines, entry footers, and the headline the feed
//! already carries as the item title.
//!
//! Generic by design: it reads class/id vocabulary and link density, never a
//! particular outlet's markup.

use super::dom::{Doc, Key, KeyMap, NodeRef, Reason, element, normalize, tag};
use super::embed;
use super::readability::is_paragraph;
use super::vocab::{self, Boilerplate};

mod blog;
mod notes;

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
    "related news",
    "related links",
    "related coverage",
    "more news",
    "follow us",
    "don't miss",
    "don’t miss",
    "see more",
    "most read",
    "most popular",
    "trending",
];

/// Removes boilerplate blocks under `root` (never `root` itself, nor a block
/// holding most of its text), then the headline if it repeats `title`.
///
/// A boilerplate block holding an embedded player (`div.video-wrapper`,
/// a share-button paragraph around a YouTube iframe) loses everything but
/// the player and figure captions: the player becomes a link to the video,
/// never dropped silently with its box.
pub(crate) fn prune<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>, title: Option<&str>) {
    let total = doc.text_stats(root).chars;
    // Boilerplate blocks kept for the player inside them.
    let mut spared = KeyMap::<()>::default();
    doc.remove_where(root, |doc, node| {
        let in_spared = node
            .parent()
            .is_some_and(|p| spared.contains_key(&Key::of(p)));
        if !in_spared && !is_boilerplate(doc, node, total) {
            return None;
        }
        if in_spared && tag(node) == Some("figcaption") {
            return None;
        }
        if doc.elements(node).any(embed::is_player) {
            spared.insert(Key::of(node), ());
            return None;
        }
        Some(Reason::Boilerplate)
    });
    remove_labelled_link_lists(doc, root);
    if let Some(title) = title {
        remove_title_heading(doc, root, title);
    }
}

fn is_boilerplate<'a>(doc: &Doc<'a>, node: NodeRef<'a>, total: usize) -> bool {
    let Some(el) = element(node) else {
        return false;
    };
    if vocab::is_overlay(el) {
        // The innermost one: the outer ones wrap the linked name that
        // belongs to the sentence (The Hill's people cards).
        return !node
            .descendants()
            .skip(1)
            .any(|d| element(d).is_some_and(vocab::is_overlay));
    }
    // Datelines are often a bare `<span class="timestamp">` beside the text.
    if el.name() == "span" {
        return doc.text_stats(node).chars < 80 && is_date_line(&doc.norm_text(node));
    }
    if !PRUNABLE.contains(&el.name()) {
        return false;
    }
    if is_noise_block(doc, node) {
        return true;
    }
    if blog::is_author_box(doc, node) && doc.text_stats(node).chars * 2 <= total {
        return true;
    }
    let Some(kind) = vocab::boilerplate(el) else {
        return false;
    };
    let stats = doc.text_stats(node);
    if stats.chars * 2 > total {
        return false;
    }
    match kind {
        // Embedded posts (a tweet's blockquote in `video-container` or
        // `social-media-embed`) are quoted content the article relies on.
        Boilerplate::Strong => !holds_quote(doc, node),
        Boilerplate::Weak => stats.chars < WEAK_MAX_CHARS || stats.link_density() > LINK_HEAVY,
    }
}

/// Whole-block texts that label ads and widgets, never article prose.
const NOISE_TEXTS: &[&str] = &[
    "advertisement",
    "advert",
    "ad",
    "sponsored",
    "sponsored content",
    "story continues below advertisement",
    "article continues below advertisement",
    "continue reading below",
    "this slideshow requires javascript.",
    "close",
    "video",
];

/// A paragraph made of a link and nothing else is a pointer elsewhere
/// ("GET THE APP BY CLICKING HERE", a related headline), not prose: this
/// much of its text must be link text.
const LINK_PARAGRAPH: f64 = 0.9;

fn holds_quote<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> bool {
    doc.elements(node).any(|n| tag(n) == Some("blockquote"))
}

/// "Updated 5:27 am CST, Wednesday, November 20, 2019": a dateline block,
/// not prose (the date is metadata).
fn is_date_line(text: &str) -> bool {
    const STARTS: &[&str] = &[
        "updated",
        "last updated",
        "published",
        "first published",
        "posted",
    ];
    text.chars().count() < 80
        && STARTS.iter().any(|s| text.starts_with(s))
        && text.chars().any(|c| c.is_ascii_digit())
}

/// "Read more: <a>Other story</a>": a label, a colon, then a link.
fn is_pointer(text: &str) -> bool {
    text.split_once(':')
        .is_some_and(|(label, _)| POINTER_LABELS.contains(&label.trim()))
}

/// Labels that introduce a link to another article (or to the post's topic
/// pages) inside the body.
const POINTER_LABELS: &[&str] = &[
    "read more",
    "read also",
    "also read",
    "see more",
    "see also",
    "related",
    "more",
    "watch",
    "listen",
    "recommended",
    "related topics",
    "topics",
    "filed under",
    "categories",
];

/// An ad label, a paragraph that is only a link, or a blog theme's entry
/// footer (see `blog`).
fn is_noise_block<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> bool {
    if !matches!(tag(node), Some("p" | "div" | "li" | "ul" | "ol")) {
        return false;
    }
    let stats = doc.text_stats(node);
    if stats.chars == 0 {
        return false;
    }
    let text = doc.norm_text(node);
    // "- Advertisement -", "ADVERTISEMENT:" are the same label.
    let label = text.trim_matches(|c: char| !c.is_alphanumeric());
    if stats.chars < 40 && NOISE_TEXTS.contains(&label) {
        return true;
    }
    if is_pointer(&text) && stats.link_density() >= 0.5 || is_date_line(&text) {
        return true;
    }
    if blog::is_entry_footer(&text, stats.chars) || notes::is_note(&text, stats.chars) {
        return true;
    }
    // A list of nothing but links is a list of other stories.
    if matches!(tag(node), Some("ul" | "ol")) {
        return stats.link_density() >= LINK_PARAGRAPH;
    }
    // A bare URL is a cited source, written out to be read. A `div` of
    // nothing but inline links is a pointer too, or a row of them (a story
    // ticker), unless it is part of a quoted post (an Instagram embed's
    // "View this post on Instagram").
    stats.link_density() >= LINK_PARAGRAPH
        && !text.starts_with("http")
        && (tag(node) == Some("p") || tag(node) == Some("div") && is_link_div(doc, node))
}

/// A `div` of inline content outside any quote.
fn is_link_div<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> bool {
    is_paragraph(doc, node) && !node.ancestors().any(|a| tag(a) == Some("blockquote"))
}

/// "Related" / "Share this:" headings followed by a list of links: both go.
fn remove_labelled_link_lists<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>) {
    // Collected first: the loop removes from `doc`.
    let nodes: Vec<_> = doc.elements(root).collect();
    for node in nodes {
        if !matches!(tag(node), Some("h2" | "h3" | "h4" | "h5" | "h6" | "p")) {
            continue;
        }
        let text = doc.norm_text(node);
        let label = text.trim_end_matches([':', '.', '…', ' ']);
        if !LIST_LABELS.contains(&label) {
            continue;
        }
        // The list may already be gone (a list of nothing but links): its
        // label goes with it.
        let label = label_box(node, root);
        let next = label.next_siblings().find(|s| s.value().is_element());
        if let Some(list) = next
            && (doc.is_removed(list) || doc.text_stats(list).link_density() > 0.5)
        {
            doc.remove(label, Reason::Boilerplate);
            doc.remove(list, Reason::Boilerplate);
        }
    }
}

/// The label with the wrappers that hold nothing else
/// (`<div class="section-title"><h2>Related news</h2></div>`): the list
/// follows the outermost of them.
fn label_box<'a>(label: NodeRef<'a>, root: NodeRef<'a>) -> NodeRef<'a> {
    let mut current = label;
    while let Some(parent) = current.parent().filter(|p| *p != root) {
        let mut elements = parent.children().filter(|c| c.value().is_element());
        let only_child = elements.next() == Some(current) && elements.next().is_none();
        if !only_child || !parent.value().is_element() {
            break;
        }
        current = parent;
    }
    current
}

/// The `h1`/`h2` repeating the page title: feeds carry the title already.
fn remove_title_heading<'a>(doc: &mut Doc<'a>, root: NodeRef<'a>, title: &str) {
    let title = normalize(title);
    let heading = doc
        .elements(root)
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
            <div class="box-title"><h3>You may also like:</h3></div><ul><li><a href="/a">Story A</a></li><li><a href="/b">Story B</a></li></ul></div>"#
        );
        let text = pruned(&html, None);
        assert!(text.contains("a point made in prose"));
        assert!(!text.contains("story a") && !text.contains("you may also like"));
    }

    #[test]
    fn ad_labels_link_paragraphs_and_pointers_go_but_cited_urls_and_embeds_stay() {
        let html = format!(
            r#"<div class="root">{BODY}<div class="ad-slot-x"><span>- Advertisement -</span></div>
            <div>Updated 5:27 am CST, Wednesday, November 20, 2019</div>
            <span class="timestamp">Published <time>11:21 pm, Nov. 19, 2019</time></span>
            <p><a href="/app">GET THE APP BY CLICKING HERE</a></p>
            <p><b>Read more:</b> <a href="/other">Another story about something else</a></p>
            <ul><li><a href="/a">Story A</a></li><li><a href="/b">Story B</a></li></ul>
            <p><a href="https://source.example/report">https://source.example/report</a></p>
            <div class="video-container"><blockquote class="twitter-tweet"><p>A quoted tweet.</p></blockquote></div>
            <p>Rep. <span class="rollover-people"><a href="/p">Jane Doe</a><span class="rollover-block">
            <a href="/x">Her other stories</a></span></span> spoke.</p></div>"#
        );
        let text = pruned(&html, None);
        for gone in [
            "advertisement",
            "get the app",
            "another story",
            "story a",
            "her other stories",
        ] {
            assert!(!text.contains(gone), "{gone} in {text}");
        }
        for kept in [
            "https://source.example/report",
            "a quoted tweet.",
            "rep. jane doe spoke.",
        ] {
            assert!(text.contains(kept), "{kept} not in {text}");
        }
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

    #[test]
    fn a_player_survives_the_boilerplate_box_around_it() {
        let html = Html::parse_fragment(
            r#"<div><p>Story text long enough to be the story of the page, with more words.</p>
            <p><em><a href="/books/"></a></em><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe><br>
            <a class="share" href="https://share.example/?u=x">Tweet</a></p>
            <div class="inline-video"><iframe src="https://player.vimeo.com/video/1"></iframe><p>Video caption here.</p>
            <figcaption>Kept caption</figcaption></div>
            <div class="related-videos"><ul><li><a href="/v/2">Another video</a></li></ul></div></div>"#,
        );
        let mut doc = Doc::new(&html);
        let root = doc.root;
        prune(&mut doc, root, None);
        let live: Vec<_> = doc
            .elements(root)
            .filter_map(tag)
            .filter(|t| *t == "iframe")
            .collect();
        assert_eq!(live.len(), 2);
        let text = doc.norm_text(root);
        assert!(
            !text.contains("tweet") && !text.contains("video caption"),
            "{text}"
        );
        assert!(!text.contains("another video"), "{text}");
        assert!(text.contains("kept caption"), "{text}");
    }
}
