//! How a source's items are found (issue 10): the method, and for teasers
//! the item pattern written as CSS selectors, remembered per source so the
//! next refresh reuses them.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The way a source's items are read from its URL.
///
/// A source with `[source.items]` uses [`Method::Selectors`]; any other
/// source finds its items by the first of the others that works, in the
/// order of [`Method::DISCOVERED`], unless its `method` key pins one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// The user's `[source.items]` CSS selectors.
    Selectors,
    /// The URL serves RSS, Atom or JSON Feed.
    Feed,
    /// The page is a WordPress archive: items come from its REST API.
    Wordpress,
    /// JSON-LD lists or embedded app state (`__NEXT_DATA__`) on the page.
    Structured,
    /// The page's repeated teaser blocks, found generically.
    Teasers,
}

impl Method {
    /// The methods tried on a URL without selectors, in order.
    pub const DISCOVERED: [Method; 4] = [
        Method::Feed,
        Method::Wordpress,
        Method::Structured,
        Method::Teasers,
    ];

    /// The name used in the config (`method = "..."`), logs and status.
    pub fn name(self) -> &'static str {
        match self {
            Method::Selectors => "selectors",
            Method::Feed => "feed",
            Method::Wordpress => "wordpress",
            Method::Structured => "structured",
            Method::Teasers => "teasers",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a [`Method`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown method {0:?}: use one of feed, wordpress, structured, teasers, selectors")]
pub struct UnknownMethod(pub String);

impl FromStr for Method {
    type Err = UnknownMethod;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        [
            Method::Selectors,
            Method::Feed,
            Method::Wordpress,
            Method::Structured,
            Method::Teasers,
        ]
        .into_iter()
        .find(|m| m.name() == name)
        .ok_or_else(|| UnknownMethod(name.to_owned()))
    }
}

/// A teaser pattern as CSS selectors, the same keys as `[source.items]`
/// (plus `image`): `item` matches each teaser in the page, the others are
/// relative to it. `scrape::listing` with these selectors yields exactly
/// the items teaser detection found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeaserPattern {
    /// One match per teaser (may be a selector list of several groups).
    pub item: String,
    /// The headline, relative to the item.
    pub title: String,
    /// The element whose `href` is the item's link, relative to the item.
    pub link: String,
    /// The date element, if teasers show one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The excerpt, if teasers show one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The author element, if teasers show one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The thumbnail `<img>`, if teasers show one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// What the store remembers of a source's discovery between refreshes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryRecord {
    /// The method that found the items last time.
    pub method: Method,
    /// For [`Method::Teasers`], the pattern that found them.
    pub pattern: Option<TeaserPattern>,
    /// How many items it found (reuse holds while a refresh finds at least
    /// half as many).
    pub items: u32,
    /// Why the source's WordPress REST API was given up (401/403/404, not
    /// JSON, robots), so it is not asked again.
    pub wordpress_refused: Option<String>,
    /// When the method (or the teaser pattern) last changed.
    pub since: DateTime<Utc>,
    /// The method used before the last change, if any.
    pub previous: Option<Method>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for method in [Method::Selectors, Method::Feed, Method::Wordpress] {
            assert_eq!(method.name().parse::<Method>(), Ok(method));
        }
        assert_eq!(
            "rss".parse::<Method>().unwrap_err().to_string(),
            "unknown method \"rss\": use one of feed, wordpress, structured, teasers, selectors"
        );
    }
}
