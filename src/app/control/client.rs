//! The commands' side of the control socket: `refeed refresh` and `refeed
//! reload` ask the running daemon, and do the work in-process when none
//! runs (no socket, or a stale one nobody answers on).

use std::io;
use std::path::Path;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

use super::{MAX_RESPONSE_BYTES, REFRESH_TIMEOUT, REQUEST_TIMEOUT, Request, Response, socket_path};
use crate::config::Config;

/// `refeed refresh ID...`: the daemon refreshes those sources now
/// (bypassing schedule and backoff, not politeness) and reports each;
/// without a daemon they are refreshed here, as `refeed once ID...` would.
/// `Ok(false)` when a refresh failed or an id is unknown.
pub async fn refresh(config: &Config, ids: &[String]) -> anyhow::Result<bool> {
    let path = socket_path(config);
    let request = Request::Refresh {
        sources: ids.to_vec(),
    };
    match ask(&path, &request).await? {
        Some(response) => Ok(print(&response)),
        None => {
            eprintln!(
                "refeed: no daemon is running (no answer on {}); refreshing in this process",
                path.display()
            );
            crate::app::once(config, ids).await
        }
    }
}

/// `refeed reload`: the daemon re-reads its config file and applies it, or
/// prints every error (with `file:line`) and keeps its config. Without a
/// daemon the config (already validated by loading it) is only checked.
pub async fn reload(config: &Config) -> anyhow::Result<bool> {
    let path = socket_path(config);
    match ask(&path, &Request::Reload).await? {
        Some(response) => Ok(print(&response)),
        None => {
            println!(
                "{} is valid ({} sources); no daemon is running (no answer on {}): nothing to reload",
                config.path.display(),
                config.sources.len(),
                path.display()
            );
            Ok(true)
        }
    }
}

/// Prints the daemon's lines; whether it said everything succeeded.
fn print(response: &Response) -> bool {
    for line in &response.lines {
        println!("{line}");
    }
    response.ok
}

/// Sends `request` to the daemon at `path` and reads its answer; `None`
/// when no daemon runs there.
async fn ask(path: &Path, request: &Request) -> anyhow::Result<Option<Response>> {
    let stream = match UnixStream::connect(path).await {
        Ok(stream) => stream,
        Err(err) if no_daemon(&err) => return Ok(None),
        Err(err) => {
            return Err(err).with_context(|| {
                format!(
                    "cannot reach the daemon's control socket {}",
                    path.display()
                )
            });
        }
    };
    let shown = path.display();
    exchange(stream, request)
        .await
        .with_context(|| format!("talking to the daemon at {shown}"))
        .map(Some)
}

/// No socket, or a socket file nobody listens on (a killed daemon's).
fn no_daemon(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
    )
}

/// One request line out, one response line in.
async fn exchange(stream: UnixStream, request: &Request) -> anyhow::Result<Response> {
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_vec(request)?;
    line.push(b'\n');
    tokio::time::timeout(REQUEST_TIMEOUT, write.write_all(&line))
        .await
        .context("the daemon does not read (timed out)")??;
    // The daemon waits for the refreshes; allow for writing the answer.
    let limit = REFRESH_TIMEOUT + REQUEST_TIMEOUT * 2;
    let mut reader = BufReader::new(read).take(MAX_RESPONSE_BYTES);
    let mut answer = String::new();
    tokio::time::timeout(limit, reader.read_line(&mut answer))
        .await
        .context("no answer from the daemon (timed out)")??;
    if answer.is_empty() {
        anyhow::bail!("the daemon closed the connection (too many control connections?)");
    }
    serde_json::from_str(&answer).context("the daemon's answer is not valid")
}
