//! Failures say their real cause (issue 12, point 5): a name that does not
//! resolve, a closed port, a host that accepts and never answers, TLS
//! spoken to a plain HTTP server, a robots.txt answering 500 and one that
//! disallows, each as `refeed once`, `refeed status`, the log and `/status`
//! show it. Before, every unreachable host was reported as a robots.txt
//! problem ("... RFC 9309 reads an unreachable robots.txt as disallow
//! all"). Also `refeed status` as a monitoring check: its exit status, and
//! `refeed status SOURCE_ID` with the source's refresh history.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::support::{SourceToml, TestEnv, http_get};

/// Short limits, so the silent host costs a second.
const SETTINGS: &str = "[fetch]\ntimeout = \"3s\"\nconnect_timeout = \"1s\"\n\
                        first_byte_timeout = \"1s\"\nper_host_delay = \"0s\"\n";

/// The end of every robots.txt refusal.
const SKIP: &str =
    "; with the outlet's permission, set respect_robots = false on the source to skip robots.txt";

/// A one-item RSS feed.
const FEED: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>\
                    <link>http://example.org/</link><item><title>One</title>\
                    <link>http://example.org/one</link></item></channel></rss>";

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Binds 127.0.0.1 port 0 and hands each connection to `handle`.
async fn listen<F, Fut>(handle: F) -> u16
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(handle(socket));
        }
    });
    port
}

/// A host that accepts connections and never answers.
async fn silent() -> u16 {
    listen(|socket| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        drop(socket);
    })
    .await
}

/// A plain HTTP server that talks first: an `https://` URL at it fails
/// the TLS handshake.
async fn plain_talker() -> u16 {
    listen(|mut socket| async move {
        let _ = socket
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    })
    .await
}

/// An outlet answering `/robots.txt` with `status` and `robots`, and any
/// other path with [`FEED`].
async fn outlet(status: &'static str, robots: &'static str) -> u16 {
    listen(move |mut socket| async move {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&head);
        let robots_asked = head.starts_with("GET /robots.txt ");
        let (status, kind, body) = match robots_asked {
            true => (status, "text/plain", robots),
            false => ("200 OK", "application/rss+xml", FEED),
        };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = socket.write_all(response.as_bytes()).await;
        let _ = socket.shutdown().await;
    })
    .await
}

/// The ports of every case.
struct Hosts {
    closed: u16,
    silent: u16,
    tls: u16,
    r500: u16,
    deny: u16,
    good: u16,
}

impl Hosts {
    async fn start() -> Self {
        Hosts {
            closed: closed_port(),
            silent: silent().await,
            tls: plain_talker().await,
            r500: outlet("500 Internal Server Error", "").await,
            deny: outlet("200 OK", "User-agent: *\nDisallow: /\n").await,
            good: outlet("404 Not Found", "").await,
        }
    }

    fn env(&self) -> TestEnv {
        let feed = |id: &str, port: u16| SourceToml::feed(id, &local(port, "/feed"));
        let sources = [
            SourceToml::feed("nodns", "http://news.example.invalid/feed"),
            feed("closed", self.closed),
            feed("silent", self.silent),
            SourceToml::feed("tls", &format!("https://127.0.0.1:{}/feed", self.tls)),
            feed("r500", self.r500),
            feed("deny", self.deny),
            feed("good", self.good),
        ];
        TestEnv::with_settings(&sources, SETTINGS)
    }
}

/// `http://127.0.0.1:PORT{path}`.
fn local(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}{path}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn once_and_status_lead_with_the_real_cause() {
    let hosts = Hosts::start().await;
    let env = hosts.env();
    let once = env.refeed(&["once"]).await;
    assert!(!once.success(), "{once}");

    let nodns = once.line("nodns");
    assert!(
        nodns.starts_with("nodns: error: cannot resolve news.example.invalid: ")
            && nodns.ends_with(" (http://news.example.invalid/feed)"),
        "{once}"
    );
    let closed = local(hosts.closed, "/feed");
    assert_eq!(
        once.line("closed"),
        format!("closed: error: connection refused ({closed})")
    );
    let tls = once.line("tls");
    assert!(
        tls.starts_with("tls: error: TLS handshake failed: ")
            && tls.ends_with(&format!(" (https://127.0.0.1:{}/feed)", hosts.tls)),
        "{once}"
    );
    // No request was made for the page, so no word about it being down.
    for id in ["nodns", "closed", "tls"] {
        assert!(!once.line(id).contains("robots"), "{once}");
    }
    // A host that takes the connection and stays silent: the cause first,
    // then which request found out.
    assert_eq!(
        once.line("silent"),
        format!(
            "silent: error: no response within 1s ({}, asked before {})",
            local(hosts.silent, "/robots.txt"),
            local(hosts.silent, "/feed")
        )
    );
    // Refusals by robots.txt name it, when it is asked again, and the fix.
    let r500 = local(hosts.r500, "");
    assert_eq!(
        once.line("r500"),
        format!(
            "r500: error: {r500}/feed not fetched: robots.txt of {r500} answered HTTP 500, \
             which RFC 9309 reads as disallow all; refeed asks for it again in 10m{SKIP}"
        )
    );
    let deny = local(hosts.deny, "");
    assert_eq!(
        once.line("deny"),
        format!(
            "deny: error: {deny}/feed not fetched: robots.txt of {deny} disallows /feed; \
             refeed asks for it again in 24h{SKIP}"
        )
    );
    assert_eq!(once.line("good"), "good: ok, 1 seen, 1 new, 0 updated");

    // `refeed status` shows the same words and exits 1: sources are failing.
    let status = env.refeed(&["status"]).await;
    assert_eq!(status.status.code(), Some(1), "{status}");
    for id in ["nodns", "closed", "silent", "tls", "r500", "deny"] {
        let line = once.line(id);
        assert!(status.stdout.contains(line), "{line}\n{status}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_one_source_lists_its_refreshes_and_exits_by_its_health() {
    let good = outlet("404 Not Found", "").await;
    let closed = closed_port();
    let env = TestEnv::with_settings(
        &[
            SourceToml::feed("good", &local(good, "/feed")),
            SourceToml::feed("down", &local(closed, "/feed")),
        ],
        SETTINGS,
    );
    for _ in 0..2 {
        env.refeed(&["once"]).await;
    }

    let down = env.refeed(&["status", "down"]).await;
    assert_eq!(down.status.code(), Some(1), "{down}");
    let history: Vec<&str> = down
        .stdout
        .split("recent refreshes, newest first:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no history:\n{down}"))
        .lines()
        .collect();
    assert_eq!(history.len(), 3, "a header and two refreshes:\n{down}");
    assert!(history[0].starts_with("STARTED"), "{down}");
    let refused = format!("error: connection refused ({})", local(closed, "/feed"));
    for line in &history[1..] {
        // 2026-12-07T04:34:25Z  3 ms  error: ...
        assert!(line.ends_with(&refused), "{down}");
        assert!(line.contains(" ms  ") || line.contains(" s  "), "{down}");
    }
    assert!(!down.stdout.contains("good"), "one source only:\n{down}");

    let good_status = env.refeed(&["status", "good"]).await;
    assert!(good_status.success(), "{good_status}");
    assert!(
        good_status
            .stdout
            .contains("  ok: 1 seen, 1 new, 0 updated\n"),
        "{good_status}"
    );
    let limited = env.refeed(&["status", "good", "--limit", "1"]).await;
    let lines = limited
        .stdout
        .lines()
        .filter(|l| l.contains("  ok: "))
        .count();
    assert_eq!(lines, 1, "{limited}");

    let unknown = env.refeed(&["status", "godo"]).await;
    assert_eq!(unknown.status.code(), Some(2), "{unknown}");
    assert!(
        unknown.stderr.contains("unknown source \"godo\"")
            && unknown.stderr.contains("(its sources: good, down)"),
        "{unknown}"
    );

    // Every source healthy: the check passes.
    let healthy =
        TestEnv::with_settings(&[SourceToml::feed("good", &local(good, "/feed"))], SETTINGS);
    healthy.refeed(&["once"]).await;
    let all = healthy.refeed(&["status"]).await;
    assert!(all.success(), "{all}");
    let help = healthy.refeed(&["status", "--help"]).await;
    assert!(help.stdout.contains("Exit status:\n  0  "), "{help}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_logs_and_shows_the_cause() {
    let closed = closed_port();
    let env = TestEnv::with_settings(
        &[
            SourceToml::feed("nodns", "http://news.example.invalid/feed"),
            SourceToml::feed("closed", &local(closed, "/feed")),
        ],
        SETTINGS,
    );
    let mut daemon = env.daemon().await;
    let refused = format!("connection refused ({})", local(closed, "/feed"));
    let deadline = Instant::now() + Duration::from_secs(30);
    let logged = |logs: &str| {
        logs.contains(&refused) && logs.contains("cannot resolve news.example.invalid")
    };
    while !logged(&daemon.logs()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let logs = daemon.logs();
    assert!(logged(&logs), "{logs}");
    assert!(!logs.contains("RFC 9309"), "{logs}");
    let page = http_get(&daemon.url("/status")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&refused), "{}", page.body);
    assert!(
        page.body.contains("cannot resolve news.example.invalid"),
        "{}",
        page.body
    );
    assert!(daemon.is_running(), "{}", daemon.logs());
}
