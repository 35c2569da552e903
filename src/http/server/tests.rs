//! The accept loop and its limits over real sockets on 127.0.0.1: timeouts,
//! eviction at the connection limit, 503 when every connection is busy,
//! and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::registry::Registry;
use super::*;

const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: t\r\n\r\n";
const GET_SLOW: &[u8] = b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";

/// A server on 127.0.0.1:0 whose `/slow` answers once `release` is notified.
struct Server {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<io::Result<()>>,
    release: Arc<Notify>,
}

async fn start(limits: ConnectionLimits) -> Server {
    let release = Arc::new(Notify::new());
    let waiting = release.clone();
    let router = Router::new().route("/", get(|| async { "ok" })).route(
        "/slow",
        get(move || async move {
            waiting.notified().await;
            "done"
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(serve_with(listener, router, limits, shutdown.clone()));
    Server {
        addr,
        shutdown,
        task,
        release,
    }
}

fn limits(header: u64, idle: u64, max: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_millis(header),
        idle_timeout: Duration::from_millis(idle),
        max_connections: max,
        ..ConnectionLimits::default()
    }
}

/// Reads until `needle` has come in; panics past two seconds.
async fn read_until(stream: &mut TcpStream, needle: &str) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + Duration::from_secs(2);
    while !String::from_utf8_lossy(&got).contains(needle) {
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await;
        match read {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            other => panic!(
                "no {needle:?} in {:?} ({other:?})",
                String::from_utf8_lossy(&got)
            ),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// How long until the server closes `stream` (EOF or reset), if within
/// `limit`; whatever else it sends is skipped.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(started + limit, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn a_connection_sending_headers_slowly_is_closed_after_the_header_read_timeout() {
    let server = start(limits(300, 5_000, 100)).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n")
        .await
        .unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let drip = tokio::spawn(async move {
        while writer.write_all(b"X-Slow: a\r\n").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(3), reader.read(&mut buf)).await;
    let took = started.elapsed();
    drip.abort();
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "not closed: {read:?}");
    assert!(took >= Duration::from_millis(250), "closed early: {took:?}");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_read_timeout() {
    let server = start(limits(300, 5_000, 100)).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let took = closed_within(&mut stream, Duration::from_secs(3)).await;
    let took = took.expect("an idle new connection stays open");
    assert!(took >= Duration::from_millis(250), "closed early: {took:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = start(limits(200, 800, 100)).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(GET).await.unwrap();
    read_until(&mut stream, "\r\n\r\nok").await;
    // Still open past the header-read timeout: idle, not reading headers.
    let took = closed_within(&mut stream, Duration::from_secs(3)).await;
    let took = took.expect("an idle keep-alive connection stays open");
    assert!(took >= Duration::from_millis(700), "closed early: {took:?}");
}

#[tokio::test]
async fn a_keep_alive_connection_serves_requests_within_its_idle_timeout() {
    let server = start(limits(300, 5_000, 100)).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    for _ in 0..3 {
        stream.write_all(GET).await.unwrap();
        read_until(&mut stream, "\r\n\r\nok").await;
        // Longer than the header-read timeout, which idle time does not count.
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
}

/// Far more than the socket buffers of both ends hold.
const BIG: usize = 32 << 20;

/// Serves `/one` (BIG bytes in one chunk, which hyper takes at once) and
/// `/many` (BIG bytes in 64 KiB chunks) with `limits`.
async fn start_big(limits: ConnectionLimits) -> SocketAddr {
    let many = || {
        let chunk = axum::body::Bytes::from(vec![b'x'; 64 << 10]);
        let chunks = (0..BIG >> 16).map(move |_| Ok::<_, io::Error>(chunk.clone()));
        axum::body::Body::from_stream(futures::stream::iter(chunks))
    };
    let router = Router::new()
        .route("/one", get(|| async { vec![b'x'; BIG] }))
        .route("/many", get(move || async move { many() }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_with(
        listener,
        router,
        limits,
        CancellationToken::new(),
    ));
    addr
}

/// GETs `path`, then reads at most `step` bytes every 100 ms after
/// `first_pause`: how many bytes came before the server closed.
async fn read_slowly(addr: SocketAddr, path: &str, first_pause: Duration, step: usize) -> usize {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    tokio::time::sleep(first_pause).await;
    let mut received = 0;
    let mut buf = vec![0u8; step];
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return received,
            Ok(Ok(n)) => received += n,
            Err(_) => panic!("{path}: still open after 20 s, {received} bytes read"),
        }
        // Past the whole response, wait for the idle timeout at full speed.
        if received <= BIG {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn a_response_the_client_does_not_read_is_abandoned_after_the_idle_timeout() {
    let addr = start_big(limits(10_000, 500, 100)).await;
    let received = read_slowly(addr, "/many", Duration::from_millis(1_500), 1 << 20).await;
    assert!(
        received < BIG,
        "a response was kept for a client not reading"
    );
}

#[tokio::test]
async fn a_response_read_slowly_but_steadily_is_written_whole() {
    let addr = start_big(limits(300, 500, 100)).await;
    for path in ["/one", "/many"] {
        // Pauses of 100 ms, shorter than the idle timeout.
        let received = read_slowly(addr, path, Duration::ZERO, 2 << 20).await;
        assert!(received > BIG, "{path}: cut at {received} bytes");
    }
}

#[tokio::test]
async fn at_the_limit_the_connection_waiting_longest_makes_room() {
    let server = start(limits(10_000, 10_000, 3)).await;
    let mut oldest = TcpStream::connect(server.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut waiting = Vec::new();
    for _ in 0..2 {
        waiting.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let mut reader = TcpStream::connect(server.addr).await.unwrap();
    reader.write_all(GET).await.unwrap();
    read_until(&mut reader, "\r\n\r\nok").await;
    assert!(
        closed_within(&mut oldest, Duration::from_secs(1))
            .await
            .is_some()
    );
    for stream in &mut waiting {
        let closed = closed_within(stream, Duration::from_millis(200)).await;
        assert_eq!(closed, None, "a newer waiting connection was closed");
    }
}

#[tokio::test]
async fn a_connection_answering_a_request_is_kept_and_newcomers_get_503() {
    let server = start(limits(10_000, 10_000, 1)).await;
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    busy.write_all(GET_SLOW).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut newcomer = TcpStream::connect(server.addr).await.unwrap();
    newcomer.write_all(GET).await.unwrap();
    let refused = read_until(&mut newcomer, "too many connections\n").await;
    assert!(refused.starts_with("HTTP/1.1 503 "), "{refused}");
    assert!(
        closed_within(&mut newcomer, Duration::from_secs(1))
            .await
            .is_some()
    );
    server.release.notify_one();
    read_until(&mut busy, "\r\n\r\ndone").await;
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_closes_the_others() {
    let server = start(limits(10_000, 10_000, 100)).await;
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    busy.write_all(GET_SLOW).await.unwrap();
    let mut half = TcpStream::connect(server.addr).await.unwrap();
    half.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(GET).await.unwrap();
    read_until(&mut idle, "\r\n\r\nok").await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    server.shutdown.cancel();
    for stream in [&mut half, &mut idle] {
        let closed = closed_within(stream, Duration::from_secs(1)).await;
        assert!(
            closed.is_some(),
            "a connection with no request in flight stayed open"
        );
    }
    assert!(
        !server.task.is_finished(),
        "returned with a request in flight"
    );
    server.release.notify_one();
    read_until(&mut busy, "\r\n\r\ndone").await;
    let served = tokio::time::timeout(Duration::from_secs(2), server.task).await;
    assert!(matches!(served, Ok(Ok(Ok(())))), "{served:?}");
}

#[test]
fn the_connection_cap_leaves_descriptors_to_the_rest_of_refeed() {
    let defaults = ConnectionLimits::default();
    assert_eq!(defaults.connection_cap(Some(1024)), 1024 - 128);
    assert_eq!(defaults.connection_cap(Some(8192)), DEFAULT_MAX_CONNECTIONS);
    assert_eq!(defaults.connection_cap(None), DEFAULT_MAX_CONNECTIONS);
    // A small limit keeps half for the rest.
    assert_eq!(defaults.connection_cap(Some(200)), 100);
    assert_eq!(defaults.connection_cap(Some(0)), 1);
    let configured = limits(1, 1, 500);
    assert_eq!(configured.connection_cap(Some(1024)), 500);
    // Outgoing connections ([fetch] max_connections) are kept out too.
    let fetching_more = ConnectionLimits {
        outgoing: 400,
        ..ConnectionLimits::default()
    };
    assert_eq!(fetching_more.connection_cap(Some(1024)), 1024 - 64 - 400);
    assert_eq!(
        fetching_more.connection_cap(Some(8192)),
        DEFAULT_MAX_CONNECTIONS
    );
}

/// Sweeps at instants ahead of the clock instead of waiting.
#[test]
fn deadlines_count_only_while_no_request_is_in_flight() {
    let limits = limits(1_000, 5_000, 10);
    let later = |ms: u64| Instant::now() + Duration::from_millis(ms);
    let registry = Arc::new(Registry::default());
    let entry = registry.add();
    let conn = entry.conn().clone();
    conn.on_read();
    conn.request_started();
    assert_eq!(registry.sweep(&limits, later(60_000)), 0, "busy");
    assert_eq!(registry.evict_longest_waiting(), 0, "busy");

    conn.request_finished();
    assert_eq!(registry.sweep(&limits, later(4_000)), 0, "idle 4 s of 5");
    assert_eq!(registry.sweep(&limits, later(5_000)), 1, "idle 5 s");

    let entry = registry.add();
    let conn = entry.conn().clone();
    conn.request_started();
    conn.request_finished();
    // The next request's first byte starts the header-read timeout.
    let before = Instant::now();
    conn.on_read();
    let after = Instant::now();
    let ms = Duration::from_millis;
    assert_eq!(
        registry.sweep(&limits, before + ms(999)),
        0,
        "headers 999 ms"
    );
    assert_eq!(registry.sweep(&limits, after + ms(1_000)), 1, "headers 1 s");
    assert_eq!(registry.sweep(&limits, after + ms(1_000)), 0, "closed once");
    assert_eq!((registry.open(), registry.live()), (2, 0));
    drop(entry);
    assert_eq!((registry.open(), registry.live()), (1, 0));
}
