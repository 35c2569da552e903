//! HTTP validators (`ETag`, `Last-Modified`) per fetched URL, for
//! conditional GET (issue 5). Written only inside a refresh's transaction
//! (see `ingest`), read before each request.

use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteConnection;

use super::time::Millis;
use super::{Store, StoreError, query_error};
use crate::model::Validators;

impl Store {
    /// The validators stored for `url` (a page as requested, before
    /// redirects), if any.
    pub async fn validators(&self, url: &str) -> Result<Option<Validators>, StoreError> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT etag, last_modified FROM http_validators WHERE url = ?1")
                .bind(url)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error("read validators"))?;
        Ok(row.map(|(etag, last_modified)| Validators {
            etag,
            last_modified,
        }))
    }
}

/// Stores the validators of `url`'s latest response, replacing earlier
/// ones; empty validators delete the row (the server stopped sending them,
/// and sending stale ones back would be meaningless). Runs inside the
/// refresh's transaction: see `ingest::RefreshCommit` for why.
pub(super) async fn save_validators(
    conn: &mut SqliteConnection,
    url: &str,
    validators: &Validators,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let operation = "commit refresh: save validators";
    if validators.is_empty() {
        sqlx::query("DELETE FROM http_validators WHERE url = ?1")
            .bind(url)
            .execute(conn)
            .await
            .map_err(query_error(operation))?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO http_validators (url, etag, last_modified, saved)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,
             last_modified = excluded.last_modified, saved = excluded.saved",
    )
    .bind(url)
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

    async fn commit(
        store: &Store,
        items: &[NewItem],
        validators: &[(String, Validators)],
    ) -> Result<(), StoreError> {
        let refresh = RefreshCommit {
            source: "src",
            page_title: None,
            items,
            started: Utc::now(),
            validators,
            stale: StaleVerdict::Unknown,
        };
        store.commit(&refresh).await.map(drop)
    }

    #[tokio::test]
    async fn validators_saved_by_a_refresh_are_read_back_per_url() {
        let (_dir, store) = temp_store().await;
        assert_eq!(store.validators(LISTING).await.unwrap(), None);
        let both = Validators {
            etag: Some("\"abc\"".to_owned()),
            last_modified: Some("Tue, 24 Nov 2026 06:00:00 GMT".to_owned()),
        };
        let saved = [
            (LISTING.to_owned(), both.clone()),
            (ARTICLE.to_owned(), etag("v1")),
        ];
        commit(&store, &[], &saved).await.unwrap();
        assert_eq!(store.validators(LISTING).await.unwrap(), Some(both));
        assert_eq!(store.validators(ARTICLE).await.unwrap(), Some(etag("v1")));
        let other = "https://example.org/news/?page=2";
        assert_eq!(store.validators(other).await.unwrap(), None);
    }

    #[tokio::test]
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
        let stored = store.validators(LISTING).await.unwrap();
        assert_eq!(stored, Some(modified(date)));
    }

    #[tokio::test]
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
        assert_eq!(store.validators(LISTING).await.unwrap(), None);
        assert_eq!(store.validators(ARTICLE).await.unwrap(), Some(etag("a1")));
    }

    #[tokio::test]
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
        assert_eq!(store.validators(LISTING).await.unwrap(), Some(etag("v1")));
        assert_eq!(store.validators(ARTICLE).await.unwrap(), None);
        assert!(store.items(None, 10).await.unwrap().is_empty());
    }
}
