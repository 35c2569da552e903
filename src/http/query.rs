//! Feed query parameters: `?limit=N`, `?q=word` (title or summary contains,
//! case-insensitive) and `?since=RFC3339` (items changed at or after). They
//! filter the cached item list of a feed, so a filtered request costs a scan
//! of at most a few hundred items, never a query.
//!
//! What a client can ask for is bounded (issue 9, point 6): `limit` counts
//! within the feed's own items (the feed holds at most `max_items`, so a
//! larger limit selects the whole feed), and `q` is at most
//! [`MAX_Q_CHARS`] characters, so a scan costs at most that times the text of
//! the feed's titles and summaries.

use chrono::{DateTime, Utc};

use crate::model::StoredItem;

/// Longest `q`, in characters: longer is a 400. Readers send a word or two;
/// the bound keeps each item's match test short and cache keys small.
pub(super) const MAX_Q_CHARS: usize = 128;

/// A parsed, validated query. Parameters other than these three are ignored
/// (readers append cache busters such as `?_=1712345678`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(super) struct FeedQuery {
    /// At most this many items (at least 1).
    limit: Option<usize>,
    /// Lower-cased word that the title or summary text must contain.
    q: Option<String>,
    /// Only items whose `updated` is at or after this time.
    since: Option<DateTime<Utc>>,
}

impl FeedQuery {
    /// Parses a raw query string; the error is a one-line message for a 400.
    pub(super) fn parse(raw: Option<&str>) -> Result<Self, String> {
        let mut query = FeedQuery::default();
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "limit" => query.limit = Some(limit(&value)?),
                "q" => query.q = Some(word(&value)?),
                "since" => query.since = Some(since(&value)?),
                _ => {}
            }
        }
        Ok(query)
    }

    /// Whether no filter applies (the plain cached feed is served).
    pub(super) fn is_empty(&self) -> bool {
        *self == FeedQuery::default()
    }

    /// The positions in `items` of the items that pass, in order, cut to
    /// `limit`. Two queries selecting the same items render the same
    /// document, so the selection (not the query text) keys the cache.
    pub(super) fn select(&self, items: &[StoredItem]) -> Vec<u32> {
        let positions = (0..).zip(items);
        positions
            .filter(|(_, item)| self.since.is_none_or(|since| item.updated >= since))
            .filter(|(_, item)| self.q.as_deref().is_none_or(|q| mentions(item, q)))
            .take(self.limit.unwrap_or(usize::MAX))
            .map(|(position, _)| position)
            .collect()
    }
}

fn limit(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "limit must be a whole number of at least 1, not {value:?}"
        )),
    }
}

fn word(value: &str) -> Result<String, String> {
    let word = value.trim();
    if word.is_empty() {
        return Err("q must not be empty".into());
    }
    let chars = word.chars().count();
    if chars > MAX_Q_CHARS {
        return Err(format!(
            "q must be at most {MAX_Q_CHARS} characters, not {chars}"
        ));
    }
    Ok(word.to_lowercase())
}

fn since(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| {
            format!("since must be an RFC 3339 time such as 2024-05-06T07:08:09Z, not {value:?}")
        })
}

/// Whether the title or the summary's text (markup skipped, so `q=p` does
/// not match every `<p>`) contains the lower-cased `word`.
fn mentions(item: &StoredItem, word: &str) -> bool {
    item.title.to_lowercase().contains(word)
        || item
            .summary
            .as_deref()
            .is_some_and(|html| text_of(html).to_lowercase().contains(word))
}

/// `html` without its tags; entities are left as they are.
fn text_of(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::feed::test_support::item;

    fn titles(query: &str, items: &[StoredItem]) -> Vec<String> {
        let query = FeedQuery::parse(Some(query)).unwrap();
        let selected = query.select(items).into_iter();
        selected.map(|i| items[i as usize].title.clone()).collect()
    }

    #[test]
    fn limit_q_and_since_filter_in_order() {
        let mut items: Vec<StoredItem> = (1..=4).rev().map(item).collect();
        items[1].summary = Some("<p>Evo <b>Morales</b> speaks</p>".into());
        assert_eq!(titles("limit=2", &items), ["Title 4", "Title 3"]);
        assert_eq!(titles("q=MORALES", &items), ["Title 3"]);
        assert_eq!(titles("q=title%201", &items), ["Title 1"]);
        assert!(titles("q=b", &items).is_empty(), "markup is not text");
        // item(n) is updated on May n at 12:30.
        assert_eq!(
            titles("since=2024-05-03T12:30:00Z", &items),
            ["Title 4", "Title 3"]
        );
        assert_eq!(
            titles("since=2024-05-03T14:30:00%2B02:00&limit=1", &items),
            ["Title 4"]
        );
        assert_eq!(titles("_=123", &items).len(), 4);
        assert!(FeedQuery::parse(Some("_=123")).unwrap().is_empty());
        assert!(FeedQuery::parse(None).unwrap().is_empty());
    }

    #[test]
    fn bad_values_are_one_line_messages() {
        let long_q = format!("q={}", "é".repeat(MAX_Q_CHARS + 1));
        for (query, start) in [
            ("limit=0", "limit must be"),
            ("limit=-1", "limit must be"),
            ("limit=ten", "limit must be"),
            ("q=%20", "q must not be empty"),
            ("since=yesterday", "since must be an RFC 3339 time"),
            ("since=2024-05-06", "since must be an RFC 3339 time"),
            (&long_q, "q must be at most 128 characters, not 129"),
        ] {
            let message = FeedQuery::parse(Some(query)).unwrap_err();
            assert!(message.starts_with(start), "{query}: {message}");
            assert_eq!(message.lines().count(), 1);
        }
        let at = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
        let parsed = FeedQuery::parse(Some("since=2024-05-06T07:08:09Z")).unwrap();
        assert_eq!(parsed.since, Some(at));
    }

    #[test]
    fn q_of_max_length_is_accepted() {
        let q = format!("q={}", "é".repeat(MAX_Q_CHARS));
        assert!(FeedQuery::parse(Some(&q)).is_ok());
    }

    #[test]
    fn a_limit_past_the_items_selects_them_all() {
        let items: Vec<StoredItem> = (1..=3).rev().map(item).collect();
        let every = FeedQuery::parse(Some("limit=1000000")).unwrap();
        assert_eq!(every.select(&items), [0, 1, 2]);
        let none = FeedQuery::parse(Some("q=nowhere")).unwrap();
        assert!(none.select(&items).is_empty());
    }
}
