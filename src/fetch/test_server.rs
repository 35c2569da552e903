//! A raw HTTP/1.1 server on 127.0.0.1 port 0 for the fetch tests: each
//! response is written byte for byte, so tests can send what real outlets
//! send (chunked bodies, lying Content-Length, gzip) without a mock framework,
//! and [`serve_steps`] can misbehave in time too (drip, hang, reset): the
//! hostile test bed of issue 5.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

use super::{Access, AllowHost, FetchConfig, FetchError, FetchOptions, Fetched, Fetcher, Page};

/// Limits for tests: short, no per-host delay, a 1 KiB body cap, and
/// loopback allowed (every test server is on 127.0.0.1).
pub(super) fn test_config() -> FetchConfig {
    FetchConfig {
        timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        first_byte_timeout: Duration::from_secs(2),
        max_body_bytes: 1024,
        max_redirects: 3,
        per_host_concurrency: 1,
        per_host_delay: Duration::ZERO,
        max_connections: crate::fetch::DEFAULT_MAX_CONNECTIONS,
        access: Access::new(vec![AllowHost::Network {
            addr: [127, 0, 0, 0].into(),
            prefix: 8,
        }]),
    }
}

/// A fetcher with [`test_config`].
pub(super) fn test_fetcher() -> Fetcher {
    Fetcher::new(&test_config()).unwrap()
}

/// A fetcher with [`test_config`] changed by `change`.
pub(super) fn fetcher_with(change: impl FnOnce(&mut FetchConfig)) -> Fetcher {
    let mut config = test_config();
    change(&mut config);
    Fetcher::new(&config).unwrap()
}

/// Fetches a page without asking robots.txt, for tests about anything else.
pub(super) async fn fetch_page(fetcher: &Fetcher, url: &Url) -> Result<Page, FetchError> {
    let options = FetchOptions {
        ignore_robots: true,
        ..FetchOptions::default()
    };
    match fetcher.fetch(url, &options).await? {
        Fetched::Page(page) => Ok(page),
        Fetched::NotModified => panic!("304 without validators from {url}"),
    }
}

/// One thing a scripted response does.
#[derive(Debug, Clone)]
pub(super) enum Step {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Write `chunk` `times` times, pausing `every` before each.
    Drip {
        chunk: Vec<u8>,
        every: Duration,
        times: usize,
    },
    /// Keep the connection open without writing (until the client leaves).
    Hang,
    /// Abort the connection with a TCP reset.
    Reset,
}

/// Serves on 127.0.0.1 port 0, playing the steps computed from each
/// request's head.
pub(super) async fn serve_steps<F>(script: F) -> Url
where
    F: Fn(&str) -> Vec<Step> + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let script = Arc::new(script);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let script = Arc::clone(&script);
            tokio::spawn(async move {
                let head = read_head(&mut socket).await;
                play(socket, script(&head)).await;
            });
        }
    });
    base
}

async fn play(mut socket: TcpStream, steps: Vec<Step>) {
    for step in steps {
        // The client may hang up early (body cap, timeout): stop quietly.
        let written = match step {
            Step::Send(bytes) => socket.write_all(&bytes).await,
            Step::Drip {
                chunk,
                every,
                times,
            } => drip(&mut socket, &chunk, every, times).await,
            Step::Hang => {
                let mut sink = [0; 64];
                while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
            Step::Reset => {
                let _ = socket.set_zero_linger();
                return;
            }
        };
        if written.is_err() {
            return;
        }
    }
    let _ = socket.shutdown().await;
}

async fn drip(
    socket: &mut TcpStream,
    chunk: &[u8],
    every: Duration,
    times: usize,
) -> std::io::Result<()> {
    for _ in 0..times {
        tokio::time::sleep(every).await;
        socket.write_all(chunk).await?;
    }
    Ok(())
}

/// The heads of the requests a server received, in order of arrival.
#[derive(Debug, Clone, Default)]
pub(super) struct Log(Arc<Mutex<Vec<(std::time::Instant, String)>>>);

impl Log {
    /// Records a request head.
    pub(super) fn record(&self, head: &str) {
        let now = std::time::Instant::now();
        self.0.lock().unwrap().push((now, head.to_owned()));
    }

    /// The paths requested, in order.
    pub(super) fn paths(&self) -> Vec<String> {
        let heads = self.0.lock().unwrap();
        heads
            .iter()
            .map(|(_, head)| path(head).to_owned())
            .collect()
    }

    /// When each request whose path is `wanted` arrived.
    pub(super) fn times(&self, wanted: &str) -> Vec<std::time::Instant> {
        let heads = self.0.lock().unwrap();
        heads
            .iter()
            .filter(|(_, head)| path(head) == wanted)
            .map(|(at, _)| *at)
            .collect()
    }

    /// The heads of the requests for `wanted`.
    pub(super) fn heads(&self, wanted: &str) -> Vec<String> {
        let heads = self.0.lock().unwrap();
        heads
            .iter()
            .filter(|(_, head)| path(head) == wanted)
            .map(|(_, head)| head.clone())
            .collect()
    }
}

/// An HTTP/1.1 response that closes the connection after the body.
pub(super) fn response(status: &str, headers: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for header in headers {
        out.push_str(header);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Serves on 127.0.0.1 port 0, answering each request with raw bytes
/// computed from its head (request line and headers).
pub(super) async fn serve<F>(respond: F) -> Url
where
    F: Fn(&str) -> Vec<u8> + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let respond = Arc::new(respond);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let respond = Arc::clone(&respond);
            tokio::spawn(async move {
                let head = read_head(&mut socket).await;
                // The client may hang up early (body cap): ignore write errors.
                let _ = socket.write_all(&respond(&head)).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    base
}

async fn read_head(socket: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut buf = [0; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The path of the request line `GET /path HTTP/1.1`.
pub(super) fn path(head: &str) -> &str {
    head.split(' ').nth(1).unwrap_or("/")
}

/// A chunked body with no Content-Length, `chunks` chunks of 400 bytes.
pub(super) fn chunked(chunks: usize) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\
                    Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for _ in 0..chunks {
        out.extend_from_slice(format!("190\r\n{}\r\n", "a".repeat(400)).as_bytes());
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

/// The value of a request header, by case-insensitive name.
pub(super) fn header_value<'a>(head: &'a str, name: &str) -> &'a str {
    head.lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
        .unwrap_or("")
}

/// Response headers only (no Content-Length, closed connection delimits
/// the body), for steps that stream the body themselves.
pub(super) fn head_only(status: &str, headers: &[&str]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for header in headers {
        out.push_str(header);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A gzip member holding `data` in one stored (uncompressed) deflate
/// block: enough to check decompression without a compression crate.
pub(super) fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.push(1); // final block, stored
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// `data` gzip-compressed for real: repetitive data shrinks a thousandfold,
/// which is what makes a gzip bomb.
pub(super) fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}
