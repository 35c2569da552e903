//! Issue 13: the daemon's outgoing connections (and so its descriptors)
//! stay within `[fetch] max_connections` however many hosts its sources are
//! on. `refeed run` refreshes 150 feed sources, each on its own loopback
//! host (127.0.0.2 … : Linux routes all of 127/8 to lo), served with
//! keep-alive; the test samples the process's open descriptors
//! (`/proc/PID/fd`) and, among them, its sockets connected to the outlets
//! (`/proc/PID/net/tcp`), during the refresh and after it. The same holds
//! for an unchanged refresh (`refeed once` again, every feed answering
//! `304 Not Modified`: the second pass of `scripts/bench-fetch`).

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{SourceToml, TestEnv, command};

/// Hosts, one source each.
const HOSTS: usize = 150;
/// The budget under test: 8 requests in flight, 8 idle connections.
const MAX_CONNECTIONS: usize = 16;

/// Connections of dropped sessions still closing, allowed on top.
const CLOSING_SLACK: usize = MAX_CONNECTIONS;

/// Counts feed requests answered, across all hosts.
#[derive(Default)]
struct Served {
    /// Every request.
    requests: AtomicUsize,
    /// Those answered `304 Not Modified`.
    not_modified: AtomicUsize,
}

/// The feeds' strong ETag: a request sending it back gets a 304.
const ETAG: &str = "\"v1\"";

#[tokio::test]
async fn refreshing_many_hosts_keeps_connections_within_max_connections() {
    let served = Arc::new(Served::default());
    let mut ports = HashSet::new();
    let env = many_hosts(&served, &mut ports).await;
    let mut daemon = env.daemon().await;
    let pid = daemon.pid();
    let (mut peak_outgoing, mut peak_fds) = (0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while served.requests.load(Ordering::SeqCst) < HOSTS {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {HOSTS} feeds fetched; logs:\n{}",
            served.requests.load(Ordering::SeqCst),
            daemon.logs()
        );
        peak_outgoing = peak_outgoing.max(outgoing(pid, &ports));
        peak_fds = peak_fds.max(descriptors(pid));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(daemon.is_running(), "refeed died:\n{}", daemon.logs());
    eprintln!("{HOSTS} hosts: peak {peak_outgoing} outgoing connections, {peak_fds} descriptors");
    // Held connections never pass max_connections; a dropped session's
    // connections close once the runtime polls their tasks, so on a loaded
    // machine a few may still be closing (measured: up to 5 at load 10).
    assert!(
        peak_outgoing <= MAX_CONNECTIONS + CLOSING_SLACK,
        "{peak_outgoing} connections open at once (max_connections = {MAX_CONNECTIONS})"
    );
    // Without a total bound every host keeps its idle connection.
    assert!(peak_fds < HOSTS, "{peak_fds} descriptors open at once");
    // Once the refresh is over, at most the idle half stays open.
    let after = poll_until(|| outgoing(pid, &ports) <= MAX_CONNECTIONS / 2).await;
    assert!(after, "{} connections left open", outgoing(pid, &ports));
}

#[tokio::test]
async fn an_unchanged_refresh_of_many_hosts_keeps_descriptors_within_max_connections() {
    let served = Arc::new(Served::default());
    let mut ports = HashSet::new();
    let env = many_hosts(&served, &mut ports).await;
    let first = env.refeed(&["once"]).await;
    assert!(first.success(), "first refresh failed:\n{first}");
    served.not_modified.store(0, Ordering::SeqCst);
    // Again, nothing changed: the path of every unchanged source.
    let mut child = command(env.dir())
        .args(["once", "--config"])
        .arg(env.config())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start refeed once");
    let pid = child.id();
    let (mut peak_outgoing, mut peak_fds) = (0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let status = loop {
        peak_outgoing = peak_outgoing.max(outgoing(pid, &ports));
        peak_fds = peak_fds.max(descriptors(pid));
        if let Some(status) = child.try_wait().expect("wait for refeed once") {
            break status;
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("refeed once did not finish within 90 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    assert!(status.success(), "second refresh failed: {status}");
    let not_modified = served.not_modified.load(Ordering::SeqCst);
    assert_eq!(not_modified, HOSTS, "feeds answered 304 the second time");
    eprintln!(
        "{HOSTS} unchanged hosts: peak {peak_outgoing} outgoing connections, {peak_fds} descriptors"
    );
    assert!(
        peak_outgoing <= MAX_CONNECTIONS + CLOSING_SLACK,
        "{peak_outgoing} connections open at once (max_connections = {MAX_CONNECTIONS})"
    );
    assert!(peak_fds < HOSTS, "{peak_fds} descriptors open at once");
}

/// A config of [`HOSTS`] feed sources, each on its own loopback host
/// served by this process (their ports go into `ports`), with
/// `max_connections` = [`MAX_CONNECTIONS`] and 32 workers.
async fn many_hosts(served: &Arc<Served>, ports: &mut HashSet<u16>) -> TestEnv {
    let mut sources = Vec::new();
    for n in 0..HOSTS {
        let ip = format!("127.0.0.{}", n + 2);
        let port = serve_feed(&ip, served.clone()).await;
        ports.insert(port);
        let url = format!("http://{ip}:{port}/feed.xml");
        sources.push(SourceToml::feed(&format!("s{n}"), &url).ignore_robots());
    }
    let settings = format!(
        "[fetch]\ntimeout = \"10s\"\nper_host_delay = \"0s\"\nmax_connections = {MAX_CONNECTIONS}\n\
         [scheduler]\nworkers = 32\n"
    );
    TestEnv::with_settings(&sources, &settings)
}

/// Polls `done` for up to 10 s.
async fn poll_until(mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::time::Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

/// The process's open descriptors but for sockets of this process. A
/// child read right after `spawn` may not have closed what it inherited
/// close-on-exec yet (a vfork-style spawn resumes the parent a step before
/// the kernel closes them), and would count this process's listeners as
/// its own. refeed is given no socket of ours.
fn descriptors(pid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    let links: Vec<String> = dir
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .collect();
    let ours = sockets("self");
    links
        .iter()
        .filter(|link| socket_inode(link).is_none_or(|inode| !ours.contains(&inode)))
        .count()
}

/// `N` of a `socket:[N]` link.
fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The socket inodes among the descriptors of `/proc/PROCESS`.
fn sockets(process: &str) -> HashSet<u64> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{process}/fd")) else {
        return HashSet::new();
    };
    dir.filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| socket_inode(&target.to_string_lossy()))
        .collect()
}

/// The process's sockets connected to one of `ports` (the outlets).
fn outgoing(pid: u32, ports: &HashSet<u16>) -> usize {
    let Ok(table) = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")) else {
        return 0;
    };
    let to_outlets: HashSet<u64> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let port = fields.get(2)?.rsplit(':').next()?;
            let port = u16::from_str_radix(port, 16).ok()?;
            let inode = fields.get(9)?.parse().ok()?;
            ports.contains(&port).then_some(inode)
        })
        .collect();
    sockets(&pid.to_string())
        .iter()
        .filter(|inode| to_outlets.contains(inode))
        .count()
}

/// Serves an RSS feed with keep-alive on `ip`, port 0; returns the port.
async fn serve_feed(ip: &str, served: Arc<Served>) -> u16 {
    let listener = TcpListener::bind((ip, 0))
        .await
        .expect("bind loopback host");
    let port = listener.local_addr().expect("address").port();
    let origin = format!("http://{ip}:{port}");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket, origin.clone(), served.clone()));
        }
    });
    port
}

/// Answers each request on `socket` with the feed (a 304 when it sends
/// the feed's ETag back) until the client closes.
async fn answer(mut socket: TcpStream, origin: String, served: Arc<Served>) {
    let body = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
         <link>{origin}/</link><description>d</description>\
         <item><title>One</title><link>{origin}/one</link><description>first</description></item>\
         </channel></rss>"
    );
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {ETAG}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let unchanged = format!("HTTP/1.1 304 Not Modified\r\nETag: {ETAG}\r\n\r\n");
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n) = socket.read(&mut chunk).await {
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        while let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            buffer.drain(..end + 4);
            served.requests.fetch_add(1, Ordering::SeqCst);
            let reply = if head.contains(&format!("if-none-match: {ETAG}")) {
                served.not_modified.fetch_add(1, Ordering::SeqCst);
                &unchanged
            } else {
                &answer
            };
            if socket.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}
