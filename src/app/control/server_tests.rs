//! The control socket's bounds against hostile local clients, and its
//! refusal to replace a live socket or another file.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;
use crate::app::reload::tests::reloader;

const CONFIG: &str = "[server]\nlisten = \"127.0.0.1:0\"\n";

/// A control socket served in `dir`, and what must live as long.
struct Served {
    path: PathBuf,
    shutdown: CancellationToken,
    listening: Listening,
    _config: (tempfile::TempDir, tokio::sync::mpsc::Receiver<Command>),
}

async fn serving(dir: &Path) -> Served {
    let (config_dir, reloader, commands) = reloader(CONFIG).await;
    let path = dir.join("refeed.sock");
    let shutdown = CancellationToken::new();
    let listening = listen(&path, reloader, shutdown.clone()).unwrap();
    Served {
        path,
        shutdown,
        listening,
        _config: (config_dir, commands),
    }
}

/// Everything the daemon sends until it closes.
async fn read_all(stream: &mut UnixStream) -> String {
    let mut answer = String::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_string(&mut answer));
    read.await.expect("answered in time").unwrap();
    answer
}

#[tokio::test]
async fn a_long_or_bad_request_is_refused_and_reload_answers() {
    let dir = tempfile::tempdir().unwrap();
    let served = serving(dir.path()).await;
    let (path, shutdown) = (&served.path, &served.shutdown);
    let mut bad = UnixStream::connect(path).await.unwrap();
    bad.write_all(b"{\"command\":\"rm\"}\n").await.unwrap();
    assert!(read_all(&mut bad).await.contains("bad request"));
    let mut reload = UnixStream::connect(path).await.unwrap();
    reload
        .write_all(b"{\"command\":\"reload\"}\n")
        .await
        .unwrap();
    let answer: Response = serde_json::from_str(&read_all(&mut reload).await).unwrap();
    assert!(answer.ok, "{answer:?}");
    assert!(answer.lines[0].starts_with("reloaded "), "{answer:?}");
    shutdown.cancel();
}

#[tokio::test]
async fn a_request_over_the_limit_gets_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let served = serving(dir.path()).await;
    let (path, shutdown) = (&served.path, &served.shutdown);
    let stream = UnixStream::connect(path).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    // Written in the background: the daemon stops reading at its limit.
    let flood = vec![b'a'; 4 * MAX_REQUEST_BYTES as usize];
    tokio::spawn(async move { write.write_all(&flood).await });
    let mut answer = String::new();
    let read = tokio::time::timeout(Duration::from_secs(20), read.read_to_string(&mut answer));
    // The daemon answers and closes; closing on unread bytes may reach the
    // client as a reset before the answer (Linux): either way, it is over.
    match read.await.expect("closed in time") {
        Ok(_) => assert!(answer.contains("request too long"), "{answer}"),
        Err(err) => assert_eq!(err.kind(), io::ErrorKind::ConnectionReset),
    }
    let mut next = UnixStream::connect(path).await.unwrap();
    next.write_all(b"{\"command\":\"reload\"}\n").await.unwrap();
    assert!(read_all(&mut next).await.contains("reloaded"));
    shutdown.cancel();
}

#[tokio::test]
async fn idle_connections_time_out_and_extra_ones_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let served = serving(dir.path()).await;
    let (path, shutdown) = (&served.path, served.shutdown.clone());
    let started = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        idle.push(UnixStream::connect(path).await.unwrap());
    }
    // Past the limit: closed unanswered, at once.
    let mut extra = UnixStream::connect(path).await.unwrap();
    assert_eq!(read_all(&mut extra).await, "");
    assert!(started.elapsed() < REQUEST_TIMEOUT);
    for stream in &mut idle {
        assert!(
            read_all(stream)
                .await
                .contains("no request within the time limit")
        );
    }
    shutdown.cancel();
    served.listening.close().await;
    assert!(!path.exists(), "removed at shutdown");
}

#[tokio::test]
async fn a_live_socket_or_another_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let served = serving(dir.path()).await;
    let (path, shutdown) = (&served.path, &served.shutdown);
    let (_config_dir, second, _commands) = reloader(CONFIG).await;
    let err = listen(path, second.clone(), shutdown.clone())
        .err()
        .unwrap();
    assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err}");
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let err = listen(&file, second, shutdown.clone()).err().unwrap();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    shutdown.cancel();
}
