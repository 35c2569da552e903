//! `refeed try --item ... --title ... --link ...`: the user's own
//! selectors, compiled as the config compiles `[source.items]`, run on the
//! page with `scrape::listing` as a refresh would, with the warnings a
//! refresh gives (an item selector that matches nothing, a date selector
//! that reads no date).

use anyhow::Context;
use scraper::{Html, Selector};
use url::Url;

use super::{Found, Preview};
use crate::model::{Method, TeaserPattern};
use crate::scrape::{self, ListingRules};

/// The selectors as compiled, beside the text the user gave (written back
/// into the printed `[source.items]`).
pub struct UserSelectors {
    /// The text of each selector.
    pub pattern: TeaserPattern,
    rules: ListingRules,
}

impl UserSelectors {
    /// Compiles the selectors; an invalid one is named by its option.
    pub fn compile(pattern: TeaserPattern) -> anyhow::Result<Self> {
        let optional = |value: &Option<String>, option: &str| {
            value.as_deref().map(|v| compile(v, option)).transpose()
        };
        let rules = ListingRules {
            item: compile(&pattern.item, "--item")?,
            title: compile(&pattern.title, "--title")?,
            link: compile(&pattern.link, "--link")?,
            summary: optional(&pattern.summary, "--summary")?,
            date: optional(&pattern.date, "--date")?,
            author: optional(&pattern.author, "--author")?,
            image: optional(&pattern.image, "--image")?,
        };
        Ok(Self { pattern, rules })
    }

    /// Scrapes `html` (the page at `url`) with the selectors. No item is
    /// not an error here: the preview says why, and the caller fails.
    pub fn scrape(&self, html: &str, url: &Url) -> anyhow::Result<Preview> {
        let page = scrape::listing(html, url, &self.rules)
            .with_context(|| format!("cannot read {url} with these selectors"))?;
        let mut warnings = Vec::new();
        if page.items.is_empty() {
            warnings.push(self.why_no_items(html));
        }
        if let Some(text) = &page.bad_date {
            warnings.push(format!(
                "the date selector {:?} reads text that is not a date: {text:?}",
                self.pattern.date.as_deref().unwrap_or_default()
            ));
        }
        let failure = page.items.is_empty().then(|| {
            anyhow::anyhow!(
                "your selectors find no item with a title and a link on {url} \
                 (the warnings above say why)"
            )
        });
        let found = (!page.items.is_empty()).then(|| Found {
            method: Method::Selectors,
            why: format!(
                "your selectors: item {:?} gave {} item(s)",
                self.pattern.item,
                page.items.len()
            ),
            pattern: Some(self.pattern.clone()),
            items: page.items,
            unread: page.unread,
        });
        Ok(Preview {
            url: url.clone(),
            found,
            considered: Vec::new(),
            warnings,
            failure,
        })
    }

    /// Why the selectors found no item: the item selector matched nothing,
    /// or none of its matches has both a title and a link. (The page has
    /// passed `scrape::listing`'s size limits, so parsing it again is
    /// bounded.)
    fn why_no_items(&self, html: &str) -> String {
        let doc = Html::parse_document(html);
        let matches = doc.select(&self.rules.item).count();
        if matches == 0 {
            format!("item selector matched nothing: {:?}", self.pattern.item)
        } else {
            format!(
                "item selector {:?} matched {matches} element(s), but none has both a title \
                 ({:?}) and an http(s) link ({:?})",
                self.pattern.item, self.pattern.title, self.pattern.link
            )
        }
    }
}

/// One selector, or an error naming the option and the reason in words.
fn compile(css: &str, option: &str) -> anyhow::Result<Selector> {
    crate::config::compile_selector(css)
        .map_err(|reason| anyhow::anyhow!("{option}: invalid CSS selector {css:?}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(item: &str, date: Option<&str>) -> TeaserPattern {
        TeaserPattern {
            item: item.into(),
            title: "h2".into(),
            link: "a".into(),
            date: date.map(Into::into),
            summary: None,
            author: None,
            image: None,
        }
    }

    fn url() -> Url {
        Url::parse("https://a.example/news/").unwrap()
    }

    const PAGE: &str = "<main><article><h2>First story</h2><a href=\"/one\">more</a>\
        <span class=\"d\">Tuesday</span></article>\
        <article><h2>Second story</h2><a href=\"/two\">more</a></article>\
        <aside><h2>No link</h2></aside></main>";

    #[test]
    fn items_come_in_page_order_with_the_pattern_kept() {
        let user = UserSelectors::compile(pattern("article", None)).unwrap();
        let preview = user.scrape(PAGE, &url()).unwrap();
        let found = preview.found.unwrap();
        assert_eq!(found.method, Method::Selectors);
        let links: Vec<_> = found.items.iter().map(|i| i.link.as_str()).collect();
        assert_eq!(links, ["https://a.example/one", "https://a.example/two"]);
        assert_eq!(found.pattern.unwrap().item, "article");
        assert!(preview.warnings.is_empty());
    }

    #[test]
    fn an_item_selector_matching_nothing_is_named() {
        let user = UserSelectors::compile(pattern("li.teaser", None)).unwrap();
        let preview = user.scrape(PAGE, &url()).unwrap();
        assert!(preview.found.is_none());
        assert_eq!(
            preview.warnings,
            ["item selector matched nothing: \"li.teaser\""]
        );
        let user = UserSelectors::compile(pattern("aside", None)).unwrap();
        let warning = &user.scrape(PAGE, &url()).unwrap().warnings[0];
        assert!(
            warning.starts_with("item selector \"aside\" matched 1 element(s)"),
            "{warning}"
        );
    }

    #[test]
    fn a_date_selector_reading_no_date_is_warned_about() {
        let user = UserSelectors::compile(pattern("article", Some(".d"))).unwrap();
        let preview = user.scrape(PAGE, &url()).unwrap();
        assert_eq!(
            preview.warnings,
            ["the date selector \".d\" reads text that is not a date: \"Tuesday\""]
        );
    }

    #[test]
    fn invalid_selectors_are_named_by_option_and_reason() {
        let mut bad = pattern("article", None);
        bad.link = "a >".into();
        let err = UserSelectors::compile(bad).err().unwrap();
        assert_eq!(
            err.to_string(),
            "--link: invalid CSS selector \"a >\": dangling combinator"
        );
    }
}
