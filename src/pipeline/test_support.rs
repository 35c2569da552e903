//! Items shared by the pipeline's unit tests.

use url::Url;

use crate::model::{NewItem, ScrapedItem, TeaserPattern};

/// An item at `https://example.org/a`, linked with a tracking parameter,
/// with no article, author or dates.
pub(super) fn item(title: &str, summary: Option<&str>) -> NewItem {
    NewItem {
        url: "https://example.org/a".into(),
        link: "https://example.org/a?utm_source=rss".into(),
        title: title.into(),
        summary: summary.map(Into::into),
        content: None,
        author: None,
        published: None,
        modified: None,
        canonical: None,
        image: None,
    }
}

/// A scraped item titled "T" linking to `link`, with nothing else.
pub(super) fn scraped(link: &str) -> ScrapedItem {
    ScrapedItem {
        title: "T".into(),
        link: Url::parse(link).expect("test link is a URL"),
        summary: None,
        content: None,
        published: None,
        updated: None,
        author: None,
        image: None,
    }
}

/// A teaser pattern matching `item`, its headline an `h2` with a link.
pub(super) fn pattern(item: &str) -> TeaserPattern {
    TeaserPattern {
        item: item.into(),
        title: "h2".into(),
        link: "h2 a".into(),
        date: None,
        summary: None,
        author: None,
        image: None,
    }
}
