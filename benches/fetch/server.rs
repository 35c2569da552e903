//! The fixture server: one axum listener per loopback host, each serving its
//! generated [`Site`] with strong ETags, `Last-Modified`, gzip when asked,
//! and `304 Not Modified` on a matching `If-None-Match` (or, without one, an
//! `If-Modified-Since` at or after the page's date), as nginx does for
//! WordPress. It counts what it answers and the bytes on the wire.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::outlet::{LISTING_PATH, Page, Site};

/// What the server saw; reset between passes.
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests answered.
    pub requests: AtomicU64,
    /// Requests for `/robots.txt`.
    pub robots: AtomicU64,
    /// Requests for the tag archive.
    pub listings: AtomicU64,
    /// Requests for anything else (article pages, and 404s).
    pub articles: AtomicU64,
    /// Answers by status.
    pub ok: AtomicU64,
    /// `304 Not Modified` answers.
    pub not_modified: AtomicU64,
    /// Answers other than 200 and 304.
    pub other: AtomicU64,
    /// Response body bytes sent (after compression).
    pub body_bytes: AtomicU64,
    /// Bytes the server wrote to its sockets: status lines, headers and
    /// bodies, exactly (TCP/IP framing excluded).
    pub wire_out: AtomicU64,
    /// Bytes the server read from its sockets (the requests).
    pub wire_in: AtomicU64,
    /// Connections accepted.
    pub connections: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct Snapshot {
    pub requests: u64,
    pub robots: u64,
    pub listings: u64,
    pub articles: u64,
    pub ok: u64,
    pub not_modified: u64,
    pub other: u64,
    pub body_bytes: u64,
    pub wire_out: u64,
    pub wire_in: u64,
    pub connections: u64,
}

impl Counters {
    /// Reads and zeroes every counter.
    pub fn take(&self) -> Snapshot {
        let t = |c: &AtomicU64| c.swap(0, Relaxed);
        Snapshot {
            requests: t(&self.requests),
            robots: t(&self.robots),
            listings: t(&self.listings),
            articles: t(&self.articles),
            ok: t(&self.ok),
            not_modified: t(&self.not_modified),
            other: t(&self.other),
            body_bytes: t(&self.body_bytes),
            wire_out: t(&self.wire_out),
            wire_in: t(&self.wire_in),
            connections: t(&self.connections),
        }
    }
}

/// The loopback address of the `index`-th host: 127.0.0.2, 127.0.0.3, …
/// (past 127.0.0.255 it carries on into 127.0.1.x; all of 127/8 is local).
pub fn host_ip(index: usize) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 0, 0, 2)) + index as u32)
}

/// Binds `hosts` listeners on one port shared by every address: `port`,
/// else the port the kernel gives the first one, retrying with a new port
/// when another process holds it on one of the addresses.
pub async fn bind(hosts: usize, port: Option<u16>) -> std::io::Result<(u16, Vec<TcpListener>)> {
    let mut last_err = None;
    let tries = if port.is_some() { 1 } else { 20 };
    for _ in 0..tries {
        let first = TcpListener::bind((host_ip(0), port.unwrap_or(0))).await?;
        let port = first.local_addr()?.port();
        let mut listeners = vec![first];
        for index in 1..hosts {
            match TcpListener::bind((host_ip(index), port)).await {
                Ok(l) => listeners.push(l),
                Err(err) => {
                    last_err = Some(err);
                    break;
                }
            }
        }
        if listeners.len() == hosts {
            return Ok((port, listeners));
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no common free port")))
}

/// Serves `sites` (their pages keyed by full path) on `listener` until
/// the runtime stops.
pub fn spawn(listener: TcpListener, sites: Vec<Site>, counters: Arc<Counters>) {
    let mut pages = HashMap::new();
    for site in sites {
        pages.extend(site.pages);
    }
    let state = Arc::new(Host {
        site: Site { pages },
        counters: counters.clone(),
    });
    let router = Router::new().fallback(answer).with_state(state);
    let listener = Counting { listener, counters };
    tokio::spawn(async move { axum::serve(listener, router).await });
}

struct Host {
    site: Site,
    counters: Arc<Counters>,
}

async fn answer(State(host): State<Arc<Host>>, uri: Uri, headers: HeaderMap) -> Response {
    let c = &host.counters;
    c.requests.fetch_add(1, Relaxed);
    match uri.path() {
        "/robots.txt" => &c.robots,
        path if path.ends_with(LISTING_PATH) => &c.listings,
        _ => &c.articles,
    }
    .fetch_add(1, Relaxed);
    let Some(page) = host.site.pages.get(uri.path()) else {
        c.other.fetch_add(1, Relaxed);
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let gzip = accepts_gzip(&headers);
    let (body, etag) = if gzip {
        (page.gzip.clone(), &page.etag_gzip)
    } else {
        (page.identity(), &page.etag)
    };
    let mut response = if not_modified(&headers, page) {
        c.not_modified.fetch_add(1, Relaxed);
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        c.ok.fetch_add(1, Relaxed);
        c.body_bytes.fetch_add(body.len() as u64, Relaxed);
        let mut r = body.into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(page.content_type),
        );
        if gzip {
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    validators(response.headers_mut(), page, etag);
    response
}

/// Headers a 200 and a 304 both carry (RFC 9110 §15.4.5).
fn validators(h: &mut HeaderMap, page: &Page, etag: &str) {
    let date = page
        .modified
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    h.insert(header::ETAG, HeaderValue::from_str(etag).expect("ascii"));
    h.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_str(&date).expect("ascii"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(header::SERVER, HeaderValue::from_static("nginx"));
}

/// `gzip` listed in `Accept-Encoding` without `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts.next() == Some("gzip") && !parts.any(|p| p.replace(' ', "") == "q=0")
        })
}

/// RFC 9110 §13.2.2: `If-None-Match` decides when present (weak comparison
/// for GET); otherwise `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, page: &Page) -> bool {
    if let Some(inm) = headers.get(header::IF_NONE_MATCH) {
        let Ok(inm) = inm.to_str() else { return false };
        return inm.split(',').map(str::trim).any(|tag| {
            let tag = tag.trim_start_matches("W/");
            tag == "*" || tag == page.etag || tag == page.etag_gzip
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| since.with_timezone(&Utc) >= page.modified)
}

/// A listener whose connections count the bytes they carry.
struct Counting {
    listener: TcpListener,
    counters: Arc<Counters>,
}

impl axum::serve::Listener for Counting {
    type Io = CountingIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.listener.accept().await {
                Ok((stream, addr)) => {
                    self.counters.connections.fetch_add(1, Relaxed);
                    let _ = stream.set_nodelay(true);
                    let counters = self.counters.clone();
                    return (CountingIo { stream, counters }, addr);
                }
                // Out of descriptors and the like: wait, as axum's own does.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A TCP stream that adds what it reads and writes to the counters.
struct CountingIo {
    stream: TcpStream,
    counters: Arc<Counters>,
}

impl AsyncRead for CountingIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        self.counters.wire_in.fetch_add(read, Relaxed);
        poll
    }
}

impl AsyncWrite for CountingIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &poll {
            self.counters.wire_out.fetch_add(*n as u64, Relaxed);
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = &poll {
            self.counters.wire_out.fetch_add(*n as u64, Relaxed);
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// `http://127.0.0.N:PORT` of the `index`-th host.
pub fn origin(index: usize, port: u16) -> String {
    format!(
        "http://{}",
        SocketAddr::new(IpAddr::V4(host_ip(index)), port)
    )
}
