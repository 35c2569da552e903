//! How `refeed try` prints a [`Preview`]: the report for people, and the
//! JSON of the listing benchmark's command contract.

use std::fmt::Write as _;

use serde::Serialize;
use url::Url;

use super::source_block::source_block;
use super::{Found, Preview};
use crate::extract::{self, CleanRules};
use crate::model::ScrapedItem;
use crate::pipeline::discover::Considered;
use crate::scrape::MAX_PAGE_ITEMS;

/// How many items the text report lists.
pub const SHOWN_ITEMS: usize = 10;

/// The report: the method and why, the candidates rejected, the first
/// items, warnings, and the `[[source]]` block; or, when nothing was
/// found, what was considered.
pub fn text(preview: &Preview) -> String {
    let mut out = format!("{}\n", preview.url);
    match &preview.found {
        Some(found) => {
            let _ = writeln!(out, "method: {} ({})", found.method, found.why);
            considered(&mut out, "rejected", &preview.considered);
            items(&mut out, &found.items);
        }
        None => {
            out.push_str("found no list of articles\n");
            considered(&mut out, "considered", &preview.considered);
        }
    }
    warnings(&mut out, &all_warnings(preview));
    if let Some(found) = &preview.found {
        out.push_str("\nto add it, paste into the config:\n\n");
        out.push_str(&source_block(
            &preview.url,
            found.method,
            found.pattern.as_ref(),
        ));
    }
    out
}

/// The candidates, one line each, in the order detection ranked them.
fn considered(out: &mut String, heading: &str, considered: &[Considered]) {
    if considered.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{heading}:");
    for (rank, c) in considered.iter().enumerate() {
        let score = c.score.map(|s| format!("score {s:.2}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>3}. {:<10} {:>4} item(s)  {score:<12} {}",
            rank + 1,
            c.method.name(),
            c.items,
            c.verdict
        );
        if let Some(pattern) = &c.pattern {
            let _ = writeln!(out, "     item {:?}", pattern.item);
        }
    }
}

/// The first [`SHOWN_ITEMS`] items: date, title, link, author.
fn items(out: &mut String, items: &[ScrapedItem]) {
    let shown = items.len().min(SHOWN_ITEMS);
    let _ = writeln!(out, "\nitems: {} in all; the first {shown}:", items.len());
    for (n, item) in items.iter().take(shown).enumerate() {
        let date = item.published.or(item.updated).map_or_else(
            || "(no date)".to_owned(),
            |d| d.format("%Y-%m-%d").to_string(),
        );
        let _ = writeln!(out, "{:>3}. {date:<10}  {}", n + 1, item.title);
        let _ = writeln!(out, "     {}", item.link);
        if let Some(author) = &item.author {
            let _ = writeln!(out, "     by {author}");
        }
    }
}

fn warnings(out: &mut String, warnings: &[String]) {
    if warnings.is_empty() {
        return;
    }
    out.push_str("\nwarnings:\n");
    for warning in warnings {
        let _ = writeln!(out, "  - {warning}");
    }
}

/// The preview's own warnings, then one per field that no item has.
pub fn all_warnings(preview: &Preview) -> Vec<String> {
    let mut all = preview.warnings.clone();
    if let Some(found) = &preview.found {
        all.extend(missing_fields(&found.items));
        if found.unread > 0 {
            all.push(format!(
                "the page holds {} more entries than the {MAX_PAGE_ITEMS} refeed reads",
                found.unread
            ));
        }
    }
    all
}

/// Whether an item has a field.
type Has = fn(&ScrapedItem) -> bool;

/// A warning for each field missing on every item (none when there are
/// no items: that is a failure of its own).
pub fn missing_fields(items: &[ScrapedItem]) -> Vec<String> {
    if items.is_empty() {
        return Vec::new();
    }
    let none = |has: Has| !items.iter().any(has);
    let checks: [(Has, &str); 4] = [
        (
            |i| i.published.is_some() || i.updated.is_some(),
            "no dates: items will be dated when first seen",
        ),
        (|i| i.author.is_some(), "no authors"),
        (
            |i| i.summary.is_some() || i.content.is_some(),
            "no summaries: items will have none unless the source sets full_text = true",
        ),
        (|i| i.image.is_some(), "no images"),
    ];
    checks
        .into_iter()
        .filter(|(has, _)| none(*has))
        .map(|(_, warning)| warning.to_owned())
        .collect()
}

/// The benchmark's JSON: `{"method", "items": [{"url", "title", "date",
/// "author", "summary", "image"}]}`, URLs absolute, items in page order,
/// dates RFC 3339 or null, summaries as plain text.
pub fn json(found: &Found, url: &Url) -> anyhow::Result<String> {
    let items = found
        .items
        .iter()
        .map(|item| JsonItem::of(item, url))
        .collect();
    let preview = JsonPreview {
        method: found.method.name(),
        items,
    };
    Ok(format!("{}\n", serde_json::to_string_pretty(&preview)?))
}

#[derive(Serialize)]
struct JsonPreview<'a> {
    method: &'a str,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    url: &'a str,
    title: &'a str,
    date: Option<String>,
    author: Option<&'a str>,
    summary: Option<String>,
    image: Option<&'a str>,
}

impl<'a> JsonItem<'a> {
    fn of(item: &'a ScrapedItem, page: &Url) -> Self {
        Self {
            url: item.link.as_str(),
            title: &item.title,
            date: item.published.or(item.updated).map(|d| d.to_rfc3339()),
            author: item.author.as_deref(),
            summary: item.summary.as_deref().and_then(|s| summary_text(s, page)),
            image: item.image.as_ref().map(Url::as_str),
        }
    }
}

/// A summary's text, cleaned as the pipeline cleans summaries (hidden
/// elements, junk and feed footers removed); `None` when nothing is left
/// or the fragment is beyond the markup limits.
fn summary_text(html: &str, page: &Url) -> Option<String> {
    let cleaned = extract::clean_fragment(html, page, &CleanRules::default()).ok()?;
    let text = extract::learned::plain_text(&cleaned);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::Method;

    fn item(n: u32) -> ScrapedItem {
        ScrapedItem {
            title: format!("Story {n}"),
            link: Url::parse(&format!("https://a.example/s/{n}")).unwrap(),
            summary: None,
            content: None,
            published: None,
            updated: None,
            author: None,
            image: None,
        }
    }

    fn url() -> Url {
        Url::parse("https://a.example/news/").unwrap()
    }

    #[test]
    fn a_field_no_item_has_is_warned_about_once() {
        let mut dated = item(1);
        dated.published = Some(chrono::Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap());
        dated.summary = Some("<p>x</p>".into());
        assert_eq!(
            missing_fields(&[dated, item(2)]),
            ["no authors", "no images"]
        );
        assert_eq!(
            missing_fields(&[item(3)])[0],
            "no dates: items will be dated when first seen"
        );
        assert!(missing_fields(&[]).is_empty());
    }

    #[test]
    fn json_has_exactly_the_contract_keys_in_page_order() {
        let mut first = item(1);
        first.published = Some(chrono::Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap());
        first.summary = Some("<p>The <b>lead</b>.</p><p style=\"display:none\">spam</p>".into());
        first.image = Some(Url::parse("https://a.example/i.jpg").unwrap());
        let found = Found {
            method: Method::Teasers,
            why: String::new(),
            items: vec![first, item(2)],
            pattern: None,
            unread: 0,
        };
        let value: serde_json::Value =
            serde_json::from_str(&json(&found, &url()).unwrap()).unwrap();
        let expected = serde_json::json!({
            "method": "teasers",
            "items": [
                {"url": "https://a.example/s/1", "title": "Story 1",
                 "date": "2024-05-01T08:00:00+00:00", "author": null,
                 "summary": "The lead.", "image": "https://a.example/i.jpg"},
                {"url": "https://a.example/s/2", "title": "Story 2",
                 "date": null, "author": null, "summary": null, "image": null},
            ]
        });
        assert_eq!(value, expected);
    }

    #[test]
    fn the_text_report_shows_method_items_warnings_and_block() {
        let preview = Preview {
            url: url(),
            found: Some(Found {
                method: Method::Feed,
                why: "RSS 2.0 feed".into(),
                items: (1..=12).map(item).collect(),
                pattern: None,
                unread: 0,
            }),
            considered: Vec::new(),
            warnings: Vec::new(),
            failure: None,
        };
        let report = text(&preview);
        assert!(report.starts_with("https://a.example/news/\nmethod: feed (RSS 2.0 feed)\n"));
        assert!(report.contains("items: 12 in all; the first 10:\n"));
        assert!(report.contains("  1. (no date)   Story 1\n     https://a.example/s/1\n"));
        assert!(!report.contains("Story 11"));
        assert!(report.contains("  - no dates: items will be dated when first seen\n"));
        assert!(report.ends_with("url = 'https://a.example/news/'\nschedule = '*/30 * * * *'\n"));
    }
}
