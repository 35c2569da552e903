//! Which WordPress archive a page is: from the term's REST alternate link,
//! else from the body classes WordPress prints (`get_body_class()`).

use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

use super::{WpKind, selector};

static REST_ALTERNATE: LazyLock<Selector> =
    LazyLock::new(|| selector(r#"link[rel~="alternate"][type="application/json"][href]"#));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body[class]"));
static SEARCH_INPUT: LazyLock<Selector> = LazyLock::new(|| selector(r#"input[name="s"][value]"#));

/// The archive kind, how it was found, and the REST root the term link
/// names (when there is one).
pub(super) struct Recognised {
    /// The archive kind.
    pub kind: WpKind,
    /// How it was recognised, in words.
    pub why: String,
    /// The REST root the term's link names (`https://x/wp-json/`).
    pub root: Option<Url>,
}

/// The archive kind `doc` shows, if any.
pub(super) fn recognise(doc: &Html, base: &Url) -> Option<Recognised> {
    term_link(doc, base).or_else(|| body_kind(doc, base))
}

/// `<link rel="alternate" type="application/json" href=".../wp/v2/tags/12">`,
/// which WordPress (5.5+) prints on term and author archives. A post's or a
/// page's own link (`/wp/v2/posts/N`) is not an archive.
fn term_link(doc: &Html, base: &Url) -> Option<Recognised> {
    doc.select(&REST_ALTERNATE)
        .filter_map(|l| l.value().attr("href"))
        .filter_map(|href| base.join(href.trim()).ok())
        .find_map(|url| {
            let (root, route) = split_route(&url)?;
            let mut parts = route.trim_matches('/').split('/');
            let (collection, id) = (parts.next()?, parts.next()?.parse().ok()?);
            let kind = match collection {
                "tags" => WpKind::Tag(id),
                "categories" => WpKind::Category(id),
                "users" => WpKind::Author(id),
                _ => return None,
            };
            let why = format!("{} (its REST link names {collection}/{id})", name(&kind));
            Some(Recognised {
                kind,
                why,
                root: Some(root),
            })
        })
}

/// Splits a REST URL into its root and the route after `wp/v2/`: pretty
/// (`https://x/wp-json/wp/v2/tags/12`) or plain
/// (`https://x/?rest_route=/wp/v2/tags/12`).
fn split_route(url: &Url) -> Option<(Url, String)> {
    let rest_route = url.query_pairs().find(|(k, _)| k == "rest_route");
    if let Some((_, route)) = rest_route {
        let route = route.strip_prefix("/wp/v2/")?.to_owned();
        let mut root = url.clone();
        root.set_query(Some("rest_route=/"));
        return Some((root, route));
    }
    let at = url.path().find("/wp/v2/")?;
    let root = url.join(&url.path()[..=at]).ok()?;
    Some((root, url.path()[at + "/wp/v2/".len()..].to_owned()))
}

/// The kind from the body classes: `tag tag-{slug} tag-{id}`, `category …`,
/// `author author-{nicename} author-{id}`, `date`, `search`, `blog`.
fn body_kind(doc: &Html, base: &Url) -> Option<Recognised> {
    let body = doc.select(&BODY).next()?;
    let classes: Vec<&str> = body.value().classes().collect();
    let has = |c: &str| classes.contains(&c);
    let kind = if has("tag") {
        WpKind::Tag(term_id(&classes, "tag-")?)
    } else if has("category") {
        WpKind::Category(term_id(&classes, "category-")?)
    } else if has("author") {
        WpKind::Author(term_id(&classes, "author-")?)
    } else if has("date") && has("archive") {
        date_of(base)?
    } else if has("search") {
        WpKind::Search(search_term(doc, base)?)
    } else if has("blog") {
        WpKind::Home
    } else {
        return None;
    };
    let why = format!("{} (body classes)", name(&kind));
    Some(Recognised {
        kind,
        why,
        root: None,
    })
}

/// The id in the last numeric `prefix-N` class: WordPress prints the slug's
/// class before the id's, and a slug may itself be a number (`tag-2020`).
fn term_id(classes: &[&str], prefix: &str) -> Option<u64> {
    classes
        .iter()
        .rev()
        .find_map(|c| c.strip_prefix(prefix)?.parse().ok())
}

/// A date archive's period, from the page's URL: `?m=YYYYMMDD`, or the
/// first `/YYYY/MM/DD/` run of the path (`/2020/10/`, `/archives/2020/`,
/// with `/page/2/` after it).
fn date_of(url: &Url) -> Option<WpKind> {
    let m = url.query_pairs().find(|(k, _)| k == "m").map(|(_, v)| v);
    let numbers: Vec<&str> = match &m {
        Some(m) if m.bytes().all(|b| b.is_ascii_digit()) && m.len() >= 4 => {
            let m = m.as_ref();
            vec![
                &m[..4],
                m.get(4..6).unwrap_or(""),
                m.get(6..8).unwrap_or(""),
            ]
        }
        _ => {
            let segments: Vec<&str> = url.path_segments()?.collect();
            let at = segments.iter().position(|s| is_year(s))?;
            segments[at..].iter().take(3).copied().collect()
        }
    };
    let year: i32 = numbers
        .first()?
        .parse()
        .ok()
        .filter(|y| (1990..=2100).contains(y))?;
    let two = |i: usize| numbers.get(i).filter(|s| s.len() == 2)?.parse::<u32>().ok();
    let month = two(1).filter(|m| (1..=12).contains(m));
    let day = month.and(two(2)).filter(|d| (1..=31).contains(d));
    Some(WpKind::Date { year, month, day })
}

fn is_year(segment: &str) -> bool {
    segment.len() == 4 && segment.bytes().all(|b| b.is_ascii_digit())
}

/// The search terms: `?s=`, else the search form WordPress prefills.
fn search_term(doc: &Html, url: &Url) -> Option<String> {
    let from_url = url
        .query_pairs()
        .find(|(k, _)| k == "s")
        .map(|(_, v)| v.into_owned());
    let from_form = || {
        doc.select(&SEARCH_INPUT)
            .find_map(|i| i.value().attr("value"))
            .map(str::to_owned)
    };
    from_url
        .or_else(from_form)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The kind in words, for `why`.
fn name(kind: &WpKind) -> String {
    match kind {
        WpKind::Tag(id) => format!("tag archive {id}"),
        WpKind::Category(id) => format!("category archive {id}"),
        WpKind::Author(id) => format!("author archive {id}"),
        WpKind::Date { year, month, day } => {
            let part = |p: Option<u32>| p.map(|n| format!("-{n:02}")).unwrap_or_default();
            format!("date archive {year}{}{}", part(*month), part(*day))
        }
        WpKind::Search(terms) => format!("search for {terms:?}"),
        WpKind::Home => "blog home".to_owned(),
    }
}
