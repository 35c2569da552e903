//! The daemon's side of the control socket: binds it private to refeed's
//! user (replacing a stale socket a killed daemon left, never a live one or
//! another kind of file), serves a bounded number of connections, and
//! answers each request through the reloader and the scheduler.

use std::collections::HashSet;
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, broadcast, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{
    MAX_CONNECTIONS, MAX_REQUEST_BYTES, REFRESH_TIMEOUT, REQUEST_TIMEOUT, Request, Response,
};
use crate::app::reload::Reloader;
use crate::app::workers::Report;
use crate::schedule::{Command, RunNow};

/// A bound control socket and the task serving it.
pub(in crate::app) struct Listening {
    path: PathBuf,
    /// Device and inode of the socket file, so that shutdown removes it
    /// only while it is still ours.
    identity: (u64, u64),
    task: JoinHandle<()>,
}

impl Listening {
    /// Waits for the accept loop (it ends on shutdown) and removes the
    /// socket file.
    pub(in crate::app) async fn close(self) {
        let _ = self.task.await;
        let ours = std::fs::symlink_metadata(&self.path)
            .is_ok_and(|meta| (meta.dev(), meta.ino()) == self.identity);
        if ours && let Err(err) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %err, "cannot remove the control socket");
        }
    }
}

/// Binds the control socket at `path` and serves it until `shutdown`.
pub(in crate::app) fn listen(
    path: &Path,
    reloader: Arc<Reloader>,
    shutdown: CancellationToken,
) -> io::Result<Listening> {
    refuse_live_or_foreign(path)?;
    let listener = bind_private(path)?;
    let meta = std::fs::symlink_metadata(path)?;
    tracing::info!(path = %path.display(), "control socket ready");
    let task = tokio::spawn(accept_loop(listener, reloader, shutdown));
    Ok(Listening {
        path: path.to_owned(),
        identity: (meta.dev(), meta.ino()),
        task,
    })
}

/// Fails when a daemon answers on `path` or `path` is not a socket; a
/// socket nobody answers on (its daemon was killed) may be replaced.
fn refuse_live_or_foreign(path: &Path) -> io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    if !meta.file_type().is_socket() {
        let message = format!("{} exists and is not a socket", path.display());
        return Err(io::Error::new(io::ErrorKind::AlreadyExists, message));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("another refeed daemon answers on {}", path.display()),
        )),
        Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!(path = %path.display(), "replacing a stale control socket");
            Ok(())
        }
        Err(err) => Err(err),
    }
}

/// Binds the socket in a fresh folder only this user may enter, makes it
/// 0600, then renames it into place: no other user can ever connect to
/// it, without touching the process-wide umask.
fn bind_private(path: &Path) -> io::Result<UnixListener> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let private = folder.join(format!(".refeed-sock-{}", std::process::id()));
    // Left by an earlier process with our pid that was killed mid-bind.
    let _ = std::fs::remove_file(private.join("s"));
    let _ = std::fs::remove_dir(&private);
    std::fs::DirBuilder::new().mode(0o700).create(&private)?;
    let inner = private.join("s");
    let bound = UnixListener::bind(&inner).and_then(|listener| {
        std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(0o600))?;
        std::fs::rename(&inner, path)?;
        Ok(listener)
    });
    let _ = std::fs::remove_file(&inner);
    let _ = std::fs::remove_dir(&private);
    bound
}

/// Accepts connections until `shutdown`, at most [`MAX_CONNECTIONS`] at
/// once (more are closed unanswered).
async fn accept_loop(listener: UnixListener, reloader: Arc<Reloader>, shutdown: CancellationToken) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of descriptors, most likely: let some close.
                tracing::warn!(error = %err, "control socket: cannot accept");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!("control socket: too many connections; closing one");
            continue;
        };
        let (reloader, shutdown) = (reloader.clone(), shutdown.clone());
        tokio::spawn(async move {
            tokio::select! {
                _ = shutdown.cancelled() => {},
                () = serve(stream, &reloader) => {},
            }
            drop(permit);
        });
    }
}

/// Reads one request, answers it, closes.
async fn serve(stream: UnixStream, reloader: &Reloader) {
    let (read, mut write) = stream.into_split();
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, read_request(read)).await {
        Ok(Ok(request)) => answer(request, reloader).await,
        Ok(Err(message)) => Response::failed(message),
        Err(_) => Response::failed("no request within the time limit"),
    };
    let mut line = serde_json::to_vec(&response).unwrap_or_default();
    line.push(b'\n');
    let _ = tokio::time::timeout(REQUEST_TIMEOUT, write.write_all(&line)).await;
}

/// One request line of at most [`MAX_REQUEST_BYTES`].
async fn read_request(read: tokio::net::unix::OwnedReadHalf) -> Result<Request, String> {
    let mut reader = BufReader::new(read).take(MAX_REQUEST_BYTES);
    let mut line = String::new();
    match reader.read_line(&mut line).await {
        Ok(_) if !line.ends_with('\n') => Err(format!(
            "request too long or unterminated (at most {MAX_REQUEST_BYTES} bytes, one line)"
        )),
        Ok(_) => serde_json::from_str(&line).map_err(|err| format!("bad request: {err}")),
        Err(err) => Err(format!("bad request: {err}")),
    }
}

/// The first line of a failed reload's answer.
const RELOAD_FAILED: &str = "config reload failed; the daemon runs on with its previous config:";

async fn answer(request: Request, reloader: &Reloader) -> Response {
    match request {
        Request::Reload => match reloader.reload().await {
            Ok(summary) => Response {
                ok: true,
                lines: reloaded(&reloader.path, summary),
            },
            Err(errors) => Response {
                ok: false,
                lines: std::iter::once(RELOAD_FAILED.to_owned())
                    .chain(errors)
                    .collect(),
            },
        },
        Request::Refresh { sources } => refresh(sources, reloader).await,
    }
}

fn reloaded(path: &Path, summary: Vec<String>) -> Vec<String> {
    let head = format!("reloaded {}", path.display());
    std::iter::once(head).chain(summary).collect()
}

/// Asks the scheduler to run `ids` now and waits for their results; on
/// PostgreSQL asks the fleet instead (see `shared`).
async fn refresh(ids: Vec<String>, reloader: &Reloader) -> Response {
    let mut seen = HashSet::new();
    let ids: Vec<String> = ids
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    if reloader.store.is_shared() {
        return super::shared::refresh(ids, reloader).await;
    }
    // Subscribed before asking, so no result can slip past.
    let reports = reloader.desk.reports();
    let (reply, answer) = oneshot::channel();
    let asked = Command::RunNow { ids, reply };
    if reloader.commands.send(asked).await.is_err() {
        return Response::failed("the scheduler has stopped (the daemon is shutting down)");
    }
    let Ok(answers) = answer.await else {
        return Response::failed("the scheduler has stopped (the daemon is shutting down)");
    };
    let queued: HashSet<String> = answers
        .iter()
        .filter(|(_, a)| *a == RunNow::Queued)
        .map(|(id, _)| id.clone())
        .collect();
    let mut results = collect(reports, queued).await;
    let lines: Vec<(bool, String)> = answers
        .into_iter()
        .map(|(id, answer)| match answer {
            RunNow::Queued => results.remove(&id).unwrap_or_else(|| {
                let minutes = REFRESH_TIMEOUT.as_secs() / 60;
                (
                    false,
                    format!("{id}: still running after {minutes} min; gave up waiting"),
                )
            }),
            RunNow::Unknown => (false, format!("{id}: no such source in the running config")),
            RunNow::QueueFull => (
                false,
                format!("{id}: not run: every worker is busy; try again"),
            ),
        })
        .collect();
    Response {
        ok: lines.iter().all(|(ok, _)| *ok),
        lines: lines.into_iter().map(|(_, line)| line).collect(),
    }
}

/// The results of `pending` as they come, within [`REFRESH_TIMEOUT`].
async fn collect(
    mut reports: broadcast::Receiver<Report>,
    mut pending: HashSet<String>,
) -> std::collections::HashMap<String, (bool, String)> {
    let mut results = std::collections::HashMap::new();
    let deadline = tokio::time::Instant::now() + REFRESH_TIMEOUT;
    while !pending.is_empty() {
        match tokio::time::timeout_at(deadline, reports.recv()).await {
            Ok(Ok(report)) if pending.remove(&report.id) => {
                results.insert(report.id, (report.ok, report.line));
            }
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => break,
        }
    }
    results
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
