//! Turns a response body into UTF-8 text. Pure: bytes and the Content-Type
//! header in, a `String` out.
//!
//! Outlets still serve windows-1252 and ISO-8859-1 pages, often declaring it
//! only in a `<meta>` tag (older WordPress themes, regional newspapers) or an
//! `<?xml encoding?>` prolog (hand-rolled feeds). Decoding those as UTF-8 turns
//! "café" and curly quotes into U+FFFD, so the order below follows the WHATWG
//! encoding-sniffing steps, minus statistical guessing.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How far into the body an in-document declaration is looked for; the
/// WHATWG prescan also stops at 1024 bytes.
const PRESCAN_BYTES: usize = 1024;

/// Decodes a body to UTF-8 using, in order: a BOM, the header charset, an
/// in-document declaration (`<meta charset>`, `http-equiv`, `<?xml encoding?>`),
/// else UTF-8 (lossy). A leading BOM is not part of the output; labels that
/// `encoding_rs` does not know are skipped.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom_len..]);
    }
    let encoding = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| declared_encoding(&bytes[..bytes.len().min(PRESCAN_BYTES)]))
        .unwrap_or(UTF_8);
    decode_with(encoding, bytes)
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    text.into_owned()
}

/// The `charset` parameter of a Content-Type value (`text/html; charset="x"`).
fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

/// The encoding a document declares about itself in its first bytes.
fn declared_encoding(head: &[u8]) -> Option<&'static Encoding> {
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

    /// "café “quoted”" in windows-1252: é = 0xE9, curly quotes 0x93 / 0x94.
    const CAFE_1252: &[u8] = b"caf\xe9 \x93quoted\x94";
    const CAFE: &str = "café “quoted”";

    fn html_with_head(head: &str) -> Vec<u8> {
        let mut bytes = format!("<!doctype html><html><head>{head}</head><body><p>").into_bytes();
        bytes.extend_from_slice(CAFE_1252);
        bytes.extend_from_slice(b"</p></body></html>");
        bytes
    }

    fn paragraph(text: &str) -> &str {
        let start = text.find("<p>").unwrap() + 3;
        &text[start..text.find("</p>").unwrap()]
    }

    #[test]
    fn windows_1252_labelled_by_header() {
        let text = decode(CAFE_1252, Some("text/html; charset=windows-1252"));
        assert_eq!(text, CAFE);
    }

    #[test]
    fn header_charset_may_be_quoted_and_any_case() {
        let text = decode(CAFE_1252, Some("text/html;Charset=\"Windows-1252\""));
        assert_eq!(text, CAFE);
    }

    #[test]
    fn iso_8859_1_labelled_by_header() {
        let text = decode(
            b"na\xefve \xabfran\xe7ais\xbb",
            Some("text/html; charset=ISO-8859-1"),
        );
        assert_eq!(text, "naïve «français»");
    }

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

    #[test]
    fn content_without_http_equiv_is_not_a_declaration() {
        let body = html_with_head(r#"<meta name="x" content="text/html; charset=windows-1252">"#);
        assert_eq!(
            paragraph(&decode(&body, None)),
            "caf\u{fffd} \u{fffd}quoted\u{fffd}"
        );
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
    fn utf8_bom_wins_over_header_and_is_stripped() {
        let text = decode(
            b"\xEF\xBB\xBFcaf\xC3\xA9",
            Some("text/html; charset=windows-1252"),
        );
        assert_eq!(text, "café");
    }

    #[test]
    fn utf16_boms_are_honoured_and_stripped() {
        assert_eq!(decode(b"\xFF\xFEc\0a\0f\0\xE9\0", None), "café");
        assert_eq!(
            decode(b"\xFE\xFF\0c\0a\0f\0\xE9", Some("text/html")),
            "café"
        );
    }

    #[test]
    fn header_beats_meta() {
        let mut body = br#"<meta charset="windows-1252"><p>"#.to_vec();
        body.extend_from_slice("café “quoted”</p>".as_bytes());
        let text = decode(&body, Some("text/html; charset=utf-8"));
        assert_eq!(paragraph(&text), CAFE);
    }

    #[test]
    fn unknown_header_label_falls_back_to_meta() {
        let body = html_with_head(r#"<meta charset="windows-1252">"#);
        let text = decode(&body, Some("text/html; charset=no-such-charset"));
        assert_eq!(paragraph(&text), CAFE);
    }

    #[test]
    fn unknown_labels_everywhere_fall_back_to_lossy_utf8() {
        let mut body = br#"<meta charset="klingon"><p>ok "#.to_vec();
        body.extend_from_slice(b"\xff</p>");
        let text = decode(&body, Some("text/html; charset=bogus"));
        assert_eq!(paragraph(&text), "ok \u{fffd}");
    }

    #[test]
    fn undeclared_body_is_utf8() {
        assert_eq!(decode("café “quoted”".as_bytes(), Some("text/html")), CAFE);
        assert_eq!(decode(b"", None), "");
    }

    #[test]
    fn declaration_after_the_first_1024_bytes_is_ignored() {
        let padding = format!("<!-- {} -->", "x".repeat(PRESCAN_BYTES));
        let body = html_with_head(&format!(r#"{padding}<meta charset="windows-1252">"#));
        assert_eq!(
            paragraph(&decode(&body, None)),
            "caf\u{fffd} \u{fffd}quoted\u{fffd}"
        );
    }

    #[test]
    fn meta_claiming_utf16_means_utf8() {
        let mut body = br#"<meta charset="utf-16"><p>"#.to_vec();
        body.extend_from_slice("café</p>".as_bytes());
        assert_eq!(paragraph(&decode(&body, None)), "café");
    }

    #[test]
    fn metadata_tag_is_not_a_meta_tag() {
        let body = html_with_head(r#"<metadata charset="windows-1252">"#);
        assert_eq!(
            paragraph(&decode(&body, None)),
            "caf\u{fffd} \u{fffd}quoted\u{fffd}"
        );
    }
}
