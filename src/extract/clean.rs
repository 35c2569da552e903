//! Removal of what is never content: structural junk, hidden elements, the
//! source's `[source.clean]` rules and WordPress feed footers.
//!
//! Runs before anything reads the text: hidden nodes must go before the
//! sanitizer drops `style`, or a `display:none` spam link ("assetto corsa
//! mods" on Popular Resistance's tag pages) becomes visible text.

use scraper::Selector;
use scraper::node::Element;
use url::Url;

use super::dom::{Doc, NodeRef, Reason, contains, element, normalize, tag};
use super::embed;

/// Elements that never hold article text.
const JUNK_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "form", "nav", "object", "embed", "svg",
    "button", "input", "select", "textarea",
];

/// Comment sections of WordPress and most blog themes, as a selector: the
/// definition [`is_comment_section`] follows (tests check it against this).
#[cfg(test)]
const COMMENTS: &str =
    "#comments, .comments, .comment-respond, #respond, .comments-area, ol.commentlist";

/// The ids of the comment-section selector.
const COMMENT_IDS: &[&str] = &["comments", "respond"];

/// The classes of the comment-section selector (on any element).
const COMMENT_CLASSES: &[&str] = &["comments", "comment-respond", "comments-area"];

/// Boxes whose whole content goes when they hold a `remove_text` match.
const BOX_TAGS: &[&str] = &[
    "div", "section", "aside", "form", "header", "footer", "nav", "li",
];

/// Blocks removed alone when the box around them holds the article.
const BLOCK_TAGS: &[&str] = &["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote"];

/// Removes junk elements, comment sections and hidden elements. An
/// `iframe`, `object` or `embed` that is a player with a usable source
/// (resolved against `base`) stays: it is written as a link to its
/// original (see `embed`).
pub(crate) fn remove_junk(doc: &mut Doc<'_>, base: &Url) {
    let page_chars = doc.text_stats(doc.root).chars;
    doc.remove_where(doc.root, |doc, node| {
        let el = element(node)?;
        if is_hidden(el) {
            Some(Reason::Hidden)
        } else {
            is_junk(doc, node, el, page_chars, base).then_some(Reason::Junk)
        }
    });
}

fn is_junk<'a>(
    doc: &Doc<'a>,
    node: NodeRef<'a>,
    el: &Element,
    page_chars: usize,
    base: &Url,
) -> bool {
    let name = el.name();
    if name == "form" {
        // ASP.NET WebForms pages wrap the whole body in one <form>: keep a
        // form that holds most of the page's text.
        return doc.text_stats(node).chars * 2 <= page_chars;
    }
    if JUNK_TAGS.contains(&name) {
        return !embed::PLAYER_TAGS.contains(&name) || embed::player(node, base).is_none();
    }
    is_comment_section(el)
}

/// Whether an element is a comment section (`#comments, .comments,
/// .comment-respond, #respond, .comments-area, ol.commentlist`): read straight from its `id` and
/// `class` attributes (matching the selector cost more than all the rest of
/// the junk pass; ids and classes compare case-sensitively, as scraper's
/// no-quirks matching does).
fn is_comment_section(el: &Element) -> bool {
    let mut found = false;
    for (name, value) in el.attrs() {
        found |= match name {
            "id" => COMMENT_IDS.contains(&value),
            "class" => value.split_ascii_whitespace().any(|class| {
                COMMENT_CLASSES.contains(&class) || (class == "commentlist" && el.name() == "ol")
            }),
            _ => false,
        };
    }
    found
}

/// Whether an element is hidden from readers: the `hidden` attribute
/// (except `until-found`, which is collapsed content), `aria-hidden="true"`,
/// an inline `display:none` / `visibility:hidden` in any spelling
/// (`DISPLAY : none !important`), or a CSS framework's hiding class.
pub(crate) fn is_hidden(el: &Element) -> bool {
    // One pass over the attributes: looking each name up costs more (it is
    // run on every element of the page).
    el.attrs().any(|(name, value)| match name {
        "hidden" => !value.trim().eq_ignore_ascii_case("until-found"),
        "aria-hidden" => value.trim().eq_ignore_ascii_case("true"),
        "style" => style_hides(value),
        "class" => value.split_ascii_whitespace().any(is_hiding_class),
        _ => false,
    })
}

/// Utility classes that hide an element in the common CSS frameworks
/// (Bootstrap's `hidden`, `hide`, `d-none`, `invisible`; Bulma's
/// `is-hidden`) and blog platforms (Typepad's `hiddenBox`, on the comment
/// form's preview and captcha boxes of every Typepad blog): the page's
/// stylesheet, which is not read, hides it.
/// Responsive variants (`hidden-xs`) hide only on some screens and stay.
fn is_hiding_class(class: &str) -> bool {
    const HIDING: &[&str] = &[
        "hidden",
        "hide",
        "d-none",
        "invisible",
        "is-hidden",
        "hiddenbox",
    ];
    HIDING.iter().any(|h| class.eq_ignore_ascii_case(h))
}

fn style_hides(style: &str) -> bool {
    let compact: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    compact.split(';').any(|declaration| {
        let value = |prop: &str| {
            declaration
                .strip_prefix(prop)
                .map(|v| v.trim_end_matches("!important"))
        };
        value("display:") == Some("none") || value("visibility:") == Some("hidden")
    })
}

/// Removes every live match of the source's `clean.remove` selectors.
pub(crate) fn remove_selected(doc: &mut Doc<'_>, selectors: &[Selector]) {
    for selector in selectors {
        for node in doc.select(selector) {
            doc.remove(node, Reason::RuleSelector);
        }
    }
}

/// Removes the box around each occurrence of the source's `clean.remove_text`
/// texts (case and whitespace ignored): its nearest `div`, `section`,
/// `aside`, `form`, `header`, `footer`, `nav` or `li`, unless that box holds
/// the article (`main`), in which case only the matching paragraph, heading,
/// list item or quote goes.
pub(crate) fn remove_texts<'a>(doc: &mut Doc<'a>, needles: &[String], main: NodeRef<'a>) {
    for needle in needles {
        let needle = normalize(needle);
        if needle.is_empty() {
            continue;
        }
        for hit in deepest_matches(doc, &needle) {
            remove_hit(doc, hit, main);
        }
    }
}

/// The innermost live elements whose text contains `needle`.
fn deepest_matches<'a>(doc: &Doc<'a>, needle: &str) -> Vec<NodeRef<'a>> {
    let mut found = Vec::new();
    // The body only: a `<title>` repeating the appeal is not a box.
    let body = doc.body();
    if !doc.norm_text(body).contains(needle) {
        return found;
    }
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        let inner: Vec<_> = node
            .children()
            .filter(|c| c.value().is_element() && !doc.is_removed(*c))
            .filter(|c| doc.norm_text(*c).contains(needle))
            .collect();
        if inner.is_empty() {
            found.push(node);
        } else {
            stack.extend(inner);
        }
    }
    found
}

fn remove_hit<'a>(doc: &mut Doc<'a>, hit: NodeRef<'a>, main: NodeRef<'a>) {
    if let Some(boxed) = nearest(hit, BOX_TAGS)
        && !holds_main_text(doc, boxed, main)
    {
        doc.remove(boxed, Reason::RuleText);
        return;
    }
    let target = nearest(hit, BLOCK_TAGS).unwrap_or(hit);
    if !contains(target, main) && target.value().is_element() {
        doc.remove(target, Reason::RuleText);
    }
}

/// `node` or its nearest ancestor with one of `tags`.
fn nearest<'a>(node: NodeRef<'a>, tags: &[&str]) -> Option<NodeRef<'a>> {
    std::iter::once(node)
        .chain(node.ancestors())
        .find(|n| tag(*n).is_some_and(|t| tags.contains(&t)))
}

/// Whether `boxed` holds the article: it encloses the content root, or sits
/// inside it and holds most of its text.
fn holds_main_text<'a>(doc: &Doc<'a>, boxed: NodeRef<'a>, main: NodeRef<'a>) -> bool {
    contains(boxed, main)
        || (contains(main, boxed) && doc.text_stats(boxed).chars * 2 > doc.text_stats(main).chars)
}

/// Removes the footers WordPress adds to feed items ("The post X appeared
/// first on Y.") and "Continue reading" / "Read more" links.
pub(crate) fn remove_feed_footers(doc: &mut Doc<'_>) {
    doc.remove_where(doc.root, |doc, node| {
        let is_footer = match tag(node) {
            Some("p") => {
                let text = doc.norm_text(node);
                text.starts_with("the post ") && text.contains(" appeared first on ")
            }
            Some("a") => is_read_more(&doc.norm_text(node)),
            _ => false,
        };
        is_footer.then_some(Reason::FeedFooter)
    });
}

fn is_read_more(text: &str) -> bool {
    const PHRASES: &[&str] = &[
        "continue reading",
        "read more",
        "keep reading",
        "read the full",
    ];
    text.chars().count() < 120 && PHRASES.iter().any(|p| text.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn base() -> Url {
        Url::parse("https://outlet.example/story/").unwrap()
    }

    fn live_text(doc: &Doc<'_>) -> String {
        doc.norm_text(doc.root)
    }

    #[test]
    fn hidden_styles_in_any_spelling() {
        for style in [
            "display:none",
            "display: none",
            "DISPLAY : None !important",
            "color: red; visibility:hidden",
            "visibility: hidden !important;",
        ] {
            assert!(style_hides(style), "{style}");
        }
        for style in [
            "display:block",
            "visibility:visible",
            "",
            "display: inline-block",
        ] {
            assert!(!style_hides(style), "{style}");
        }
    }

    #[test]
    fn comment_sections_are_what_the_comments_selector_matches() {
        let selector = Selector::parse(COMMENTS).unwrap();
        let html = Html::parse_fragment(
            r#"<div id="comments"></div><div id="Comments"></div><div id="comments x"></div>
            <section class="a comments"></section><div class="Comments"></div>
            <div class="comment-respond"></div><p id="respond"></p><div class="comments-area"></div>
            <ol class="x commentlist"></ol><ul class="commentlist"></ul><div class="commentsarea"></div>
            <div class="comment"></div><div data-id="comments"></div><div></div>
            <svg><g class="comments"></g></svg>"#,
        );
        let mut checked = 0;
        for node in html.tree.root().descendants() {
            if let Some(el) = scraper::ElementRef::wrap(node) {
                assert_eq!(
                    is_comment_section(el.value()),
                    selector.matches(&el),
                    "{}",
                    el.html()
                );
                checked += 1;
            }
        }
        assert!(checked > 15, "{checked}");
    }

    #[test]
    fn hidden_attributes_are_read_in_one_pass() {
        let html = Html::parse_fragment(
            r#"<p hidden>a</p><p hidden="until-found">b</p><p aria-hidden=" true ">c</p>
            <p aria-hidden="false">d</p><p style="display:none">e</p><p style="color:red">f</p>
            <p data-hidden="true" title="hidden">g</p><p hidden="UNTIL-FOUND " style="visibility:hidden">h</p>"#,
        );
        let hidden: String = html
            .tree
            .root()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
            .filter(|e| e.value().name() == "p" && is_hidden(e.value()))
            .map(|e| e.text().collect::<String>())
            .collect();
        assert_eq!(hidden, "aceh");
    }

    #[test]
    fn hidden_and_junk_elements_are_removed() {
        let html = Html::parse_fragment(
            r#"<p>Visible text.</p>
            <div style="display: none"><a href="https://spam.example/">assetto corsa mods</a></div>
            <p hidden>hidden attribute</p><span aria-hidden="TRUE">aria</span>
            <details><p hidden="until-found">collapsed answer</p></details>
            <script>var x = "script text";</script><style>.a{}</style>
            <iframe src="https://ads.example/"></iframe><nav>menu links</nav>
            <form><input value="q"><button>Search</button></form>
            <div id="comments"><p>First comment</p></div>"#,
        );
        let mut doc = Doc::new(&html);
        remove_junk(&mut doc, &base());
        assert_eq!(live_text(&doc), "visible text. collapsed answer");
    }

    #[test]
    fn framework_hiding_classes_hide_but_responsive_ones_do_not() {
        let html = Html::parse_fragment(
            r#"<p>Visible text.</p>
            <div class="badgetext hidden"><p>Badge holders post thoughtful comments.</p></div>
            <div class="Hide">collapsed</div><div class="d-none">gone</div>
            <div id="comment-captcha" class="hiddenBox yellowBox"><p>Enter the letters you see.</p></div>
            <p class="hidden-xs">wide screens only</p>"#,
        );
        let mut doc = Doc::new(&html);
        remove_junk(&mut doc, &base());
        assert_eq!(live_text(&doc), "visible text. wide screens only");
    }

    #[test]
    fn a_form_around_the_whole_page_is_kept() {
        let html = Html::parse_fragment(
            r#"<form id="aspnetForm"><div><p>The whole article, long enough to be the page.</p></div></form>"#,
        );
        let mut doc = Doc::new(&html);
        remove_junk(&mut doc, &base());
        assert!(live_text(&doc).contains("whole article"));
    }

    #[test]
    fn remove_selectors_drop_their_matches() {
        let html = Html::parse_fragment(
            r#"<p>Text</p><div class="sharedaddy">Share this</div><div id="jp-relatedposts">Related</div>"#,
        );
        let mut doc = Doc::new(&html);
        let rules = [
            Selector::parse(".sharedaddy").unwrap(),
            Selector::parse("#jp-relatedposts").unwrap(),
        ];
        remove_selected(&mut doc, &rules);
        assert_eq!(live_text(&doc), "text");
    }

    fn after_remove_text(html: &str, needle: &str, main: &str) -> String {
        let html = Html::parse_document(html);
        let mut doc = Doc::new(&html);
        let main = doc.select(&Selector::parse(main).unwrap())[0];
        remove_texts(&mut doc, &[needle.to_owned()], main);
        live_text(&doc)
    }

    #[test]
    fn remove_text_drops_the_whole_box_outside_the_article() {
        let text = after_remove_text(
            r#"<main><article><p>After 11 months of being ruled by a repressive coup-regime,
            Bolivians have finally recovered democracy.</p></article>
            <div class="pr-appeal"><h3>Urgent End Of Year Fundraising Campaign</h3>
            <p>Online donations are back! Keep independent media alive.</p></div>
            <article><p>Bolivia's Movement to Socialism (MAS) party is celebrating what appears
            to be a crushing, landslide victory in Sunday's elections.</p></article></main>"#,
            "urgent end of year fundraising campaign",
            "main",
        );
        assert!(text.starts_with("after 11 months"), "{text}");
        assert!(text.ends_with("sunday's elections."), "{text}");
        assert!(!text.contains("donations"), "{text}");
    }

    #[test]
    fn remove_text_inside_the_article_drops_only_the_block() {
        let text = after_remove_text(
            r#"<div class="entry-content"><p>Article paragraph one.</p>
            <p><strong>URGENT  End of Year
               Fundraising Campaign:</strong> please give.</p>
            <p>Article paragraph two.</p></div>"#,
            "Urgent End Of Year Fundraising Campaign",
            ".entry-content",
        );
        assert_eq!(text, "article paragraph one. article paragraph two.");
    }

    #[test]
    fn remove_text_box_holding_most_article_text_keeps_the_rest() {
        let text = after_remove_text(
            r#"<article><div class="inner"><p>A long article paragraph that is most of the text.</p>
            <p>Donate today</p></div><p>Short.</p></article>"#,
            "donate today",
            "article",
        );
        assert_eq!(
            text,
            "a long article paragraph that is most of the text. short."
        );
    }

    #[test]
    fn remove_text_matches_every_occurrence() {
        let text = after_remove_text(
            r#"<div id="main"><p>Kept article text, the longest block of the page.</p></div>
            <aside><div class="a"><h3>Urgent End Of Year Fundraising Campaign</h3><p>Give.</p></div>
            <div class="b"><h3>Urgent End Of Year Fundraising Campaign</h3><p>Give again.</p></div></aside>"#,
            "urgent end of year fundraising campaign",
            "#main",
        );
        assert_eq!(text, "kept article text, the longest block of the page.");
    }

    #[test]
    fn feed_footers_and_read_more_links_go() {
        let html = Html::parse_fragment(
            r#"<p>Excerpt text […]</p>
            <p class="link-more"><a href="/x/" class="more-link">Continue reading<span> "X"</span></a></p>
            <p>The post <a href="https://o.example/x/">X</a> appeared first on <a href="https://o.example">Outlet</a>.</p>"#,
        );
        let mut doc = Doc::new(&html);
        remove_feed_footers(&mut doc);
        assert_eq!(live_text(&doc), "excerpt text […]");
    }
}
