//! HTTP validators (`ETag`, `Last-Modified`) per source and fetched URL,
//! for conditional GET (issue 5). Written only inside a refresh's
//! transaction (see `ingest`), read before each request.
//!
//! Each pair is stored with the digest of the source's parsing rules at the
//! time (`config::Source::rules_digest`) and counts only while the rules are
//! the same: a page stored under other rules must be fetched and parsed
//! again, not answered 304.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::time::Millis;
use super::{Store, StoreError, query_error};
use crate::model::Validators;

/// Which stored validators: the page `url` (as requested, before
/// redirects) of `source`, read with the rules of digest `rules`.
#[derive(Debug, Clone, Copy)]
pub struct PageKey<'a> {
    /// Source id.
    pub source: &'a str,
    /// The page's URL as requested.
    pub url: &'a str,
    /// The source's current rules digest.
    pub rules: &'a str,
}

impl Store {
    /// The validators stored for a page, if any were stored by this source
    /// under the same rules.
    pub async fn validators(&self, page: PageKey<'_>) -> Result<Option<Validators>, StoreError> {
        let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT etag, last_modified FROM http_validators
             WHERE source_id = $1 AND url = $2 AND rules = $3",
        )
        .bind(page.source)
        .bind(page.url)
        .bind(page.rules)
        .fetch_optional(&self.pool)
        .await
        .map_err(query_error("read validators"))?;
        Ok(row.map(|(etag, last_modified)| Validators {
            etag,
            last_modified,
        }))
    }
}

/// Stores the validators of a page's latest response, replacing earlier
/// ones; empty validators delete the row (the server stopped sending them,
/// and sending stale ones back would be meaningless). Runs inside the
/// refresh's transaction: see `ingest::RefreshCommit` for why.
pub(super) async fn save_validators(
    conn: &mut AnyConnection,
    page: PageKey<'_>,
    validators: &Validators,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let operation = "commit refresh: save validators";
    if validators.is_empty() {
        sqlx::query("DELETE FROM http_validators WHERE source_id = $1 AND url = $2")
            .bind(page.source)
            .bind(page.url)
            .execute(conn)
            .await
            .map_err(query_error(operation))?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO http_validators (source_id, url, rules, etag, last_modified, saved)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (source_id, url) DO UPDATE SET rules = excluded.rules,
             etag = excluded.etag, last_modified = excluded.last_modified,
             saved = excluded.saved",
    )
    .bind(page.source)
    .bind(page.url)
    .bind(page.rules)
    .bind(&validators.etag)
    .bind(&validators.last_modified)
    .bind(Millis(now))
    .execute(conn)
    .await
    .map_err(query_error(operation))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::RefreshCommit;
    use super::super::test_support::{item, temp_store};
    use super::*;
    use crate::model::{NewItem, StaleVerdict};

    const LISTING: &str = "https://example.org/news/";
    const ARTICLE: &str = "https://example.org/a";

    fn etag(tag: &str) -> Validators {
        Validators {
            etag: Some(format!("W/\"{tag}\"")),
            last_modified: None,
        }
    }

    fn modified(date: &str) -> Validators {
        Validators {
            etag: None,
            last_modified: Some(date.to_owned()),
        }
    }

    /// Source "src" under rules "r1".
    fn key(url: &str) -> PageKey<'_> {
        PageKey {
            source: "src",
            url,
            rules: "r1",
        }
    }

    async fn commit(
        store: &Store,
        items: &[NewItem],
        validators: &[(String, Validators)],
    ) -> Result<(), StoreError> {
        commit_as(store, "src", "r1", items, validators).await
    }

    async fn commit_as(
        store: &Store,
        source: &str,
        rules: &str,
        items: &[NewItem],
        validators: &[(String, Validators)],
    ) -> Result<(), StoreError> {
        let refresh = RefreshCommit {
            source,
            page_title: None,
            items,
            started: Utc::now(),
            validators,
            rules,
            discovery: None,
            stale: StaleVerdict::Unknown,
        };
        store.commit(&refresh).await.map(drop)
    }

    both_backends! {
        async fn validators_saved_by_a_refresh_are_read_back_per_url() {
            let (_dir, store) = temp_store().await;
            assert_eq!(store.validators(key(LISTING)).await.unwrap(), None);
            let both = Validators {
                etag: Some("\"abc\"".to_owned()),
                last_modified: Some("Tue, 24 Nov 2026 06:00:00 GMT".to_owned()),
            };
            let saved = [
                (LISTING.to_owned(), both.clone()),
                (ARTICLE.to_owned(), etag("v1")),
            ];
            commit(&store, &[], &saved).await.unwrap();
            assert_eq!(store.validators(key(LISTING)).await.unwrap(), Some(both));
            assert_eq!(
                store.validators(key(ARTICLE)).await.unwrap(),
                Some(etag("v1"))
            );
            let other = "https://example.org/news/?page=2";
            assert_eq!(store.validators(key(other)).await.unwrap(), None);
        }
    }

    both_backends! {
        async fn one_sources_validators_never_answer_for_another_reading_the_same_page() {
            // Two sources read the same homepage with different selectors. If
            // "src" stored the new ETag and "other" sent it, "other" would get
            // a 304 and never store what the page now holds.
            let (_dir, store) = temp_store().await;
            commit(&store, &[], &[(LISTING.to_owned(), etag("v2"))])
                .await
                .unwrap();
            let other = PageKey {
                source: "other",
                ..key(LISTING)
            };
            assert_eq!(store.validators(other).await.unwrap(), None);
            commit_as(
                &store,
                "other",
                "r1",
                &[],
                &[(LISTING.to_owned(), etag("v1"))],
            )
            .await
            .unwrap();
            assert_eq!(store.validators(other).await.unwrap(), Some(etag("v1")));
            assert_eq!(
                store.validators(key(LISTING)).await.unwrap(),
                Some(etag("v2"))
            );
        }
    }

    both_backends! {
        async fn validators_stored_under_other_rules_do_not_count() {
            let (_dir, store) = temp_store().await;
            commit(&store, &[], &[(LISTING.to_owned(), etag("v1"))])
                .await
                .unwrap();
            // The user changed the source's selectors: the page must be parsed
            // again, not answered 304.
            let changed = PageKey {
                rules: "r2",
                ..key(LISTING)
            };
            assert_eq!(store.validators(changed).await.unwrap(), None);
            commit_as(
                &store,
                "src",
                "r2",
                &[],
                &[(LISTING.to_owned(), etag("v1"))],
            )
            .await
            .unwrap();
            assert_eq!(store.validators(changed).await.unwrap(), Some(etag("v1")));
            assert_eq!(store.validators(key(LISTING)).await.unwrap(), None);
        }
    }

    both_backends! {
        async fn a_later_response_replaces_the_validators_of_its_url() {
            let (_dir, store) = temp_store().await;
            commit(&store, &[], &[(LISTING.to_owned(), etag("v1"))])
                .await
                .unwrap();
            let date = "Wed, 25 Nov 2026 08:00:00 GMT";
            commit(&store, &[], &[(LISTING.to_owned(), modified(date))])
                .await
                .unwrap();
            // The old ETag is gone: sending it back would validate a page that
            // no longer matches what is stored.
            let stored = store.validators(key(LISTING)).await.unwrap();
            assert_eq!(stored, Some(modified(date)));
        }
    }

    both_backends! {
        async fn empty_validators_delete_the_stored_ones() {
            let (_dir, store) = temp_store().await;
            let saved = [
                (LISTING.to_owned(), etag("v1")),
                (ARTICLE.to_owned(), etag("a1")),
            ];
            commit(&store, &[], &saved).await.unwrap();
            commit(&store, &[], &[(LISTING.to_owned(), Validators::default())])
                .await
                .unwrap();
            assert_eq!(store.validators(key(LISTING)).await.unwrap(), None);
            assert_eq!(
                store.validators(key(ARTICLE)).await.unwrap(),
                Some(etag("a1"))
            );
        }
    }

    both_backends! {
        async fn validators_are_not_saved_when_the_refresh_fails_to_commit() {
            let (_dir, store) = temp_store().await;
            commit(&store, &[], &[(LISTING.to_owned(), etag("v1"))])
                .await
                .unwrap();
            let mut broken = item("x", "2024-03-05T10:00:00Z");
            broken.url = String::new(); // violates CHECK (url <> '')
            let items = [item("a", "2024-03-04T10:00:00Z"), broken];
            let saved = [
                (LISTING.to_owned(), etag("v2")),
                (ARTICLE.to_owned(), etag("a1")),
            ];
            let err = commit(&store, &items, &saved).await.unwrap_err();
            assert!(matches!(err, StoreError::Query { .. }), "{err:?}");
            // A saved v2 would make the next fetch a 304 and item "a" would
            // never be stored.
            assert_eq!(
                store.validators(key(LISTING)).await.unwrap(),
                Some(etag("v1"))
            );
            assert_eq!(store.validators(key(ARTICLE)).await.unwrap(), None);
            assert!(store.items(None, 10).await.unwrap().is_empty());
        }
    }
}
