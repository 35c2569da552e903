//! What every HTML page shares: the document shell (doctype, `<head>`, one
//! inline style sheet) and how times are shown. Pages are written with
//! maud's `html!`, which escapes every value it interpolates for element
//! content and double-quoted attributes alike: titles, error messages and
//! URLs come from outlets and their servers, and none of them can add
//! markup. Nothing bypasses the escaping (no `PreEscaped` of outside
//! text). No JavaScript.

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, html};

use super::status::{iso_time, relative_time};

/// Plain, readable, light/dark aware; no external resources.
const BASE_STYLE: &str = "
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
main { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
main.wide { max-width: 72rem; }
h1 { margin-bottom: 0; }
.lead { opacity: .8; }
code { font-size: .85rem; opacity: .8; overflow-wrap: anywhere; }
.failed, tr.error td.outcome { color: #c0392b; }
";

/// A page's head: its title, extra style rules, and extra tags (the index's
/// autodiscovery links).
pub(super) struct Head<'a> {
    /// The `<title>`.
    pub title: &'a str,
    /// CSS rules after the shared ones.
    pub style: &'static str,
    /// Anything else for `<head>`.
    pub extra: Markup,
}

/// A whole HTML document: `head`, and `body` inside `<main>` (`wide` for
/// tables).
pub(super) fn document(head: Head, wide: bool, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (head.title) }
                (head.extra)
                style { (maud::PreEscaped(BASE_STYLE)) (maud::PreEscaped(head.style)) }
            }
            body {
                main class=[wide.then_some("wide")] { (body) }
            }
        }
    }
    .into_string()
}

/// `3 min ago`, with the exact UTC time in `datetime` and as a tooltip;
/// `missing` when there is no time.
pub(super) fn relative(at: Option<DateTime<Utc>>, now: DateTime<Utc>, missing: &str) -> Markup {
    match at {
        Some(at) => {
            let iso = iso_time(at);
            html! { time datetime=(iso) title=(iso) { (relative_time(at, now)) } }
        }
        None => html! { (missing) },
    }
}

/// `2024-05-06 07:08 UTC`, with the exact time in `datetime`.
pub(super) fn absolute(at: DateTime<Utc>) -> Markup {
    html! {
        time datetime=(iso_time(at)) { (at.format("%Y-%m-%d %H:%M UTC").to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn times_are_relative_with_the_exact_utc_time_as_tooltip() {
        let now = Utc.with_ymd_and_hms(2024, 6, 1, 8, 3, 0).unwrap();
        let at = Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap();
        assert_eq!(
            relative(Some(at), now, "never").into_string(),
            "<time datetime=\"2024-06-01T08:00:00Z\" title=\"2024-06-01T08:00:00Z\">3 min ago</time>"
        );
        assert_eq!(
            relative(None, now, "<never>").into_string(),
            "&lt;never&gt;"
        );
        assert_eq!(
            absolute(at).into_string(),
            "<time datetime=\"2024-06-01T08:00:00Z\">2024-06-01 08:00 UTC</time>"
        );
    }

    #[test]
    fn the_document_escapes_its_title() {
        let head = Head {
            title: "<script>alert(\"x\")</script>",
            style: "",
            extra: html! {},
        };
        let page = document(head, false, html! { p { "body" } });
        assert!(
            page.starts_with("<!DOCTYPE html><html lang=\"en\">"),
            "{page}"
        );
        assert!(
            page.contains("<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</title>"),
            "{page}"
        );
        assert!(page.contains("<main><p>body</p></main>"), "{page}");
    }
}
