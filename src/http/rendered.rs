//! A feed document as served: its bytes, gzip and brotli variants compressed
//! once when rendered, and the validators (`ETag`, `Last-Modified`) every
//! request answers with, prebuilt as header values so a cache hit allocates
//! nothing but the response.

use std::io::Write;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;

use super::FeedFormat;

/// Brotli quality: 9 of 11 compresses a 200 KB full-text feed within a few
/// percent of 11 at a fraction of the time; it runs once per change.
const BROTLI_QUALITY: i32 = 9;

/// Brotli window (log2 bytes): 4 MB covers the largest combined feed.
const BROTLI_WINDOW: i32 = 22;

/// A content coding refeed serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    /// No coding.
    Identity,
    /// `gzip`.
    Gzip,
    /// `br`.
    Brotli,
}

impl Encoding {
    /// The `Content-Encoding` token (`None` for identity).
    pub(super) fn token(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }
}

/// One rendered feed (or filtered feed) with its encodings and validators.
#[derive(Debug)]
pub(super) struct Rendered {
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    /// Strong entity tags, one per encoding: each encoding is a different
    /// sequence of bytes, so a strong tag must differ too (RFC 9110 8.8.3).
    etags: [HeaderValue; 3],
    /// `Last-Modified`: the newest item change, whole seconds.
    pub(super) last_modified: DateTime<Utc>,
    /// [`Rendered::last_modified`] as an HTTP date.
    pub(super) last_modified_header: HeaderValue,
    /// `Content-Type` with charset.
    pub(super) content_type: HeaderValue,
    /// How often the feed's sources refresh (for `Cache-Control`).
    pub(super) refresh_interval: Duration,
}

impl Rendered {
    /// Compresses `body` both ways and derives its validators. CPU-bound
    /// (milliseconds for a large feed): callers run it off the async threads.
    pub(super) fn build(
        body: String,
        format: FeedFormat,
        last_modified: DateTime<Utc>,
        refresh_interval: Duration,
    ) -> Self {
        let tag = entity_tag(body.as_bytes());
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{tag}{suffix}\"")).expect("hex is a valid header")
        };
        let last_modified = whole_seconds(last_modified);
        let content_type = format!("{}; charset=utf-8", format.media_type());
        Self {
            gzip: gzip(body.as_bytes()).into(),
            brotli: brotli(body.as_bytes()).into(),
            identity: body.into(),
            etags: [etag(""), etag("-gzip"), etag("-br")],
            last_modified_header: http_date(last_modified),
            last_modified,
            content_type: HeaderValue::from_str(&content_type).expect("static text"),
            refresh_interval,
        }
    }

    /// The bytes of one encoding (a cheap reference-counted clone).
    pub(super) fn body(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => self.identity.clone(),
            Encoding::Gzip => self.gzip.clone(),
            Encoding::Brotli => self.brotli.clone(),
        }
    }

    /// The strong `ETag` of one encoding, quotes included.
    pub(super) fn etag(&self, encoding: Encoding) -> &HeaderValue {
        match encoding {
            Encoding::Identity => &self.etags[0],
            Encoding::Gzip => &self.etags[1],
            Encoding::Brotli => &self.etags[2],
        }
    }
}

/// A 64-bit FNV-1a hash of the body plus its length, in hex. Stable across
/// builds and platforms (unlike `DefaultHasher`), so a restart that renders
/// the same bytes keeps every reader's cached copy valid.
fn entity_tag(body: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in body {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:x}-{hash:016x}", body.len())
}

/// HTTP dates have whole seconds; comparing `If-Modified-Since` against a
/// time with milliseconds would never match.
fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).unwrap_or(at)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub(super) fn http_date(at: DateTime<Utc>) -> HeaderValue {
    let text = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    HeaderValue::from_str(&text).expect("a date is a valid header")
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::best());
    encoder.write_all(body).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn brotli(body: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_WINDOW,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(body.len() / 4);
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).expect("writing to memory");
    out
}

#[cfg(test)]
pub(super) mod tests {
    use std::io::Read;

    use chrono::TimeZone;

    use super::*;

    /// Decodes a body served with `encoding`.
    pub fn decode(encoding: Option<&str>, body: &[u8]) -> String {
        let mut out = String::new();
        match encoding {
            None => return String::from_utf8(body.to_vec()).unwrap(),
            Some("gzip") => flate2::read::GzDecoder::new(body).read_to_string(&mut out),
            Some("br") => brotli::Decompressor::new(body, 4096).read_to_string(&mut out),
            Some(other) => panic!("unexpected encoding {other}"),
        }
        .unwrap();
        out
    }

    fn rendered(body: &str) -> Rendered {
        let at = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
        let at = at + chrono::Duration::milliseconds(750);
        Rendered::build(body.into(), FeedFormat::Atom, at, Duration::from_secs(60))
    }

    #[test]
    fn every_encoding_decodes_to_the_identity_body() {
        let body = "<feed>".to_string() + &"<entry>text</entry>".repeat(500) + "</feed>";
        let r = rendered(&body);
        assert_eq!(decode(None, &r.body(Encoding::Identity)), body);
        assert_eq!(decode(Some("gzip"), &r.body(Encoding::Gzip)), body);
        assert_eq!(decode(Some("br"), &r.body(Encoding::Brotli)), body);
        assert!(r.body(Encoding::Brotli).len() < body.len() / 10);
    }

    #[test]
    fn etags_are_strong_distinct_per_encoding_and_follow_the_body() {
        let a = rendered("<feed>a</feed>");
        let tags: Vec<&str> = [Encoding::Identity, Encoding::Gzip, Encoding::Brotli]
            .map(|e| a.etag(e).to_str().unwrap())
            .to_vec();
        assert!(tags.iter().all(|t| t.starts_with('"') && t.ends_with('"')));
        assert!(tags[0] != tags[1] && tags[1] != tags[2]);
        assert_eq!(
            a.etag(Encoding::Identity),
            rendered("<feed>a</feed>").etag(Encoding::Identity)
        );
        assert_ne!(
            a.etag(Encoding::Identity),
            rendered("<feed>b</feed>").etag(Encoding::Identity)
        );
    }

    #[test]
    fn last_modified_is_an_http_date_in_whole_seconds() {
        let r = rendered("x");
        assert_eq!(r.last_modified_header, "Mon, 06 May 2024 07:08:09 GMT");
        assert_eq!(r.last_modified.timestamp_subsec_millis(), 0);
        assert_eq!(r.content_type, "application/atom+xml; charset=utf-8");
    }
}
