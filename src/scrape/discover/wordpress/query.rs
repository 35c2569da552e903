//! The REST API posts query matching an archive.

use chrono::{Datelike, Duration, NaiveDate};
use url::Url;

use super::WpKind;

/// Posts asked of the API per refresh: an archive page's usual length
/// (WordPress's default `posts_per_page` is 10; themes show 10–24), and
/// far below the API's own maximum of 100.
pub const PER_PAGE: u32 = 20;

/// What `_embed` asks for: the author's name and the featured image, not
/// the terms or comments WordPress would otherwise embed.
const EMBED: &str = "author,wp:featuredmedia";

/// The posts query for `kind` under the REST root `root`: pretty
/// (`https://x/wp-json/` → `https://x/wp-json/wp/v2/posts?...`) or, on a
/// site without pretty permalinks, `https://x/?rest_route=/wp/v2/posts&...`.
pub(super) fn posts(root: &Url, kind: &WpKind) -> Option<Url> {
    let mut url = root.clone();
    let plain = root.query_pairs().any(|(k, _)| k == "rest_route");
    if plain {
        let others: Vec<(String, String)> = root
            .query_pairs()
            .filter(|(k, _)| k != "rest_route")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        url.set_query(None);
        let mut pairs = url.query_pairs_mut();
        pairs.extend_pairs(others);
        pairs.append_pair("rest_route", "/wp/v2/posts");
    } else {
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        url = url.join("wp/v2/posts").ok()?;
        url.set_query(None);
    }
    let mut pairs = url.query_pairs_mut();
    for (key, value) in filters(kind)? {
        pairs.append_pair(key, &value);
    }
    pairs.append_pair("per_page", &PER_PAGE.to_string());
    pairs.append_pair("_embed", EMBED);
    drop(pairs);
    Some(url)
}

/// The query's filter for an archive kind (none for the blog home).
fn filters(kind: &WpKind) -> Option<Vec<(&'static str, String)>> {
    Some(match kind {
        WpKind::Tag(id) => vec![("tags", id.to_string())],
        WpKind::Category(id) => vec![("categories", id.to_string())],
        WpKind::Author(id) => vec![("author", id.to_string())],
        WpKind::Search(terms) => vec![("search", terms.clone())],
        WpKind::Home => Vec::new(),
        WpKind::Date { year, month, day } => {
            let (after, before) = period(*year, *month, *day)?;
            vec![("after", after), ("before", before)]
        }
    })
}

/// A date archive's period as the API's `after`/`before` bounds, which
/// WordPress compares strictly with the post's local date (as its date
/// archives do): after the last second before the period, before the
/// first instant after it.
fn period(year: i32, month: Option<u32>, day: Option<u32>) -> Option<(String, String)> {
    let start = NaiveDate::from_ymd_opt(year, month.unwrap_or(1), day.unwrap_or(1))?;
    let end = match (month, day) {
        (_, Some(_)) => start.succ_opt()?,
        (Some(12), None) => NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
        (Some(m), None) => NaiveDate::from_ymd_opt(year, m + 1, 1)?,
        (None, _) => NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)?,
    };
    let first = start.and_hms_opt(0, 0, 0)? - Duration::seconds(1);
    let format = "%Y-%m-%dT%H:%M:%S";
    Some((
        first.format(format).to_string(),
        end.and_hms_opt(0, 0, 0)?.format(format).to_string(),
    ))
}
