//! What kind of response refeed is willing to read: web pages, feeds, and
//! JSON (JSON Feed, and the WordPress REST API of issue 10).
//! Pure: the `Content-Type` header and the first bytes of the body in, a
//! verdict out. The client asks [`by_label`] before reading any of the body
//! (so a 50 MB video costs nothing) and [`by_content`] once the first
//! [`SNIFF_BYTES`] are in.

/// How many leading bytes [`by_content`] looks at (the WHATWG MIME sniffing
/// "resource header" is 1445 bytes; the binary check uses 1024 like
/// browsers' text/plain sniffing does).
pub(super) const SNIFF_BYTES: usize = 1024;

/// What the `Content-Type` header alone says about a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Label {
    /// A page or feed type: read the body (and check it is not binary).
    Text,
    /// No useful label: decide from the body's first bytes.
    Sniff,
    /// Not a page or feed: refuse without reading the body.
    Refused,
}

/// Sorts a response by its `Content-Type` (`None` when absent).
pub(super) fn by_label(content_type: Option<&str>) -> Label {
    let Some(essence) = content_type.map(essence).filter(|e| !e.is_empty()) else {
        return Label::Sniff;
    };
    match essence.as_str() {
        "text/html" | "application/xhtml+xml" | "text/xml" | "application/xml" => Label::Text,
        // Feeds served as text/plain are common (static hosts that do not
        // know `.rss`), and a plain-text body decodes fine anyway.
        "text/plain" => Label::Text,
        // `binary/octet-stream` is what S3 gives files uploaded without a
        // type: hand-uploaded feeds end up with it.
        "application/octet-stream" | "binary/octet-stream" => Label::Sniff,
        // rss+xml, atom+xml, rdf+xml, and the old x-rss+xml.
        other if other.ends_with("+xml") => Label::Text,
        // JSON Feed (`application/feed+json`, often served as plain
        // `application/json`) and the WordPress REST API (issue 10). A JSON
        // body is text: the binary check still applies; what it holds is
        // the reader's business.
        "application/json" => Label::Text,
        other if other.ends_with("+json") => Label::Text,
        _ => Label::Refused,
    }
}

/// The lower-cased `type/subtype` of a Content-Type value, parameters cut.
fn essence(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

/// What the first bytes of a body say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Content {
    /// Readable as a page or feed.
    Markup,
    /// Contains a binary data byte: an image, an archive, a corrupt file.
    Binary,
    /// Not binary, but an unlabelled body that does not start like markup.
    NotMarkup,
}

/// Sorts a body by its first [`SNIFF_BYTES`] bytes, given its [`Label`]
/// (`Text` or `Sniff`). A UTF-8 or UTF-16 byte order mark marks text (UTF-16
/// is full of 0x00 bytes, which are binary otherwise).
pub(super) fn by_content(label: Label, head: &[u8]) -> Content {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    if let Some((_, bom_len)) = encoding_rs::Encoding::for_bom(head) {
        // UTF-16 puts a 0x00 beside every ASCII character: skip those.
        let text: Vec<u8> = head[bom_len..]
            .iter()
            .copied()
            .filter(|&b| b != 0)
            .collect();
        return match label {
            Label::Sniff if !starts_like_markup(&text) => Content::NotMarkup,
            _ => Content::Markup,
        };
    }
    if head.iter().copied().any(is_binary_data_byte) {
        Content::Binary
    } else if label == Label::Sniff && !starts_like_markup(head) {
        Content::NotMarkup
    } else {
        Content::Markup
    }
}

/// A WHATWG "binary data byte": a control character that no text encoding
/// a page or feed may use puts in text
/// (<https://mimesniff.spec.whatwg.org/#binary-data-byte>). 0x1B (ESC) is
/// not one: ISO-2022-JP needs it.
fn is_binary_data_byte(byte: u8) -> bool {
    matches!(byte, 0x00..=0x08 | 0x0B | 0x0E..=0x1A | 0x1C..=0x1F)
}

/// True when the first byte that is not whitespace is `<` (a page, a feed,
/// an XML prolog). An empty head is not markup.
fn starts_like_markup(head: &[u8]) -> bool {
    head.iter()
        .find(|byte| !byte.is_ascii_whitespace())
        .is_some_and(|&byte| byte == b'<')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_feeds_are_text() {
        for label in [
            "text/html",
            "text/html; charset=utf-8",
            "TEXT/HTML;charset=ISO-8859-1",
            "application/xhtml+xml",
            "text/xml",
            "application/xml",
            "application/rss+xml",
            "application/atom+xml; charset=utf-8",
            "application/rdf+xml",
            "application/x-rss+xml",
            "text/plain",
        ] {
            assert_eq!(by_label(Some(label)), Label::Text, "{label}");
        }
    }

    #[test]
    fn json_feeds_and_the_wordpress_api_are_text() {
        for label in [
            "application/json",
            "application/json; charset=UTF-8",
            "application/feed+json",
            "application/ld+json",
            "APPLICATION/FEED+JSON;charset=utf-8",
        ] {
            assert_eq!(by_label(Some(label)), Label::Text, "{label}");
        }
        // A JSON label does not let a binary body through.
        assert_eq!(
            by_content(Label::Text, b"\x89PNG\r\n\x1a\n"),
            Content::Binary
        );
        assert_eq!(by_content(Label::Text, b"[{\"id\":1}]"), Content::Markup);
    }

    #[test]
    fn media_documents_and_data_are_refused() {
        for label in [
            "image/png",
            "image/svg",
            "audio/mpeg",
            "video/mp4",
            "font/woff2",
            "application/pdf",
            "application/zip",
            "application/javascript",
            "application/jsonl",
            "text/css",
        ] {
            assert_eq!(by_label(Some(label)), Label::Refused, "{label}");
        }
    }

    #[test]
    fn missing_or_generic_labels_are_sniffed() {
        assert_eq!(by_label(None), Label::Sniff);
        assert_eq!(by_label(Some("")), Label::Sniff);
        assert_eq!(by_label(Some("application/octet-stream")), Label::Sniff);
        assert_eq!(by_label(Some("binary/octet-stream")), Label::Sniff);
    }

    #[test]
    fn sniffed_body_must_start_with_markup() {
        assert_eq!(
            by_content(Label::Sniff, b"\n  <?xml version=\"1.0\"?><rss/>"),
            Content::Markup
        );
        assert_eq!(
            by_content(Label::Sniff, b"\xEF\xBB\xBF<html>"),
            Content::Markup
        );
        assert_eq!(
            by_content(Label::Sniff, b"{\"items\": []}"),
            Content::NotMarkup
        );
        assert_eq!(by_content(Label::Sniff, b""), Content::NotMarkup);
        assert_eq!(
            by_content(Label::Sniff, b"\x89PNG\r\n\x1a\n"),
            Content::Binary
        );
    }

    #[test]
    fn text_label_with_binary_bytes_is_binary() {
        assert_eq!(
            by_content(Label::Text, b"GIF89a\x01\x00\x01\x00"),
            Content::Binary
        );
        assert_eq!(by_content(Label::Text, b"<p>a\0b</p>"), Content::Binary);
        assert_eq!(
            by_content(Label::Text, b"plain words, not markup"),
            Content::Markup
        );
    }

    #[test]
    fn only_the_first_1024_bytes_are_checked() {
        let mut body = vec![b'a'; SNIFF_BYTES];
        body.push(0);
        assert_eq!(by_content(Label::Text, &body), Content::Markup);
        body[SNIFF_BYTES - 1] = 0;
        assert_eq!(by_content(Label::Text, &body), Content::Binary);
    }

    #[test]
    fn utf16_with_bom_and_legacy_text_are_not_binary() {
        assert_eq!(
            by_content(Label::Text, b"\xFF\xFE<\0p\0>\0"),
            Content::Markup
        );
        assert_eq!(
            by_content(Label::Sniff, b"\xFE\xFF\0<\0p\0>"),
            Content::Markup
        );
        assert_eq!(
            by_content(Label::Sniff, b"\xFF\xFEa\0b\0"),
            Content::NotMarkup
        );
        // Shift_JIS "日本" and ISO-2022-JP's ESC sequences are text.
        assert_eq!(
            by_content(Label::Text, b"<p>\x93\xfa\x96\x7b</p>"),
            Content::Markup
        );
        assert_eq!(
            by_content(Label::Text, b"<p>\x1b$BF|K\\\x1b(B</p>"),
            Content::Markup
        );
    }
}
