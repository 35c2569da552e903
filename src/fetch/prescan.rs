//! The charset a document declares about itself: the `charset` parameter
//! of a Content-Type value, and the WHATWG-style prescan of a body's first
//! 1024 bytes for `<meta charset>`, `<meta http-equiv="content-type">` and
//! an `<?xml encoding?>` prolog. Pure string work for `charset`.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How far into the body an in-document declaration is looked for; the
/// WHATWG prescan also stops at 1024 bytes.
pub(super) const PRESCAN_BYTES: usize = 1024;

/// The `charset` parameter of a Content-Type value (`text/html; charset="x"`).
pub(super) fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// The encoding a document declares about itself in its first
/// [`PRESCAN_BYTES`].
pub(super) fn declared_encoding(body: &[u8]) -> Option<&'static Encoding> {
    let head = &body[..body.len().min(PRESCAN_BYTES)];
    // Declarations are ASCII; lossy conversion keeps them intact whatever the
    // rest is, and ASCII lower-casing keeps byte offsets.
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    let label = xml_encoding(&head).or_else(|| meta_charset(&head))?;
    let encoding = Encoding::for_label(label.as_bytes())?;
    // A document readable as ASCII is not UTF-16, whatever it says (WHATWG:
    // a UTF-16 label in <meta> means UTF-8).
    if encoding == UTF_16LE || encoding == UTF_16BE {
        Some(UTF_8)
    } else {
        Some(encoding)
    }
}

/// `encoding` of an `<?xml ...?>` prolog at the start of the document.
fn xml_encoding(head: &str) -> Option<&str> {
    let prolog = head.trim_start().strip_prefix("<?xml")?;
    let prolog = &prolog[..prolog.find("?>")?];
    attributes(prolog)
        .into_iter()
        .find_map(|(name, value)| (name == "encoding").then_some(value))
}

/// The charset of the first `<meta charset>` or
/// `<meta http-equiv="content-type" content="...; charset=...">` tag.
fn meta_charset(head: &str) -> Option<&str> {
    head.match_indices("<meta").find_map(|(start, _)| {
        let rest = &head[start + "<meta".len()..];
        // `<metadata>` and the like are not meta tags.
        if !rest.starts_with(|c: char| c.is_ascii_whitespace() || c == '/') {
            return None;
        }
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        charset_of_meta(&attributes(tag))
    })
}

fn charset_of_meta<'a>(attributes: &[(&'a str, &'a str)]) -> Option<&'a str> {
    let value = |wanted: &str| {
        attributes
            .iter()
            .find_map(|&(name, value)| (name == wanted).then_some(value))
    };
    if let Some(charset) = value("charset") {
        return Some(charset.trim());
    }
    if value("http-equiv")?.trim() != "content-type" {
        return None;
    }
    charset_param(value("content")?)
}

/// The `name=value` pairs of a tag's inside (after its name), values
/// unquoted; a bare attribute gets an empty value.
fn attributes(mut rest: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return found;
        }
        let name_end = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = rest[name_end..].trim_start();
        let mut value = "";
        if let Some(after) = rest.strip_prefix('=') {
            (value, rest) = split_value(after.trim_start());
        }
        found.push((name, value));
    }
}

/// Splits an attribute value (quoted or not) from what follows it.
fn split_value(s: &str) -> (&str, &str) {
    match s.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let inner = &s[1..];
            match inner.find(quote) {
                Some(end) => (&inner[..end], &inner[end + 1..]),
                None => (inner, ""),
            }
        }
        _ => {
            let end = s.find(|c: char| c.is_ascii_whitespace()).unwrap_or(s.len());
            s.split_at(end)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::charset::tests::{CAFE, CAFE_1252, html_with_head, paragraph};
    use crate::fetch::decode;

    #[test]
    fn windows_1252_labelled_by_meta_charset() {
        let body = html_with_head(r#"<meta charset="windows-1252"><title>t</title>"#);
        assert_eq!(paragraph(&decode(&body, Some("text/html"))), CAFE);
    }

    #[test]
    fn meta_charset_unquoted_and_single_quoted() {
        let body = html_with_head("<META CHARSET=windows-1252>");
        assert_eq!(paragraph(&decode(&body, None)), CAFE);
        let body = html_with_head("<meta charset='iso-8859-1' />");
        assert_eq!(paragraph(&decode(&body, None)), CAFE);
    }

    #[test]
    fn windows_1252_labelled_by_http_equiv() {
        let body = html_with_head(
            r#"<meta name="viewport" content="width=device-width">
               <meta http-equiv="Content-Type" content="text/html; charset=windows-1252">"#,
        );
        assert_eq!(paragraph(&decode(&body, Some("text/html"))), CAFE);
    }

    /// Cyrillic windows-1251 read "café “quoted”" as "cafй “quoted”": a
    /// label that is wrongly honoured shows.
    const NOT_HONOURED: &str = "windows-1251";

    #[test]
    fn content_without_http_equiv_is_not_a_declaration() {
        let body = html_with_head(&format!(
            r#"<meta name="x" content="text/html; charset={NOT_HONOURED}">"#
        ));
        assert_eq!(paragraph(&decode(&body, None)), CAFE);
    }

    #[test]
    fn windows_1252_labelled_by_xml_prolog() {
        let mut body = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<rss><title>".to_vec();
        body.extend_from_slice(CAFE_1252);
        body.extend_from_slice(b"</title></rss>");
        let text = decode(&body, Some("application/rss+xml"));
        assert!(text.contains(&format!("<title>{CAFE}</title>")), "{text}");
    }

    #[test]
    fn declaration_after_the_first_1024_bytes_is_ignored() {
        let padding = format!("<!-- {} -->", "x".repeat(PRESCAN_BYTES));
        let body = html_with_head(&format!(r#"{padding}<meta charset="{NOT_HONOURED}">"#));
        assert_eq!(paragraph(&decode(&body, None)), CAFE);
        let early = html_with_head(&format!(r#"<meta charset="{NOT_HONOURED}">"#));
        assert_eq!(paragraph(&decode(&early, None)), "cafй “quoted”");
    }

    #[test]
    fn meta_claiming_utf16_means_utf8() {
        let mut body = br#"<meta charset="utf-16"><p>"#.to_vec();
        body.extend_from_slice("café</p>".as_bytes());
        assert_eq!(paragraph(&decode(&body, None)), "café");
    }

    #[test]
    fn metadata_tag_is_not_a_meta_tag() {
        let body = html_with_head(&format!(r#"<metadata charset="{NOT_HONOURED}">"#));
        assert_eq!(paragraph(&decode(&body, None)), CAFE);
    }
}
