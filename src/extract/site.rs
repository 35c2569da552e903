//! Page-level metadata beside the headline: lead image, outlet name,
//! language, and the date written in the article's URL.
//!
//! Each reads JSON-LD and meta tags in the order outlets fill them most
//! reliably; Open Graph comes first for the image and site name because
//! social previews make every CMS fill it.

use chrono::{DateTime, NaiveDate, Utc};
use url::Url;

use super::dom::attr;
use super::jsonld::JsonLd;
use super::landmarks::Landmarks;
use super::meta::MetaTags;

/// The lead image, made absolute against the page URL.
pub(crate) fn image(tags: &MetaTags, ld: &JsonLd, url: &Url) -> Option<String> {
    [
        "og:image",
        "og:image:url",
        "og:image:secure_url",
        "twitter:image",
        "twitter:image:src",
    ]
    .iter()
    .filter_map(|k| tags.get(k))
    .chain(ld.image())
    .find_map(|src| absolute(src, url))
}

/// The page's own URL for itself: the first `<link rel="canonical">`
/// anywhere in the page (themes put it in `<head>`, page builders sometimes
/// in `<body>`), else `og:url`; made absolute against the page URL.
/// Whether it is believable (same site, not the home page) is decided by
/// the pipeline, which knows the item's link and listing.
pub(crate) fn canonical(marks: &Landmarks<'_>, tags: &MetaTags, url: &Url) -> Option<String> {
    marks
        .links
        .iter()
        .copied()
        .filter(|n| {
            attr(*n, "rel").is_some_and(|rel| {
                rel.split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("canonical"))
            })
        })
        .filter_map(|n| attr(n, "href"))
        .chain(tags.get("og:url"))
        .find_map(|href| absolute(href, url))
}

/// Only http(s) images: a `data:` placeholder is not a lead image.
fn absolute(src: &str, base: &Url) -> Option<String> {
    let url = base.join(src.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The outlet's name: `og:site_name`, then the JSON-LD publisher, then
/// `application-name`.
pub(crate) fn site_name(tags: &MetaTags, ld: &JsonLd) -> Option<String> {
    tags.get("og:site_name")
        .map(str::to_owned)
        .or_else(|| ld.publisher_name())
        .or_else(|| tags.get("application-name").map(str::to_owned))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
}

/// The page language as a BCP 47 tag (`en-US`, not `en_US`): `<html lang>`,
/// then `og:locale`, JSON-LD `inLanguage`, `content-language`.
pub(crate) fn language(marks: &Landmarks<'_>, tags: &MetaTags, ld: &JsonLd) -> Option<String> {
    let html_lang = marks
        .html
        .and_then(|n| attr(n, "lang").or_else(|| attr(n, "xml:lang")));
    let http_equiv = marks
        .metas
        .iter()
        .copied()
        .find(|n| {
            attr(*n, "http-equiv").is_some_and(|v| v.eq_ignore_ascii_case("content-language"))
        })
        .and_then(|n| attr(n, "content"));
    html_lang
        .into_iter()
        .chain(tags.get("og:locale"))
        .chain(ld.in_language())
        .chain(http_equiv)
        .chain(tags.get("language"))
        .find_map(language_tag)
}

/// A plausible language tag, normalized; `""` and junk are skipped.
fn language_tag(raw: &str) -> Option<String> {
    let tag = raw.trim().replace('_', "-");
    let tag = tag.split([',', ';']).next().unwrap_or_default().trim();
    let valid = (2..=35).contains(&tag.len())
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && tag
            .split('-')
            .next()
            .is_some_and(|p| (2..=3).contains(&p.len()));
    valid.then(|| tag.to_owned())
}

/// The date in the page URL (`/2020/10/23/`, `/2020-10-23-title`,
/// `/20201023/`), at midnight UTC: the last resort for an article whose page
/// states no date.
pub(crate) fn url_date(url: &Url) -> Option<DateTime<Utc>> {
    let path = url.path().as_bytes();
    (0..path.len())
        // Right after a slash, or a dash in a slug (`…-responses-20191115/`).
        .filter(|&i| matches!(path[i], b'/' | b'-' | b'_'))
        .find_map(|i| date_at(&path[i + 1..]))
}

/// A year, month and day at the start of `s`, separated by `/`, `-` or
/// nothing, and followed by a separator or the end.
fn date_at(s: &[u8]) -> Option<DateTime<Utc>> {
    let digits = |from: usize, n: usize| -> Option<u32> {
        let part = s.get(from..from + n)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(part).ok()?.parse().ok())?
    };
    let year = digits(0, 4).filter(|y| (1990..2100).contains(y))?;
    let sep = usize::from(matches!(s.get(4), Some(b'/' | b'-')));
    let month = digits(4 + sep, 2)?;
    if sep == 1 && s.get(6 + sep) != s.get(4) {
        return None;
    }
    let day = digits(6 + 2 * sep, 2)?;
    let end = 8 + 2 * sep;
    if !matches!(s.get(end), None | Some(b'/' | b'.' | b'_' | b'-')) {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::dom::Doc;
    use scraper::Html;

    fn parts(html: &str) -> (Html, Url) {
        (
            Html::parse_document(html),
            Url::parse("https://outlet.example/news/2020/10/23/story/").unwrap(),
        )
    }

    #[test]
    fn open_graph_image_and_site_name_and_html_lang() {
        let (parsed, url) = parts(
            r#"<html lang="en_GB"><head><meta property="og:image" content="/img/lead.jpg">
            <meta property="og:site_name" content=" The  Outlet "></head><body></body></html>"#,
        );
        let doc = Doc::new(&parsed);
        let tags = MetaTags::from_doc(&doc);
        let ld = JsonLd::from_doc(&doc);
        assert_eq!(
            image(&tags, &ld, &url).as_deref(),
            Some("https://outlet.example/img/lead.jpg")
        );
        assert_eq!(site_name(&tags, &ld).as_deref(), Some("The Outlet"));
        assert_eq!(
            language(&Landmarks::of(&doc), &tags, &ld).as_deref(),
            Some("en-GB")
        );
    }

    #[test]
    fn json_ld_fills_what_meta_tags_lack() {
        let (parsed, url) = parts(
            r#"<html><head><meta property="og:locale" content="fr_FR"><script type="application/ld+json">
            {"@type": "NewsArticle", "image": {"url": "https://cdn.example/a.jpg"},
             "publisher": {"@type": "Organization", "name": "Le Journal"}}</script></head></html>"#,
        );
        let doc = Doc::new(&parsed);
        let tags = MetaTags::from_doc(&doc);
        let ld = JsonLd::from_doc(&doc);
        assert_eq!(
            image(&tags, &ld, &url).as_deref(),
            Some("https://cdn.example/a.jpg")
        );
        assert_eq!(site_name(&tags, &ld).as_deref(), Some("Le Journal"));
        assert_eq!(
            language(&Landmarks::of(&doc), &tags, &ld).as_deref(),
            Some("fr-FR")
        );
    }

    #[test]
    fn canonical_link_then_og_url_made_absolute() {
        let canon = |html: &str| {
            let (parsed, url) = parts(html);
            let doc = Doc::new(&parsed);
            canonical(&Landmarks::of(&doc), &MetaTags::from_doc(&doc), &url)
        };
        let both = r#"<html><head><meta property="og:url" content="https://outlet.example/og">
            <link rel="alternate" href="/feed/"><link rel="Canonical" href="/news/story/">
            </head></html>"#;
        assert_eq!(
            canon(both).as_deref(),
            Some("https://outlet.example/news/story/")
        );
        let og_only = r#"<html><head><meta property="og:url" content="https://outlet.example/og">"#;
        assert_eq!(canon(og_only).as_deref(), Some("https://outlet.example/og"));
        let in_body = r#"<body><link rel="canonical" href="javascript:x"><p>x</p>
            <link rel="canonical" href="https://outlet.example/b"></body>"#;
        assert_eq!(canon(in_body).as_deref(), Some("https://outlet.example/b"));
        assert_eq!(canon("<p>none</p>"), None);
    }

    #[test]
    fn date_in_the_url_path() {
        let day = |u: &str| url_date(&Url::parse(u).unwrap()).map(|d| d.date_naive().to_string());
        assert_eq!(
            day("https://o.example/2020/10/23/title/").as_deref(),
            Some("2020-10-23")
        );
        assert_eq!(
            day("https://o.example/news/2019-11-18-title").as_deref(),
            Some("2019-11-18")
        );
        assert_eq!(
            day("https://o.example/a/20191115/").as_deref(),
            Some("2019-11-15")
        );
        assert_eq!(day("https://o.example/2019/13/40/x"), None);
        assert_eq!(day("https://o.example/story/1206313/hong-kong"), None);
        assert_eq!(
            day("https://o.example/tuft-cells-20191115/").as_deref(),
            Some("2019-11-15")
        );
        assert_eq!(day("https://o.example/news/Cat-missing-14848175.php"), None);
    }
}
