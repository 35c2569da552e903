//! Boilerplate learned per outlet (issue 3), the pipeline's side: record the
//! block fingerprints of the articles a refresh fetched (in listing order),
//! strip the source's learned boilerplate from them, and re-clean stored
//! articles when new boilerplate is learned. The fingerprints and the strip
//! are `extract::learned`'s; the counting is the store's.

use std::collections::HashSet;

use crate::config::Source;
use crate::extract::learned::{self, Fingerprint};
use crate::model::NewItem;
use crate::store::learned::ContentChange;

use super::{Pipeline, RefreshError, error_chain};

impl Pipeline {
    /// Records the fingerprints of the articles fetched in this refresh (in
    /// listing order), then strips the source's learned boilerplate from
    /// them. Returns the items and that boilerplate.
    pub(super) async fn learn(
        &self,
        source: &Source,
        items: Vec<NewItem>,
    ) -> Result<(Vec<NewItem>, HashSet<Fingerprint>), RefreshError> {
        let (items, pages) = self
            .cpu
            .run(move || {
                let pages = page_blocks(&items);
                (items, pages)
            })
            .await
            .map_err(RefreshError::Parse)?;
        if !pages.is_empty() {
            self.store.record_page_blocks(&source.id, &pages).await?;
        }
        let boilerplate = self.store.learned_boilerplate(&source.id).await?;
        if boilerplate.is_empty() {
            return Ok((items, boilerplate));
        }
        self.cpu
            .run(move || {
                let items = strip_items(items, &boilerplate);
                (items, boilerplate)
            })
            .await
            .map_err(RefreshError::Parse)
    }

    /// Re-cleans the source's stored articles when its boilerplate gained
    /// blocks they were not yet cleaned of. A failure is logged, not fatal:
    /// the refresh itself is committed, and the store still knows what the
    /// stored articles are clean of, so the next refresh retries.
    pub(super) async fn reclean(&self, source: &Source, boilerplate: HashSet<Fingerprint>) {
        match self.try_reclean(source, boilerplate).await {
            Ok(0) => {}
            Ok(changed) => {
                tracing::info!(source = %source.id, recleaned = changed, "learned boilerplate removed from stored articles");
            }
            Err(err) => {
                tracing::warn!(source = %source.id, error = %error_chain(&err), "cannot re-clean stored articles");
            }
        }
    }

    async fn try_reclean(
        &self,
        source: &Source,
        boilerplate: HashSet<Fingerprint>,
    ) -> Result<u64, RefreshError> {
        let cleared = self.store.cleared_boilerplate(&source.id).await?;
        if boilerplate == cleared {
            return Ok(0);
        }
        let mut changes = Vec::new();
        // Stored articles are clean of `cleared` already; only new
        // fingerprints call for reading them all. (A fingerprint no longer
        // learned only shrinks the recorded set, so it is checked again if
        // it is ever learned again.)
        if !boilerplate.is_subset(&cleared) {
            let contents = self.store.article_contents(&source.id).await?;
            let set = boilerplate.clone();
            changes = self
                .cpu
                .run(move || reclean_changes(contents, &set))
                .await
                .map_err(RefreshError::Parse)?;
        }
        Ok(self
            .store
            .reclean_articles(&source.id, &changes, &boilerplate)
            .await?)
    }
}

/// `(canonical URL, fingerprints)` of the items that carry an article
/// fetched in this refresh, in listing order. (Items of a `full_text`
/// source carry content only when their article was just fetched.)
fn page_blocks(items: &[NewItem]) -> Vec<(String, Vec<Fingerprint>)> {
    items
        .iter()
        .filter_map(|item| {
            let content = item.content.as_deref()?;
            Some((item.url.clone(), learned::fingerprints(content)))
        })
        .collect()
}

/// The items with the boilerplate stripped from their articles.
fn strip_items(items: Vec<NewItem>, boilerplate: &HashSet<Fingerprint>) -> Vec<NewItem> {
    items
        .into_iter()
        .map(|mut item| {
            if let Some(content) = &item.content {
                item.content = Some(learned::strip(content, boilerplate).0);
            }
            item
        })
        .collect()
}

/// The stored articles that change when the boilerplate is stripped.
fn reclean_changes(
    contents: Vec<(String, String)>,
    boilerplate: &HashSet<Fingerprint>,
) -> Vec<ContentChange> {
    contents
        .into_iter()
        .filter_map(|(url, old)| {
            let (new, removals) = learned::strip(&old, boilerplate);
            (!removals.is_empty()).then_some(ContentChange { url, old, new })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::test_support::item;

    const APPEAL: &str = "Online donations are back! Keep independent media alive.";

    fn with_article(slug: &str, content: Option<&str>) -> NewItem {
        NewItem {
            url: format!("https://example.org/{slug}"),
            content: content.map(Into::into),
            ..item("T", None)
        }
    }

    #[test]
    fn page_blocks_are_the_fetched_articles_in_listing_order() {
        let story = "A story paragraph that is long enough to be fingerprinted.";
        let items = [
            with_article("b", Some(&format!("<p>{story}</p><p>{APPEAL}</p>"))),
            with_article("kept", None),
            with_article("a", Some(&format!("<p>{APPEAL}</p>"))),
        ];
        let pages = page_blocks(&items);
        let appeal = learned::fingerprint_text(APPEAL).unwrap();
        let story = learned::fingerprint_text(story).unwrap();
        assert_eq!(
            pages,
            [
                ("https://example.org/b".to_owned(), vec![story, appeal]),
                ("https://example.org/a".to_owned(), vec![appeal]),
            ]
        );
    }

    #[test]
    fn boilerplate_is_stripped_from_new_articles_and_stored_ones() {
        let set = HashSet::from([learned::fingerprint_text(APPEAL).unwrap()]);
        let boxed = format!("<p>Story.</p><p>{APPEAL}</p>");
        let items = strip_items(
            vec![with_article("a", Some(&boxed)), with_article("b", None)],
            &set,
        );
        assert_eq!(items[0].content.as_deref(), Some("<p>Story.</p>"));
        assert_eq!(items[1].content, None);

        let stored = vec![
            ("https://example.org/a".to_owned(), boxed.clone()),
            (
                "https://example.org/c".to_owned(),
                "<p>Clean.</p>".to_owned(),
            ),
        ];
        let changes = reclean_changes(stored, &set);
        assert_eq!(
            changes,
            [ContentChange {
                url: "https://example.org/a".into(),
                old: boxed,
                new: "<p>Story.</p>".into(),
            }]
        );
    }
}
