//! The stale-source entry (issue 5): while a source's listing or articles
//! suddenly yield nothing, its own feeds carry one extra entry saying so,
//! first, so the person notices in the reader they already use.
//!
//! The entry is a [`StoredItem`] made up here, never stored. Its id (the
//! item's `url`, which `feed::item_id` uses as RSS `guid`, Atom `id` and
//! JSON Feed `id`) is derived from the source and the warning's `since`
//! only: it stays one entry, unchanged, while the warning stands, and a
//! later warning is a new entry. Its link is the source's row on `/status`.

use url::Url;

use maud::html;

use super::status::iso_time;
use super::status_url;
use crate::model::{StaleKind, StaleWarning, StoredItem};

/// The warning entry for `source`'s feeds.
pub(super) fn stale_item(base: &Url, source: &str, warning: &StaleWarning) -> StoredItem {
    let status = status_url(base);
    let millis = warning.since.timestamp_millis();
    let url = format!("{status}#{source}-{millis}");
    let html = body(&status, source, warning);
    StoredItem {
        source_id: source.to_string(),
        link: url.clone(),
        url,
        title: format!("refeed: source \"{source}\" may be broken"),
        summary: Some(html.clone()),
        content: Some(html),
        author: Some("refeed".into()),
        published: warning.since,
        updated: warning.since,
        image: None,
    }
}

/// What happened, what it usually means, and where to look.
fn body(status: &str, source: &str, warning: &StaleWarning) -> String {
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
    let href = format!("{status}#{source}");
    html! {
        p { (warning.message) } "\n"
        p {
            (meaning) " No new items may reach this feed until the source is fixed; this \
             entry goes away by itself once it recovers."
        } "\n"
        p { "Stale since " (iso_time(warning.since)) ". Latest attempts: " a href=(href) { "refeed status" } "." }
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
}
