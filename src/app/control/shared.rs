//! `refeed refresh` on PostgreSQL (issue 13): the source's host may belong
//! to another instance of the fleet, so the daemon that got the request
//! does not run it itself. It marks each source due now in the fleet's
//! shared schedule, where its host's owner claims it at its next poll
//! (within a second), and waits until a refresh of it committed: the first
//! refresh record newer than the one the source had when asked. A refresh
//! already running when asked is that record (its release would plan the
//! next due time over ours anyway). Schedule and backoff are bypassed, as
//! on SQLite; politeness is not (the owner's fetcher runs it).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{REFRESH_TIMEOUT, Response};
use crate::app::commands::counts_line;
use crate::app::reload::Reloader;
use crate::model::RefreshRecord;
use crate::store::Store;

/// How often the source's refresh records are read while waiting.
const COMMIT_POLL: Duration = Duration::from_millis(200);

/// Marks `ids` due now in the fleet's schedule and waits for their
/// refreshes to commit (each within [`REFRESH_TIMEOUT`]).
pub(super) async fn refresh(ids: Vec<String>, reloader: &Reloader) -> Response {
    let waits = ids.iter().map(|id| refresh_one(id, reloader));
    let lines = futures::future::join_all(waits).await;
    Response {
        ok: lines.iter().all(|(ok, _)| *ok),
        lines: lines.into_iter().map(|(_, line)| line).collect(),
    }
}

/// One source's answer: whether it succeeded, and its line.
async fn refresh_one(id: &str, reloader: &Reloader) -> (bool, String) {
    if reloader.desk.source(id).is_none() {
        return (false, format!("{id}: no such source in the running config"));
    }
    let store = &reloader.store;
    let before = match latest(store, id).await {
        Ok(before) => before,
        Err(line) => return (false, line),
    };
    let now = Utc::now();
    if let Err(err) = store.set_due(id, now, now).await {
        return (
            false,
            format!("{id}: cannot mark it due in the fleet's schedule: {err}"),
        );
    }
    tracing::info!(
        source = id,
        "refresh asked for; due now in the fleet's schedule"
    );
    let deadline = tokio::time::Instant::now() + REFRESH_TIMEOUT;
    loop {
        match latest(store, id).await {
            Ok(Some(record)) if Some(stamp(&record)) != before.as_ref().map(stamp) => {
                return committed(id, &record);
            }
            Ok(_) => {}
            Err(line) => tracing::warn!(source = id, "{line}"),
        }
        if tokio::time::Instant::now() >= deadline {
            let minutes = REFRESH_TIMEOUT.as_secs() / 60;
            let line = format!(
                "{id}: due now in the fleet's schedule, but no refresh of it committed within \
                 {minutes} min (is an instance that may fetch its host running?); gave up waiting"
            );
            return (false, line);
        }
        tokio::time::sleep(COMMIT_POLL).await;
    }
}

/// `id`'s latest refresh record, or the line saying it cannot be read.
async fn latest(store: &Store, id: &str) -> Result<Option<RefreshRecord>, String> {
    match store.refresh_history(id, 1).await {
        Ok(records) => Ok(records.into_iter().next()),
        Err(err) => Err(format!("{id}: cannot read its refreshes: {err}")),
    }
}

/// What tells two refresh records apart.
fn stamp(record: &RefreshRecord) -> (DateTime<Utc>, DateTime<Utc>) {
    (record.started, record.finished)
}

/// A committed refresh's answer, as the daemon's own refreshes print.
fn committed(id: &str, record: &RefreshRecord) -> (bool, String) {
    match &record.outcome {
        Ok(counts) => (true, counts_line(id, counts)),
        Err(error) => (false, format!("{id}: error: {error}")),
    }
}
