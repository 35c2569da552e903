//! The pipeline's part in deduplication (issue 9, point 7): links lose
//! embedded credentials before anything uses them, a listing's candidates
//! are one per dedup key, and an article page's canonical URL is kept only
//! when it is believable. The rules themselves are `model::dedup`'s; the
//! store matches items by the keys (`store::keys`).

use url::Url;

use crate::model::dedup::{accepted_canonical, without_credentials};
use crate::model::{Article, ScrapedItem};

/// The item with `user:password@` removed from its link: refeed neither
/// sends credentials an outlet (or whoever wrote its listing) embedded in a
/// link, nor stores and republishes them in the item's link or id.
pub(super) fn strip_credentials(mut item: ScrapedItem) -> ScrapedItem {
    item.link = without_credentials(&item.link);
    item
}

/// Keeps the article's canonical URL only when it may stand for the item
/// linked as `link` from `listing` (see [`accepted_canonical`]); a
/// canonical pointing at the home page, the listing, a section or another
/// site is a common CMS misconfiguration and would merge unrelated items.
pub(super) fn believe_canonical(article: &mut Article, link: &Url, listing: &Url) {
    article.canonical = article
        .canonical
        .take()
        .and_then(|canonical| Url::parse(&canonical).ok())
        .and_then(|canonical| accepted_canonical(link, &canonical, listing))
        .map(String::from);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn credentials_leave_the_link() {
        let item = ScrapedItem {
            title: "T".into(),
            link: url("https://user:pw@example.org/a?x=1"),
            summary: None,
            content: None,
            published: None,
            updated: None,
            author: None,
            image: None,
        };
        assert_eq!(
            strip_credentials(item).link.as_str(),
            "https://example.org/a?x=1"
        );
    }

    #[test]
    fn only_a_believable_canonical_is_kept() {
        let listing = url("https://example.org/news/");
        let link = url("https://example.org/go/123/");
        let with = |canonical: &str| Article {
            canonical: Some(canonical.into()),
            ..Article::default()
        };
        let mut good = with("https://example.org/news/a-post/");
        believe_canonical(&mut good, &link, &listing);
        assert_eq!(
            good.canonical.as_deref(),
            Some("https://example.org/news/a-post/")
        );
        for bad in [
            "https://example.org/",
            "https://example.org/news/",
            "https://elsewhere.example/news/a-post/",
            "not a url",
        ] {
            let mut article = with(bad);
            believe_canonical(&mut article, &link, &listing);
            assert_eq!(article.canonical, None, "{bad}");
        }
    }
}
