//! Multi-page articles, the pipeline's side (issue 11): after an article's
//! first page is extracted, fetch the whole story on one page when the page
//! offers it, else follow its next-page links to the end, and join the
//! pages into one article. Finding the links is `extract`'s job (detection
//! in `extract::pages`, a site config's paging rules in
//! `extract::siteconfig`, both in the page's one parse), fetching `fetch`'s: every page goes through the one
//! client, with its per-host politeness and robots.txt, and is cleaned with
//! the source's `[source.clean]` rules like a single page (learned
//! boilerplate is stripped from the joined article later, in `learn`).
//!
//! Bounded (see the constants): at most [`MAX_ARTICLE_PAGES`] pages and
//! [`MAX_ARTICLE_PAGES_BYTES`] of page bodies per article, pages on the
//! first page's host only, each page fetched once (a page linking back to
//! an earlier one, or serving the same body again, ends the story). A page
//! that cannot be fetched or read ends the story too: the pages before it
//! are kept and the failure is logged; the item never fails for it.
//! `max_article_fetches` counts articles, not pages: one article may cost
//! up to [`MAX_ARTICLE_PAGES`] + 1 requests (the single-page version tried
//! first).

use std::collections::HashSet;

use tokio::task::JoinError;
use url::Url;

use crate::config::Source;
use crate::extract::{self, ArticlePage, ArticleRules, BlockPrint};
use crate::fetch::{FetchOptions, Fetched, Page};
use crate::markup::TooComplex;
use crate::model::Article;

use super::{Pipeline, error_chain};

mod walk;

pub(super) use walk::Walk;
pub use walk::{MAX_ARTICLE_PAGES, MAX_ARTICLE_PAGES_BYTES};

/// The extraction of one page, as the blocking pool returns it.
pub(super) type PageExtraction = Result<Result<ArticlePage, TooComplex>, JoinError>;

impl Pipeline {
    /// Extracts one page of an article on the blocking pool, after pages
    /// with the `earlier` blocks.
    pub(super) async fn extract_page(
        &self,
        rules: &ArticleRules,
        page: Page,
        earlier: HashSet<BlockPrint>,
    ) -> PageExtraction {
        let rules = rules.clone();
        self.cpu
            .run_sized(page.body.len(), move || {
                crate::metrics::time_extraction(|| {
                    extract::article_page(&page.body, &page.url, &rules, &earlier)
                })
            })
            .await
    }

    /// The whole story of which `first` is the first page (read by
    /// `walk`): its single-page version when it offers one that reads,
    /// else its pages joined (see the module documentation).
    pub(super) async fn rest_of_article(
        &self,
        source: &Source,
        first: ArticlePage,
        mut walk: Walk,
    ) -> Article {
        let ArticlePage {
            article,
            links,
            blocks,
        } = first;
        if let Some(single) = links.single
            && let Some(whole) = self.single_page(source, &single, &mut walk, &article).await
        {
            return whole;
        }
        let Some(next) = links.next else {
            return article;
        };
        let rest = self
            .follow(source, next, &mut walk, (&article.text, blocks))
            .await;
        if !rest.is_empty() {
            tracing::debug!(source = %source.id, url = %walk.first(), pages = rest.len() + 1, "joined a multi-page article");
        }
        extract::join_pages(article, rest)
    }

    /// The article from its single-page version at `url`, with the first
    /// page's metadata; `None` (logged) when it cannot be fetched or holds
    /// less text than the first page.
    async fn single_page(
        &self,
        source: &Source,
        url: &Url,
        walk: &mut Walk,
        first: &Article,
    ) -> Option<Article> {
        let page = self.next_page(source, url, walk).await?;
        let extracted = self
            .extract_page(&source.article, page, HashSet::new())
            .await;
        match extracted {
            Ok(Ok(whole)) if whole.article.text.len() >= first.text.len() => Some(Article {
                html: whole.article.html,
                text: whole.article.text,
                ..first.clone()
            }),
            _ => {
                tracing::warn!(source = %source.id, url = %url, "the single-page version has less text than the first page; following the pages instead");
                None
            }
        }
    }

    /// Fetches and extracts the pages from `next` on, each after the ones
    /// before it, until a page has no next page or a bound or failure
    /// stops the walk. `first` is the first page's text and blocks.
    async fn follow(
        &self,
        source: &Source,
        next: Url,
        walk: &mut Walk,
        (first_text, blocks): (&str, Vec<BlockPrint>),
    ) -> Vec<Article> {
        let mut earlier: HashSet<BlockPrint> = blocks.into_iter().collect();
        let mut rest: Vec<Article> = Vec::new();
        let mut next = Some(next);
        while let Some(url) = next.take() {
            let Some(page) = self.next_page(source, &url, walk).await else {
                break;
            };
            let part = match self
                .extract_page(&source.article, page, earlier.clone())
                .await
            {
                Ok(Ok(part)) => part,
                Ok(Err(err)) => {
                    tracing::warn!(source = %source.id, url = %url, error = %err, "refusing to parse the article's next page; keeping the pages before it");
                    break;
                }
                Err(err) => {
                    tracing::error!(source = %source.id, url = %url, error = %err, "article extraction panicked");
                    break;
                }
            };
            let text = part.article.text.trim();
            let seen = std::iter::once(first_text).chain(rest.iter().map(|a| a.text.as_str()));
            if text.is_empty() || seen.into_iter().any(|t| t.contains(text)) {
                tracing::info!(source = %source.id, url = %url, "the article's next page adds no text; the story ends before it");
                break;
            }
            earlier.extend(part.blocks);
            next = part.links.next;
            rest.push(part.article);
        }
        rest
    }

    /// Fetches the page at `url` if the walk admits it, and the page it
    /// arrives at (after redirects); `None` (logged) otherwise.
    async fn next_page(&self, source: &Source, url: &Url, walk: &mut Walk) -> Option<Page> {
        if let Err(stop) = walk.admit(url) {
            tracing::info!(source = %source.id, url = %url, reason = %stop, "not following the article's next page");
            return None;
        }
        let options = FetchOptions {
            validators: None,
            ignore_robots: !source.respect_robots,
            linked_from: Some(source.id.clone()),
        };
        let fetched = self.fetcher.fetch(url, &options).await;
        self.tally.add_article();
        let page = match fetched {
            Ok(Fetched::Page(page)) => page,
            Ok(Fetched::NotModified) => return None,
            Err(err) => {
                tracing::warn!(source = %source.id, url = %url, error = %error_chain(&err), "cannot fetch the article's next page; keeping the pages before it");
                return None;
            }
        };
        if let Err(stop) = walk.arrive(&page.url, &page.body) {
            tracing::info!(source = %source.id, url = %page.url, reason = %stop, "not reading the article's next page");
            return None;
        }
        Some(page)
    }
}
