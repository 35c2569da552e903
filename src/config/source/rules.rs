//! Compiles a source's parsing rules: the `[source.items]` selectors, the
//! `[source.article]` content selector and the `[source.clean]` rules, each
//! invalid one reported with its key (and a readable reason for selectors).

use scraper::Selector;
use scraper::error::SelectorErrorKind;
use toml::Spanned;

use super::Check;
use crate::config::raw::{RawArticle, RawClean, RawItems};
use crate::extract::{ArticleRules, CleanRules, normalize_text};
use crate::scrape::ListingRules;

impl Check<'_, '_> {
    pub(super) fn listing(&mut self, items: Spanned<RawItems>) -> Option<ListingRules> {
        let table = items.span();
        let items = items.into_inner();
        let need = |check: &mut Self, value: Option<Spanned<String>>, key: &str| match value {
            Some(value) => check.selector(&value, key),
            None => {
                let what = "[source.items] needs item, title and link selectors";
                check.fail(table.clone(), key, format!("missing; {what}"));
                None
            }
        };
        let item = need(self, items.item, "items.item");
        let title = need(self, items.title, "items.title");
        let link = need(self, items.link, "items.link");
        let summary = self.optional_selector(items.summary, "items.summary");
        let date = self.optional_selector(items.date, "items.date");
        let author = self.optional_selector(items.author, "items.author");
        let image = self.optional_selector(items.image, "items.image");
        Some(ListingRules {
            item: item?,
            title: title?,
            link: link?,
            summary: summary?,
            date: date?,
            author: author?,
            image: image?,
        })
    }

    /// `[source.article]` (only meaningful with `full_text = true`: its
    /// selector picks the article out of the item's page, which is fetched
    /// only then) and `[source.clean]`.
    pub(super) fn article(
        &mut self,
        article: Option<Spanned<RawArticle>>,
        clean: RawClean,
        full_text: bool,
    ) -> Option<ArticleRules> {
        let mut ok = true;
        if let Some(table) = article.as_ref().filter(|_| !full_text) {
            let message = "[source.article] is used only with full_text = true (the \
                           article pages are not fetched otherwise): set full_text = true \
                           or remove the table";
            self.fail(table.span(), "article", message);
            ok = false;
        }
        let content = article.and_then(|a| a.into_inner().content);
        let content = self.optional_selector(content, "article.content");
        let clean = self.clean(clean);
        let rules = ArticleRules {
            content: content?,
            clean: clean?,
            // Filled in from `[extract] site_config_dir` once every source
            // is read (see `config::extract`).
            site_configs: None,
        };
        ok.then_some(rules)
    }

    fn clean(&mut self, clean: RawClean) -> Option<CleanRules> {
        let mut ok = true;
        let mut remove = Vec::new();
        for selector in &clean.remove {
            match self.selector(selector, "clean.remove") {
                Some(compiled) => remove.push(compiled),
                None => ok = false,
            }
        }
        let mut remove_text = Vec::new();
        for text in clean.remove_text {
            // Stored the way `extract` matches page text.
            let normalized = normalize_text(text.get_ref());
            if normalized.is_empty() {
                let message = "empty entry; it would match every block";
                self.fail(text.span(), "clean.remove_text", message);
                ok = false;
            }
            remove_text.push(normalized);
        }
        ok.then_some(CleanRules {
            remove,
            remove_text,
        })
    }

    /// `Some(None)` when absent, `None` when present but invalid.
    fn optional_selector(
        &mut self,
        value: Option<Spanned<String>>,
        key: &str,
    ) -> Option<Option<Selector>> {
        match value {
            Some(value) => self.selector(&value, key).map(Some),
            None => Some(None),
        }
    }

    fn selector(&mut self, value: &Spanned<String>, key: &str) -> Option<Selector> {
        match Selector::parse(value.get_ref()) {
            Ok(selector) => Some(selector),
            Err(err) => {
                let message = format!(
                    "invalid CSS selector {:?}: {}",
                    value.get_ref(),
                    selector_reason(&err)
                );
                self.fail(value.span(), key, message);
                None
            }
        }
    }
}

/// `scraper` wraps most selector errors as "Unexpected error occurred.
/// Please report this to the developer" plus a debug dump; the dumped
/// variant name (`EmptySelector`, `DanglingCombinator`) is the real reason.
pub(crate) fn selector_reason(err: &SelectorErrorKind) -> String {
    match err {
        SelectorErrorKind::UnexpectedSelectorParseError(kind) => {
            let debug = format!("{kind:?}");
            let name: String = debug
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            let mut words = String::new();
            for c in name.chars() {
                if c.is_ascii_uppercase() && !words.is_empty() {
                    words.push(' ');
                }
                words.push(c.to_ascii_lowercase());
            }
            words
        }
        SelectorErrorKind::EndOfLine => "unexpected end of selector".to_owned(),
        other => other.to_string().to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_reasons_are_readable() {
        let reason = |s: &str| selector_reason(&Selector::parse(s).unwrap_err());
        assert_eq!(reason(""), "empty selector");
        assert_eq!(reason("a >"), "dangling combinator");
        assert_eq!(reason("div["), "unexpected end of selector");
        assert_eq!(reason("a:nth-child(x)"), "token was not expected");
    }
}
