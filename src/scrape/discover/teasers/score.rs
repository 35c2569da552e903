//! How much a group of teasers looks like the page's list of articles:
//! headline-like titles, article-like URLs, and a place in the main
//! content, measured on the items its pattern really yields.

use url::Url;

use crate::model::ScrapedItem;

/// Path words of links that lead to another listing or to the site's
/// chrome rather than to one piece of content (when at most one segment
/// follows them: `/tag/bolivia/`, `/page/2/`, `/author/jane/`).
const LISTING_WORDS: &[&str] = &[
    "tag",
    "tags",
    "category",
    "categories",
    "author",
    "authors",
    "topic",
    "topics",
    "section",
    "sections",
    "page",
    "label",
    "search",
    "archive",
    "archives",
    "user",
    "users",
    "profile",
    "login",
    "signin",
    "signup",
    "register",
    "account",
    "subscribe",
    "newsletter",
    "newsletters",
    "feed",
    "about",
    "contact",
    "privacy",
    "terms",
    "cart",
    "shop",
    "rubrik",
    "thema",
    "themen",
    "autor",
    "autoren",
    "seite",
    "categoria",
    "etiqueta",
    "tema",
    "auteur",
    "rubrique",
];

/// Hosts of share and login links.
const SHARE_HOSTS: &[&str] = &[
    "twitter.com",
    "x.com",
    "facebook.com",
    "linkedin.com",
    "pinterest.com",
    "reddit.com",
    "whatsapp.com",
    "t.me",
    "plus.google.com",
    "accounts.google.com",
];

/// How much a URL looks like one piece of content of the page's site, 0–1.
pub(super) fn url_shape(url: &Url, base: &Url) -> f64 {
    let host = url.host_str().unwrap_or_default();
    if SHARE_HOSTS
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")))
    {
        return 0.0;
    }
    let site = if same_site(host, base.host_str().unwrap_or_default()) {
        1.0
    } else {
        0.6
    };
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    site * path_shape(&segments, url.query().is_some())
}

fn path_shape(segments: &[&str], query: bool) -> f64 {
    let Some(last) = segments.last() else {
        return if query { 0.5 } else { 0.05 };
    };
    let listing = segments.iter().enumerate().any(|(i, s)| {
        LISTING_WORDS.contains(&s.to_ascii_lowercase().as_str()) && segments.len() - i <= 2
    });
    if listing {
        return 0.1;
    }
    let stem = last.rsplit_once('.').map_or(*last, |(s, _)| s);
    let words = stem
        .split(['-', '_', '+'])
        .filter(|w| !w.is_empty())
        .count();
    let digits = segments
        .iter()
        .map(|s| s.chars().filter(char::is_ascii_digit).count())
        .sum::<usize>();
    let document = last.contains('.');
    match () {
        _ if words >= 3 || digits >= 4 => 1.0,
        _ if document || query || digits >= 1 => 0.8,
        _ if segments.len() >= 2 => 0.6,
        _ => 0.3,
    }
}

/// Same host, or hosts sharing their last two labels (`factcheck.org` and
/// `www.factcheck.org`, `edition.cnn.com` and `money.cnn.com`).
pub(super) fn same_site(a: &str, b: &str) -> bool {
    a == b || site_tail(a) == site_tail(b)
}

/// The last two labels of a host.
fn site_tail(host: &str) -> Vec<&str> {
    host.rsplitn(3, '.').take(2).collect()
}

/// How much a title reads as a headline, 0–1, by its number of words.
pub(super) fn title_shape(title: &str) -> f64 {
    let words = title.split_whitespace().count();
    let chars = title.chars().count();
    match words {
        0 => 0.0,
        1 if chars >= 12 => 0.5,
        1 => 0.15,
        2 => 0.45,
        3 => 0.8,
        4..=30 => 1.0,
        _ => 0.5,
    }
}

/// The measures of one group, each 0–1 except `count`.
#[derive(Debug, Clone, Default)]
pub(super) struct Measures {
    /// Items.
    pub count: usize,
    /// Mean URL shape.
    pub urls: f64,
    /// Mean title shape.
    pub titles: f64,
    /// Share of distinct titles ("Read more" links all read the same).
    pub distinct: f64,
    /// Share of items whose title is a heading or title-classed.
    pub headlines: f64,
    /// Mean region weight.
    pub region: f64,
    /// Share of items with a date, a summary, an image (mean of the three).
    pub extras: f64,
}

impl Measures {
    /// Measures `items`, given each one's headline flag and region weight.
    pub(super) fn of(items: &[ScrapedItem], base: &Url, headline: &[bool], region: &[f64]) -> Self {
        let n = items.len().max(1) as f64;
        let mean = |f: &dyn Fn(&ScrapedItem) -> f64| items.iter().map(f).sum::<f64>() / n;
        let mut titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
        titles.sort_unstable();
        titles.dedup();
        let extras = mean(&|i| {
            let flags = [
                i.published.is_some(),
                i.summary.is_some(),
                i.image.is_some(),
            ];
            flags.iter().filter(|f| **f).count() as f64 / 3.0
        });
        Measures {
            count: items.len(),
            urls: mean(&|i| url_shape(&i.link, base)),
            titles: mean(&|i| title_shape(&i.title)),
            distinct: titles.len() as f64 / n,
            headlines: headline.iter().filter(|h| **h).count() as f64
                / headline.len().max(1) as f64,
            region: region.iter().sum::<f64>() / region.len().max(1) as f64,
            extras,
        }
    }

    /// How much the group looks like a list of articles, 0–~2.
    pub(super) fn quality(&self) -> f64 {
        self.urls
            * self.titles
            * self.distinct
            * self.region
            * (1.0 + 0.4 * self.headlines)
            * (1.0 + 0.4 * self.extras)
    }

    /// The group's rank among the page's groups: quality, growing with size.
    pub(super) fn score(&self) -> f64 {
        self.quality() * (self.count as f64).sqrt()
    }

    /// The measures in words, for `refeed try`.
    pub(super) fn describe(&self) -> String {
        format!(
            "{} items, urls {:.2}, titles {:.2}, headlines {:.2}, region {:.2}, extras {:.2}",
            self.count, self.urls, self.titles, self.headlines, self.region, self.extras
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(url: &str) -> f64 {
        let base = Url::parse("https://example.org/tag/bolivia/").unwrap();
        url_shape(&Url::parse(url).unwrap(), &base)
    }

    #[test]
    fn article_urls_beat_listing_share_and_section_urls() {
        let article = shape("https://example.org/2020/10/23/movement-towards-socialism-wins/");
        assert_eq!(article, 1.0);
        assert_eq!(shape("https://www.example.org/news/a-long-story-slug"), 1.0);
        assert!(shape("https://example.org/node/12345") > 0.9);
        for other in [
            "https://example.org/tag/coup/",
            "https://example.org/author/margaret/",
            "https://example.org/page/2/",
            "https://twitter.com/intent/tweet?url=x",
            "https://example.org/",
            "https://example.org/world",
        ] {
            assert!(shape(other) < article * 0.5, "{other}");
        }
    }

    #[test]
    fn headlines_beat_labels() {
        assert!(title_shape("Media Responds With Apathy As Coup Concedes") > title_shape("World"));
        assert!(title_shape("Read more") < 0.5);
    }
}
