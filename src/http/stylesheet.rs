//! `GET /feed.xsl`: the XSLT stylesheet that RSS and Atom feeds name in
//! their `<?xml-stylesheet?>` instruction, so a browser that opens a feed
//! shows a readable page (title, how to subscribe, items with links, dates
//! and text-only summaries) instead of raw XML. Feed readers ignore it.
//!
//! Browsers show `application/rss+xml` and `application/atom+xml` as plain
//! text (Chromium) or offer a download, and apply no stylesheet: a request
//! that accepts `text/html` (browsers do, readers do not) gets the same
//! document as `application/xml`, which every browser renders through its
//! stylesheet; feeds say `Vary: Accept` for caches.
//!
//! The stylesheet is built into the binary (`assets/feed.xsl`) and never
//! outputs item HTML as markup (no `disable-output-escaping`): see its
//! header comment.

use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The stylesheet.
pub(super) const FEED_XSL: &str = include_str!("assets/feed.xsl");

/// Where feeds find the stylesheet, relative to a feed's own URL
/// (`/feeds/{id}.{ext}`): `/feed.xsl` under the same prefix, so it works
/// behind a reverse proxy with or without the path prefix stripped, and is
/// always same-origin (browsers refuse cross-origin XSLT).
pub const FEED_XSL_HREF: &str = "../feed.xsl";

/// Browsers may keep it a day; it changes only with refeed's version.
const CACHE: &str = "public, max-age=86400";

/// `GET /feed.xsl`.
pub(super) async fn handler() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/xsl; charset=utf-8"),
            (CACHE_CONTROL, CACHE),
        ],
        FEED_XSL,
    )
}

/// The media type an RSS or Atom feed is served as to a browser.
const BROWSER_MEDIA_TYPE: &str = "application/xml; charset=utf-8";

/// Adjusts an RSS or Atom response for browsers: `Vary: Accept` always,
/// and `application/xml` when the request accepts `text/html` (a browser
/// navigating to the feed). Costs one scan of the `Accept` header.
pub(super) fn show_in_browsers(response: &mut Response, request: &HeaderMap) {
    let headers = response.headers_mut();
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding, Accept"));
    let browser = request
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.contains("text/html"));
    if browser && headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(BROWSER_MEDIA_TYPE));
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;
    use crate::http::test_support::{app, content_type, get, refresh, source};

    #[tokio::test]
    async fn the_stylesheet_is_served_as_xsl_and_cached() {
        let app = app("http://h/r/", vec![]).await;
        let (status, headers, body) = get(&app, "/feed.xsl").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(content_type(&headers), "text/xsl; charset=utf-8");
        assert_eq!(headers[CACHE_CONTROL], CACHE);
        assert!(body.starts_with("<?xml version=\"1.0\""), "{body}");
        assert!(roxmltree::Document::parse(&body).is_ok(), "well-formed");
        assert!(
            !body.contains("disable-output-escaping"),
            "item HTML never goes out as markup"
        );
    }

    #[tokio::test]
    async fn rss_and_atom_name_the_stylesheet_and_stay_well_formed() {
        let app = app("http://h/r/", vec![source("a", None, 5)]).await;
        refresh(&app, "a", None, &[1, 2]).await;
        let pi = format!("<?xml-stylesheet type=\"text/xsl\" href=\"{FEED_XSL_HREF}\"?>");
        for ext in ["rss", "atom"] {
            let (status, _, body) = get(&app, &format!("/feeds/a.{ext}")).await;
            assert_eq!(status, StatusCode::OK);
            let second_line = body.lines().nth(1).unwrap_or_default();
            assert!(
                second_line.starts_with(&pi) || body.contains(&format!("?>{pi}")),
                "{body}"
            );
            assert!(roxmltree::Document::parse(&body).is_ok(), "{ext}: {body}");
        }
        let (_, _, json) = get(&app, "/feeds/a.json").await;
        assert!(!json.contains("xml-stylesheet"));
    }

    #[tokio::test]
    async fn browsers_get_feeds_as_xml_and_readers_as_feeds() {
        use axum::http::Request;

        use crate::http::test_support::send;

        let app = app("http://h/", vec![source("a", None, 5)]).await;
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        let reader = "application/atom+xml,application/rss+xml,application/xml;q=0.9";
        for (ext, feed_type) in [
            ("rss", "application/rss+xml"),
            ("atom", "application/atom+xml"),
        ] {
            let uri = format!("/feeds/a.{ext}");
            let asked = Request::get(&uri).header(ACCEPT, browser);
            let (status, headers, _) = send(&app, asked).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(content_type(&headers), BROWSER_MEDIA_TYPE);
            assert_eq!(headers[VARY], "Accept-Encoding, Accept");
            for request in [
                Request::get(&uri).header(ACCEPT, reader),
                Request::get(&uri),
            ] {
                let (_, headers, _) = send(&app, request).await;
                let want = format!("{feed_type}; charset=utf-8");
                assert_eq!(content_type(&headers), want);
            }
        }
        let json = Request::get("/feeds/a.json").header(ACCEPT, browser);
        let (_, headers, _) = send(&app, json).await;
        assert_eq!(
            content_type(&headers),
            "application/feed+json; charset=utf-8"
        );
    }
}
