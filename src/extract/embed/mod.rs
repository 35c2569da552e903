//! Embedded players and posts (YouTube, Vimeo, X, Instagram, TikTok,
//! SoundCloud, Spotify, podcasts, `<video>`/`<audio>`): recognized in the
//! page so they become a link to the original (with the video's thumbnail
//! when its URL gives one) instead of vanishing with the iframes and
//! scripts no feed reader may run.
//!
//! Two kinds (issue 11):
//! - **players** (`iframe`, `object`/`embed`, `video`, `audio`,
//!   `lite-youtube`-style elements, AMP players, a WordPress embed wrapper
//!   left holding a bare URL) are replaced whole by the link; their own text
//!   (fallback messages, play-button labels) is never article text;
//! - **posts** (`blockquote.twitter-tweet`, `.instagram-media`,
//!   `.tiktok-embed`) already hold the post's text: they stay a blockquote,
//!   and get a link to the original when none of their links leads there.
//!
//! Which URL leads where is [`provider`]'s table. An iframe of an unknown
//! host becomes a link to its `src` with the host as text (a map, a chart,
//! a podcast host's player, a news video player: the reader should know
//! something was there), unless it looks like an ad, a tracker or a share
//! button (by its words or its size). A `src` that is not
//! `http`/`https` once resolved (`javascript:`, `data:`, `about:blank`) is
//! no embed: the element is dropped as before.

mod provider;
mod unknown;

use std::borrow::Cow;

use url::Url;

use super::dom::{Doc, NodeRef, attr, element, tag};
use super::serialize::escape_into;
use provider::{MAX_URL_BYTES, Media, Target, Verdict};

/// An embed as the reader gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Embed {
    /// The link's text ("Video on YouTube", "Post on X", the host of an
    /// unknown player).
    pub(crate) label: String,
    /// What the link opens.
    pub(crate) original: Url,
    /// A preview image, absolute `https`.
    pub(crate) thumbnail: Option<Url>,
}

impl From<Target> for Embed {
    fn from(target: Target) -> Embed {
        Embed {
            label: format!("{} on {}", target.media.word(), target.provider),
            original: target.original,
            thumbnail: target.thumbnail,
        }
    }
}

/// A post embed: its original, and whether one of its live links leads
/// there already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Post {
    /// The post.
    pub(crate) embed: Embed,
    /// Whether the blockquote links to the original itself.
    pub(crate) linked: bool,
}

/// Elements that are players (see the module docs); their text is never
/// article text.
pub(crate) const PLAYER_TAGS: &[&str] = &[
    "iframe",
    "object",
    "embed",
    "video",
    "audio",
    "lite-youtube",
    "lite-vimeo",
    "amp-youtube",
    "amp-vimeo",
    "amp-dailymotion",
    "amp-twitter",
    "amp-instagram",
    "amp-tiktok",
    "amp-soundcloud",
    "amp-iframe",
    "amp-video",
    "amp-audio",
];

/// Custom elements naming their video by an id attribute, and the page
/// the id stands for.
const ID_FORMS: &[(&str, &str, &str)] = &[
    (
        "lite-youtube",
        "videoid",
        "https://www.youtube.com/watch?v=",
    ),
    ("lite-vimeo", "videoid", "https://vimeo.com/"),
    (
        "amp-youtube",
        "data-videoid",
        "https://www.youtube.com/watch?v=",
    ),
    ("amp-vimeo", "data-videoid", "https://vimeo.com/"),
    (
        "amp-dailymotion",
        "data-videoid",
        "https://www.dailymotion.com/video/",
    ),
    ("amp-twitter", "data-tweetid", "https://x.com/i/status/"),
    (
        "amp-instagram",
        "data-shortcode",
        "https://www.instagram.com/p/",
    ),
    ("amp-tiktok", "data-src", "https://www.tiktok.com/embed/v2/"),
    (
        "amp-soundcloud",
        "data-trackid",
        "https://w.soundcloud.com/player/?url=https://api.soundcloud.com/tracks/",
    ),
];

/// Where lazy-loading scripts keep an iframe's real `src` (the `src`
/// itself is then `about:blank`, a `data:` placeholder or missing).
const LAZY_SOURCES: &[&str] = &[
    "data-src",
    "data-lazy-src",
    "data-litespeed-src",
    "data-rocket-src",
];

/// Class names of post embeds (the providers' own embed codes).
const POST_CLASSES: &[&str] = &[
    "twitter-tweet",
    "twitter-video",
    "instagram-media",
    "tiktok-embed",
];

/// The class of the box WordPress's embed block writes the URL into.
const WP_WRAPPER: &str = "wp-block-embed__wrapper";

/// Links looked at inside one post embed (a tweet has a handful).
const MAX_POST_LINKS: usize = 50;

/// Whether `node` is a player element, whatever its source: its own text
/// is not article text.
pub(crate) fn is_player(node: NodeRef<'_>) -> bool {
    tag(node).is_some_and(|t| PLAYER_TAGS.contains(&t)) || wrapper_url(node).is_some()
}

/// Whether `node` is a post embed's blockquote (see [`POST_CLASSES`]).
pub(crate) fn is_post(node: NodeRef<'_>) -> bool {
    element(node)
        .is_some_and(|e| e.name() == "blockquote" && e.classes().any(|c| POST_CLASSES.contains(&c)))
}

/// Whether `node` is or holds a post embed.
pub(crate) fn holds_post(node: NodeRef<'_>) -> bool {
    node.descendants().any(is_post)
}

/// Whether `node` is, or is a block of less than `max_chars` characters of
/// text around, a live player or post: the embed's own block (with a
/// caption, a credit), not a box of other stories.
pub(crate) fn holds_embed<'a>(doc: &Doc<'a>, node: NodeRef<'a>, max_chars: usize) -> bool {
    doc.text_stats(node).chars < max_chars && doc.elements(node).any(|n| is_player(n) || is_post(n))
}

/// The player `node` is, as a link to its original; `None` when it is no
/// player, a known provider's widget, an ad, or its source is unusable.
pub(crate) fn player(node: NodeRef<'_>, base: &Url) -> Option<Embed> {
    let name = tag(node)?;
    match name {
        "iframe" | "amp-iframe" => frame(node, base),
        "video" | "audio" | "amp-video" | "amp-audio" => media_file(node, name, base),
        "object" | "embed" => known(&resolve(base, flash_source(node)?)?),
        "div" => known(&resolve(base, &wrapper_url(node)?)?),
        _ => known(&resolve(base, &id_form(node, name)?)?),
    }
}

/// The post `node` is, if it is a provider's embed code.
pub(crate) fn post<'a>(doc: &Doc<'a>, node: NodeRef<'a>, base: &Url) -> Option<Post> {
    let el = element(node).filter(|e| e.name() == "blockquote")?;
    if !el.classes().any(|c| POST_CLASSES.contains(&c)) {
        return None;
    }
    let links = post_links(doc, node);
    let declared = ["data-instgrm-permalink", "cite"]
        .iter()
        .filter_map(|a| el.attr(a));
    let embed = declared
        .chain(links.iter().copied())
        .find_map(|href| resolve(base, href).as_ref().and_then(known))?;
    let linked = links
        .iter()
        .filter_map(|href| resolve(base, href).as_ref().and_then(known))
        .any(|e| e.original == embed.original);
    Some(Post { embed, linked })
}

/// The `href`s of the live links under `node`, at most [`MAX_POST_LINKS`].
fn post_links<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> Vec<&'a str> {
    doc.elements(node)
        .filter(|n| tag(*n) == Some("a"))
        .filter_map(|n| attr(n, "href"))
        .take(MAX_POST_LINKS)
        .collect()
}

/// Writes `embed` as a link to its original. At block level it is a
/// figure (the thumbnail linking to the original, the label as caption),
/// so that, like other figures, it adds no words to the article's plain
/// text; inside a paragraph, the thumbnail and the label as two links.
pub(crate) fn write_link(out: &mut String, embed: &Embed, block: bool) {
    if block {
        out.push_str("<figure>");
    }
    if let Some(thumbnail) = &embed.thumbnail {
        open_link(out, &embed.original);
        out.push_str("<img src=\"");
        escape_into(out, thumbnail.as_str(), true);
        out.push_str("\" alt=\"");
        escape_into(out, &embed.label, true);
        out.push_str("\"></a>");
        if !block {
            out.push(' ');
        }
    }
    if block {
        out.push_str("<figcaption>");
    }
    open_link(out, &embed.original);
    escape_into(out, &embed.label, false);
    out.push_str("</a>");
    if block {
        out.push_str("</figcaption></figure>");
    }
}

fn open_link(out: &mut String, href: &Url) {
    out.push_str("<a href=\"");
    escape_into(out, href.as_str(), true);
    out.push_str("\">");
}

/// A known provider's content at `url`.
fn known(url: &Url) -> Option<Embed> {
    match provider::recognize(url)? {
        Verdict::Content(target) => Some(target.into()),
        Verdict::Widget => None,
    }
}

/// `text` resolved against `base`, if it is then an `http`/`https` URL of
/// a sane length.
fn resolve(base: &Url, text: &str) -> Option<Url> {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_URL_BYTES {
        return None;
    }
    let url = base.join(text).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// An iframe: a known provider's content, nothing for its widgets, a link
/// to the page for any other host unless it looks like an ad.
fn frame(node: NodeRef<'_>, base: &Url) -> Option<Embed> {
    let url = std::iter::once("src")
        .chain(LAZY_SOURCES.iter().copied())
        .filter_map(|a| attr(node, a))
        .find_map(|src| resolve(base, src))?;
    match provider::recognize(&url) {
        Some(Verdict::Content(target)) => Some(target.into()),
        Some(Verdict::Widget) => None,
        None if unknown::is_not_content(node, &url) => None,
        None => Some(Embed {
            label: url.host_str()?.to_owned(),
            original: url,
            thumbnail: None,
        }),
    }
}

/// A `<video>` or `<audio>` file: its `src` or first `<source src>`, with
/// the video's `poster` as thumbnail when it is `https`. A provider's URL
/// in a `<video>` (some plugins do that) is that provider's content.
fn media_file(node: NodeRef<'_>, name: &str, base: &Url) -> Option<Embed> {
    let src = std::iter::once(node)
        .chain(node.children().filter(|c| tag(*c) == Some("source")))
        .flat_map(|n| {
            ["src", "data-src"]
                .into_iter()
                .filter_map(move |a| attr(n, a))
        })
        .find_map(|src| resolve(base, src))?;
    if let Some(embed) = known(&src) {
        return Some(embed);
    }
    let media = if name.ends_with("audio") {
        Media::Audio
    } else {
        Media::Video
    };
    let thumbnail = attr(node, "poster")
        .and_then(|p| resolve(base, p))
        .filter(|p| p.scheme() == "https");
    Some(Embed {
        label: format!("{} from {}", media.word(), src.host_str()?),
        original: src,
        thumbnail,
    })
}

/// The movie of a Flash-era `<object>` (`data`, `<param name="movie">`,
/// an inner `<embed>`) or `<embed src>`.
fn flash_source(node: NodeRef<'_>) -> Option<&str> {
    if tag(node) == Some("embed") {
        return attr(node, "src");
    }
    attr(node, "data").or_else(|| {
        node.descendants().find_map(|d| match tag(d) {
            Some("param")
                if attr(d, "name")
                    .is_some_and(|n| n.eq_ignore_ascii_case("movie") || n == "src") =>
            {
                attr(d, "value")
            }
            Some("embed") => attr(d, "src"),
            _ => None,
        })
    })
}

/// The page a custom player element (`<lite-youtube videoid>`,
/// `<amp-youtube data-videoid>`...) names by its id; an id that is a URL
/// already (`amp-tiktok`) is taken as it is.
fn id_form<'a>(node: NodeRef<'a>, name: &str) -> Option<Cow<'a, str>> {
    let (_, attribute, prefix) = ID_FORMS.iter().find(|(t, _, _)| *t == name)?;
    let id = attr(node, attribute)?.trim();
    if id.starts_with("https://") {
        return Some(Cow::Borrowed(id));
    }
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    ok.then(|| Cow::Owned(format!("{prefix}{id}")))
}

/// The URL WordPress's embed block holds as bare text when the provider's
/// oEmbed answer was not rendered (`<div class="wp-block-embed__wrapper">
/// https://youtu.be/ID </div>`).
fn wrapper_url(node: NodeRef<'_>) -> Option<String> {
    let el = element(node)?;
    if el.name() != "div" || !el.classes().any(|c| c == WP_WRAPPER) {
        return None;
    }
    let mut text = String::new();
    for child in node.children() {
        match child.value() {
            scraper::Node::Text(t) => text.push_str(t),
            scraper::Node::Element(_) => return None,
            _ => {}
        }
    }
    let text = text.trim();
    let single = text.starts_with("http") && !text.contains(char::is_whitespace);
    (single && text.len() <= MAX_URL_BYTES).then(|| text.to_owned())
}

#[cfg(test)]
mod tests;
