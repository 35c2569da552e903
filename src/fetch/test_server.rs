//! A raw HTTP/1.1 server on 127.0.0.1 port 0 for the fetch tests: each
//! response is written byte for byte, so tests can send what real outlets
//! send (chunked bodies, lying Content-Length, gzip) without a mock framework.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use url::Url;

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
