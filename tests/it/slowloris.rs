//! Slowloris (issue 9, point 4): `refeed run` under systemd's default of
//! 1,024 descriptors keeps answering readers within a second while 2,000
//! idle connections and 2,000 connections dripping header bytes hold on to
//! it, and is still alive afterwards. Before the fix, the idle connections
//! used up every descriptor and readers met "Too many open files".
//!
//! The test runs for less than the default timeouts: what keeps readers
//! answered here is the connection limit and its eviction of connections
//! with no request in flight (the timeouts have unit tests in
//! `http::server`). Figures are printed (`--nocapture`).

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use crate::support::{SourceToml, TestEnv};

/// systemd's default `LimitNOFILE` soft limit, which the issue measured.
const NOFILE: u32 = 1024;
/// Connections that connect and send nothing.
const IDLE: usize = 2000;
/// Connections that send a request line, then one header byte at a time.
const SLOW: usize = 2000;
/// The attack connections are opened evenly over this.
const RAMP: Duration = Duration::from_secs(1);
/// Between two bytes of a slow connection.
const DRIP_EVERY: Duration = Duration::from_millis(300);
/// How long readers keep asking while the attack runs.
const ATTACK: Duration = Duration::from_secs(6);
/// Between two reader requests.
const REQUEST_EVERY: Duration = Duration::from_millis(100);
/// Every reader request must be answered within this.
const ANSWER_LIMIT: Duration = Duration::from_secs(1);
/// The whole test, start to end.
const TEST_LIMIT: Duration = Duration::from_secs(30);

/// What the attackers managed.
#[derive(Default)]
struct Attack {
    /// Connections opened.
    opened: AtomicUsize,
    /// Connections refeed closed.
    closed: AtomicUsize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_are_answered_within_a_second_during_a_slowloris_attack() {
    // The attackers alone need 4,000 descriptors in this process.
    if let Err(why) = raise_own_nofile((IDLE + SLOW + 500) as u64) {
        eprintln!("skipping the slowloris test: {why}");
        return;
    }
    tokio::time::timeout(TEST_LIMIT, attack_and_read())
        .await
        .unwrap_or_else(|_| panic!("the slowloris test took over {TEST_LIMIT:?}"));
}

async fn attack_and_read() {
    // The source is never reachable: its feed is served empty, which is
    // enough to exercise the feed route.
    let env = TestEnv::new(
        &[SourceToml::feed("news", "http://127.0.0.1:9/feed.xml")],
        "2s",
    );
    let mut daemon = env.daemon_with_nofile(NOFILE).await;
    let addr = daemon.addr;
    let stop = CancellationToken::new();
    let attack = Arc::new(Attack::default());
    // Interleaved, all opened within RAMP (4,000 a second).
    for n in 0..IDLE + SLOW {
        let at = tokio::time::Instant::now() + RAMP * n as u32 / (IDLE + SLOW) as u32;
        let (attack, stop) = (attack.clone(), stop.clone());
        tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            if n % 2 == 0 {
                idle(addr, attack, stop).await;
            } else {
                slow(addr, attack, stop).await;
            }
        });
    }

    let latencies = tokio::task::spawn_blocking(move || read_during(addr, ATTACK))
        .await
        .expect("readers");
    stop.cancel();
    let opened = attack.opened.load(Ordering::Relaxed);
    let closed = attack.closed.load(Ordering::Relaxed);
    report(&latencies, opened, closed, daemon.pid());
    let logs = daemon.logs();
    for (path, outcome) in &latencies {
        if let Err(err) = outcome {
            panic!("GET {path} failed during the attack: {err}; refeed logs:\n{logs}");
        }
    }
    assert!(
        opened >= IDLE + SLOW,
        "the attack opened only {opened} connections"
    );
    assert!(daemon.is_running(), "refeed died:\n{logs}");
    let after = tokio::task::spawn_blocking(move || get(addr, "/healthz"))
        .await
        .expect("reader");
    assert!(
        after.is_ok(),
        "refeed stopped answering ({after:?}):\n{logs}"
    );
}

/// GETs `/healthz` and a feed in turn every [`REQUEST_EVERY`] for `span`,
/// each on a new connection: each path with how long it took, or why not.
/// Runs on a thread of its own with blocking sockets, so that the 4,000
/// attackers on this test's runtime do not delay the readers.
fn read_during(addr: SocketAddr, span: Duration) -> Vec<(String, Result<Duration, String>)> {
    let started = Instant::now();
    let mut out = Vec::new();
    for n in 0.. {
        let next = started + REQUEST_EVERY * n;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
        if started.elapsed() >= span {
            break;
        }
        let path = if n % 2 == 0 {
            "/healthz"
        } else {
            "/feeds/news.rss"
        };
        out.push((path.to_owned(), get(addr, path)));
    }
    out
}

/// GETs `path` on a new connection: how long until the whole 200 response
/// was read, or why it was not within [`ANSWER_LIMIT`].
fn get(addr: SocketAddr, path: &str) -> Result<Duration, String> {
    let sent = Instant::now();
    let deadline = sent + ANSWER_LIMIT;
    let mut stream = std::net::TcpStream::connect_timeout(&addr, ANSWER_LIMIT)
        .map_err(|e| format!("connect: {e}"))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: refeed.test\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send: {e}"))?;
    let mut response = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("no full answer within {ANSWER_LIMIT:?}"));
        }
        stream.set_read_timeout(Some(left)).expect("read timeout");
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(e) => return Err(format!("after {:?}: {e}", sent.elapsed())),
        }
    }
    let took = sent.elapsed();
    let head = String::from_utf8_lossy(&response[..response.len().min(40)]).into_owned();
    if !head.starts_with("HTTP/1.1 200 ") {
        return Err(format!("answered {head:?}"));
    }
    Ok(took)
}

/// Prints the figures the issue asks for (`--nocapture` shows them).
fn report(
    latencies: &[(String, Result<Duration, String>)],
    opened: usize,
    closed: usize,
    pid: u32,
) {
    let mut took: Vec<Duration> = latencies
        .iter()
        .filter_map(|(_, outcome)| outcome.as_ref().ok().copied())
        .collect();
    took.sort();
    let failed = latencies.len() - took.len();
    let pick = |q: f64| took.get(((took.len() as f64 - 1.0) * q) as usize).copied();
    eprintln!(
        "slowloris: {} reader requests, {failed} failed; latency p50 {:?}, p90 {:?}, max {:?}; \
         attackers opened {opened} connections, refeed closed {closed}; refeed {}",
        latencies.len(),
        pick(0.5),
        pick(0.9),
        took.last(),
        usage(pid),
    );
}

/// CPU time and peak memory of process `pid` so far, from `/proc`.
fn usage(pid: u32) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the `(command)`: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: u64 = (11..=12)
        .filter_map(|i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .unwrap_or("?")
        .trim();
    // The kernel counts in USER_HZ, 100 a second on Linux.
    format!("used {:.2} s of CPU, peak RSS {peak}", ticks as f64 / 100.0)
}

/// Connects and sends nothing; notes when refeed closes it.
async fn idle(addr: SocketAddr, attack: Arc<Attack>, stop: CancellationToken) {
    let Some(mut stream) = connect(addr, &attack, &stop).await else {
        return;
    };
    let mut byte = [0u8; 1];
    tokio::select! {
        _ = stop.cancelled() => {}
        _ = stream.read(&mut byte) => {
            attack.closed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Sends a request line, then a header one byte at a time, never ending
/// it; notes when refeed closes it.
async fn slow(addr: SocketAddr, attack: Arc<Attack>, stop: CancellationToken) {
    let Some(mut stream) = connect(addr, &attack, &stop).await else {
        return;
    };
    let mut sent = stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: refeed.test\r\nX-Slow: ")
        .await;
    while sent.is_ok() {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(DRIP_EVERY) => {}
        }
        sent = stream.write_all(b"a").await;
    }
    attack.closed.fetch_add(1, Ordering::Relaxed);
}

/// A new connection to `addr`, or `None` when refused or stopped.
async fn connect(addr: SocketAddr, attack: &Attack, stop: &CancellationToken) -> Option<TcpStream> {
    let stream = tokio::select! {
        _ = stop.cancelled() => return None,
        stream = TcpStream::connect(addr) => stream,
    };
    let stream = stream.ok()?;
    attack.opened.fetch_add(1, Ordering::Relaxed);
    Some(stream)
}

/// Raises this process's soft descriptor limit to at least `want` (up to
/// the hard limit), or says why it cannot.
fn raise_own_nofile(want: u64) -> Result<(), String> {
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_none_or(|soft| soft >= want) {
        return Ok(());
    }
    if limit.maximum.is_some_and(|hard| hard < want) {
        return Err(format!(
            "the hard descriptor limit is {:?}, below the {want} the attackers need",
            limit.maximum
        ));
    }
    let raised = Rlimit {
        current: Some(want),
        maximum: limit.maximum,
    };
    setrlimit(Resource::Nofile, raised).map_err(|e| format!("setrlimit: {e}"))
}
