//! A feed document as served: its bytes and compressed variants, and the
//! validators (`ETag`, `Last-Modified`) every request answers with, prebuilt
//! as header values so a cache hit allocates nothing but the response.
//!
//! Two ways to build one (issue 9, point 6): a whole feed is compressed in
//! the encoding asked for at high levels, once per change and encoding
//! ([`Rendered::build`]; issue 13: an encoding nobody asks for costs
//! neither CPU nor cache bytes); a filtered
//! feed (`?limit`, `?q`, `?since`), which any client can ask for in endless
//! variants, is compressed only in the coding its client asked for, at a
//! fast level, and not at all when small ([`Rendered::build_one`]).

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

/// Gzip level of filtered feeds: 1, nginx's default `gzip_comp_level` for
/// on-the-fly compression. Level 9 cost ~25x more CPU on a 2 MB feed for
/// ~20% fewer bytes; a filtered feed is rendered per distinct query.
pub(super) const FAST_GZIP_LEVEL: u32 = 1;

/// Brotli quality of filtered feeds: 4, tower-http's default for on-the-fly
/// brotli (its `CompressionLevel::Default`; nginx's ngx_brotli defaults to
/// 6). Quality 9 with a 4 MB window was the 340 ms per request of issue 9.
pub(super) const FAST_BROTLI_QUALITY: i32 = 4;

/// Brotli window of filtered feeds: 1 MB (log2 bytes), less memory per
/// compression at a small cost in size on the largest feeds.
const FAST_BROTLI_WINDOW: i32 = 20;

/// Filtered feeds shorter than this are served uncompressed, whatever the
/// client accepts: the saving is a few hundred bytes, less than the cost of
/// the work. nginx's `gzip_min_length` is 20 bytes, Caddy's `encode`
/// `minimum_length` 512; 1 KiB also keeps a gzip header from outweighing a
/// near-empty feed.
pub(super) const MIN_COMPRESS_BYTES: usize = 1024;

/// A content coding refeed serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Encoding {
    /// No coding.
    Identity,
    /// `gzip`.
    Gzip,
    /// `br`.
    Brotli,
}

impl Encoding {
    /// Position in the per-encoding slots: identity, gzip, brotli.
    fn index(self) -> usize {
        self as usize
    }

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
    /// The bytes of each encoding held, in [`Encoding::index`] order: all
    /// three for a whole feed, one for a filtered feed.
    bodies: [Option<Bytes>; 3],
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
    /// Holds `body` in the one encoding `wanted`, compressed at high levels
    /// (a whole feed: compressed once per change and encoding, and only
    /// when a client asks for that encoding), and derives its validators.
    /// CPU-bound (milliseconds for a large feed): callers run it off the
    /// async threads.
    pub(super) fn build(
        body: String,
        format: FeedFormat,
        last_modified: DateTime<Utc>,
        refresh_interval: Duration,
        wanted: Encoding,
    ) -> Self {
        let mut rendered = Self::bare(body.as_bytes(), format, last_modified, refresh_interval);
        let mut bytes = match wanted {
            Encoding::Identity => body.into_bytes(),
            Encoding::Gzip => gzip(body.as_bytes(), Compression::best()),
            Encoding::Brotli => brotli(body.as_bytes(), BROTLI_QUALITY, BROTLI_WINDOW),
        };
        // What the cache counts is what the allocation holds.
        bytes.shrink_to_fit();
        rendered.bodies[wanted.index()] = Some(bytes.into());
        rendered
    }

    /// Holds `body` in the one encoding `wanted` only, compressed at a fast
    /// level ([`FAST_GZIP_LEVEL`], [`FAST_BROTLI_QUALITY`]), or as identity
    /// when shorter than [`MIN_COMPRESS_BYTES`]. For filtered feeds: the
    /// caller keys its cache by `wanted` and serves it only for that.
    pub(super) fn build_one(
        body: String,
        format: FeedFormat,
        last_modified: DateTime<Utc>,
        refresh_interval: Duration,
        wanted: Encoding,
    ) -> Self {
        let mut rendered = Self::bare(body.as_bytes(), format, last_modified, refresh_interval);
        let (encoding, bytes) = match wanted {
            _ if body.len() < MIN_COMPRESS_BYTES => (Encoding::Identity, body.into()),
            Encoding::Identity => (Encoding::Identity, body.into()),
            Encoding::Gzip => (
                wanted,
                gzip(body.as_bytes(), Compression::new(FAST_GZIP_LEVEL)),
            ),
            Encoding::Brotli => {
                let bytes = brotli(body.as_bytes(), FAST_BROTLI_QUALITY, FAST_BROTLI_WINDOW);
                (wanted, bytes)
            }
        };
        rendered.bodies[encoding.index()] = Some(Bytes::from(bytes));
        rendered
    }

    /// Validators and headers of `body`, holding no bytes yet.
    fn bare(
        body: &[u8],
        format: FeedFormat,
        last_modified: DateTime<Utc>,
        refresh_interval: Duration,
    ) -> Self {
        let tag = entity_tag(body);
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{tag}{suffix}\"")).expect("hex is a valid header")
        };
        let last_modified = whole_seconds(last_modified);
        let content_type = format!("{}; charset=utf-8", format.media_type());
        Self {
            bodies: [None, None, None],
            etags: [etag(""), etag("-gzip"), etag("-br")],
            last_modified_header: http_date(last_modified),
            last_modified,
            content_type: HeaderValue::from_str(&content_type).expect("static text"),
            refresh_interval,
        }
    }

    /// The encoding to serve a client who prefers `wanted`: `wanted` when
    /// held, else identity (a filtered feed too small to compress).
    pub(super) fn serves(&self, wanted: Encoding) -> Encoding {
        match self.bodies[wanted.index()] {
            Some(_) => wanted,
            None => Encoding::Identity,
        }
    }

    /// The bytes of one encoding (a cheap reference-counted clone); empty
    /// for an encoding not held, which [`Rendered::serves`] never picks.
    pub(super) fn body(&self, encoding: Encoding) -> Bytes {
        self.bodies[encoding.index()].clone().unwrap_or_default()
    }

    /// The strong `ETag` of one encoding, quotes included.
    pub(super) fn etag(&self, encoding: Encoding) -> &HeaderValue {
        &self.etags[encoding.index()]
    }

    /// Bytes held in memory: the bodies plus the prebuilt headers, for the
    /// byte bounds of the feed caches.
    pub(super) fn weight(&self) -> usize {
        let bodies: usize = self.bodies.iter().flatten().map(Bytes::len).sum();
        let headers: usize = self.etags.iter().map(HeaderValue::len).sum();
        let headers = headers + self.last_modified_header.len() + self.content_type.len();
        bodies + headers + std::mem::size_of::<Self>()
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

fn gzip(body: &[u8], level: Compression) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 4), level);
    encoder.write_all(body).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

fn brotli(body: &[u8], quality: i32, lgwin: i32) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin,
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

    fn rendered_as(body: &str, encoding: Encoding) -> Rendered {
        let at = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
        let at = at + chrono::Duration::milliseconds(750);
        let interval = Duration::from_secs(60);
        Rendered::build(body.into(), FeedFormat::Atom, at, interval, encoding)
    }

    fn rendered(body: &str) -> Rendered {
        rendered_as(body, Encoding::Identity)
    }

    #[test]
    fn every_encoding_decodes_to_the_identity_body() {
        let body = "<feed>".to_string() + &"<entry>text</entry>".repeat(500) + "</feed>";
        let r = |e| rendered_as(&body, e).body(e);
        assert_eq!(decode(None, &r(Encoding::Identity)), body);
        assert_eq!(decode(Some("gzip"), &r(Encoding::Gzip)), body);
        assert_eq!(decode(Some("br"), &r(Encoding::Brotli)), body);
        assert!(r(Encoding::Brotli).len() < body.len() / 10);
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

    fn one(body: &str, wanted: Encoding) -> Rendered {
        let at = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
        let interval = Duration::from_secs(60);
        Rendered::build_one(body.into(), FeedFormat::Atom, at, interval, wanted)
    }

    #[test]
    fn a_filtered_feed_holds_the_asked_encoding_compressed_fast() {
        let body = "<feed>".to_string() + &"<entry>text</entry>".repeat(500) + "</feed>";
        let gzipped = one(&body, Encoding::Gzip);
        assert_eq!(gzipped.serves(Encoding::Gzip), Encoding::Gzip);
        assert_eq!(gzipped.serves(Encoding::Brotli), Encoding::Identity);
        let bytes = gzipped.body(Encoding::Gzip);
        assert_eq!(decode(Some("gzip"), &bytes), body);
        let fast = gzip(body.as_bytes(), Compression::new(FAST_GZIP_LEVEL));
        assert_eq!(bytes, fast, "gzip level {FAST_GZIP_LEVEL}");
        let brotli = one(&body, Encoding::Brotli).body(Encoding::Brotli);
        assert_eq!(decode(Some("br"), &brotli), body);
        let whole = rendered_as(&body, Encoding::Gzip);
        assert_eq!(gzipped.etag(Encoding::Gzip), whole.etag(Encoding::Gzip));
        assert!(
            gzipped.weight() < body.len(),
            "only the gzip bytes are held"
        );
    }

    #[test]
    fn a_small_filtered_feed_is_held_uncompressed() {
        let body = "<feed>".to_string() + &"x".repeat(MIN_COMPRESS_BYTES - 14) + "</feed>";
        for wanted in [Encoding::Gzip, Encoding::Brotli, Encoding::Identity] {
            let r = one(&body, wanted);
            assert_eq!(r.serves(wanted), Encoding::Identity, "{wanted:?}");
            assert_eq!(r.body(Encoding::Identity), body.as_bytes());
        }
        let r = one(&(body.clone() + "x"), Encoding::Gzip);
        assert_eq!(r.serves(Encoding::Gzip), Encoding::Gzip, "at the threshold");
    }

    #[test]
    fn last_modified_is_an_http_date_in_whole_seconds() {
        let r = rendered("x");
        assert_eq!(r.last_modified_header, "Mon, 06 May 2024 07:08:09 GMT");
        assert_eq!(r.last_modified.timestamp_subsec_millis(), 0);
        assert_eq!(r.content_type, "application/atom+xml; charset=utf-8");
    }
}
