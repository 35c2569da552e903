//! Turns a response body into UTF-8 text. Pure: bytes, the Content-Type
//! header and the host's domain in, a `String` out.
//!
//! Outlets still serve windows-1252, ISO-8859-1 and Shift_JIS pages, often
//! declaring it only in a `<meta>` tag (older WordPress themes, regional
//! newspapers) or an `<?xml encoding?>` prolog (hand-rolled feeds), sometimes
//! not at all, and sometimes wrongly (a theme that kept `charset=iso-8859-1`
//! after the site moved to UTF-8). Decoding with the wrong encoding turns
//! "café" and curly quotes into U+FFFD or mojibake, so the order below
//! follows the WHATWG encoding-sniffing steps, then falls back to the
//! statistical detection browsers use (chardetng, Firefox's detector).

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_8};

use super::prescan::{charset_param, declared_encoding};

/// Decodes a body to UTF-8, as [`decode_for_domain`] does for a body whose
/// host is unknown (a local file).
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    decode_for_domain(bytes, content_type, None)
}

/// Decodes a body fetched from `domain` (the URL's host name, `None` for an
/// IP address or a file) to UTF-8. The encoding is, in order: a BOM (WHATWG:
/// the BOM wins, and is not part of the output); the header charset; an
/// in-document declaration (`<meta charset>`, `http-equiv`,
/// `<?xml encoding?>`); else a guess from the bytes, hinted by the domain's
/// top-level label (`.jp` makes Shift_JIS likelier). Labels `encoding_rs`
/// does not know are skipped. A declaration the body contradicts loses: a
/// legacy charset over a body that is valid UTF-8 with non-ASCII text means
/// UTF-8, and UTF-8 over a body with no valid UTF-8 sequence at all means
/// the guess.
pub fn decode_for_domain(bytes: &[u8], content_type: Option<&str>, domain: Option<&str>) -> String {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom_len..]);
    }
    let tld = domain.and_then(tld);
    let declared = content_type
        .and_then(charset_param)
        .and_then(|label| Encoding::for_label(label.as_bytes()))
        .or_else(|| declared_encoding(bytes));
    let encoding = match declared {
        Some(declared) => check_declared(declared, bytes, tld),
        None => detect(bytes, tld),
    };
    decode_with(encoding, bytes)
}

/// The declared encoding, unless the body contradicts it.
fn check_declared(
    declared: &'static Encoding,
    bytes: &[u8],
    tld: Option<&str>,
) -> &'static Encoding {
    if declared == UTF_8 {
        // Valid UTF-8 (ASCII included) is the common case: one fast check
        // before counting characters in the broken case.
        if std::str::from_utf8(bytes).is_ok() || mostly_utf8(bytes) {
            UTF_8
        } else {
            detect(bytes, tld)
        }
    } else if declared.is_ascii_compatible()
        && !bytes.is_ascii()
        && std::str::from_utf8(bytes).is_ok()
    {
        // Random legacy text is almost never valid UTF-8 once it has
        // non-ASCII bytes; a UTF-8 page with a stale label always is.
        UTF_8
    } else {
        declared
    }
}

/// True when the body is UTF-8 with a few broken bytes (a CMS excerpt cut
/// mid-character): its valid multi-byte characters far outnumber its broken
/// sequences, and guessing a legacy encoding would garble every correct
/// character. Legacy text (Shift_JIS above all) holds a few valid UTF-8
/// sequences by chance, but many more broken ones.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut broken) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        // A non-ASCII character of valid UTF-8 starts with a byte ≥ 0xC0
        // (its other bytes are 0x80..=0xBF): counting those bytes counts
        // the characters.
        valid += chunk.valid().bytes().filter(|b| *b >= 0xC0).count();
        broken += usize::from(!chunk.invalid().is_empty());
    }
    valid > 4 * broken
}

/// The encoding of an undeclared body: UTF-8 when it is valid UTF-8, else
/// chardetng's guess.
fn detect(bytes: &[u8], tld: Option<&str>) -> &'static Encoding {
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    // ISO-2022-JP is left out, as browsers do: no outlet refeed has seen
    // needs it, and its escape sequences make ASCII look like it.
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    detector.guess(tld.map(str::as_bytes), Utf8Detection::Allow)
}

/// The top-level label of a domain, as chardetng wants it (lower-case
/// ASCII, no dot); `None` when it is not one (chardetng panics on those).
fn tld(domain: &str) -> Option<&str> {
    let label = domain.trim_end_matches('.').rsplit('.').next()?;
    let valid = !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then_some(label)
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    let (text, _had_errors) = encoding.decode_without_bom_handling(bytes);
    text.into_owned()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// "café “quoted”" in windows-1252: é = 0xE9, curly quotes 0x93 / 0x94.
    pub(in crate::fetch) const CAFE_1252: &[u8] = b"caf\xe9 \x93quoted\x94";
    pub(in crate::fetch) const CAFE: &str = "café “quoted”";

    /// A page with `head`, whose one paragraph is [`CAFE_1252`].
    pub(in crate::fetch) fn html_with_head(head: &str) -> Vec<u8> {
        let mut bytes = format!("<!doctype html><html><head>{head}</head><body><p>").into_bytes();
        bytes.extend_from_slice(CAFE_1252);
        bytes.extend_from_slice(b"</p></body></html>");
        bytes
    }

    /// The text of the first paragraph of a decoded page.
    pub(in crate::fetch) fn paragraph(text: &str) -> &str {
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
    fn unknown_labels_everywhere_fall_back_to_detection() {
        let body = html_with_head(r#"<meta charset="klingon">"#);
        let text = decode(&body, Some("text/html; charset=bogus"));
        assert_eq!(paragraph(&text), CAFE);
    }

    #[test]
    fn undeclared_body_is_utf8() {
        assert_eq!(decode("café “quoted”".as_bytes(), Some("text/html")), CAFE);
        assert_eq!(decode(b"", None), "");
    }

    /// Realistic text per encoding, long enough for detection to be sure.
    const FRENCH: &str = "<p>Le café du théâtre a rouvert ses portes : « Déjà complet », \
                          disent les élèves réunis près de l’église.</p>";
    const GERMAN: &str = "<p>Die Bürgerinnen und Bürger müssen für die Straßenbahn \
                          künftig größere Umwege in Kauf nehmen, heißt es.</p>";
    const JAPANESE: &str = "<p>東京都は今日、新しい交通計画を発表しました。\
                            市民の生活に大きな影響があると見られています。</p>";

    fn encode(encoding: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = encoding.encode(text);
        assert!(!unmappable, "{text} in {}", encoding.name());
        bytes.into_owned()
    }

    fn with_meta(label: &str, body: &[u8]) -> Vec<u8> {
        let mut page = format!("<html><head><meta charset=\"{label}\"></head><body>").into_bytes();
        page.extend_from_slice(body);
        page
    }

    /// (label, encoding, text, domain) of the three legacy fixtures of
    /// issue 5.
    type Fixture = (&'static str, &'static Encoding, &'static str, &'static str);

    fn fixtures() -> [Fixture; 3] {
        [
            (
                "windows-1252",
                encoding_rs::WINDOWS_1252,
                FRENCH,
                "journal.fr",
            ),
            (
                "ISO-8859-1",
                encoding_rs::WINDOWS_1252,
                GERMAN,
                "zeitung.de",
            ),
            (
                "Shift_JIS",
                encoding_rs::SHIFT_JIS,
                JAPANESE,
                "shimbun.co.jp",
            ),
        ]
    }

    #[test]
    fn legacy_fixtures_declared_in_the_header() {
        for (label, encoding, text, _) in fixtures() {
            let header = format!("text/html; charset={label}");
            assert_eq!(
                decode(&encode(encoding, text), Some(&header)),
                text,
                "{label}"
            );
        }
    }

    #[test]
    fn legacy_fixtures_declared_only_in_meta() {
        for (label, encoding, text, _) in fixtures() {
            let page = with_meta(label, &encode(encoding, text));
            let decoded = decode(&page, Some("text/html"));
            assert!(decoded.ends_with(text), "{label}: {decoded}");
        }
    }

    #[test]
    fn undeclared_legacy_fixtures_are_detected() {
        for (label, encoding, text, domain) in fixtures() {
            let bytes = encode(encoding, text);
            let decoded = decode_for_domain(&bytes, Some("text/html"), Some(domain));
            assert_eq!(decoded, text, "{label}");
        }
    }

    #[test]
    fn utf8_body_under_a_stale_legacy_label_is_utf8() {
        for label in ["windows-1252", "iso-8859-1", "shift_jis"] {
            let header = format!("text/html; charset={label}");
            assert_eq!(decode(FRENCH.as_bytes(), Some(&header)), FRENCH, "{label}");
            let page = with_meta(label, JAPANESE.as_bytes());
            assert!(decode(&page, None).ends_with(JAPANESE), "{label}");
        }
    }

    #[test]
    fn legacy_body_under_a_utf8_label_is_detected() {
        for (label, encoding, text, _) in fixtures() {
            let bytes = encode(encoding, text);
            let header = Some("text/html; charset=utf-8");
            assert_eq!(decode(&bytes, header), text, "{label}");
            let page = with_meta("utf-8", &bytes);
            assert!(decode(&page, None).ends_with(text), "{label}");
        }
    }

    #[test]
    fn mostly_utf8_counts_characters_by_their_lead_bytes() {
        // The definition: valid non-ASCII characters against broken runs.
        let by_chars = |bytes: &[u8]| {
            let (mut valid, mut broken) = (0usize, 0usize);
            for chunk in bytes.utf8_chunks() {
                valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
                broken += usize::from(!chunk.invalid().is_empty());
            }
            valid > 4 * broken
        };
        let pieces: [&[u8]; 8] = [
            b"a",
            "é".as_bytes(),
            "“".as_bytes(),
            "𝄞".as_bytes(),
            b"\xe9",
            b"\x93",
            b"\xc3",
            b" ",
        ];
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..3000 {
            let body: Vec<u8> = (0..rng.usize(0..30))
                .flat_map(|_| pieces[rng.usize(..pieces.len())].iter().copied())
                .collect();
            assert_eq!(mostly_utf8(&body), by_chars(&body), "{body:?}");
        }
    }

    #[test]
    fn utf8_body_with_a_few_broken_bytes_stays_utf8() {
        let mut body = FRENCH.as_bytes().to_vec();
        body.extend_from_slice(b"\xe9</p>");
        let text = decode(&body, Some("text/html; charset=utf-8"));
        assert!(text.starts_with(FRENCH), "{text}");
        assert!(text.ends_with("\u{fffd}</p>"), "{text}");
    }

    #[test]
    fn domain_hints_never_panic_the_detector() {
        let bytes = encode(encoding_rs::SHIFT_JIS, JAPANESE);
        for domain in [
            "example.jp",
            "example.jp.",
            "xn--wgv71a",
            "a..",
            "",
            "ex_ample.c_m",
        ] {
            assert_eq!(
                decode_for_domain(&bytes, None, Some(domain)),
                JAPANESE,
                "{domain}"
            );
        }
        assert_eq!(tld("news.example.co.uk"), Some("uk"));
        assert_eq!(tld("Example.COM"), None);
    }
}
