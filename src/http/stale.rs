//! Entries refeed adds at the top of a source's own feeds about the source
//! itself, so the person notices in the reader they already use: the
//! stale-source warning (issue 5: its listing or articles suddenly yield
//! nothing) and the failure notice (issue 12, point 5: it has failed for
//! longer than [`failure_notice_after`](crate::model::failure_notice_after)).
//!
//! Each entry is a [`StoredItem`] made up here, never stored. Its id (the
//! item's `url`, which `feed::item_id` uses as RSS `guid`, Atom `id` and
//! JSON Feed `id`) is derived from the source, the kind of entry and the
//! date the trouble began only: it stays one entry while the trouble lasts,
//! and a later one is a new entry. Its link is the source's row on
//! `/status`.

use chrono::{DateTime, Utc};
use url::Url;

use maud::{Markup, html};

use super::status::iso_time;
use super::status_url;
use crate::model::{FailureNotice, StaleKind, StaleWarning, StoredItem};

/// Characters of an error message shown in a failure entry's title; the
/// whole message is in its content.
const TITLE_CAUSE_CHARS: usize = 200;

/// The warning entry for `source`'s feeds.
pub(super) fn stale_item(base: &Url, source: &str, warning: &StaleWarning) -> StoredItem {
    let status = status_url(base);
    let html = stale_body(&status, source, warning);
    let entry = Entry {
        anchor: format!("{source}-{}", warning.since.timestamp_millis()),
        title: format!("refeed: source \"{source}\" may be broken"),
        html,
        since: warning.since,
        updated: warning.since,
    };
    entry.item(&status, source)
}

/// The failure entry for `source`'s feeds: dated when the failures began,
/// updated (date, title and text) at every failed attempt after.
pub(super) fn failure_item(base: &Url, source: &str, notice: &FailureNotice) -> StoredItem {
    let status = status_url(base);
    let since = notice.since;
    let cause: String = notice.cause.chars().take(TITLE_CAUSE_CHARS).collect();
    let ellipsis = if cause.len() < notice.cause.len() {
        "…"
    } else {
        ""
    };
    let entry = Entry {
        anchor: format!("{source}-failing-{}", since.timestamp_millis()),
        title: format!(
            "refeed: cannot fetch {source} since {}: {cause}{ellipsis}",
            since.format("%Y-%m-%d %H:%M UTC")
        ),
        html: failure_body(&status, source, notice),
        since,
        updated: notice.latest,
    };
    entry.item(&status, source)
}

/// What both kinds of entry are made of.
struct Entry {
    /// The fragment of `/status` that is the entry's id and link.
    anchor: String,
    title: String,
    html: String,
    since: DateTime<Utc>,
    updated: DateTime<Utc>,
}

impl Entry {
    fn item(self, status: &str, source: &str) -> StoredItem {
        let url = format!("{status}#{}", self.anchor);
        StoredItem {
            source_id: source.to_string(),
            link: url.clone(),
            url,
            title: self.title,
            summary: Some(self.html.clone()),
            content: Some(self.html),
            author: Some("refeed".into()),
            published: self.since,
            updated: self.updated,
            image: None,
        }
    }
}

/// The closing paragraph of both entries: where to look.
fn status_link(status: &str, source: &str) -> Markup {
    let href = format!("{status}#{source}");
    html! { p { "Latest attempts: " a href=(href) { "refeed status" } "." } }
}

/// What happened, what it usually means, and where to look.
fn stale_body(status: &str, source: &str, warning: &StaleWarning) -> String {
    let meaning = match warning.kind {
        StaleKind::Listing => {
            "Its page or feed used to yield items and now yields none: the outlet's \
             markup or the source's selectors have probably changed."
        }
        StaleKind::Extraction => {
            "Its articles used to have text and now extract to almost none: the \
             outlet's article markup or the source's rules have probably changed."
        }
    };
    html! {
        p { (warning.message) } "\n"
        p {
            (meaning) " No new items may reach this feed until the source is fixed; this \
             entry goes away by itself once it recovers."
        } "\n"
        p { "Stale since " (iso_time(warning.since)) "." } "\n"
        (status_link(status, source))
    }
    .into_string()
}

/// Since when, how many attempts, the latest error, and where to look.
fn failure_body(status: &str, source: &str, notice: &FailureNotice) -> String {
    html! {
        p {
            "refeed cannot fetch this source: " (notice.failures) " attempts in a row have \
             failed since " (iso_time(notice.since)) ". The latest, at " (iso_time(notice.latest))
            ", said: " (notice.cause)
        } "\n"
        p {
            "The items already here stay; new ones arrive once a refresh succeeds, and this \
             entry goes away by itself then."
        } "\n"
        (status_link(status, source))
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn warning(message: &str) -> StaleWarning {
        StaleWarning {
            kind: StaleKind::Listing,
            since: Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap()
                + chrono::Duration::milliseconds(250),
            message: message.into(),
        }
    }

    #[test]
    fn the_id_is_derived_from_the_source_and_since_only() {
        let base = Url::parse("http://host/refeed").unwrap();
        let a = stale_item(&base, "a", &warning("no items"));
        let b = stale_item(&base, "a", &warning("no items (was 12)"));
        assert_eq!(a.url, "http://host/refeed/status#a-1717228800250");
        assert_eq!(a.url, b.url, "the message does not change the id");
        assert_eq!(a.link, a.url);
        assert_eq!(a.title, "refeed: source \"a\" may be broken");
        assert_eq!(a.published, warning("").since);
    }

    #[test]
    fn the_body_escapes_the_message_and_links_the_status_row() {
        let base = Url::parse("http://host/").unwrap();
        let item = stale_item(&base, "a", &warning("no <li> matched & 0 items"));
        let html = item.content.unwrap();
        assert!(
            html.starts_with("<p>no &lt;li&gt; matched &amp; 0 items</p>"),
            "{html}"
        );
        assert!(html.contains("<a href=\"http://host/status#a\">"), "{html}");
        assert!(html.contains("markup or the source's selectors"), "{html}");
    }

    fn notice(cause: &str, hours: i64) -> FailureNotice {
        let since = Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap();
        FailureNotice {
            since,
            latest: since + chrono::Duration::hours(hours),
            failures: 29,
            cause: cause.into(),
        }
    }

    #[test]
    fn a_failure_entry_keeps_its_id_and_date_as_it_is_updated() {
        let base = Url::parse("http://host/").unwrap();
        let first = failure_item(&base, "a", &notice("HTTP 500", 7));
        let later = failure_item(&base, "a", &notice("connection refused", 9));
        assert_eq!(first.url, "http://host/status#a-failing-1717228800000");
        assert_eq!(
            (first.url.as_str(), first.published),
            (later.url.as_str(), later.published)
        );
        assert_ne!(first.updated, later.updated);
        assert_eq!(
            first.title,
            "refeed: cannot fetch a since 2024-06-01 08:00 UTC: HTTP 500"
        );
        let stale = stale_item(&base, "a", &warning("no items"));
        assert_ne!(first.url, stale.url, "two entries, two ids");
    }

    #[test]
    fn a_failure_entry_escapes_the_cause_and_bounds_its_title() {
        let base = Url::parse("http://host/").unwrap();
        let long = format!("<b>{}</b>", "x".repeat(500));
        let item = failure_item(&base, "a", &notice(&long, 7));
        let html = item.content.unwrap();
        assert!(html.contains("&lt;b&gt;xxx"), "{html}");
        assert!(html.contains("29 attempts"), "{html}");
        assert!(html.contains("<a href=\"http://host/status#a\">"), "{html}");
        assert!(item.title.ends_with("x…"), "{}", item.title);
        assert!(item.title.chars().count() < 300);
    }
}
