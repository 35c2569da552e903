//! Completes a refresh's candidates with their articles: fetches the pages
//! of the items that need one (bounded by `max_article_fetches` and the
//! article concurrency), extracts them on the blocking pool, and tallies
//! what became of each for the store and the stale check. A failed article
//! never fails the refresh. An item that carries its article (the WordPress
//! REST API's `content.rendered`) has it extracted like a page, without a
//! fetch, and its automatic excerpt rebuilt when the cleaning removed
//! words of it (`summary`).

use std::collections::{HashMap, HashSet};

use futures::{StreamExt, stream};
use url::Url;

use crate::config::Source;
use crate::extract;
use crate::fetch::{FetchOptions, Fetched};
use crate::model::{Article, KnownItem, NewItem, Validators};

use super::candidates::{Candidate, merge_article, needs_article};
use super::pages::Walk;
use super::shared::{ArticleKey, keep, reusable};
use super::{Pipeline, caps, dedup, error_chain, page_key, summary};

impl Pipeline {
    /// Fetches the articles of the items that need one and merges them in.
    pub(super) async fn complete_items(
        &self,
        source: &Source,
        items: Vec<Candidate>,
        known: &HashMap<String, KnownItem>,
    ) -> Completed {
        let wanted = items.iter().map(|candidate| {
            source.full_text
                && candidate.inline.is_none()
                && needs_article(&candidate.item, known.get(&candidate.item.url))
        });
        let allowed = caps::article_budget(wanted, source.max_article_fetches, &source.id);
        let outcomes: Vec<(NewItem, ArticleOutcome)> = stream::iter(items.into_iter().zip(allowed))
            .map(|(candidate, allowed)| async move {
                let known = known.get(&candidate.item.url);
                if !(source.full_text && needs_article(&candidate.item, known)) {
                    return (candidate.item, ArticleOutcome::NotNeeded);
                }
                if let Some(html) = candidate.inline {
                    return self.inline_article(source, candidate.item, html).await;
                }
                if !allowed {
                    return (candidate.item, ArticleOutcome::Deferred);
                }
                let has_content = known.is_some_and(|k| k.has_content);
                let article = self.shared_article(source, &candidate.link, has_content);
                let outcome = match article.await {
                    // A stored item whose page had no text before either (a
                    // video post, a photo gallery) is no news about the
                    // outlet's markup: two of them on a listing would
                    // otherwise keep the source flagged as stale.
                    ArticleOutcome::Empty if known.is_some() && !has_content => {
                        ArticleOutcome::StillEmpty
                    }
                    outcome => outcome,
                };
                (candidate.item, outcome)
            })
            .buffered(self.article_concurrency)
            .collect()
            .await;
        Completed::from_outcomes(outcomes)
    }

    /// [`Pipeline::article`], or the article another source fetched lately
    /// (see `shared`): the outlet is asked for an article once however many
    /// sources list it.
    async fn shared_article(
        &self,
        source: &Source,
        link: &Url,
        has_content: bool,
    ) -> ArticleOutcome {
        let slot = self.shared.slot(ArticleKey::new(source, link));
        let mut held = slot.lock().await;
        let outcome = match reusable(&held, source) {
            Some(fetched) => {
                tracing::debug!(source = %source.id, url = %link, "reusing the article another source fetched");
                let article = Box::new(fetched.article.clone());
                ArticleOutcome::Extracted(article, fetched.validators.clone())
            }
            None => {
                let outcome = self.article(source, link, has_content).await;
                if let ArticleOutcome::Extracted(article, validators) = &outcome {
                    *held = keep(source, article, validators);
                }
                outcome
            }
        };
        drop(held);
        match outcome {
            ArticleOutcome::Extracted(mut article, validators) => {
                dedup::believe_canonical(&mut article, link, &source.url);
                ArticleOutcome::Extracted(article, validators)
            }
            other => other,
        }
    }

    /// Fetches and extracts one article; a failure is logged and skipped so
    /// that one bad article never fails the refresh (it is retried next time,
    /// as the item is stored without content). When the article is stored
    /// already (`has_content`), the request is conditional and a 304 keeps
    /// the stored article.
    async fn article(&self, source: &Source, link: &Url, has_content: bool) -> ArticleOutcome {
        let validators = if has_content {
            match self.store.validators(page_key(source, link)).await {
                Ok(validators) => validators,
                Err(err) => {
                    tracing::warn!(source = %source.id, url = %link, error = %error_chain(&err), "cannot read stored validators");
                    None
                }
            }
        } else {
            None
        };
        let options = FetchOptions {
            validators,
            ignore_robots: !source.respect_robots,
            linked_from: Some(source.id.clone()),
        };
        let fetched = self.fetcher.fetch(link, &options).await;
        self.tally.add_article();
        let page = match fetched {
            Ok(Fetched::Page(page)) => page,
            Ok(Fetched::NotModified) => return ArticleOutcome::NotModified,
            Err(err) => {
                tracing::warn!(source = %source.id, url = %link, error = %error_chain(&err), "cannot fetch article");
                return ArticleOutcome::Failed;
            }
        };
        let validators = page.validators.clone();
        // Multi-page articles (`pages`): the first page's links lead on.
        let walk = Walk::new(link, &page.url, &page.body);
        let extracted = self
            .extract_page(&source.article, page, HashSet::new())
            .await;
        match extracted {
            // The canonical check is the caller's (`shared_article`): it
            // depends on the source, and the article may serve another.
            Ok(Ok(first)) if !first.article.text.trim().is_empty() => {
                let article = self.rest_of_article(source, first, walk).await;
                ArticleOutcome::Extracted(Box::new(article), validators)
            }
            Ok(Err(err)) => {
                tracing::warn!(source = %source.id, url = %link, error = %err, "refusing to parse article");
                ArticleOutcome::Failed
            }
            Ok(_) => {
                tracing::warn!(source = %source.id, url = %link, "article page has no article text");
                ArticleOutcome::Empty
            }
            Err(err) => {
                tracing::error!(source = %source.id, url = %link, error = %err, "article extraction panicked");
                ArticleOutcome::Failed
            }
        }
    }
}

impl Pipeline {
    /// Extracts an article the listing carried, as if it were the item's
    /// page (generic extraction, the source's clean rules; learned
    /// boilerplate follows in `learn`), and rebuilds an automatic excerpt
    /// that carries what the cleaning removed.
    async fn inline_article(
        &self,
        source: &Source,
        mut item: NewItem,
        html: String,
    ) -> (NewItem, ArticleOutcome) {
        let page = format!("<!DOCTYPE html><html><body><article>{html}</article></body></html>");
        let (rules, link) = (source.article.clone(), Url::parse(&item.link));
        let Ok(link) = link else {
            return (item, ArticleOutcome::Failed);
        };
        let url = link.clone();
        let extracted = self
            .cpu
            .run_sized(page.len(), move || {
                crate::metrics::time_extraction(|| extract::article(&page, &url, &rules))
            })
            .await;
        match extracted {
            Ok(Ok(article)) if !article.text.trim().is_empty() => {
                item.summary = summary::rebuilt(item.summary.take(), &article.text);
                (item, ArticleOutcome::Inline(Box::new(article)))
            }
            Ok(Ok(_)) => {
                tracing::warn!(source = %source.id, url = %link, "the post's content has no article text");
                (item, ArticleOutcome::Empty)
            }
            Ok(Err(err)) => {
                tracing::warn!(source = %source.id, url = %link, error = %err, "refusing to parse the post's content");
                (item, ArticleOutcome::Failed)
            }
            Err(err) => {
                tracing::error!(source = %source.id, url = %link, error = %err, "article extraction panicked");
                (item, ArticleOutcome::Failed)
            }
        }
    }
}

/// What became of one item's article.
pub(super) enum ArticleOutcome {
    /// The item needs no article (not full text, or unchanged and stored).
    NotNeeded,
    /// Fetched and extracted, with the page's validators.
    Extracted(Box<Article>, Validators),
    /// Extracted from the article the listing carried (no fetch).
    Inline(Box<Article>),
    /// The stored article still holds (304).
    NotModified,
    /// Fetched, but no article text was found in it.
    Empty,
    /// As `Empty`, for an item stored earlier without article text: still
    /// retried, but not evidence for the stale check.
    StillEmpty,
    /// Not fetched (an error, logged).
    Failed,
    /// Not fetched this time: `max_article_fetches` was reached (logged).
    Deferred,
}

/// The items of a refresh with what their article fetches left behind.
pub(super) struct Completed {
    pub(super) items: Vec<NewItem>,
    /// `(article URL, validators)` of the articles extracted.
    article_validators: Vec<(String, Validators)>,
    /// Article HTML lengths of this refresh's extractions (0 for a page
    /// without article text), for the stale check.
    pub(super) extracted: Vec<usize>,
    /// Articles that could not be completed and will be retried.
    pub(super) incomplete: usize,
    /// Of those, the articles left for later by `max_article_fetches`.
    pub(super) deferred: u32,
}

impl Completed {
    pub(super) fn from_outcomes(outcomes: Vec<(NewItem, ArticleOutcome)>) -> Self {
        let mut completed = Completed {
            items: Vec::with_capacity(outcomes.len()),
            article_validators: Vec::new(),
            extracted: Vec::new(),
            incomplete: 0,
            deferred: 0,
        };
        for (item, outcome) in outcomes {
            let item = match outcome {
                ArticleOutcome::NotNeeded | ArticleOutcome::NotModified => item,
                ArticleOutcome::Extracted(article, validators) => {
                    completed.extracted.push(article.html.len());
                    completed
                        .article_validators
                        .push((item.link.clone(), validators));
                    merge_article(item, *article)
                }
                // No page of its own to revalidate.
                ArticleOutcome::Inline(article) => {
                    completed.extracted.push(article.html.len());
                    merge_article(item, *article)
                }
                ArticleOutcome::Empty => {
                    completed.extracted.push(0);
                    completed.incomplete += 1;
                    item
                }
                ArticleOutcome::Failed | ArticleOutcome::StillEmpty => {
                    completed.incomplete += 1;
                    item
                }
                ArticleOutcome::Deferred => {
                    completed.incomplete += 1;
                    completed.deferred += 1;
                    item
                }
            };
            completed.items.push(item);
        }
        completed
    }

    /// The validators to store with this refresh. The listing's are kept
    /// only when every article it needed was stored: otherwise the next
    /// refresh must fetch it in full (a 304 would skip the retry of the
    /// missing articles). Nor are they kept when the page yielded no item:
    /// its selectors (or the outlet's markup) are probably broken, and once
    /// that is fixed the page must be read again, not answered 304.
    pub(super) fn validators(
        &self,
        source: &Source,
        page: Validators,
    ) -> Vec<(String, Validators)> {
        let page = if self.incomplete == 0 && !self.items.is_empty() {
            page
        } else {
            Validators::default()
        };
        let mut all = vec![(source.url.to_string(), page)];
        all.extend(self.article_validators.iter().cloned());
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::test_support::item;

    fn etag(tag: &str) -> Validators {
        Validators {
            etag: Some(format!("\"{tag}\"")),
            last_modified: None,
        }
    }

    fn source() -> Source {
        let text = "[[source]]\nid = \"s\"\nurl = \"https://example.org/tag/x/\"\n\
                    schedule = \"@hourly\"\nfull_text = true\n";
        let config = crate::config::Config::parse(text, std::path::Path::new("t.toml")).unwrap();
        config.sources[0].clone()
    }

    #[test]
    fn the_listing_validators_are_kept_only_when_every_article_was_stored() {
        let article = Article {
            html: "<p>body</p>".into(),
            text: "body".into(),
            ..Article::default()
        };
        let complete = Completed::from_outcomes(vec![
            (
                item("A", None),
                ArticleOutcome::Extracted(Box::new(article), etag("a")),
            ),
            (item("B", None), ArticleOutcome::NotModified),
            (item("C", None), ArticleOutcome::NotNeeded),
        ]);
        assert_eq!(complete.incomplete, 0);
        assert_eq!(complete.extracted, [11]);
        assert_eq!(
            complete.validators(&source(), etag("list")),
            [
                ("https://example.org/tag/x/".to_owned(), etag("list")),
                ("https://example.org/a?utm_source=rss".to_owned(), etag("a")),
            ]
        );

        // A page that yielded nothing is read in full next time.
        let empty = Completed::from_outcomes(Vec::new());
        assert!(empty.validators(&source(), etag("list"))[0].1.is_empty());

        // A failed article must be retried, so the next listing fetch may
        // not be answered 304: its validators are dropped.
        // An empty page counts for the stale check only the first time.
        let still = Completed::from_outcomes(vec![(item("A", None), ArticleOutcome::StillEmpty)]);
        assert!(still.extracted.is_empty());
        assert_eq!(still.incomplete, 1);

        for failed in [
            ArticleOutcome::Failed,
            ArticleOutcome::Empty,
            ArticleOutcome::StillEmpty,
        ] {
            let partial = Completed::from_outcomes(vec![(item("A", None), failed)]);
            assert_eq!(partial.incomplete, 1);
            let validators = partial.validators(&source(), etag("list"));
            assert_eq!(validators.len(), 1);
            assert!(validators[0].1.is_empty());
        }
    }
}
