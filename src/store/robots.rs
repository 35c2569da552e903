//! robots.txt answers kept across restarts (migration 0004): `fetch` caches
//! them in memory; `app` reads them back at start and saves them when a
//! run ends, so a new process does not ask every host again before RFC
//! 9309's 24 hours are up.

use chrono::{DateTime, Utc};

use super::time::Millis;
use super::{Store, StoreError, query_error};
use crate::model::SavedRobots;

impl Store {
    /// The saved answers that have not expired by `now`.
    pub async fn saved_robots(&self, now: DateTime<Utc>) -> Result<Vec<SavedRobots>, StoreError> {
        let rows: Vec<(String, i64, Vec<u8>, Millis)> = sqlx::query_as(
            "SELECT origin, status, body, expires FROM robots_txt
             WHERE expires > $1 ORDER BY origin",
        )
        .bind(Millis(now))
        .fetch_all(&self.pool)
        .await
        .map_err(query_error("read saved robots.txt"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(origin, status, body, expires)| {
                Some(SavedRobots {
                    origin,
                    status: u16::try_from(status).ok()?,
                    body,
                    expires: expires.0,
                })
            })
            .collect())
    }

    /// Saves `answers` (replacing what is saved for their origins) and
    /// drops the answers that expired by `now`, in one transaction.
    pub async fn save_robots(
        &self,
        answers: &[SavedRobots],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let operation = "save robots.txt";
        let mut tx = self.begin_write(operation).await?;
        for answer in answers {
            sqlx::query(
                "INSERT INTO robots_txt (origin, status, body, expires)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (origin) DO UPDATE SET status = excluded.status,
                     body = excluded.body, expires = excluded.expires",
            )
            .bind(&answer.origin)
            .bind(i64::from(answer.status))
            .bind(&answer.body)
            .bind(Millis(answer.expires))
            .execute(&mut *tx)
            .await
            .map_err(query_error(operation))?;
        }
        sqlx::query("DELETE FROM robots_txt WHERE expires <= $1")
            .bind(Millis(now))
            .execute(&mut *tx)
            .await
            .map_err(query_error(operation))?;
        tx.commit().await.map_err(query_error(operation))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::super::test_support::temp_store;
    use super::*;

    fn answer(origin: &str, status: u16, body: &str, expires: DateTime<Utc>) -> SavedRobots {
        SavedRobots {
            origin: origin.to_owned(),
            status,
            body: body.as_bytes().to_vec(),
            expires,
        }
    }

    both_backends! {
        async fn saved_answers_are_read_back_until_they_expire() {
            let (_dir, store) = temp_store().await;
            let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
            let file = answer(
                "https://a.test",
                200,
                "User-agent: *\nDisallow: /x\n",
                now + TimeDelta::hours(20),
            );
            let missing = answer("http://b.test:8080", 404, "", now + TimeDelta::hours(1));
            store
                .save_robots(&[file.clone(), missing.clone()], now)
                .await
                .unwrap();
            // In origin order ("http:" sorts before "https:").
            assert_eq!(
                store.saved_robots(now).await.unwrap(),
                [missing, file.clone()]
            );
            // Past the 404's expiry only the file is left.
            let later = now + TimeDelta::hours(2);
            assert_eq!(store.saved_robots(later).await.unwrap(), [file]);
        }
    }

    both_backends! {
        async fn a_new_answer_replaces_the_old_and_expired_rows_are_dropped() {
            let (_dir, store) = temp_store().await;
            let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
            let old = answer(
                "https://a.test",
                200,
                "Disallow: /",
                now + TimeDelta::hours(1),
            );
            let stale = answer("https://gone.test", 200, "", now + TimeDelta::minutes(1));
            store.save_robots(&[old, stale], now).await.unwrap();
            let new = answer("https://a.test", 503, "", now + TimeDelta::hours(3));
            let later = now + TimeDelta::minutes(5);
            store
                .save_robots(std::slice::from_ref(&new), later)
                .await
                .unwrap();
            let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM robots_txt")
                .fetch_one(&store.pool)
                .await
                .unwrap();
            assert_eq!(rows, 1, "the expired row was dropped");
            assert_eq!(store.saved_robots(later).await.unwrap(), [new]);
        }
    }
}
