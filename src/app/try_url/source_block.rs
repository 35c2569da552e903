//! The `[[source]]` block `refeed try` prints for pasting into the config:
//! an id made from the URL, the URL, a schedule, and for teasers or the
//! user's own selectors the `[source.items]` table written out, so the
//! pattern can be pinned and edited. Feeds, WordPress archives and
//! structured data are found again reliably from the URL alone, so their
//! block holds no selectors.

use std::fmt::Write as _;

use url::Url;

use crate::model::{Method, TeaserPattern};

/// The schedule the printed block suggests: every half hour, which is
/// polite for a news page and fresh enough for a feed reader.
pub const SUGGESTED_SCHEDULE: &str = "*/30 * * * *";

/// The longest id derived from a URL (ids become feed URLs).
const MAX_ID_CHARS: usize = 60;

/// The `[[source]]` block for items found on `url` by `method`, with the
/// selectors of `pattern` when the method needs them.
pub fn source_block(url: &Url, method: Method, pattern: Option<&TeaserPattern>) -> String {
    let mut out = format!(
        "[[source]]\nid = {}\nurl = {}\nschedule = {}\n",
        quote(&source_id(url)),
        quote(url.as_str()),
        quote(SUGGESTED_SCHEDULE)
    );
    let needs_selectors = matches!(method, Method::Teasers | Method::Selectors);
    if let Some(pattern) = pattern.filter(|_| needs_selectors) {
        out.push_str("\n[source.items]\n");
        let keys = [
            ("item", Some(&pattern.item)),
            ("title", Some(&pattern.title)),
            ("link", Some(&pattern.link)),
            ("date", pattern.date.as_ref()),
            ("summary", pattern.summary.as_ref()),
            ("author", pattern.author.as_ref()),
            ("image", pattern.image.as_ref()),
        ];
        for (key, value) in keys {
            if let Some(value) = value {
                let _ = writeln!(out, "{key} = {}", quote(value));
            }
        }
    }
    out
}

/// A source id from the URL's host and path: lower-case letters, digits
/// and `-` (what the config accepts; anything else, non-ASCII letters
/// included, separates words), `www.` dropped, at most
/// [`MAX_ID_CHARS`]; `"source"` when nothing usable is left.
pub fn source_id(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(host);
    let mut id = String::new();
    let text = format!("{host}/{}", url.path());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            // A percent-encoded byte (non-ASCII letters): a separator.
            chars.nth(1);
        }
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
        if id.len() >= MAX_ID_CHARS {
            break;
        }
    }
    let id = id.trim_end_matches('-');
    // "all" is the combined feed's name.
    if id.is_empty() || id == "all" {
        "source".to_owned()
    } else {
        id.to_owned()
    }
}

/// A TOML string: a literal string (`'...'`, nothing escaped: selectors
/// are full of `"`) when it can be one, else a basic string (JSON's
/// escapes are all valid TOML).
fn quote(value: &str) -> String {
    if value.contains('\'') || value.chars().any(char::is_control) {
        serde_json::Value::from(value).to_string()
    } else {
        format!("'{value}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn ids_come_from_host_and_path() {
        let id = |s: &str| source_id(&url(s));
        assert_eq!(
            id("https://www.popularresistance.org/tag/bolivia/"),
            "popularresistance-org-tag-bolivia"
        );
        assert_eq!(
            id("http://127.0.0.1:8000/News/Ünïcode_x/"),
            "127-0-0-1-news-n-code-x"
        );
        assert_eq!(id("https://all/"), "source");
        assert!(id(&format!("https://a.example/{}", "x/".repeat(100))).len() <= MAX_ID_CHARS);
    }

    #[test]
    fn feeds_get_a_url_only_block() {
        let pattern = TeaserPattern {
            item: "article".into(),
            title: "h2".into(),
            link: "a".into(),
            date: None,
            summary: None,
            author: None,
            image: None,
        };
        let block = source_block(
            &url("https://a.example/feed/"),
            Method::Feed,
            Some(&pattern),
        );
        assert_eq!(
            block,
            "[[source]]\nid = 'a-example-feed'\nurl = 'https://a.example/feed/'\n\
             schedule = '*/30 * * * *'\n"
        );
    }

    #[test]
    fn teaser_blocks_write_out_the_selectors_and_parse_as_toml() {
        let pattern = TeaserPattern {
            item: "article.post, div[class=\"card\"]".into(),
            title: "h2 a".into(),
            link: "h2 a".into(),
            date: Some("time".into()),
            summary: Some("p.it's".into()),
            author: None,
            image: Some("img".into()),
        };
        let block = source_block(
            &url("https://a.example/news/"),
            Method::Teasers,
            Some(&pattern),
        );
        assert!(block.contains("\n[source.items]\nitem = 'article.post, div[class=\"card\"]'\n"));
        assert!(!block.contains("author"));
        let table: toml::Table = toml::from_str(&block).unwrap();
        let items = &table["source"][0]["items"];
        assert_eq!(items["summary"].as_str(), Some("p.it's"));
        assert_eq!(items["image"].as_str(), Some("img"));
    }
}
