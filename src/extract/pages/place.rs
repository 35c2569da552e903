//! Where a URL sits in a multi-page article: the article it belongs to (its
//! URL without the page number) and the page number, if the URL carries one.
//!
//! Two URLs are pages of one story when their places have the same article
//! key: `/story/`, `/story/2/`, `/story/page/3/`, `/story-p2.html`,
//! `/story?page=2` and `/story?single=1` all belong to `/story`. This is
//! readability's `findBaseUrl` (arc90's next-page logic, later Chromium's
//! `PagingLinksFinder`) made strict: readability only penalizes a link
//! outside the base URL, which lets a tag archive's `/tag/x/page/2/` or the
//! next story through; here such links are never the same story.
//!
//! WordPress's plain permalinks name the *post* `?p=123`, so a bare `p`
//! query parameter is not a page number (it would make every post of a site
//! one story).

use url::Url;

/// Query parameters that number an article's pages (`?page=2`, WordPress
/// `?paged=2`, German `?seite=2`...), compared lower-cased.
const PAGE_PARAMS: &[&str] = &[
    "page",
    "paged",
    "pg",
    "pagenum",
    "page_num",
    "pagenumber",
    "pageno",
    "seite",
    "pagina",
    "strona",
];

/// Query parameters that ask for the whole article on one page
/// (`?single=1`, `?viewall=true`...), compared lower-cased.
const SINGLE_PARAMS: &[&str] = &[
    "single",
    "singlepage",
    "single_page",
    "onepage",
    "one_page",
    "viewall",
    "view_all",
    "showall",
    "show_all",
    "fullpage",
    "full_page",
];

/// Values of `page=`, `view=`... that mean "all pages at once".
const SINGLE_VALUES: &[&str] = &["all", "single", "full", "one", "singlepage"];

/// Path words that precede a page number (`/story/page/2/`) or prefix it
/// in one segment (`/story/page2.html`, `/story/p-3/`).
const PAGE_WORDS: &[&str] = &["page", "p", "pg", "seite", "pagina", "part"];

/// The highest page number read from a URL: two digits, as readability's
/// patterns allow. A longer number is an article id, not a page.
const MAX_NUMBER: u32 = 99;

/// A URL's place in a multi-page article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    /// Host, port, path and query without the page number and without
    /// single-page markers: equal for every page of one story.
    pub(crate) key: String,
    /// The page number the URL names, if it names one.
    pub(crate) number: Option<u32>,
    /// The key as if the path named no page, when it seemed to: a slug
    /// ending in a number (`/covid-19/`) is one story whose second page
    /// may be `/covid-19/2/`.
    pub(crate) whole: Option<String>,
    /// Whether the URL asks for the whole article on one page.
    pub(crate) single: bool,
    /// Whether the number is only a slug's suffix (`/story-2/`): WordPress
    /// names a second post of the same title so, so a link needs more than
    /// its URL and `rel="next"` to be taken for page 2.
    pub(crate) weak: bool,
}

impl Place {
    /// The page this URL shows: its number, else the first.
    pub(crate) fn page(&self) -> u32 {
        self.number.unwrap_or(1)
    }
}

/// The place of `url` (see the module documentation).
pub(crate) fn place(url: &Url) -> Place {
    let (query, query_number, single_query) = split_query(url);
    let (full_path, single_path) = split_single(url.path());
    let (path, path_number, weak) = split_path(full_path);
    let key_of = |path: &str| {
        format!(
            "{}:{}{}?{}",
            url.host_str().unwrap_or_default().to_ascii_lowercase(),
            url.port_or_known_default().unwrap_or_default(),
            path,
            query
        )
    };
    Place {
        key: key_of(&path),
        number: query_number.or(path_number),
        whole: path_number.map(|_| key_of(full_path.trim_end_matches('/'))),
        single: single_query || single_path,
        weak: query_number.is_none() && weak,
    }
}

/// Path segments that ask for the whole article (`/story/all/`).
const SINGLE_SEGMENTS: &[&str] = &[
    "all",
    "single",
    "singlepage",
    "single-page",
    "onepage",
    "viewall",
];

/// The path without a trailing single-page segment, and whether it had one.
fn split_single(path: &str) -> (&str, bool) {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rsplit_once('/') {
        Some((parent, last)) if SINGLE_SEGMENTS.contains(&last.to_ascii_lowercase().as_str()) => {
            (parent, true)
        }
        _ => (path, false),
    }
}

/// Whether two URLs are on one host (and scheme family): pages of an
/// article are never fetched from elsewhere.
pub(crate) fn same_host(a: &Url, b: &Url) -> bool {
    matches!(a.scheme(), "http" | "https")
        && matches!(b.scheme(), "http" | "https")
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The query without page and single-page parameters, the page number it
/// names, and whether it asks for one page.
fn split_query(url: &Url) -> (String, Option<u32>, bool) {
    let mut kept = Vec::new();
    let (mut number, mut single) = (None, false);
    for (name, value) in url.query_pairs() {
        let lower = name.to_ascii_lowercase();
        let value_lower = value.to_ascii_lowercase();
        if PAGE_PARAMS.contains(&lower.as_str()) || lower == "view" || lower == "display" {
            if SINGLE_VALUES.contains(&value_lower.as_str()) {
                single = true;
                continue;
            }
            if let Some(n) = page_number(&value).filter(|_| lower != "view" && lower != "display") {
                number = Some(n);
                continue;
            }
        }
        if SINGLE_PARAMS.contains(&lower.as_str()) {
            single |= !matches!(value_lower.as_str(), "0" | "false" | "no" | "off");
            continue;
        }
        kept.push(format!("{name}={value}"));
    }
    (kept.join("&"), number, single)
}

/// The path without its page marker (and without a trailing `/`), the
/// page number the marker names, and whether the marker is only a slug's
/// suffix (see [`Place::weak`]).
fn split_path(path: &str) -> (String, Option<u32>, bool) {
    let trimmed = path.trim_end_matches('/');
    let (parent, last) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
    // `/story/2/`, `/story/page/2/`
    if let Some(n) = page_number(last) {
        let (grand, word) = parent.rsplit_once('/').unwrap_or(("", parent));
        let parent = if PAGE_WORDS.contains(&word.to_ascii_lowercase().as_str()) {
            grand
        } else {
            parent
        };
        return (parent.to_owned(), Some(n), false);
    }
    let (stem, extension) = split_extension(last);
    // `/story/page2.html`, `/story/p-3/`
    if let Some(n) = worded_number(stem) {
        return (parent.to_owned(), Some(n), false);
    }
    // `/story-p2.html`, `/story_page_2/`, `/story-2/`
    if let Some((base, n, worded)) = suffixed_number(stem) {
        return (format!("{parent}/{base}{extension}"), Some(n), !worded);
    }
    (trimmed.to_owned(), None, false)
}

/// `story.html` → (`story`, `.html`); an extension is letters only, as in
/// readability's `findBaseUrl`.
fn split_extension(segment: &str) -> (&str, &str) {
    match segment.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && !ext.is_empty()
                && ext.bytes().all(|b| b.is_ascii_alphabetic()) =>
        {
            (stem, &segment[stem.len()..])
        }
        _ => (segment, ""),
    }
}

/// A page number written alone: one or two digits, not zero.
fn page_number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 2 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| (1..=MAX_NUMBER).contains(n))
}

/// `page2`, `p-3`, `seite_4`: a page word then a number, as a whole segment.
fn worded_number(stem: &str) -> Option<u32> {
    let lower = stem.to_ascii_lowercase();
    PAGE_WORDS.iter().find_map(|word| {
        let rest = lower.strip_prefix(word)?;
        page_number(rest.trim_start_matches(['-', '_']))
    })
}

/// `story-2`, `story_p2`, `story-page-3`: a slug, a separator, maybe a page
/// word, and a number; and whether there was a page word.
fn suffixed_number(stem: &str) -> Option<(&str, u32, bool)> {
    let digits = stem.bytes().rev().take_while(u8::is_ascii_digit).count();
    let n = page_number(&stem[stem.len() - digits..])?;
    let before = &stem[..stem.len() - digits];
    // `story-page-3`, `story_p3`: a page word after a separator.
    let unseparated = before.strip_suffix(['-', '_']).unwrap_or(before);
    let lower = unseparated.to_ascii_lowercase();
    let worded = PAGE_WORDS
        .iter()
        .filter(|word| lower.ends_with(*word))
        .map(|word| &unseparated[..unseparated.len() - word.len()])
        .find(|rest| rest.ends_with(['-', '_']));
    // Only a separator before the number or its word: "recap2" is no page.
    let base = worded.unwrap_or(before).strip_suffix(['-', '_'])?;
    (!base.is_empty()).then_some((base, n, worded.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(url: &str) -> Place {
        place(&Url::parse(url).unwrap())
    }

    #[test]
    fn pages_of_one_story_share_their_key() {
        let first = at("https://news.example/2024/05/council-vote/");
        assert_eq!(first.number, None);
        assert_eq!(first.page(), 1);
        for (url, n) in [
            ("https://news.example/2024/05/council-vote/2/", 2),
            ("https://news.example/2024/05/council-vote/page/3/", 3),
            ("https://news.example/2024/05/council-vote/?page=4", 4),
            ("https://news.example/2024/05/council-vote?paged=5", 5),
            ("https://news.example/2024/05/council-vote-2/", 2),
            ("https://news.example/2024/05/council-vote_p3", 3),
            ("https://news.example/2024/05/council-vote-page-4/", 4),
            ("https://NEWS.example:443/2024/05/council-vote/page5/", 5),
        ] {
            let place = at(url);
            assert_eq!(place.key, first.key, "{url}");
            assert_eq!(place.number, Some(n), "{url}");
        }
        assert!(at("https://news.example/2024/05/council-vote-2/").weak);
        assert!(!at("https://news.example/2024/05/council-vote-page-2/").weak);
        assert!(!at("https://news.example/2024/05/council-vote/2/").weak);
        let html = at("https://news.example/a/story.html");
        assert_eq!(at("https://news.example/a/story-2.html").key, html.key);
        assert_eq!(at("https://news.example/a/story_p3.html").number, Some(3));
    }

    #[test]
    fn other_stories_and_archives_have_other_keys() {
        let story = at("https://news.example/2024/05/council-vote/");
        for url in [
            "https://news.example/tag/council/page/2/",
            "https://news.example/2024/05/budget-hearing/",
            "https://news.example/2024/05/",
            "https://other.example/2024/05/council-vote/2/",
            "http://news.example:8080/2024/05/council-vote/2/",
        ] {
            assert_ne!(at(url).key, story.key, "{url}");
        }
        // WordPress plain permalinks: `p` is the post, `page` the page.
        let post = at("https://blog.example/?p=123");
        assert_eq!(post.number, None);
        assert_ne!(at("https://blog.example/?p=124").key, post.key);
        assert_eq!(at("https://blog.example/?p=123&page=2").key, post.key);
        // Long numbers are ids, not pages.
        assert_eq!(at("https://news.example/story/12345").number, None);
        assert_eq!(at("https://news.example/recap2").number, None);
        // A slug ending in a number is also read as a whole story.
        let slug = at("https://news.example/covid-19/");
        assert_eq!(slug.number, Some(19));
        assert_eq!(slug.whole, Some(at("https://news.example/covid-19/2/").key));
    }

    #[test]
    fn single_page_markers_are_read_and_dropped_from_the_key() {
        let story = at("https://news.example/story/");
        for url in [
            "https://news.example/story/?single=1",
            "https://news.example/story?viewall=true",
            "https://news.example/story/?page=all",
            "https://news.example/story/?view=single",
        ] {
            let place = at(url);
            assert!(place.single, "{url}");
            assert_eq!(place.key, story.key, "{url}");
        }
        assert!(at("https://news.example/story/all/").single);
        assert_eq!(at("https://news.example/story/all/").key, story.key);
        assert!(!at("https://news.example/story/?single=0").single);
        assert!(!story.single);
    }

    #[test]
    fn hosts_are_compared_without_case() {
        let a = Url::parse("https://News.example/a").unwrap();
        assert!(same_host(
            &a,
            &Url::parse("https://news.example/b").unwrap()
        ));
        assert!(!same_host(
            &a,
            &Url::parse("https://cdn.news.example/b").unwrap()
        ));
        assert!(!same_host(&a, &Url::parse("ftp://news.example/b").unwrap()));
    }
}
