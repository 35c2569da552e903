//! Small text and URL helpers shared by the listing and feed readers.

use url::Url;

/// Collapses runs of whitespace (including newlines and NBSP) to one space
/// and trims.
pub(super) fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `Some(text)` unless it is empty.
pub(super) fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

/// The text of an HTML fragment: tags dropped, entities decoded, whitespace
/// collapsed. A fragment beyond the `markup` limits (a parse bomb in a
/// title or description) has no text.
pub(super) fn html_to_text(html: &str) -> String {
    if crate::markup::check(html).is_err() {
        return String::new();
    }
    let fragment = crate::markup::parse::fragment(html);
    collapse_whitespace(&fragment.root_element().text().collect::<String>())
}

/// A title as plain text. Feeds often escape HTML twice (WordPress titles
/// arrive as `Bolivia &amp;amp; the OAS` or `&lt;em&gt;…`), so text that still
/// holds markup or entity syntax after XML decoding is read as HTML.
pub(super) fn plain_title(text: &str) -> String {
    if text.contains(['<', '&']) {
        html_to_text(text)
    } else {
        collapse_whitespace(text)
    }
}

/// Decodes entities left in text that should be plain (a double-escaped
/// Atom `type="text"` title) but keeps a literal `<` as text.
pub(super) fn decode_entities(text: &str) -> String {
    if text.contains('&') {
        html_to_text(&text.replace('<', "&lt;"))
    } else {
        collapse_whitespace(text)
    }
}

/// Resolves `href` against `base` and keeps it only if it is an http(s) URL.
/// Empty and fragment-only hrefs (`#`, `#comments`) point back at the page
/// itself, so they are not item links either.
pub(crate) fn resolve_http(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = base.join(href).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// The outlet's site as a feed names it (RSS channel `link`, Atom
/// `rel="alternate"`, JSON Feed `home_page_url`), resolved against `base`:
/// an http(s) URL other than the feed's own address (`feed_url`), without
/// tracking tags.
pub(super) fn site_link(feed_url: &Url, base: &Url, href: Option<&str>) -> Option<Url> {
    let site = resolve_http(base, href?)?;
    let site = crate::model::without_tracking(&site);
    (site != *feed_url).then_some(site)
}

/// A base URL given inside a document (`<base href>`, `xml:base`), resolved
/// against the one we had; the old base is kept when it does not resolve.
pub(super) fn rebase(base: &Url, href: Option<&str>) -> Url {
    href.and_then(|h| base.join(h.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| base.clone())
}

/// An author name without the "by " WordPress bylines print before it.
pub(super) fn author_name(text: &str) -> Option<String> {
    let text = collapse_whitespace(text);
    let lower = text.to_lowercase();
    let name = if lower.starts_with("by ") || lower.starts_with("by:") {
        text[3..].trim_start()
    } else {
        &text
    };
    non_empty(name.to_owned())
}

/// Longest title made up from a description, for items that have none
/// (RSS 2.0 and JSON Feed make `title` optional; microblog-style feeds
/// omit it).
const MADE_UP_TITLE_CHARS: usize = 80;

/// The first words of a description, for an item without a title.
pub(super) fn made_up_title(summary: &str) -> Option<String> {
    let text = html_to_text(summary);
    if text.chars().count() <= MADE_UP_TITLE_CHARS {
        return non_empty(text);
    }
    let mut title = String::new();
    for word in text.split(' ') {
        if title.chars().count() + word.chars().count() + 1 > MADE_UP_TITLE_CHARS {
            break;
        }
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(word);
    }
    non_empty(title).map(|t| t + "…")
}

/// Escapes text for HTML content with maud's escaper (`&`, `<`, `>`, `"`),
/// the one every page and generated HTML fragment uses.
pub(super) fn escape_html(text: &str) -> String {
    maud::html! { (text) }.into_string()
}

/// Plain text as HTML paragraphs: blank lines separate paragraphs, single
/// line breaks become `<br>`.
pub(super) fn text_paragraphs(text: &str) -> Option<String> {
    let paragraphs: Vec<String> = text
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| {
            p.trim()
                .lines()
                .map(|l| escape_html(l.trim()))
                .collect::<Vec<_>>()
                .join("<br>")
        })
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{p}</p>"))
        .collect();
    non_empty(paragraphs.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_title_decodes_double_escaped_entities_and_strips_tags() {
        assert_eq!(plain_title("Bolivia &amp; the OAS"), "Bolivia & the OAS");
        assert_eq!(plain_title("Bolivia & the OAS"), "Bolivia & the OAS");
        assert_eq!(
            plain_title("<em>Coup</em>\n  Regime&#8217;s End"),
            "Coup Regime’s End"
        );
        assert_eq!(plain_title("  AT&T  "), "AT&T");
    }

    #[test]
    fn decode_entities_keeps_angle_brackets() {
        assert_eq!(decode_entities("Why <b> &amp; <i>"), "Why <b> & <i>");
    }

    #[test]
    fn resolve_http_rejects_fragments_and_other_schemes() {
        let base = Url::parse("https://example.org/tag/bolivia/").unwrap();
        assert_eq!(
            resolve_http(&base, " /2020/10/23/slug/ ").unwrap().as_str(),
            "https://example.org/2020/10/23/slug/"
        );
        for href in ["", "#", "#comments", "javascript:void(0)", "mailto:a@b.org"] {
            assert_eq!(resolve_http(&base, href), None, "{href}");
        }
    }

    #[test]
    fn author_name_strips_by() {
        assert_eq!(author_name(" by  Vins ").as_deref(), Some("Vins"));
        assert_eq!(
            author_name("By: Margaret Flowers").as_deref(),
            Some("Margaret Flowers")
        );
        assert_eq!(author_name("Byron Katz").as_deref(), Some("Byron Katz"));
        assert_eq!(author_name("  "), None);
    }
}
