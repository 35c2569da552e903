//! Finding an article page's next-page and single-page links.
//!
//! The scoring follows arc90 readability's `findNextPageLink` (kept by
//! Chromium's DOM distiller as `PagingLinksFinder`): a link scores for
//! `rel="next"`, for "next"/"›"/"»" in its text, class or id, for a page
//! number as its text, for a pagination-named ancestor, and loses for a
//! negative ancestor (comments, sidebar, related stories); 50 points win.
//! Two tests are stricter than readability's, because a wrong guess costs
//! a fetch and pollutes an item: the link must name the *same story* (its
//! [`Place`] key equals this page's) and the *following page* (its number
//! is this page's plus one), so a tag archive's `/tag/x/page/2/`, a "Next
//! article ›" link (even one marked `rel="next"`, as WordPress themes mark
//! the adjacent post) and a link back to an earlier page never qualify; and
//! a link inside the article's own container scores, as Full-Text RSS's
//! site rules mostly point inside it.

use scraper::node::Element;
use url::Url;

use super::super::dom::{Doc, NodeRef, Reason, attr, contains, element, tag};
use super::node_text;
use super::place::{Place, place, same_host};

/// The score a next-page link needs (readability's threshold).
const MIN_SCORE: i32 = 50;

/// Link text longer than this (in characters) is a headline, not paging
/// (readability's limit).
const MAX_LINK_TEXT: usize = 25;

/// Link text longer than this is not a "single page" switch.
const MAX_SINGLE_TEXT: usize = 60;

/// Words of next-page links, matched in text, class, id, `title` and
/// `aria-label` (lower-cased).
const NEXT_WORDS: &[&str] = &[
    "next",
    "continue",
    "weiter",
    "suivant",
    "siguiente",
    "seguinte",
    "volgende",
    "prossim",
    "następn",
    "›",
    "»",
    "→",
    ">",
];

/// Words of a link that is not paging (readability's "extraneous" list plus
/// the names of whole stories: "Next article", "Next story").
const EXTRANEOUS: &[&str] = &[
    "print", "archive", "comment", "discuss", "email", "e-mail", "share", "reply", "login", "sign",
    "single", "as one", "article", "story", "post", "gallery", "photo", "video",
];

/// Words of previous-page links: never the next page.
const PREV_WORDS: &[&str] = &["prev", "previous", "back", "‹", "«", "←", "<"];

/// Class/id words of boxes whose links are not the article's paging.
const NEGATIVE: &[&str] = &[
    "comment",
    "sidebar",
    "related",
    "widget",
    "footer",
    "promo",
    "sponsor",
    "outbrain",
    "taboola",
    "recommend",
    "more-stories",
    "trending",
    "popular",
    "archive",
    "menu",
];

/// Class/id words of content boxes (readability's positive list).
const CONTENT: &[&str] = &[
    "article", "body", "content", "entry", "main", "story", "text",
];

/// Phrases of a link to the whole article on one page.
const SINGLE_PHRASES: &[&str] = &[
    "single page",
    "single-page",
    "one page",
    "all pages",
    "all on one",
    "full article",
    "whole article",
    "full story",
    "view all",
    "show all",
    "ganzer artikel",
    "auf einer seite",
    "une seule page",
    "una sola página",
];

/// The links of one article page that lead to the rest of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    /// The page after this one, if the page has one.
    pub next: Option<Url>,
    /// The whole article on one page, if the page offers it.
    pub single: Option<Url>,
}

/// One link of the page, resolved.
struct Link<'a> {
    node: NodeRef<'a>,
    target: Url,
    place: Place,
    /// Its text, whitespace collapsed, lower-cased.
    text: String,
}

/// The next-page and single-page links of the page at `url` whose article
/// body is `root` (see the module documentation).
pub(crate) fn find<'a>(doc: &Doc<'a>, root: NodeRef<'a>, url: &Url) -> PageLinks {
    let here = place(url);
    if here.single {
        // Already the whole article.
        return PageLinks::default();
    }
    let container = root.parent().unwrap_or(root);
    let mut best: Option<(i32, Url)> = None;
    let mut single = None;
    for link in links(doc, url) {
        if single.is_none() && is_single(&link, &here) {
            single = Some(link.target.clone());
            continue;
        }
        if !is_following(&link.place, &here) {
            continue;
        }
        let score = score(&link, container);
        if score >= MIN_SCORE && best.as_ref().is_none_or(|(top, _)| score > *top) {
            best = Some((score, link.target));
        }
    }
    PageLinks {
        next: best.map(|(_, url)| url),
        single,
    }
}

/// The page's visible `<a href>` and `<link rel=next href>` to other URLs
/// of the same host, in document order, fragments dropped.
fn links<'a, 'd>(doc: &'d Doc<'a>, url: &'d Url) -> impl Iterator<Item = Link<'a>> + 'd {
    doc.root.descendants().filter_map(move |node| {
        let name = tag(node)?;
        let is_link = name == "link" && rel_next(node);
        if name != "a" && !is_link {
            return None;
        }
        let mut target = url.join(attr(node, "href")?.trim()).ok()?;
        target.set_fragment(None);
        if !same_host(&target, url) || same_page(&target, url) || is_hidden(doc, node) {
            return None;
        }
        let place = place(&target);
        let text = if is_link {
            String::new()
        } else {
            node_text(node)
        };
        Some(Link {
            node,
            target,
            place,
            text,
        })
    })
}

/// Whether `link` names the page after `here`: the same story, the next
/// number.
pub(crate) fn is_following(link: &Place, here: &Place) -> bool {
    let next = here.page() + 1;
    (link.key == here.key && link.number == Some(next))
        || (here.whole.as_ref() == Some(&link.key) && link.number == Some(2))
}

/// Whether `link` is a page of the same story as `here` (any page).
pub(crate) fn is_sibling(link: &Place, here: &Place) -> bool {
    link.key == here.key || here.whole.as_ref() == Some(&link.key)
}

/// Whether the link offers the whole story on one page: a "single page"
/// phrase or a single-page URL marker, leading to the same story.
fn is_single(link: &Link<'_>, here: &Place) -> bool {
    if link.text.chars().count() > MAX_SINGLE_TEXT || !is_sibling(&link.place, here) {
        return false;
    }
    link.place.single || SINGLE_PHRASES.iter().any(|p| link.text.contains(p))
}

/// Readability's score of a next-page link (see the module documentation).
fn score<'a>(link: &Link<'a>, container: NodeRef<'a>) -> i32 {
    let text = &link.text;
    if text.chars().count() > MAX_LINK_TEXT || has_any(text, EXTRANEOUS) {
        return 0;
    }
    let data = link_data(link);
    let mut score = 0;
    if rel_next(link.node) {
        score += 50;
    }
    if has_any(&data, NEXT_WORDS) {
        score += 50;
    }
    if has_any(&data, PREV_WORDS) && !has_any(&data, NEXT_WORDS) {
        score -= 200;
    }
    if is_pageish(&data) {
        score += 25;
    }
    if names_number(text, link.place.number) {
        score += 25;
    }
    if tag(link.node) == Some("a") && contains(container, link.node) {
        score += 25;
    }
    if link.place.weak {
        // `/story-2/` may be the next post of the same title.
        score -= 25;
    }
    score + ancestor_score(link.node)
}

/// +25 for a pagination-named ancestor, -50 for a negative one (below
/// `<body>`, whose classes describe the whole page: `has-sidebar`), unless
/// it is also named like content ("body-and-footer").
fn ancestor_score(node: NodeRef<'_>) -> i32 {
    let (mut positive, mut negative) = (false, false);
    for ancestor in node.ancestors() {
        let Some(el) = element(ancestor).filter(|el| !matches!(el.name(), "body" | "html")) else {
            continue;
        };
        let names = class_and_id(el);
        positive |= is_pageish(&names);
        negative |= has_any(&names, NEGATIVE) && !has_any(&names, CONTENT);
    }
    i32::from(positive) * 25 - i32::from(negative) * 50
}

/// Text, class, id, `title` and `aria-label` of a link, lower-cased.
fn link_data(link: &Link<'_>) -> String {
    let mut data = link.text.clone();
    if let Some(el) = element(link.node) {
        data.push(' ');
        data.push_str(&class_and_id(el));
        for name in ["title", "aria-label"] {
            if let Some(value) = el.attr(name) {
                data.push(' ');
                data.push_str(&value.to_lowercase());
            }
        }
    }
    data
}

fn class_and_id(el: &Element) -> String {
    let mut out = el.attr("class").unwrap_or_default().to_lowercase();
    out.push(' ');
    out.push_str(&el.id().unwrap_or_default().to_lowercase());
    out
}

/// `pag(e|ing|inat)`, readability's pagination word.
fn is_pageish(text: &str) -> bool {
    text.match_indices("pag")
        .any(|(i, _)| text[i + 3..].starts_with(['e', 'i']))
}

/// Whether the link text is the page number it leads to ("2", "page 2").
fn names_number(text: &str, number: Option<u32>) -> bool {
    let Some(number) = number else {
        return false;
    };
    let digits = text.trim_start_matches(|c: char| !c.is_ascii_digit());
    digits.trim() == number.to_string() && text.len() - digits.len() <= "page ".len()
}

/// Whether `text` holds one of `words`: short words (up to two
/// characters: "›", ">") anywhere, longer ones at a word start.
fn has_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|word| {
        text.match_indices(word).any(|(i, _)| {
            word.chars().count() <= 2
                || !text[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        })
    })
}

fn rel_next(node: NodeRef<'_>) -> bool {
    attr(node, "rel").is_some_and(|rel| {
        rel.split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("next"))
    })
}

/// Whether two URLs are one page: equal up to a trailing `/`.
fn same_page(a: &Url, b: &Url) -> bool {
    a.as_str().trim_end_matches('/') == b.as_str().trim_end_matches('/')
}

/// Whether a hidden element holds the node (spam and hover menus hide so).
fn is_hidden(doc: &Doc<'_>, node: NodeRef<'_>) -> bool {
    std::iter::once(node)
        .chain(node.ancestors())
        .any(|n| doc.removal(n) == Some(Reason::Hidden))
}
