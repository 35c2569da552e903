//! A byte-level pass that drops scripts, styles, SVG drawings and
//! `noscript`/`template` blocks before the page is parsed.
//!
//! Why: news pages average 180 KB and most of it is inline JavaScript, CSS,
//! JSON state blobs and icon SVGs. None of it is article text, yet parsing
//! it into DOM nodes was most of the extractor's time. Cutting it out of the
//! source first is what lets one core extract hundreds of pages a second.
//! JSON-LD scripts (`application/ld+json`) are kept: the metadata lives
//! there. What is dropped is reported so `explain` can list it.
//! [`parser_input`] then empties the comments and normalizes line breaks
//! of what is left.

use std::ops::Range;

/// Raw-text elements dropped with their content.
const DROPPED: &[&str] = &["script", "style", "svg", "noscript", "template"];

/// One element cut from the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cut {
    /// Its tag name.
    pub(crate) tag: &'static str,
    /// Its length in the source, tags included.
    pub(crate) bytes: usize,
    /// Its content, when it is text someone might want to see (not code).
    pub(crate) excerpt: String,
}

/// The page without its dropped elements, and what was cut.
pub(crate) fn strip(html: &str) -> (String, Vec<Cut>) {
    let bytes = html.as_bytes();
    // Room for all of it: growing the copy cost more than the pass.
    let mut out = String::with_capacity(html.len());
    let mut cuts = Vec::new();
    let mut copied = 0;
    let mut at = 0;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let start = at + offset;
        at = start + 1;
        let Some(name) = dropped_tag(&bytes[at..]) else {
            continue;
        };
        let open_end = find(bytes, start, b">").map_or(bytes.len(), |i| i + 1);
        if name == "script" && is_json_ld(&html[start..open_end]) {
            at = open_end;
            continue;
        }
        let end = close_tag_end(bytes, open_end, name);
        out.push_str(&html[copied..start]);
        cuts.push(Cut {
            tag: name,
            bytes: end - start,
            excerpt: excerpt(name, &html[open_end.min(end)..end]),
        });
        copied = end;
        at = end;
    }
    out.push_str(&html[copied..]);
    (out, cuts)
}

/// What html5ever is given to parse: the stripped page with its
/// `comments` (byte ranges in it, in order, from
/// `markup::measure_with_comments`) emptied to `<!---->`, and its line
/// breaks normalized (CR LF and lone CR become LF, as html5ever's input
/// stream does first).
///
/// html5ever reads comments and CRs one character at a time (some pages
/// carry kilobytes of commented-out markup and conditional comments). An
/// empty comment leaves the same tree, only without the comment's text,
/// which nothing in an article reads (a site config's XPath can: the
/// caller keeps comments whole for sites with one, and for `explain`,
/// which sizes removed elements with their comments).
pub(crate) fn parser_input(stripped: String, comments: &[Range<usize>]) -> String {
    if comments.is_empty() && memchr(b'\r', stripped.as_bytes()).is_none() {
        return stripped;
    }
    let mut out = String::with_capacity(stripped.len());
    let mut copied = 0;
    for comment in comments {
        push_normalized(&mut out, &stripped[copied..comment.start]);
        out.push_str(EMPTY_COMMENT);
        copied = comment.end;
    }
    push_normalized(&mut out, &stripped[copied..]);
    out
}

/// A comment without text.
const EMPTY_COMMENT: &str = "<!---->";

/// Appends `text` with CR LF and lone CR turned into LF. A CR ending
/// `text` becomes LF: what follows it in the page is a comment's `<`.
fn push_normalized(out: &mut String, mut text: &str) {
    while let Some(cr) = memchr(b'\r', text.as_bytes()) {
        out.push_str(&text[..cr]);
        out.push('\n');
        text = &text[cr + 1..];
        text = text.strip_prefix('\n').unwrap_or(text);
    }
    out.push_str(text);
}

/// The dropped tag opening at `rest` (just after a `<`), if any.
fn dropped_tag(rest: &[u8]) -> Option<&'static str> {
    // Most `<` open something else: one byte tells (`| 0x20` lower-cases
    // the letters, and maps no other byte to these).
    if !matches!(rest.first()? | 0x20, b's' | b'n' | b't') {
        return None;
    }
    DROPPED.iter().copied().find(|name| {
        rest.len() > name.len()
            && rest[..name.len()].eq_ignore_ascii_case(name.as_bytes())
            && matches!(rest[name.len()], b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/')
    })
}

fn is_json_ld(open_tag: &str) -> bool {
    open_tag.to_ascii_lowercase().contains("ld+json")
}

/// Where the element ends: after its `</name>` (case ignored), or at the
/// end of the page when it is never closed (as a browser would do). A
/// self-closed `<svg/>` ends with its start tag.
fn close_tag_end(bytes: &[u8], open_end: usize, name: &str) -> usize {
    if bytes[..open_end].ends_with(b"/>") && name == "svg" {
        return open_end;
    }
    let mut at = open_end;
    while let Some(offset) = memchr(b'<', &bytes[at..]) {
        let lt = at + offset;
        let rest = &bytes[lt + 1..];
        if rest.first() == Some(&b'/')
            && rest.len() > name.len()
            && rest[1..=name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return find(bytes, lt, b">").map_or(bytes.len(), |i| i + 1);
        }
        at = lt + 1;
    }
    bytes.len()
}

/// The first `needle` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(&bytes[from..], needle).map(|i| i + from)
}

/// The first `needle` byte (SIMD: this pass reads every byte of the page).
fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    memchr::memchr(needle, haystack)
}

/// `noscript` and `template` hold markup readers may want to see named; code
/// and drawings get no excerpt.
fn excerpt(name: &str, content: &str) -> String {
    if !matches!(name, "noscript" | "template") {
        return String::new();
    }
    let content = content.rfind("</").map_or(content, |at| &content[..at]);
    let text: String = content.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_and_svg_go_with_their_content() {
        let html = r#"<p>One</p><SCRIPT type="text/javascript">if (a < b) { x("</p>") }</script>
            <style>.a > .b {}</style><svg viewBox="0 0 1 1"><title>icon</title></svg><p>Two</p>"#;
        let (out, cuts) = strip(html);
        assert_eq!(
            out.split_whitespace().collect::<String>(),
            "<p>One</p><p>Two</p>"
        );
        let tags: Vec<_> = cuts.iter().map(|c| c.tag).collect();
        assert_eq!(tags, ["script", "style", "svg"]);
        assert_eq!(
            cuts[2].bytes,
            r#"<svg viewBox="0 0 1 1"><title>icon</title></svg>"#.len()
        );
    }

    #[test]
    fn json_ld_is_kept_and_similar_names_are_not_cut() {
        let html = r#"<script type="application/ld+json">{"headline":"H"}</script>
            <scripts>x</scripts><styled>y</styled><svgx>z</svgx>"#;
        let (out, cuts) = strip(html);
        assert_eq!(out, html);
        assert!(cuts.is_empty());
    }

    #[test]
    fn unclosed_script_runs_to_the_end_and_text_is_utf8_safe() {
        let (out, cuts) = strip("<p>Café “quoted”</p><script>never closed é");
        assert_eq!(out, "<p>Café “quoted”</p>");
        assert_eq!(cuts.len(), 1);
        let (out, _) = strip("<svg/><p>après</p>");
        assert_eq!(out, "<p>après</p>");
    }

    #[test]
    fn comments_are_emptied_and_line_breaks_are_normalized_for_the_parser() {
        let page = "<p>a\r\nb\rc<!-- x\r -->\r</p><!--[if IE]><p>old</p><![endif]-->\r\r\n";
        let (_, comments) = crate::markup::measure_with_comments(page);
        assert_eq!(
            parser_input(page.to_owned(), &comments),
            "<p>a\nb\nc<!---->\n</p><!---->\n\n"
        );
        let plain = "<p>a\nb</p>".to_owned();
        assert_eq!(parser_input(plain.clone(), &[]), plain);
    }

    #[test]
    fn comment_like_text_in_raw_text_and_attributes_stays() {
        let page = r#"<title>a <!-- b --></title><p title="<!-- c -->">d</p><!---->"#;
        let (_, comments) = crate::markup::measure_with_comments(page);
        assert_eq!(
            parser_input(page.to_owned(), &comments),
            r#"<title>a <!-- b --></title><p title="<!-- c -->">d</p><!---->"#
        );
        let svg = "<math><mi><!-- x --></mi></math><select><!-- y --></select><!-- z -->";
        let (_, comments) = crate::markup::measure_with_comments(svg);
        assert_eq!(comments.len(), 1);
        let cdata = "<!-- x --><math><![CDATA[ <!-- y --> ]]></math>";
        assert!(crate::markup::measure_with_comments(cdata).1.is_empty());
    }

    #[test]
    fn noscript_keeps_an_excerpt_for_explain() {
        let (_, cuts) = strip("<noscript>  Please   enable JavaScript </noscript>");
        assert_eq!(cuts[0].excerpt, "Please enable JavaScript");
    }
}
