//! A source's discovery (issue 10) as the status views show it: the
//! method that finds its items, since when, and its last change in words.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::serialize_time;
use crate::model::{DiscoveryRecord, Method, TeaserPattern};

/// How a source's items are found (issue 10), as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MethodRow {
    /// `feed`, `wordpress`, `structured`, `teasers` or `selectors`.
    pub method: &'static str,
    /// When the method (or the teaser pattern) was last adopted.
    #[serde(serialize_with = "serialize_time")]
    pub since: DateTime<Utc>,
    /// The method used before the last change, if there was one.
    pub previous: Option<&'static str>,
    /// The last change in words (dated by `since`): `method changed from
    /// teasers to wordpress`, or `teaser pattern changed`.
    pub change: Option<String>,
    /// Items the method found at the last successful refresh.
    pub items: u32,
    /// For teasers, the item pattern as CSS selectors, ready to pin in
    /// `[source.items]`.
    pub pattern: Option<TeaserPattern>,
    /// Why the source's WordPress REST API is not used, if it refused.
    pub wordpress_refused: Option<String>,
}

impl From<&DiscoveryRecord> for MethodRow {
    fn from(record: &DiscoveryRecord) -> Self {
        let change = record.previous.map(|previous| {
            if previous != record.method {
                format!("method changed from {previous} to {}", record.method)
            } else if record.method == Method::Teasers {
                "teaser pattern changed".to_owned()
            } else {
                format!("{} pattern changed", record.method)
            }
        });
        Self {
            method: record.method.name(),
            since: record.since,
            previous: record.previous.map(|m| m.name()),
            change,
            items: record.items,
            pattern: record.pattern.clone(),
            wordpress_refused: record.wordpress_refused.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::status_row;
    use super::*;
    use crate::model::SourceHealth;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 1, hour, minute, 0).unwrap()
    }

    fn found(method: Method, previous: Option<Method>) -> DiscoveryRecord {
        DiscoveryRecord {
            method,
            pattern: None,
            items: 12,
            wordpress_refused: None,
            since: at(6, 0),
            previous,
        }
    }

    #[test]
    fn the_method_and_its_last_change_are_put_in_words() {
        let fresh = MethodRow::from(&found(Method::Teasers, None));
        assert_eq!(
            (fresh.method, fresh.previous, fresh.change),
            ("teasers", None, None)
        );
        let moved = MethodRow::from(&found(Method::Wordpress, Some(Method::Teasers)));
        assert_eq!(moved.previous, Some("teasers"));
        assert_eq!(
            moved.change.as_deref(),
            Some("method changed from teasers to wordpress")
        );
        let repatterned = MethodRow::from(&found(Method::Teasers, Some(Method::Teasers)));
        assert_eq!(
            repatterned.change.as_deref(),
            Some("teaser pattern changed")
        );
    }

    #[test]
    fn the_discovery_serializes_with_its_pattern_and_refusal() {
        let mut record = found(Method::Teasers, Some(Method::Wordpress));
        record.pattern = Some(TeaserPattern {
            item: "article".into(),
            title: "h2 a".into(),
            link: "h2 a".into(),
            date: None,
            summary: None,
            author: None,
            image: None,
        });
        record.wordpress_refused = Some("HTTP 401".into());
        let health = SourceHealth {
            source_id: "a".into(),
            last: None,
            last_success: None,
            consecutive_failures: 0,
            last_seen: Some(12),
            stale: None,
            failing_since: None,
            discovery: Some(record),
        };
        let json = serde_json::to_value(status_row("a", Some(&health), None)).unwrap();
        let discovery = &json["discovery"];
        assert_eq!(discovery["method"], "teasers");
        assert_eq!(discovery["since"], "2024-06-01T06:00:00Z");
        assert_eq!(discovery["previous"], "wordpress");
        assert_eq!(
            discovery["change"],
            "method changed from wordpress to teasers"
        );
        assert_eq!(discovery["items"], 12);
        assert_eq!(discovery["pattern"]["item"], "article");
        assert_eq!(discovery["wordpress_refused"], "HTTP 401");
        let never = serde_json::to_value(status_row("b", None, None)).unwrap();
        assert!(never["discovery"].is_null());
    }
}
