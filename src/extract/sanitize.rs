//! Turns the cleaned tree into safe article HTML: serialized with a few
//! repairs (lazy images, demoted `h1`, div-soup text wrapped in paragraphs),
//! then passed through ammonia's allow-list with URLs made absolute, then
//! stripped of wrappers left empty.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use ammonia::UrlRelative;
use url::Url;

use super::dom::{Doc, NodeRef, Reason, attr, tag};
use super::serialize::{CONTAINERS, serialize, serialize_with_embeds};

/// Tags kept by the sanitizer; everything else is unwrapped (its text kept)
/// or, for `script`/`style`, dropped with its content.
const ALLOWED_TAGS: &[&str] = &[
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "pre",
    "code",
    "em",
    "strong",
    "b",
    "i",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "hr",
    "sup",
    "sub",
    "cite",
    "q",
    "abbr",
    "dl",
    "dt",
    "dd",
];

/// Attributes kept per tag (`rel` on links is set by ammonia itself).
const ALLOWED_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "title"]),
    ("img", &["src", "alt", "title", "width", "height"]),
    ("abbr", &["title"]),
    ("td", &["colspan", "rowspan"]),
    ("th", &["colspan", "rowspan", "scope"]),
    ("ol", &["start"]),
];
/// Attributes kept on every element: the writing direction and language
/// of a passage (right-to-left outlets, a quote in another language), with
/// their values checked by [`keep_attribute`].
const GENERIC_ATTRIBUTES: &[&str] = &["dir", "lang"];

/// Longest `lang` value kept (BCP 47 tags are far shorter in practice).
const MAX_LANG_CHARS: usize = 35;

/// Elements that are kept even when they hold no text.
const KEEP_EMPTY: &[&str] = &[
    "br", "hr", "img", "td", "th", "tr", "thead", "tbody", "tfoot",
];

/// The content of `root` (not the element itself) as sanitized HTML with
/// links and images resolved against `base`; `""` when nothing is left.
pub(crate) fn safe_html<'a>(doc: &Doc<'a>, root: NodeRef<'a>, base: &Url) -> String {
    let raw = serialize_with_embeds(doc, root, base);
    let clean = BUILDER.with_borrow_mut(|builder| {
        builder
            .url_relative(UrlRelative::RewriteWithBase(base.clone()))
            .clean(&raw)
            .to_string()
    });
    drop_empty(&clean)
}

thread_local! {
    /// The sanitizer's configuration, built once per thread (building it
    /// cost a twentieth of sanitizing an article); each call sets its
    /// base URL.
    static BUILDER: RefCell<ammonia::Builder<'static>> = RefCell::new(ammonia_builder());
}

/// The allow-lists; relative URLs are rewritten against the base URL each
/// call sets.
fn ammonia_builder() -> ammonia::Builder<'static> {
    let attributes: HashMap<&str, HashSet<&str>> = ALLOWED_ATTRIBUTES
        .iter()
        .map(|(tag, attrs)| (*tag, attrs.iter().copied().collect()))
        .collect();
    let mut builder = ammonia::Builder::default();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .tag_attributes(attributes)
        .generic_attributes(GENERIC_ATTRIBUTES.iter().copied().collect())
        .attribute_filter(|_, attribute, value| {
            keep_attribute(attribute, value).then_some(value.into())
        })
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"));
    builder
}
/// Whether a generic attribute's value is one browsers understand: `dir`
/// is `ltr`, `rtl` or `auto`; `lang` a language tag (letters, digits and
/// hyphens, e.g. `ar`, `pt-BR`). Other attributes pass (ammonia's
/// allow-lists already chose them).
fn keep_attribute(attribute: &str, value: &str) -> bool {
    match attribute {
        "dir" => ["ltr", "rtl", "auto"]
            .iter()
            .any(|d| value.trim().eq_ignore_ascii_case(d)),
        "lang" => {
            !value.is_empty()
                && value.len() <= MAX_LANG_CHARS
                && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        }
        _ => true,
    }
}

/// Removes elements left without text or image (empty paragraphs, wrappers
/// of removed share buttons, images whose only source was unsafe).
fn drop_empty(html: &str) -> String {
    let parsed = super::parse_fragment_sized(html);
    let mut doc = Doc::new(&parsed);
    doc.remove_where(doc.root, |doc, node| {
        is_empty(doc, node).then_some(Reason::Empty)
    });
    serialize(&doc, doc.root).trim().to_owned()
}

fn is_empty<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> bool {
    let Some(name) = tag(node) else { return false };
    if name == "img" {
        return attr(node, "src").is_none_or(|s| s.trim().is_empty());
    }
    if KEEP_EMPTY.contains(&name) || CONTAINERS.contains(&name) {
        return false;
    }
    doc.text_stats(node).chars == 0
        && !node
            .descendants()
            .any(|d| tag(d) == Some("img") && attr(d, "src").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn sanitize(html: &str) -> String {
        let parsed = Html::parse_fragment(html);
        let doc = Doc::new(&parsed);
        let base = Url::parse("https://outlet.example/2020/10/post/").unwrap();
        safe_html(&doc, doc.root, &base)
    }

    #[test]
    fn event_handlers_and_javascript_urls_go() {
        let out = sanitize(
            r#"<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a>
            <img src="/a.jpg" onerror="steal()"></p>"#,
        );
        assert!(
            !out.contains("onclick") && !out.contains("onerror"),
            "{out}"
        );
        assert!(!out.contains("javascript:"), "{out}");
        assert!(
            out.contains(r#"src="https://outlet.example/a.jpg""#),
            "{out}"
        );
    }

    #[test]
    fn direction_and_language_survive_with_sane_values() {
        let out = sanitize(
            r#"<blockquote dir="rtl" lang="ar"><p>نص</p></blockquote>
            <p dir="RTL" lang="pt-BR">Olá</p>
            <p dir="sideways" lang="x&quot;onmouseover=1">Bad values</p>
            <table><tr><td lang="fr">Oui</td></tr></table>"#,
        );
        assert!(out.contains(r#"<blockquote dir="rtl" lang="ar">"#), "{out}");
        assert!(out.contains(r#"<p dir="RTL" lang="pt-BR">"#), "{out}");
        assert!(out.contains("<p>Bad values</p>"), "{out}");
        assert!(out.contains(r#"<td lang="fr">Oui</td>"#), "{out}");
    }

    #[test]
    fn relative_links_become_absolute_with_safe_rel() {
        let out =
            sanitize(r#"<p><a href="../other/">Other</a> and <a href="//cdn.example/x">x</a></p>"#);
        assert!(
            out.contains(r#"href="https://outlet.example/2020/10/other/""#),
            "{out}"
        );
        assert!(out.contains(r#"href="https://cdn.example/x""#), "{out}");
        assert!(out.contains(r#"rel="noopener noreferrer""#), "{out}");
    }

    #[test]
    fn lazy_images_get_their_real_source() {
        let out = sanitize(
            r#"<figure><img src="data:image/gif;base64,R0lGOD" data-lazy-src="/real.jpg" alt="A"></figure>
            <p><img srcset="/small.jpg 300w, /big.jpg 900w"></p>
            <p><img src="data:image/gif;base64,R0lGOD"></p>"#,
        );
        assert!(
            out.contains(r#"src="https://outlet.example/real.jpg""#),
            "{out}"
        );
        assert!(
            out.contains(r#"src="https://outlet.example/small.jpg""#),
            "{out}"
        );
        assert!(!out.contains("data:"), "{out}");
        assert_eq!(out.matches("<img").count(), 2, "{out}");
    }

    #[test]
    fn h1_is_demoted_and_layout_tags_unwrapped() {
        let out = sanitize(
            r#"<div class="x"><h1>Head</h1><section>Loose text <em>here</em><div>More</div></section>
            <span style="color:red">Kept text</span></div>"#,
        );
        assert_eq!(
            out,
            "<h2>Head</h2><p>Loose text <em>here</em></p><p>More</p><p>Kept text</p>"
        );
    }

    #[test]
    fn empty_wrappers_and_paragraphs_go() {
        let out = sanitize(
            r#"<p>  </p><p>Text</p><ul><li><a href="/x"><i class="icon"></i></a></li></ul><p><br></p>
            <table><tr><td>1</td><td></td></tr></table>"#,
        );
        assert_eq!(
            out,
            "<p>Text</p><table><tbody><tr><td>1</td><td></td></tr></tbody></table>"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            sanitize("<p>1 &lt; 2 &amp; <b>\"ok\"</b></p>"),
            "<p>1 &lt; 2 &amp; <b>\"ok\"</b></p>"
        );
    }
}
