//! What the scrape tests share.

use chrono::{DateTime, Utc};

/// An RFC 3339 time in UTC.
pub(crate) fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test time is RFC 3339")
        .with_timezone(&Utc)
}
