//! [`Store::answers`]: whether the database answers a trivial query in
//! time, for the watchdog and `/readyz` (issue 12). It says nothing about
//! the data.

use std::time::Duration;

use super::Store;

impl Store {
    /// `Ok` when a read of the schema answers within `within`; otherwise
    /// why not, as a line for a log or a `/readyz` body. The query reads
    /// the database (`SELECT 1` alone would not), and a pool whose every
    /// connection is held by a stuck query counts as not answering.
    pub async fn answers(&self, within: Duration) -> Result<(), String> {
        let sql = "SELECT count(*) FROM _sqlx_migrations";
        let query = sqlx::query_scalar::<_, i64>(sql).fetch_one(&self.pool);
        match tokio::time::timeout(within, query).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(format!("database: {err}")),
            Err(_) => Err(format!("database: no answer within {within:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::test_support::temp_store;

    both_backends! {
        async fn an_open_database_answers_and_a_closed_one_does_not() {
            let (_dir, store) = temp_store().await;
            assert_eq!(store.answers(Duration::from_secs(5)).await, Ok(()));
            store.close().await;
            let err = store.answers(Duration::from_secs(5)).await.unwrap_err();
            assert!(err.starts_with("database: "), "{err}");
        }
    }
}
