//! One HTTP/1.1 connection: hyper serves it with the router while its
//! [`Conn`] state follows what it does. Bytes read mark the start of a
//! request, and writes that wait on a client not reading are noted
//! ([`Tracked`]); a request counts as in flight from the moment
//! its headers are complete and the router is called until its response
//! body is finished or dropped ([`InFlight`]). The task drops the
//! connection, closing its socket, when the registry says so.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::Request;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use super::registry::{Conn, Entry};

/// Serves `stream` until the client or the server closes it, the registry
/// closes it (evicted or timed out), or `shutdown`: then a connection
/// reading headers is dropped, and one answering a request finishes it.
pub(super) async fn run(
    stream: TcpStream,
    router: Router,
    entry: Entry,
    shutdown: CancellationToken,
) {
    let conn = entry.conn().clone();
    let io = TokioIo::new(Tracked {
        stream,
        conn: conn.clone(),
    });
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let in_flight = InFlight::start(conn.clone());
        let call = TowerToHyperService::new(router.clone()).call(request);
        async move {
            let response = call.await?;
            Ok::<_, Infallible>(response.map(|body| GuardedBody {
                body,
                _in_flight: in_flight,
            }))
        }
    });
    // hyper's own header-read timeout would start when a connection goes
    // idle, merging idle and header time into one limit; the registry's
    // sweeper applies both instead.
    let connection = http1::Builder::new()
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let conn = entry.conn();
    tokio::select! {
        result = connection.as_mut() => return log_end(result),
        () = conn.closed() => return,
        () = shutdown.cancelled() => {}
    }
    if conn.is_reading_head() {
        return;
    }
    // Ends keep-alive: hyper closes the connection once the response in
    // flight is written (or at once when idle).
    connection.as_mut().graceful_shutdown();
    tokio::select! {
        result = connection => log_end(result),
        () = conn.closed() => {}
    }
}

/// Client resets and parse errors are the client's business: debug only.
fn log_end(result: Result<(), hyper::Error>) {
    if let Err(err) = result {
        tracing::debug!(error = %err, "HTTP connection ended with an error");
    }
}

/// The socket, noting each read that brings bytes and each write that
/// waits for the client to read.
struct Tracked {
    stream: TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.conn.on_read();
        }
        polled
    }
}

impl Tracked {
    /// Notes whether a write went through or waits for the client to read.
    fn note_write(&self, polled: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        match polled {
            Poll::Pending => self.conn.write_stalled(),
            Poll::Ready(_) => self.conn.write_done(),
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.note_write(polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.note_write(polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// One request in flight on a connection; finished when dropped.
struct InFlight(Arc<Conn>);

impl InFlight {
    fn start(conn: Arc<Conn>) -> Self {
        conn.request_started();
        InFlight(conn)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// A response body that keeps its request in flight until hyper has sent
/// it all (or dropped it): a connection writing a response is never
/// evicted.
struct GuardedBody {
    body: Body,
    _in_flight: InFlight,
}

impl HttpBody for GuardedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
