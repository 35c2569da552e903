use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::*;
use crate::fetch::test_server::{fetch_page, fetcher_with};

#[test]
fn the_budget_splits_max_connections_and_never_exceeds_it() {
    let budget = Budget::of(256, 1);
    assert_eq!(budget.requests, 128);
    assert_eq!(budget.idle_sessions, 128);
    assert_eq!(budget.max_open(), 256);
    let budget = Budget::of(10, 3);
    assert_eq!((budget.requests, budget.idle_sessions), (5, 1));
    assert!(budget.max_open() <= 10);
    for max in 2..64 {
        for per_host in 1..=max / 2 {
            assert!(
                Budget::of(max, per_host).max_open() <= max,
                "{max} {per_host}"
            );
        }
    }
}

/// Connections open at the servers: accepted and not yet closed.
#[derive(Debug, Default)]
struct Open(AtomicUsize);

/// A keep-alive server on `ip` (a loopback address) answering every
/// request with a small page; counts its open connections in `open`.
async fn keep_alive_server(ip: &str, open: Arc<Open>) -> Url {
    let listener = TcpListener::bind((ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let open = Arc::clone(&open);
            open.0.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                answer_until_closed(socket).await;
                open.0.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    Url::parse(&format!("http://{addr}/page")).unwrap()
}

/// Answers each request head read from `socket` until the client closes.
async fn answer_until_closed(mut socket: TcpStream) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = socket.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            buffer.drain(..end + 4);
            let body = "<p>a page</p>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            if socket.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

/// Polls `open` until it is at most `bound`; its last value.
async fn settles_at_most(open: &Open, bound: usize) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let now = open.0.load(Ordering::SeqCst);
        if now <= bound || tokio::time::Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn idle_connections_to_many_hosts_stay_within_max_connections() {
    // 40 hosts (127.0.0.2 … 127.0.0.41: Linux routes all of 127/8 to lo),
    // each fetched twice; a budget of 8 keeps at most 4 idle sessions.
    let open = Arc::new(Open::default());
    let mut urls = Vec::new();
    for host in 2..42 {
        urls.push(keep_alive_server(&format!("127.0.0.{host}"), Arc::clone(&open)).await);
    }
    let fetcher = fetcher_with(|c| c.max_connections = 8);
    let budget = fetcher.sessions.budget();
    assert_eq!(budget.max_open(), 8);
    let mut peak = 0;
    for url in urls.iter().chain(&urls) {
        let page = fetch_page(&fetcher, url).await.unwrap();
        assert_eq!(page.body, "<p>a page</p>");
        peak = peak.max(open.0.load(Ordering::SeqCst));
    }
    assert!(fetcher.sessions.open() <= budget.idle_sessions);
    // The servers see a dropped session's connection close a moment later.
    let idle = settles_at_most(&open, budget.idle_sessions).await;
    assert!(
        idle <= budget.idle_sessions,
        "{idle} connections still open"
    );
    // One request at a time: never more than the idle ones plus one (and a
    // closing one the server has not yet seen go).
    assert!(peak <= budget.max_open(), "peak {peak}");
}

#[tokio::test]
async fn a_session_reuses_its_connection_across_requests() {
    let open = Arc::new(Open::default());
    let url = keep_alive_server("127.0.0.1", Arc::clone(&open)).await;
    let fetcher = fetcher_with(|c| c.max_connections = 4);
    for _ in 0..5 {
        fetch_page(&fetcher, &url).await.unwrap();
    }
    assert_eq!(open.0.load(Ordering::SeqCst), 1);
    assert_eq!(fetcher.sessions.open(), 1);
}

#[tokio::test]
async fn requests_in_flight_wait_for_a_slot() {
    let fetcher = fetcher_with(|c| c.max_connections = 2);
    let sessions = &fetcher.sessions;
    assert_eq!(sessions.budget().requests, 1);
    let first = sessions.request_slot().await;
    let second = tokio::time::timeout(Duration::from_millis(100), sessions.request_slot()).await;
    assert!(second.is_err(), "a second slot was given out");
    drop(first);
    let third = tokio::time::timeout(Duration::from_secs(2), sessions.request_slot()).await;
    assert!(third.is_ok());
}
