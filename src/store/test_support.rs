//! Helpers shared by the store's tests: a database in a temporary folder (or
//! on the test PostgreSQL cluster) and items to commit.
//!
//! [`both_backends!`] runs a test body once on SQLite and once on
//! PostgreSQL (issue 13): [`temp_store`] and [`reopen`] give the store of
//! the backend the running test was started for.

use chrono::{DateTime, Utc};
use tempfile::TempDir;

use super::backend::{Backend, SQLITE_MIGRATOR, connect_options};
use super::{Store, StoreError};
use crate::model::NewItem;

tokio::task_local! {
    /// The backend the running test body was started for by
    /// [`both_backends!`]; SQLite outside it.
    pub(super) static BACKEND: Backend;
}

/// The file beside a PostgreSQL test's folder naming its database's URL,
/// so that [`reopen`] finds the same database.
const URL_FILE: &str = "postgres-url";

/// Runs `body` once on SQLite, then once on PostgreSQL when a test cluster
/// is available (see `test_postgres`: otherwise it skips with a message).
macro_rules! both_backends {
    ($(#[$attr:meta])* async fn $name:ident() $body:block) => {
        $(#[$attr])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::store::backend::Backend;
            use $crate::store::test_support::BACKEND;

            #[tokio::test]
            async fn sqlite() {
                BACKEND.scope(Backend::Sqlite, async $body).await
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::store::test_postgres::database_url().await.is_some() {
                    BACKEND.scope(Backend::Postgres, async $body).await
                }
            }
        }
    };
}

/// The backend of the running test.
pub(super) fn backend() -> Backend {
    BACKEND
        .try_with(|backend| *backend)
        .unwrap_or(Backend::Sqlite)
}

/// A fresh store in its own temporary folder (kept alive by the `TempDir`),
/// or in a fresh database of the test cluster when the test runs on
/// PostgreSQL (its URL kept in the folder for [`reopen`]).
pub(super) async fn temp_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    if backend() == Backend::Postgres {
        let url = super::test_postgres::database_url().await.unwrap();
        std::fs::write(dir.path().join(URL_FILE), &url).unwrap();
        return (dir, Store::open_url(&url).await.unwrap());
    }
    let store = Store::open(&dir.path().join("refeed.db")).await.unwrap();
    (dir, store)
}

/// Reopens the database of `dir` (after the previous handle was closed),
/// or opens a second handle on it (what another process holds).
pub(super) async fn reopen(dir: &TempDir) -> Store {
    try_reopen(dir).await.1.unwrap()
}

/// [`reopen`], failing as opening would; with where the database is, as
/// the store's messages show it.
pub(super) async fn try_reopen(dir: &TempDir) -> (String, Result<Store, StoreError>) {
    match std::fs::read_to_string(dir.path().join(URL_FILE)) {
        Ok(url) => (url.clone(), Store::open_url(&url).await),
        Err(_) => {
            let path = dir.path().join("refeed.db");
            (path.display().to_string(), Store::open(&path).await)
        }
    }
}

/// A UTC time from RFC 3339 text.
pub(super) fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().to_utc()
}

/// A dated item at `https://example.org/<slug>` with a summary and no content.
pub(super) fn item(slug: &str, published: &str) -> NewItem {
    NewItem {
        published: Some(at(published)),
        ..undated(slug)
    }
}

/// An item without any date of its own.
pub(super) fn undated(slug: &str) -> NewItem {
    let url = format!("https://example.org/{slug}");
    NewItem {
        link: format!("{url}?utm_source=rss"),
        url,
        title: format!("Title of {slug}"),
        summary: Some(format!("<p>Summary of {slug}</p>")),
        content: None,
        author: Some("A. Writer".to_owned()),
        published: None,
        modified: None,
        canonical: None,
        image: None,
    }
}

/// Commits a successful refresh of `source` now.
pub(super) async fn commit(store: &Store, source: &str, title: Option<&str>, items: &[NewItem]) {
    store
        .commit_refresh(source, title, items, Utc::now())
        .await
        .unwrap();
}

/// The steps SQLite plans for `sql`, whose `params` are bound to dummies.
pub(super) async fn query_plan(store: &Store, sql: &str, params: usize) -> Vec<String> {
    let explain = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"));
    let mut query = sqlx::query_as::<_, (i64, i64, i64, String)>(explain);
    for _ in 0..params {
        query = query.bind(1_i64);
    }
    let rows = query.fetch_all(&store.pool).await.unwrap();
    rows.into_iter().map(|row| row.3).collect()
}

/// A database at `path` as an earlier refeed left it: migrated up to
/// `version` only, then `sql` run on it (the rows that version stored).
pub(super) async fn database_at(path: &std::path::Path, version: i64, sql: &'static str) {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(connect_options(path))
        .await
        .unwrap();
    SQLITE_MIGRATOR.run_to(version, &pool).await.unwrap();
    sqlx::raw_sql(sql).execute(&pool).await.unwrap();
    pool.close().await;
}
