//! Each source's site link (issue 12, point 7): the outlet's site as a
//! feed source's own feed names it, which its served feeds and the OPML
//! list link to instead of the feed's XML.

use std::collections::HashMap;

use super::{Store, StoreError, query_error};

/// [`Store::source_title_and_site`]'s statement.
pub(super) const SOURCE_TITLE_AND_SITE: &str = "SELECT title, site FROM sources WHERE id = $1";

impl Store {
    /// The site each feed source's own feed names (see
    /// [`Store::save_site`]), by source id.
    pub async fn source_sites(&self) -> Result<HashMap<String, String>, StoreError> {
        sqlx::query_as("SELECT id, site FROM sources WHERE site IS NOT NULL")
            .fetch_all(&self.pool)
            .await
            .map(|rows| rows.into_iter().collect())
            .map_err(query_error("read source sites"))
    }

    /// The scraped title and the site of one source, by its primary key:
    /// what rendering its feed reads (issue 13: the whole-table reads above
    /// cost O(sources) per render).
    pub async fn source_title_and_site(
        &self,
        source: &str,
    ) -> Result<(Option<String>, Option<String>), StoreError> {
        let row: Option<(Option<String>, Option<String>)> = sqlx::query_as(SOURCE_TITLE_AND_SITE)
            .bind(source)
            .fetch_optional(&self.pool)
            .await
            .map_err(query_error("read source title and site"))?;
        Ok(row.unwrap_or_default())
    }

    /// Stores the outlet's site as the source's feed names it (`None` for a
    /// listing page, or a feed naming none). Writes only when it changed.
    /// Readers are told when a known source's site changed (its served
    /// feeds link to it); a source seen for the first time is not announced
    /// here, as the commit of its items that follows announces it (one
    /// WebSub ping, not two).
    pub async fn save_site(&self, source: &str, site: Option<&str>) -> Result<(), StoreError> {
        let stored: Option<Option<String>> =
            sqlx::query_scalar("SELECT site FROM sources WHERE id = $1")
                .bind(source)
                .fetch_optional(&self.pool)
                .await
                .map_err(query_error("read source site"))?;
        if stored.as_ref().is_some_and(|old| old.as_deref() == site) {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO sources (id, site) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET site = excluded.site",
        )
        .bind(source)
        .bind(site)
        .execute(&self.pool)
        .await
        .map_err(query_error("save source site"))?;
        if stored.is_some() {
            self.notify_changed(source);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, temp_store, undated};

    both_backends! {
        async fn the_site_is_kept_changed_and_cleared_and_readers_told_of_changes() {
            let (_dir, store) = temp_store().await;
            let generation = || store.change_generation();
            store
                .save_site("feed", Some("https://o.example/"))
                .await
                .unwrap();
            store
                .save_site("feed", Some("https://o.example/"))
                .await
                .unwrap();
            assert_eq!(generation(), 0, "new or unchanged: no notification");
            store
                .commit_refresh(
                    "feed",
                    Some("Title"),
                    &[undated("x"), undated("y")],
                    at("2025-01-01T00:00:00Z"),
                )
                .await
                .unwrap();
            let sites = store.source_sites().await.unwrap();
            assert_eq!(sites["feed"], "https://o.example/", "a commit keeps it");
            assert_eq!(store.source_titles().await.unwrap()["feed"], "Title");
            let before = generation();
            store.save_site("feed", None).await.unwrap();
            assert!(generation() > before, "readers are told the link changed");
            assert!(store.source_sites().await.unwrap().is_empty());
        }
    }
}
