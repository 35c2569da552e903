//! A raw loopback HTTP/1.1 server that misbehaves on purpose, one way per
//! listener: each [`Host`] binds its own `127.0.0.1:0`, so each misbehaviour
//! is its own origin (refeed's per-host gate serializes requests to one
//! origin, and a hanging endpoint must not hold up the others).
//!
//! It is written on bare `TcpStream`s rather than axum because the
//! misbehaviours live below HTTP: a body dripped a byte a second, headers
//! followed by silence, a connection reset mid-body, a `Content-Length`
//! longer than what is sent. Every response says `Connection: close`, and
//! `/robots.txt` answers 404 unless the host was given one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How long a connection kept open on purpose (hang, drip) may live: far
/// past any fetch timeout of the tests, short enough not to leak.
const HOLD_LIMIT: Duration = Duration::from_secs(60);

/// A complete response: status line text, extra headers, body.
#[derive(Clone)]
pub struct Fixed {
    /// E.g. `"503 Service Unavailable"`.
    pub status: &'static str,
    /// Extra header lines without CRLF (`"Retry-After: 120"`).
    pub headers: Vec<String>,
    /// The body, sent with a truthful `Content-Length`.
    pub body: Arc<Vec<u8>>,
}

impl Fixed {
    /// `200 OK` with this `Content-Type` and body.
    pub fn ok(content_type: &str, body: Vec<u8>) -> Self {
        Fixed {
            status: "200 OK",
            headers: vec![format!("Content-Type: {content_type}")],
            body: Arc::new(body),
        }
    }

    /// A status with a short HTML body and extra headers.
    pub fn status(status: &'static str, headers: &[&str]) -> Self {
        Fixed {
            status,
            headers: std::iter::once("Content-Type: text/html; charset=utf-8")
                .chain(headers.iter().copied())
                .map(str::to_owned)
                .collect(),
            body: Arc::new(format!("<html><body><h1>{status}</h1></body></html>").into_bytes()),
        }
    }

    /// Adds a header line.
    pub fn header(mut self, line: &str) -> Self {
        self.headers.push(line.to_owned());
        self
    }
}

/// What a host does with every request (other than `/robots.txt`).
#[derive(Clone)]
pub enum Behaviour {
    /// Answers the same complete response every time.
    Fixed(Fixed),
    /// Sends headers promising `body`, then the body one byte per second.
    Drip(Arc<Vec<u8>>),
    /// Sends headers (a `Content-Length` of 5000) and then nothing.
    HangAfterHeaders,
    /// Sends headers and the first half of `body`, then resets the
    /// connection (`SO_LINGER` 0: the close sends RST, not FIN).
    ResetMidBody(Arc<Vec<u8>>),
    /// Sends `body` under a `Content-Length` 5000 bytes longer, then closes
    /// cleanly (FIN): the body just stops short.
    Truncated(Arc<Vec<u8>>),
    /// Streams `bytes` of HTML; with `declared`, under a truthful
    /// `Content-Length`, else chunked without one.
    Huge { bytes: u64, declared: bool },
    /// `/a` redirects to `/b` and everything else to `/a`.
    RedirectLoop,
}

/// One misbehaving origin; stops accepting when dropped.
pub struct Host {
    origin: String,
    requests: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Host {
    /// Serves `behaviour`; `/robots.txt` answers 404.
    pub async fn start(behaviour: Behaviour) -> Host {
        Self::start_with_robots(behaviour, None).await
    }

    /// Serves `behaviour`, and `robots` (when given) as `/robots.txt`.
    pub async fn start_with_robots(behaviour: Behaviour, robots: Option<&str>) -> Host {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a hostile host");
        let origin = format!("http://{}", listener.local_addr().expect("local address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let served = Served {
            behaviour,
            robots: robots.map(|text| Arc::new(text.as_bytes().to_vec())),
            requests: requests.clone(),
        };
        let task = tokio::spawn(accept_loop(listener, Arc::new(served)));
        Host {
            origin,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Absolute URL of `path` (starting with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    /// The paths requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Served {
    behaviour: Behaviour,
    robots: Option<Arc<Vec<u8>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

async fn accept_loop(listener: TcpListener, served: Arc<Served>) {
    while let Ok((stream, _)) = listener.accept().await {
        let served = served.clone();
        tokio::spawn(async move {
            // A client giving up mid-response is what most behaviours are
            // about: write errors are expected and ignored.
            let _ = tokio::time::timeout(HOLD_LIMIT, handle(stream, &served)).await;
        });
    }
}

async fn handle(mut stream: TcpStream, served: &Served) -> std::io::Result<()> {
    let Some(path) = read_request_path(&mut stream).await? else {
        return Ok(());
    };
    served.requests.lock().unwrap().push(path.clone());
    if path == "/robots.txt" {
        let fixed = match &served.robots {
            Some(text) => Fixed {
                status: "200 OK",
                headers: vec!["Content-Type: text/plain".into()],
                body: text.clone(),
            },
            None => Fixed::status("404 Not Found", &[]),
        };
        return send_fixed(&mut stream, &fixed).await;
    }
    respond(&mut stream, &served.behaviour, &path).await
}

/// Reads the request head; its path (`None` if the client sent nothing).
async fn read_request_path(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 64 * 1024 {
            return Ok(None);
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1).unwrap_or("/");
    Ok(Some(path.to_owned()))
}

async fn respond(stream: &mut TcpStream, behaviour: &Behaviour, path: &str) -> std::io::Result<()> {
    match behaviour {
        Behaviour::Fixed(fixed) => send_fixed(stream, fixed).await,
        Behaviour::Drip(body) => drip(stream, body).await,
        Behaviour::HangAfterHeaders => hang_after_headers(stream).await,
        Behaviour::ResetMidBody(body) => reset_mid_body(stream, body).await,
        Behaviour::Truncated(body) => truncated(stream, body).await,
        Behaviour::Huge { bytes, declared } => huge(stream, *bytes, *declared).await,
        Behaviour::RedirectLoop => {
            let to = if path == "/a" { "/b" } else { "/a" };
            let fixed = Fixed::status("302 Found", &[&format!("Location: {to}")]);
            send_fixed(stream, &fixed).await
        }
    }
}

/// The status line and headers, ending with the blank line.
fn head(status: &str, headers: &[String]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for line in headers {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn html_head(length: u64) -> Vec<u8> {
    head(
        "200 OK",
        &[
            "Content-Type: text/html; charset=utf-8".into(),
            format!("Content-Length: {length}"),
        ],
    )
}

async fn send_fixed(stream: &mut TcpStream, fixed: &Fixed) -> std::io::Result<()> {
    let mut headers = fixed.headers.clone();
    headers.push(format!("Content-Length: {}", fixed.body.len()));
    stream.write_all(&head(fixed.status, &headers)).await?;
    stream.write_all(&fixed.body).await?;
    stream.shutdown().await
}

async fn drip(stream: &mut TcpStream, body: &[u8]) -> std::io::Result<()> {
    stream.write_all(&html_head(body.len() as u64)).await?;
    for byte in body {
        stream.write_all(std::slice::from_ref(byte)).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    stream.shutdown().await
}

/// Headers, then silence until the client hangs up.
async fn hang_after_headers(stream: &mut TcpStream) -> std::io::Result<()> {
    stream.write_all(&html_head(5000)).await?;
    let mut buf = [0u8; 1024];
    while stream.read(&mut buf).await? > 0 {}
    Ok(())
}

async fn reset_mid_body(stream: &mut TcpStream, body: &[u8]) -> std::io::Result<()> {
    stream.write_all(&html_head(body.len() as u64)).await?;
    stream.write_all(&body[..body.len() / 2]).await?;
    stream.flush().await?;
    // Give the client time to read the headers and start on the body, so
    // the reset hits the body rather than the response as a whole.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.set_zero_linger()?;
    Ok(())
}

async fn truncated(stream: &mut TcpStream, body: &[u8]) -> std::io::Result<()> {
    stream
        .write_all(&html_head(body.len() as u64 + 5000))
        .await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

async fn huge(stream: &mut TcpStream, bytes: u64, declared: bool) -> std::io::Result<()> {
    let framing = if declared {
        format!("Content-Length: {bytes}")
    } else {
        "Transfer-Encoding: chunked".into()
    };
    let headers = ["Content-Type: text/html; charset=utf-8".into(), framing];
    stream.write_all(&head("200 OK", &headers)).await?;
    let block = filler_block();
    let mut sent = 0u64;
    while sent < bytes {
        let len = block.len().min((bytes - sent) as usize);
        if declared {
            stream.write_all(&block[..len]).await?;
        } else {
            stream.write_all(format!("{len:x}\r\n").as_bytes()).await?;
            stream.write_all(&block[..len]).await?;
            stream.write_all(b"\r\n").await?;
        }
        sent += len as u64;
    }
    if !declared {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    stream.shutdown().await
}

/// 64 KiB of plausible HTML, repeated to make a huge page.
fn filler_block() -> Vec<u8> {
    let paragraph = b"<p>The endless page goes on and on, paragraph after paragraph.</p>\n";
    paragraph.iter().copied().cycle().take(64 * 1024).collect()
}
