//! The rows of one ingested item: what is stored of it, what the refresh
//! does to it (insert, update, fill in content, keep), and the SQL of each.
//! Walking the batch and deduplicating it is `ingest`'s job.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::super::keys;
use super::super::time::{Flag, Millis};
use super::super::{StoreError, query_error};
use crate::model::{KnownItem, NewItem};

/// What is stored of an item: its row id and the fields a refresh compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stored {
    pub(super) id: i64,
    known: KnownItem,
    /// The stored image URL.
    image: Option<String>,
}

/// What a refresh does to one item of its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    /// Not stored yet.
    Insert,
    /// Title or summary changed: rewrite the row with this id, `updated` = now.
    Update(i64),
    /// Unchanged, but stored without content and now carrying some (an
    /// earlier article fetch failed, or `full_text` was switched on).
    FillContent(i64),
    /// Unchanged but for its image: store the new one, `updated` kept.
    NewImage(i64),
    /// Unchanged: touch nothing (but the keys it is matched under).
    Keep(i64),
}

/// Decides what to do with `item` given what is stored of it.
pub(super) fn plan(stored: Option<&Stored>, item: &NewItem) -> Action {
    let Some(Stored { id, known, image }) = stored else {
        return Action::Insert;
    };
    if known.title != item.title || known.summary != item.summary {
        Action::Update(*id)
    } else if !known.has_content && item.content.is_some() {
        Action::FillContent(*id)
    } else if item.image.is_some() && item.image != *image {
        Action::NewImage(*id)
    } else {
        Action::Keep(*id)
    }
}

/// What is stored of the item with this canonical URL, else of the item
/// that claimed one of its dedup keys, if anything. The exact id comes
/// first: an item an older refeed stored twice keeps being updated under
/// each of its two ids.
pub(super) async fn lookup(
    conn: &mut AnyConnection,
    source: &str,
    url: &str,
    item_keys: &[String],
) -> Result<Option<Stored>, StoreError> {
    let row: Option<StoredRow> = sqlx::query_as(
        "SELECT id, title, summary, content IS NOT NULL, image
         FROM items WHERE source_id = $1 AND url = $2",
    )
    .bind(source)
    .bind(url)
    .fetch_optional(&mut *conn)
    .await
    .map_err(query_error("commit refresh: look up item"))?;
    let row = match row {
        Some(row) => Some(row),
        None => match keys::find(conn, source, item_keys).await? {
            Some(id) => Some(
                sqlx::query_as(
                    "SELECT id, title, summary, content IS NOT NULL, image FROM items WHERE id = $1",
                )
                .bind(id)
                .fetch_one(&mut *conn)
                .await
                .map_err(query_error("commit refresh: look up item"))?,
            ),
            None => None,
        },
    };
    Ok(
        row.map(|(id, title, summary, Flag(has_content), image)| Stored {
            id,
            known: KnownItem {
                title,
                summary,
                has_content,
            },
            image,
        }),
    )
}

/// A row of [`lookup`]: id, title, summary, whether content is stored, image.
type StoredRow = (i64, String, Option<String>, Flag, Option<String>);

/// Inserts a new item; its row id.
pub(super) async fn insert_item(
    conn: &mut AnyConnection,
    source: &str,
    item: &NewItem,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let published = item.published.unwrap_or(now);
    sqlx::query_scalar(
        "INSERT INTO items (source_id, url, link, title, summary, content, author,
                            published, modified, first_seen, updated, dated, image)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         RETURNING id",
    )
    .bind(source)
    .bind(&item.url)
    .bind(&item.link)
    .bind(&item.title)
    .bind(&item.summary)
    .bind(&item.content)
    .bind(&item.author)
    .bind(Millis(published))
    .bind(item.modified.map(Millis))
    .bind(Millis(now))
    .bind(Millis(item.modified.unwrap_or(published)))
    .bind(i64::from(item.published.is_some()))
    .bind(&item.image)
    .fetch_one(conn)
    .await
    .map_err(query_error("commit refresh: insert item"))
}

/// SQL assignments that replace a first-seen `published` with the outlet's
/// date bound at `$param`, once: the article that carries an item's only date
/// may have failed to load when the item was first seen. A date the outlet
/// gave is never changed, so the item keeps one date from then on.
macro_rules! learn_date {
    ($param:literal) => {
        concat!(
            "published = CASE WHEN dated = 0 AND ",
            $param,
            " IS NOT NULL THEN ",
            $param,
            " ELSE published END, dated = CASE WHEN ",
            $param,
            " IS NOT NULL THEN 1 ELSE dated END"
        )
    };
}
/// Rewrites a changed item. `published` stays fixed. Content, author,
/// image and modification date are kept when the batch lacks them: `None`
/// there means "not looked up this time" (no `full_text`, article fetch
/// failed, a method that sees no thumbnails), not "removed by the outlet".
pub(super) async fn update_item(
    conn: &mut AnyConnection,
    id: i64,
    item: &NewItem,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "UPDATE items SET title = $2, summary = $3, link = $4,
                          author = coalesce($5, author),
                          content = coalesce($6, content),
                          modified = coalesce($7, modified),
                          image = coalesce($10, image),
                          updated = $8, ",
        learn_date!("$9"),
        " WHERE id = $1"
    ))
    .bind(id)
    .bind(&item.title)
    .bind(&item.summary)
    .bind(&item.link)
    .bind(&item.author)
    .bind(&item.content)
    .bind(item.modified.map(Millis))
    .bind(Millis(now))
    .bind(item.published.map(Millis))
    .bind(&item.image)
    .execute(conn)
    .await
    .map_err(query_error("commit refresh: update item"))?;
    Ok(())
}

/// Completes an unchanged item with its article. `updated` is left alone:
/// the outlet did not change the item, and a new `updated` would make some
/// readers show it as unread again.
pub(super) async fn fill_content(
    conn: &mut AnyConnection,
    id: i64,
    item: &NewItem,
) -> Result<(), StoreError> {
    sqlx::query(concat!(
        "UPDATE items SET content = $2, image = coalesce($4, image), ",
        learn_date!("$3"),
        " WHERE id = $1 AND content IS NULL"
    ))
    .bind(id)
    .bind(&item.content)
    .bind(item.published.map(Millis))
    .bind(&item.image)
    .execute(conn)
    .await
    .map_err(query_error("commit refresh: fill content"))?;
    Ok(())
}

/// Stores an unchanged item's new image. `updated` is left alone, as for
/// [`fill_content`]: teaser thumbnails are often CDN addresses that change
/// with the page (resized variants, cache-busting tokens), and a new
/// `updated` each time would show the item as changed in readers again.
pub(super) async fn set_image(
    conn: &mut AnyConnection,
    id: i64,
    item: &NewItem,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE items SET image = $2 WHERE id = $1")
        .bind(id)
        .bind(&item.image)
        .execute(conn)
        .await
        .map_err(query_error("commit refresh: set image"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::super::test_support::undated;
    use super::*;

    fn stored(title: &str, summary: Option<&str>, has_content: bool) -> Stored {
        Stored {
            id: 7,
            known: KnownItem {
                title: title.to_owned(),
                summary: summary.map(str::to_owned),
                has_content,
            },
            image: None,
        }
    }

    #[test]
    fn plan_compares_title_and_summary_then_missing_content() {
        let mut new = undated("a");
        new.content = Some("<p>text</p>".to_owned());
        let (title, summary) = ("Title of a", Some("<p>Summary of a</p>"));
        assert_eq!(plan(None, &new), Action::Insert);
        let same = stored(title, summary, true);
        assert_eq!(plan(Some(&same), &new), Action::Keep(7));
        assert_eq!(
            plan(Some(&stored("Old", summary, true)), &new),
            Action::Update(7)
        );
        assert_eq!(
            plan(Some(&stored(title, None, true)), &new),
            Action::Update(7)
        );
        let empty = stored(title, summary, false);
        assert_eq!(plan(Some(&empty), &new), Action::FillContent(7));
        new.content = None;
        assert_eq!(plan(Some(&empty), &new), Action::Keep(7));
    }

    #[test]
    fn plan_stores_a_new_image_but_keeps_one_the_batch_lacks() {
        let mut new = undated("a");
        let (title, summary) = ("Title of a", Some("<p>Summary of a</p>"));
        let mut known = stored(title, summary, true);
        assert_eq!(
            plan(Some(&known), &new),
            Action::Keep(7),
            "none either side"
        );
        new.image = Some("https://cdn.example/a.jpg".to_owned());
        assert_eq!(plan(Some(&known), &new), Action::NewImage(7));
        known.image = new.image.clone();
        assert_eq!(plan(Some(&known), &new), Action::Keep(7));
        new.image = None;
        assert_eq!(plan(Some(&known), &new), Action::Keep(7), "kept");
        new.image = Some("https://cdn.example/a-2.jpg".to_owned());
        new.title = "New title".to_owned();
        assert_eq!(plan(Some(&known), &new), Action::Update(7), "with the rest");
    }
}
