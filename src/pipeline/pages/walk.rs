//! The bounds of one walk through a multi-page article: how many pages,
//! how many bytes, which hosts, which pages already seen. Pure state, so
//! the bounds are tested without a network.

use std::collections::HashSet;
use std::fmt;

use url::Url;

use crate::model::fnv1a;

/// Most pages read for one article, the first included (the single-page
/// version counts as one). Stories split further are cut (logged).
pub const MAX_ARTICLE_PAGES: usize = 10;

/// Most bytes of page bodies (decoded) read for one article, all pages
/// together: each body is already capped by `[fetch] max_body_bytes`, this
/// caps their sum.
pub const MAX_ARTICLE_PAGES_BYTES: usize = 16 * 1024 * 1024;

/// Why the walk does not go on to a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// [`MAX_ARTICLE_PAGES`] pages read already.
    TooManyPages,
    /// [`MAX_ARTICLE_PAGES_BYTES`] would be passed.
    TooManyBytes,
    /// The page is on another host than the first page.
    OtherHost,
    /// The page was read already (a page linking back).
    Seen,
    /// The page's body is one read already under another URL.
    SameBody,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stop::TooManyPages => "the article has more than 10 pages",
            Stop::TooManyBytes => "the article's pages are larger than the bound",
            Stop::OtherHost => "the link leaves the article's host",
            Stop::Seen => "the page was read already",
            Stop::SameBody => "the page repeats an earlier one",
        })
    }
}

/// The pages one article's walk has read.
#[derive(Debug)]
pub(in crate::pipeline) struct Walk {
    first: Url,
    /// URLs read or being read, without fragment and trailing `/`.
    seen: HashSet<String>,
    /// Hashes of the bodies read.
    bodies: HashSet<u64>,
    /// The URL admitted last.
    last: String,
    pages: usize,
    bytes: usize,
}

impl Walk {
    /// A walk whose first page, asked for at `link`, arrived from `first`
    /// (after redirects) with `body`.
    pub(in crate::pipeline) fn new(link: &Url, first: &Url, body: &str) -> Walk {
        Walk {
            first: first.clone(),
            seen: HashSet::from([key(link), key(first)]),
            bodies: HashSet::from([fnv1a(body.as_bytes())]),
            last: key(first),
            pages: 1,
            bytes: body.len(),
        }
    }

    /// The first page's URL.
    pub(super) fn first(&self) -> &Url {
        &self.first
    }

    /// Whether the page at `url` may be fetched; if so it counts as read.
    pub(super) fn admit(&mut self, url: &Url) -> Result<(), Stop> {
        if !same_host(url, &self.first) {
            return Err(Stop::OtherHost);
        }
        let url = key(url);
        if self.seen.contains(&url) {
            return Err(Stop::Seen);
        }
        if self.pages >= MAX_ARTICLE_PAGES {
            return Err(Stop::TooManyPages);
        }
        self.seen.insert(url.clone());
        self.last = url;
        self.pages += 1;
        Ok(())
    }

    /// Whether a fetched page, arrived at `url` (after redirects) with
    /// `body`, may be read.
    pub(super) fn arrive(&mut self, url: &Url, body: &str) -> Result<(), Stop> {
        if !same_host(url, &self.first) {
            return Err(Stop::OtherHost);
        }
        // A redirect to a page read before is a loop.
        let arrived = key(url);
        if arrived != self.last && !self.seen.insert(arrived) {
            return Err(Stop::Seen);
        }
        self.bytes = self.bytes.saturating_add(body.len());
        if self.bytes > MAX_ARTICLE_PAGES_BYTES {
            return Err(Stop::TooManyBytes);
        }
        if !self.bodies.insert(fnv1a(body.as_bytes())) {
            return Err(Stop::SameBody);
        }
        Ok(())
    }
}

/// A URL as the walk compares them.
fn key(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.as_str().trim_end_matches('/').to_owned()
}

/// Same host and port (the scheme may change from http to https).
fn same_host(a: &Url, b: &Url) -> bool {
    a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && matches!(a.scheme(), "http" | "https")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &str) -> Url {
        Url::parse(&format!("https://news.example{path}")).unwrap()
    }

    #[test]
    fn pages_are_read_once_on_one_host_and_at_most_ten() {
        let mut walk = Walk::new(&url("/story?utm_source=rss"), &url("/story/"), "first");
        assert_eq!(walk.admit(&url("/story#top")), Err(Stop::Seen));
        assert_eq!(walk.admit(&url("/story?utm_source=rss")), Err(Stop::Seen));
        assert_eq!(
            walk.admit(&Url::parse("https://cdn.example/story/2/").unwrap()),
            Err(Stop::OtherHost)
        );
        for n in 2..=MAX_ARTICLE_PAGES {
            let page = url(&format!("/story/{n}/"));
            assert_eq!(walk.admit(&page), Ok(()), "page {n}");
            assert_eq!(walk.arrive(&page, &format!("body {n}")), Ok(()));
            assert_eq!(walk.admit(&page), Err(Stop::Seen));
        }
        assert_eq!(walk.admit(&url("/story/11/")), Err(Stop::TooManyPages));
    }

    #[test]
    fn repeated_bodies_redirect_loops_and_large_pages_end_the_walk() {
        let mut walk = Walk::new(&url("/story/"), &url("/story/"), "first");
        walk.admit(&url("/story/1/")).unwrap();
        assert_eq!(walk.arrive(&url("/story/1/"), "first"), Err(Stop::SameBody));
        walk.admit(&url("/story/2/")).unwrap();
        assert_eq!(walk.arrive(&url("/story/2/"), "same"), Ok(()));
        walk.admit(&url("/story/3/")).unwrap();
        assert_eq!(walk.arrive(&url("/story/3/"), "same"), Err(Stop::SameBody));
        walk.admit(&url("/story/4/")).unwrap();
        assert_eq!(walk.arrive(&url("/story/"), "other"), Err(Stop::Seen));
        walk.admit(&url("/story/5/")).unwrap();
        assert_eq!(
            walk.arrive(&Url::parse("https://login.example/").unwrap(), "x"),
            Err(Stop::OtherHost)
        );
        walk.admit(&url("/story/6/")).unwrap();
        let big = "x".repeat(MAX_ARTICLE_PAGES_BYTES - walk.bytes);
        assert_eq!(walk.arrive(&url("/story/6/"), &big), Ok(()));
        walk.admit(&url("/story/7/")).unwrap();
        assert_eq!(walk.arrive(&url("/story/7/"), "y"), Err(Stop::TooManyBytes));
    }
}
