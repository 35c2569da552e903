//! Reads the REST API's answer to a posts query (WordPress 5.x/6.x shape)
//! into items carrying their full text, so no article page is fetched.

use std::collections::HashSet;

use serde_json::Value;
use url::Url;

use crate::dates;
use crate::model::{ScrapedItem, ScrapedPage};
use crate::scrape::text::{
    collapse_whitespace, made_up_title, non_empty, plain_title, resolve_http,
};
use crate::scrape::{MAX_PAGE_ITEMS, ScrapeError};

/// Reads the JSON array a `/wp/v2/posts` query answers, in its order
/// (newest first). `base` resolves relative links (the API's own URL).
///
/// Anything but an array is an error that says what came instead: an HTML
/// page (the API disabled by a security plugin, or a login wall), an error
/// object (`rest_forbidden`, `rest_no_route`), broken JSON. At most
/// [`MAX_PAGE_ITEMS`] posts are read; posts without an http(s) link or any
/// title are skipped, and each link is kept once.
pub fn wordpress_posts(json: &str, base: &Url) -> Result<ScrapedPage, ScrapeError> {
    let body = json.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('<') {
        return Err(refused("an HTML page, not JSON".to_owned()));
    }
    let value: Value =
        serde_json::from_str(body).map_err(|e| refused(format!("not valid JSON: {e}")))?;
    let posts = value
        .as_array()
        .ok_or_else(|| refused(not_a_list(&value)))?;
    let mut seen = HashSet::new();
    let items = posts
        .iter()
        .take(MAX_PAGE_ITEMS)
        .filter_map(|post| item(post, base))
        .filter(|item| seen.insert(item.link.clone()))
        .collect();
    Ok(ScrapedPage {
        title: None,
        site: None,
        items,
        unread: crate::scrape::unread(posts.len()),
        bad_date: None,
    })
}

fn refused(message: String) -> ScrapeError {
    ScrapeError::WordPressApi { message }
}

/// What a non-array answer is, in words: WordPress's error objects carry a
/// `code` and a `message`.
fn not_a_list(value: &Value) -> String {
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    match (text("code"), text("message")) {
        (Some(code), Some(message)) => format!("an error: {code}: {message}"),
        (Some(code), None) => format!("an error: {code}"),
        _ if value.is_object() => "a JSON object, not a list of posts".to_owned(),
        _ => "a JSON value that is not a list of posts".to_owned(),
    }
}

/// One post. `title.rendered` and `excerpt.rendered` are HTML with
/// entities (`&#8217;`); `date_gmt`/`modified_gmt` are UTC without a zone.
fn item(post: &Value, base: &Url) -> Option<ScrapedItem> {
    let link = post
        .get("link")
        .and_then(Value::as_str)
        .and_then(|l| resolve_http(base, l))?;
    let summary = rendered(post, "excerpt");
    let content = rendered(post, "content").filter(|_| !protected(post));
    let title = rendered(post, "title")
        .map(|t| plain_title(&t))
        .and_then(non_empty)
        .or_else(|| summary.as_deref().and_then(made_up_title))?;
    let date = |key: &str| post.get(key).and_then(Value::as_str).and_then(dates::parse);
    Some(ScrapedItem {
        title,
        link,
        summary,
        content,
        published: date("date_gmt"),
        updated: date("modified_gmt"),
        author: embedded(post, "author", "name")
            .map(collapse_whitespace)
            .and_then(non_empty),
        image: embedded(post, "wp:featuredmedia", "source_url").and_then(|u| resolve_http(base, u)),
    })
}

/// `post[field].rendered`, trimmed, when not empty.
fn rendered(post: &Value, field: &str) -> Option<String> {
    let text = post.get(field)?.get("rendered")?.as_str()?;
    non_empty(text.trim().to_owned())
}

/// A password-protected post's content is a form, not its text.
fn protected(post: &Value) -> bool {
    post.get("content")
        .and_then(|c| c.get("protected"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// `_embedded[rel][0][key]` as a string. An embed the API could not give
/// (a private author) is an error object without the key.
fn embedded<'a>(post: &'a Value, rel: &str, key: &str) -> Option<&'a str> {
    post.get("_embedded")?.get(rel)?.get(0)?.get(key)?.as_str()
}
