//! The failure notice (issue 12, point 5) as `/status`, `/status.json` and
//! `refeed status` show it: the same [`FailureNotice`] the source's feeds
//! lead with, so every view says the same thing.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::serialize_time;
use crate::model::FailureNotice;

/// A failure notice as shown: the same one the source's feeds lead with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureRow {
    /// When the first failed attempt started.
    #[serde(serialize_with = "serialize_time")]
    pub since: DateTime<Utc>,
    /// When the latest failed attempt ended.
    #[serde(serialize_with = "serialize_time")]
    pub latest: DateTime<Utc>,
    /// Failed attempts since the latest success.
    pub failures: u32,
    /// The latest attempt's error message.
    pub cause: String,
}

impl From<FailureNotice> for FailureRow {
    fn from(notice: FailureNotice) -> Self {
        Self {
            since: notice.since,
            latest: notice.latest,
            failures: notice.failures,
            cause: notice.cause,
        }
    }
}
