//! Turns the items found on a listing page or feed into candidates (on the
//! blocking pool): keeps one item per dedup key, cleans their summaries, and
//! decides which need their article page. Finding the items is `items`'s
//! job, fetching the articles `article`'s.

use std::collections::HashSet;

use url::Url;

use crate::config::Source;
use crate::extract::{self, ArticleRules};
use crate::model::{
    Article, KnownItem, NewItem, ScrapedItem, canonical_url, dedup_key, without_tracking,
};

use super::cpu::Cpu;
use super::items::FoundItems;
use super::{RefreshError, caps, dedup};

/// An item on its way to the store, with the link to fetch its article from.
pub(super) struct Candidate {
    pub(super) item: NewItem,
    pub(super) link: Url,
    /// The article's HTML as the listing gave it (the WordPress REST API's
    /// `content.rendered`), for a full-text source: extracted instead of
    /// fetching the article page.
    pub(super) inline: Option<String>,
}

pub(super) struct ScrapedCandidates {
    pub(super) title: Option<String>,
    /// The outlet's site as the source's own feed names it.
    pub(super) site: Option<String>,
    pub(super) items: Vec<Candidate>,
    /// Items the page listed beyond `max_new_items`.
    pub(super) items_cut: u32,
}

/// Bounds and cleans the items found on the page read from `base`, on the
/// blocking pool. With `inline_articles`, the items carry their articles.
pub(super) async fn prepare(
    cpu: &Cpu,
    source: &Source,
    found: FoundItems,
    base: Url,
) -> Result<ScrapedCandidates, RefreshError> {
    let rules = source.article.clone();
    let full_text = source.full_text;
    let (id, max_new_items) = (source.id.clone(), source.max_new_items);
    let FoundItems {
        page,
        inline_articles,
        ..
    } = found;
    cpu.run(move || {
        let (items, items_cut) = caps::take_newest(page.items, page.unread, max_new_items, &id);
        let mode = Mode {
            full_text,
            inline: full_text && inline_articles,
        };
        let mut items = candidates(items, &base, &rules, mode);
        items.iter_mut().for_each(|c| caps::bound_item(&mut c.item));
        ScrapedCandidates {
            title: caps::bound_title(page.title),
            site: page
                .site
                .map(String::from)
                .filter(|site| site.len() <= caps::MAX_LINK_BYTES),
            items,
            items_cut,
        }
    })
    .await
    .map_err(RefreshError::Parse)
}

/// How a source takes its items' contents.
#[derive(Clone, Copy)]
struct Mode {
    /// The article page is the item's content.
    full_text: bool,
    /// ...and the listing carries it already.
    inline: bool,
}

/// Turns scraped items into cleaned candidates, without credentials in
/// their links, one per dedup key (the first occurrence wins: a listing may
/// show the same post twice, e.g. as a "featured" teaser and in the list,
/// or under two forms of its link, see `model::dedup_key`).
fn candidates(
    items: Vec<ScrapedItem>,
    base: &Url,
    rules: &ArticleRules,
    mode: Mode,
) -> Vec<Candidate> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .map(dedup::strip_credentials)
        .filter(|item| seen.insert(dedup_key(&item.link)))
        .map(|item| clean_item(item, base, rules, mode))
        .collect()
}

fn clean_item(item: ScrapedItem, base: &Url, rules: &ArticleRules, mode: Mode) -> Candidate {
    // A summary beyond the markup limits loses its HTML, not the feed its
    // other items: the item keeps its title and link.
    let clean = |html: &str| match extract::clean_fragment(html, base, &rules.clean) {
        Ok(cleaned) => (!cleaned.trim().is_empty()).then_some(cleaned),
        Err(err) => {
            tracing::warn!(url = %item.link, error = %err, "dropping the item's HTML");
            None
        }
    };
    let summary = item.summary.as_deref().and_then(clean);
    // A feed's own full content is kept unless the article page will be
    // fetched anyway (full_text), which is then the better source; content
    // that is the whole article (inline) is extracted like a page instead.
    let content = if mode.full_text {
        None
    } else {
        item.content.as_deref().and_then(clean)
    };
    let inline = if mode.inline {
        item.content.clone()
    } else {
        None
    };
    // The id keeps its exact form (tracking tags the identity rule does not
    // know stay in it); readers are given, and the outlet is asked for, the
    // link without any tracking tag (issue 12).
    let link = without_tracking(&item.link);
    Candidate {
        item: NewItem {
            url: canonical_url(&item.link),
            link: link.to_string(),
            title: item.title,
            summary,
            content,
            author: item.author,
            published: item.published,
            modified: item.updated,
            image: item.image.map(String::from),
            canonical: None,
        },
        link,
        inline,
    }
}

/// An article is fetched for items never seen, items whose title or summary
/// changed, and items whose earlier article fetch failed.
pub(super) fn needs_article(item: &NewItem, known: Option<&KnownItem>) -> bool {
    match known {
        None => true,
        Some(known) => {
            known.title != item.title || known.summary != item.summary || !known.has_content
        }
    }
}

/// The listing's or feed's own values come first; the article page fills in
/// what they lack (dates and authors often live only in its metadata).
pub(super) fn merge_article(mut item: NewItem, article: Article) -> NewItem {
    item.published = item.published.or(article.published);
    item.modified = item.modified.or(article.modified);
    item.author = item.author.or(article.author);
    item.canonical = article.canonical;
    item.content = Some(article.html);
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::test_support::{item, scraped};
    use chrono::{TimeZone, Utc};

    fn known(title: &str, summary: Option<&str>, has_content: bool) -> KnownItem {
        KnownItem {
            title: title.into(),
            summary: summary.map(Into::into),
            has_content,
        }
    }

    #[test]
    fn articles_are_fetched_only_for_new_changed_or_incomplete_items() {
        let it = item("T", Some("S"));
        assert!(needs_article(&it, None));
        assert!(!needs_article(&it, Some(&known("T", Some("S"), true))));
        assert!(needs_article(&it, Some(&known("Old", Some("S"), true))));
        assert!(needs_article(&it, Some(&known("T", Some("Old"), true))));
        assert!(needs_article(&it, Some(&known("T", Some("S"), false))));
    }

    #[test]
    fn listing_values_win_over_article_metadata() {
        let listed = Utc.with_ymd_and_hms(2020, 10, 20, 0, 0, 0).unwrap();
        let in_meta = Utc.with_ymd_and_hms(2020, 10, 21, 0, 0, 0).unwrap();
        let article = Article {
            html: "<p>body</p>".into(),
            author: Some("Vins".into()),
            published: Some(in_meta),
            ..Article::default()
        };
        let mut dated = item("T", None);
        dated.published = Some(listed);
        let merged = merge_article(dated, article.clone());
        assert_eq!(merged.published, Some(listed));
        assert_eq!(merged.author.as_deref(), Some("Vins"));
        assert_eq!(merged.content.as_deref(), Some("<p>body</p>"));

        let undated = merge_article(item("T", None), article);
        assert_eq!(undated.published, Some(in_meta));
    }

    #[test]
    fn links_lose_tracking_tags_and_ids_keep_their_form() {
        let base = Url::parse("https://example.org/tag/x/").unwrap();
        let items = vec![scraped(
            "https://example.org/a/?id=3&_hsenc=p2&utm_source=nl&mkt_tok=z",
        )];
        let mode = Mode {
            full_text: true,
            inline: false,
        };
        let out = candidates(items, &base, &ArticleRules::default(), mode);
        assert_eq!(
            out[0].item.url,
            "https://example.org/a/?id=3&_hsenc=p2&mkt_tok=z"
        );
        assert_eq!(out[0].item.link, "https://example.org/a/?id=3");
        assert_eq!(out[0].link.as_str(), "https://example.org/a/?id=3");
    }

    #[test]
    fn duplicate_links_in_a_listing_become_one_candidate() {
        let base = Url::parse("https://example.org/tag/x/").unwrap();
        let items = vec![
            scraped("https://example.org/a/?utm_source=x"),
            scraped("https://example.org/a/#comments"),
            scraped("https://example.org/b/"),
        ];
        let mode = Mode {
            full_text: false,
            inline: false,
        };
        let out = candidates(items, &base, &ArticleRules::default(), mode);
        let urls: Vec<_> = out.iter().map(|c| c.item.url.as_str()).collect();
        assert_eq!(urls, ["https://example.org/a/", "https://example.org/b/"]);
        assert_eq!(out[0].item.link, "https://example.org/a/");
        assert_eq!(out[0].link.as_str(), "https://example.org/a/");
    }
}
