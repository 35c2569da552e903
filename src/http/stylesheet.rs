//! `GET /feed.xsl`: the XSLT stylesheet that RSS and Atom feeds name in
//! their `<?xml-stylesheet?>` instruction, so a browser that opens a feed
//! shows a readable page (title, how to subscribe, items with links, dates
//! and text-only summaries) instead of raw XML. Feed readers ignore it.
//!
//! The stylesheet is built into the binary (`assets/feed.xsl`) and never
//! outputs item HTML as markup (no `disable-output-escaping`): see its
//! header comment.

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;

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
}
