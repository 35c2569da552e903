//! The one-daemon lock on PostgreSQL (issue 13; see `lock`): a session
//! advisory lock (`pg_try_advisory_lock`) on one fixed key, scoped by
//! PostgreSQL to the database, held by a connection of its own for as long
//! as `refeed run` runs. The session names the process in its
//! `application_name`, so a refused daemon can name the holder.

use sqlx::{AnyConnection, Connection};

use super::backend::shown_url;
use super::time::Flag;
use super::{StoreError, query_error};

/// The advisory lock key of `refeed run`: "refeed" in ASCII.
const DAEMON_KEY: i64 = 0x7265_6665_6564;

/// The prefix of the lock session's `application_name`, before the pid.
const APPLICATION: &str = "refeed run pid ";

/// Connects to `url` and takes the daemon's advisory lock on it; the
/// connection holds it.
pub(super) async fn acquire(url: &str) -> Result<AnyConnection, StoreError> {
    sqlx::any::install_default_drivers();
    let shown = shown_url(url);
    let mut session = AnyConnection::connect(url)
        .await
        .map_err(|source| StoreError::Open {
            path: shown.clone(),
            source,
        })?;
    let operation = "take the daemon lock";
    let name = format!("{APPLICATION}{}", std::process::id());
    sqlx::query("SELECT set_config('application_name', $1, false)")
        .bind(name)
        .execute(&mut session)
        .await
        .map_err(query_error(operation))?;
    let Flag(taken) = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(DAEMON_KEY)
        .fetch_one(&mut session)
        .await
        .map_err(query_error(operation))?;
    if taken {
        return Ok(session);
    }
    let pid = holder(&mut session).await;
    Err(StoreError::Locked { path: shown, pid })
}

/// The pid the holding session names in its `application_name`.
async fn holder(session: &mut AnyConnection) -> Option<u32> {
    let name: Option<String> = sqlx::query_scalar(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
                 SELECT oid FROM pg_database WHERE datname = current_database())
           AND ((l.classid::bigint << 32) | l.objid::bigint) = $1
         LIMIT 1",
    )
    .bind(DAEMON_KEY)
    .fetch_optional(session)
    .await
    .ok()
    .flatten();
    name?.strip_prefix(APPLICATION)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::super::DaemonLock;
    use super::*;

    #[tokio::test]
    async fn a_second_daemon_on_one_postgres_database_is_refused_naming_the_holder() {
        let Some(url) = super::super::test_postgres::database_url().await else {
            return;
        };
        let first = DaemonLock::acquire_url(&url).await.unwrap();
        let err = DaemonLock::acquire_url(&url).await.unwrap_err();
        let pid = std::process::id();
        assert!(
            matches!(err, StoreError::Locked { pid: Some(p), .. } if p == pid),
            "{err:?}"
        );
        drop(first);
        // The server ends the session when the connection closes.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match DaemonLock::acquire_url(&url).await {
                Ok(_) => break,
                Err(err) => assert!(std::time::Instant::now() < deadline, "{err}"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
