//! An item's fields read from a JSON object: schema.org names (JSON-LD)
//! and the names app state commonly uses.

use std::collections::HashMap;

use serde_json::Value;
use url::Url;

use crate::dates;
use crate::model::ScrapedItem;
use crate::scrape::text::{collapse_whitespace, escape_html, non_empty, plain_title, resolve_http};

/// JSON-LD nodes by `@id`, so a reference (`"author": {"@id": "#/person/1"}`,
/// as Yoast writes) can be followed one step.
pub(super) type Ids<'a> = HashMap<&'a str, &'a Value>;

/// Which keys hold each field.
pub(super) struct Keys {
    /// The headline.
    pub title: &'static [&'static str],
    /// The item's page.
    pub link: &'static [&'static str],
    /// The publication date.
    pub published: &'static [&'static str],
    /// The last-modified date.
    pub updated: &'static [&'static str],
    /// The excerpt (plain text or HTML).
    pub summary: &'static [&'static str],
    /// The picture.
    pub image: &'static [&'static str],
}

/// schema.org's names (`CreativeWork`, `Article`).
pub(super) const SCHEMA: Keys = Keys {
    title: &["headline", "name", "alternativeHeadline"],
    link: &["url", "mainEntityOfPage", "@id"],
    published: &["datePublished", "dateCreated", "uploadDate"],
    updated: &["dateModified"],
    summary: &["description", "abstract"],
    image: &["image", "thumbnailUrl"],
};

/// Names JavaScript front ends (Next.js, Gatsby, headless WordPress or
/// Contentful) give an article's fields.
pub(super) const APP: Keys = Keys {
    title: &["title", "headline"],
    link: &[
        "url",
        "link",
        "href",
        "permalink",
        "canonicalUrl",
        "canonical_url",
        "uri",
        "path",
    ],
    published: &[
        "datePublished",
        "publishedAt",
        "published_at",
        "publishDate",
        "publicationDate",
        "firstPublishedAt",
        "date_gmt",
        "date",
    ],
    updated: &["dateModified", "updatedAt", "updated_at", "modified_gmt"],
    summary: &[
        "description",
        "excerpt",
        "summary",
        "dek",
        "standfirst",
        "subtitle",
    ],
    image: &[
        "image",
        "thumbnail",
        "featuredImage",
        "featured_image",
        "imageUrl",
        "cover",
    ],
};

/// The item an object describes, when it has a title and an http(s) link.
/// `title` overrides the object's own (a `ListItem`'s name).
pub(super) fn item(
    object: &Value,
    keys: &Keys,
    title: Option<&str>,
    base: &Url,
    ids: &Ids<'_>,
) -> Option<ScrapedItem> {
    let link = keys.link.iter().find_map(|k| link(object.get(*k)?, base))?;
    let title = title.map(plain_title).and_then(non_empty).or_else(|| {
        first_text(object, keys.title)
            .map(|t| plain_title(&t))
            .and_then(non_empty)
    })?;
    let date = |names: &[&str]| {
        names
            .iter()
            .find_map(|k| object.get(*k)?.as_str().and_then(dates::parse))
    };
    Some(ScrapedItem {
        title,
        link,
        summary: first_text(object, keys.summary).and_then(|s| summary_html(&s)),
        content: None,
        published: date(keys.published),
        updated: date(keys.updated),
        author: author(object, ids),
        image: keys.image.iter().find_map(|k| image(object.get(*k)?, base)),
    })
}

/// The first of `keys` holding text: a string, or WordPress's
/// `{"rendered": "..."}`.
pub(super) fn first_text(object: &Value, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| text(object.get(*k)?))
}

fn text(value: &Value) -> Option<String> {
    let text = value.as_str().or_else(|| value.get("rendered")?.as_str())?;
    non_empty(text.trim().to_owned())
}

/// A link: a URL string, or an object with an `@id`/`url` (a
/// `mainEntityOfPage` WebPage). Fragments name a node, not a page
/// (`https://x/post/#article`), so they are dropped.
pub(super) fn link(value: &Value, base: &Url) -> Option<Url> {
    let href = value
        .as_str()
        .or_else(|| value.get("@id")?.as_str())
        .or_else(|| value.get("url")?.as_str())?;
    let mut url = resolve_http(base, href)?;
    url.set_fragment(None);
    Some(url)
}

/// Plain text escaped as HTML, or HTML kept as it is.
fn summary_html(text: &str) -> Option<String> {
    let looks_html = text.contains("</") || text.contains("<p") || text.contains("<br");
    non_empty(if looks_html {
        text.to_owned()
    } else {
        escape_html(text)
    })
}

/// An image: a URL, an `ImageObject` (`url`, `contentUrl`), an object with
/// `src`, or a list of those (the first).
fn image(value: &Value, base: &Url) -> Option<Url> {
    let value = value.as_array().and_then(|a| a.first()).unwrap_or(value);
    let href = value.as_str().or_else(|| {
        ["url", "contentUrl", "src", "source_url"]
            .iter()
            .find_map(|k| value.get(*k)?.as_str())
    })?;
    resolve_http(base, href)
}

/// `author` (or `authors`, `creator`): a name, a `Person`, a reference to
/// one, or a list of those (the first).
fn author(object: &Value, ids: &Ids<'_>) -> Option<String> {
    let value = ["author", "authors", "creator", "byline"]
        .iter()
        .find_map(|k| object.get(*k))?;
    let value = value.as_array().and_then(|a| a.first()).unwrap_or(value);
    let value = value
        .get("@id")
        .and_then(Value::as_str)
        .and_then(|id| ids.get(id).copied())
        .unwrap_or(value);
    let name = value.as_str().or_else(|| value.get("name")?.as_str())?;
    crate::scrape::text::author_name(&collapse_whitespace(name))
}

/// The `@type`s of a JSON-LD node, without a vocabulary prefix
/// (`schema:NewsArticle`, `http://schema.org/NewsArticle`).
pub(super) fn types(node: &Value) -> Vec<&str> {
    match node.get("@type") {
        Some(Value::String(t)) => vec![short(t)],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(short).collect(),
        _ => Vec::new(),
    }
}

fn short(t: &str) -> &str {
    t.rsplit(['/', ':', '#']).next().unwrap_or(t)
}

/// Whether a node is an article: `Article` and its subtypes
/// (`NewsArticle`, `ReportageNewsArticle`, `BlogPosting`, `LiveBlogPosting`…).
pub(super) fn is_article(node: &Value) -> bool {
    types(node)
        .iter()
        .any(|t| t.ends_with("Article") || t.ends_with("BlogPosting") || *t == "Report")
}
