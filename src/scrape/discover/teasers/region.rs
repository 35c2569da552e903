//! Where on the page an element sits: main content, the page's chrome
//! (header, footer, navigation), a sidebar, or a box beside the content
//! ("popular", "related", "trending", newsletter, share). Read from tag
//! names, ARIA roles, and the words of classes and ids, as themes name them.

use scraper::ElementRef;

/// The kind of region an element belongs to, by its nearest marked ancestor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Region {
    /// Inside `<main>`, `role="main"`, `#content`, or no marked ancestor.
    Main,
    /// Header, footer, navigation, menus, breadcrumbs, pagination.
    Chrome,
    /// A sidebar or widget area.
    Aside,
    /// A box beside the content: most read, related, trending, newsletter,
    /// share, comments, ads.
    Box,
}

impl Region {
    /// How much an item in this region counts towards a list of articles.
    pub(super) fn weight(self) -> f64 {
        match self {
            Region::Main => 1.0,
            Region::Aside => 0.3,
            Region::Box => 0.2,
            Region::Chrome => 0.1,
        }
    }
}

/// Class or id words (compared whole, after splitting on `-` and `_`)
/// that mark the page's chrome.
const CHROME_WORDS: &[&str] = &[
    "nav",
    "navbar",
    "navigation",
    "menu",
    "menubar",
    "breadcrumb",
    "breadcrumbs",
    "pagination",
    "pager",
    "masthead",
    "topbar",
    "skip",
];

/// Compact names (separators removed) of the page-level header and footer:
/// an `entry-header` inside a teaser is not chrome.
const CHROME_COMPACT: &[&str] = &[
    "header",
    "footer",
    "siteheader",
    "sitefooter",
    "globalheader",
    "globalfooter",
    "pagefooter",
    "mainnav",
    "sitenav",
];

/// Class or id words of sidebars.
const ASIDE_WORDS: &[&str] = &[
    "sidebar",
    "aside",
    "widget",
    "rail",
    "secondary",
    "blogroll",
];

/// Class or id words of boxes beside the content.
const BOX_WORDS: &[&str] = &[
    "related",
    "popular",
    "trending",
    "recommended",
    "newsletter",
    "subscribe",
    "signup",
    "promo",
    "sponsored",
    "advert",
    "advertisement",
    "ad",
    "ads",
    "share",
    "sharing",
    "social",
    "comments",
    "comment",
    "outbrain",
    "taboola",
];

/// Compact fragments of box names written as one word or several
/// ("most-read", "mostViewed", "meistgelesen").
const BOX_COMPACT: &[&str] = &[
    "mostread",
    "mostviewed",
    "mostpopular",
    "mostshared",
    "mostcommented",
    "mostemailed",
    "meistgelesen",
    "meistkommentiert",
    "popularposts",
    "relatedposts",
    "youmayalsolike",
];

/// The region an element itself marks, if any, from its tag, role, and
/// class and id words.
pub(super) fn marked(el: ElementRef<'_>) -> Option<Region> {
    let v = el.value();
    match v.name() {
        "main" => return Some(Region::Main),
        "nav" => return Some(Region::Chrome),
        "aside" => return Some(Region::Aside),
        "header" | "footer" => return Some(Region::Chrome),
        _ => {}
    }
    match v.attr("role").unwrap_or_default() {
        "main" => return Some(Region::Main),
        "navigation" | "banner" | "contentinfo" => return Some(Region::Chrome),
        "complementary" => return Some(Region::Aside),
        _ => {}
    }
    let names = v.attr("class").into_iter().chain(v.attr("id"));
    let regions: Vec<Region> = names
        .flat_map(str::split_whitespace)
        .filter_map(token_region)
        .collect();
    // `widget popular-posts`: the box says more than the widget.
    regions
        .iter()
        .find(|r| **r == Region::Box)
        .or(regions.first())
        .copied()
}

/// The region one class or id names.
fn token_region(token: &str) -> Option<Region> {
    let lower = token.to_ascii_lowercase();
    let compact: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let words = || lower.split(['-', '_']);
    if BOX_COMPACT.iter().any(|w| compact.contains(w)) || words().any(|w| BOX_WORDS.contains(&w)) {
        return Some(Region::Box);
    }
    if words().any(|w| ASIDE_WORDS.contains(&w)) {
        return Some(Region::Aside);
    }
    if CHROME_COMPACT.contains(&compact.as_str()) || words().any(|w| CHROME_WORDS.contains(&w)) {
        return Some(Region::Chrome);
    }
    if matches!(
        compact.as_str(),
        "main" | "content" | "maincontent" | "primary"
    ) {
        return Some(Region::Main);
    }
    None
}

/// Whether an element is hidden by its own attributes (`hidden`,
/// `style="display:none"` or `visibility:hidden`): spam links are planted
/// that way (seed 000's "assetto corsa mods").
pub(super) fn hidden(el: ElementRef<'_>) -> bool {
    let v = el.value();
    if v.attr("hidden").is_some() {
        return true;
    }
    v.attr("style").is_some_and(|style| {
        let style: String = style
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        style.contains("display:none") || style.contains("visibility:hidden")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::{Html, Selector};

    fn region_of(html: &str) -> Option<Region> {
        let doc = Html::parse_fragment(html);
        let sel = Selector::parse("body > *, html > *").unwrap();
        let el = doc.select(&sel).find(|e| e.value().name() != "head");
        el.and_then(marked)
    }

    #[test]
    fn regions_from_tags_roles_and_class_words() {
        assert_eq!(region_of("<nav></nav>"), Some(Region::Chrome));
        assert_eq!(
            region_of(r#"<div id="sidebar"></div>"#),
            Some(Region::Aside)
        );
        assert_eq!(
            region_of(r#"<section class="widget popular-posts"></section>"#),
            Some(Region::Box)
        );
        assert_eq!(
            region_of(r#"<div class="mostRead"></div>"#),
            Some(Region::Box)
        );
        assert_eq!(region_of(r#"<div role="main"></div>"#), Some(Region::Main));
        assert_eq!(region_of(r#"<div class="entry-header"></div>"#), None);
        assert_eq!(region_of(r#"<div class="headline"></div>"#), None);
    }

    #[test]
    fn hidden_by_attribute_or_style() {
        let doc = Html::parse_fragment(
            r#"<div style="DISPLAY: none">a</div><p hidden>b</p><span style="color:red">c</span>"#,
        );
        let sel = Selector::parse("div, p, span").unwrap();
        let flags: Vec<bool> = doc.select(&sel).map(hidden).collect();
        assert_eq!(flags, [true, true, false]);
    }
}
