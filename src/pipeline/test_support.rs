//! Items shared by the pipeline's unit tests.

use crate::model::NewItem;

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
