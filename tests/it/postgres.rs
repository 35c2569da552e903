//! The integration tests that run on both backends (issue 13): the
//! [`both_backends!`] macro runs a test body once with `[storage] path` (a
//! SQLite file) and once with `[storage] url` on a throwaway PostgreSQL
//! cluster (the store's own harness, `src/store/test_postgres.rs`, included
//! by path), where it skips with a message when PostgreSQL is not
//! installed (`REFEED_REQUIRE_POSTGRES=1` makes that a failure).

use std::path::Path;

#[path = "../../src/store/test_postgres.rs"]
mod cluster;

tokio::task_local! {
    /// Whether the running test body was started for PostgreSQL.
    pub static ON_POSTGRES: bool;
}

/// Runs `body` on SQLite, then on PostgreSQL when a cluster is available.
macro_rules! both_backends {
    ($(#[$attr:meta])* async fn $name:ident() $body:block) => {
        $(#[$attr])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::postgres::ON_POSTGRES;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ON_POSTGRES.scope(false, async $body).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::postgres::available().await {
                    ON_POSTGRES.scope(true, async $body).await
                }
            }
        }
    };
}
pub(crate) use both_backends;

/// Whether a PostgreSQL cluster runs (or could be started) here; prints
/// why not (or fails under `REFEED_REQUIRE_POSTGRES=1`).
pub async fn available() -> bool {
    cluster::database_url().await.is_some()
}

/// The `[storage]` key of a config whose database lives in `dir`: `path`
/// (the SQLite file `data/refeed.db`), or, in a test body started for
/// PostgreSQL, `url` of a new database of the cluster.
pub fn storage_key(dir: &Path) -> String {
    if ON_POSTGRES.try_with(|on| *on).unwrap_or(false) {
        return format!("url = '{}'", new_database());
    }
    format!("path = '{}'", dir.join("data/refeed.db").display())
}

/// A new database's URL, from sync code (config writers), on a thread of
/// its own (the calling runtime's thread cannot block on it).
fn new_database() -> String {
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(cluster::database_url())
    })
    .join()
    .expect("database creation")
    .expect("the cluster answered before")
}

/// A URL of a new database on the cluster, or `None` (see [`available`]).
pub async fn database_url() -> Option<String> {
    cluster::database_url().await
}
