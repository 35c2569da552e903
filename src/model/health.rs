//! What the store knows of a source's health: its latest refresh, failures
//! in a row, and the stale-source warning, from which `/status`, `refeed
//! status` and the scheduler's backoff are computed.

use chrono::{DateTime, Utc};

use super::{DiscoveryRecord, RefreshCounts};

/// A source whose listing or articles suddenly yield nothing: its selectors
/// or the outlet's markup probably changed (issue 5). Shown in the log, on
/// `/status` and as one entry in the source's own feed until it recovers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleWarning {
    /// Which check fired.
    pub kind: StaleKind,
    /// When the source was first found stale (kept while it stays stale, so
    /// the feed entry keeps one id and date).
    pub since: DateTime<Utc>,
    /// What changed, for people: "the listing yielded no items (the last
    /// successful refresh yielded 12)".
    pub message: String,
}

/// The two ways a source goes stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleKind {
    /// The listing or feed used to yield items and now yields none (twice
    /// in a row).
    Listing,
    /// Article extraction used to yield text and now yields almost none.
    Extraction,
}

impl StaleKind {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listing => "listing",
            Self::Extraction => "extraction",
        }
    }

    /// The inverse of [`StaleKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "listing" => Some(Self::Listing),
            "extraction" => Some(Self::Extraction),
            _ => None,
        }
    }
}

/// What a refresh concluded about staleness, for the store to persist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleVerdict {
    /// No evidence either way (e.g. no article was extracted this time):
    /// keep whatever is stored.
    Unknown,
    /// The source is healthy: clear a stored warning.
    Healthy,
    /// The source is stale: store the warning (keeping an earlier `since`
    /// when it was already stale for the same reason).
    Stale {
        /// Which check fired.
        kind: StaleKind,
        /// What changed, for people.
        message: String,
    },
}

/// The health of one source as the store knows it: what `/status`,
/// `refeed status` and the scheduler's backoff are computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceHealth {
    /// Source id.
    pub source_id: String,
    /// The latest refresh attempt, if any.
    pub last: Option<RefreshRecord>,
    /// When the latest successful refresh (304s included) ended.
    pub last_success: Option<DateTime<Utc>>,
    /// Failed attempts since the last success (0 after a success).
    pub consecutive_failures: u32,
    /// Items the latest successful refresh that parsed a page saw (a 304
    /// keeps the earlier count).
    pub last_seen: Option<u32>,
    /// The stale-source warning, while it stands.
    pub stale: Option<StaleWarning>,
    /// How the source's items were found, as its last successful refresh
    /// stored it (issue 10); `None` until one did.
    pub discovery: Option<DiscoveryRecord>,
}

/// The record of the latest refresh attempt of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// Source id.
    pub source_id: String,
    /// When the attempt started.
    pub started: DateTime<Utc>,
    /// When it ended.
    pub finished: DateTime<Utc>,
    /// `Ok(counts)` or `Err(message)`.
    pub outcome: Result<RefreshCounts, String>,
    /// A failed attempt whose server said when to come back (`Retry-After`
    /// on a 429 or 503): not before this instant.
    pub retry_at: Option<DateTime<Utc>>,
}
