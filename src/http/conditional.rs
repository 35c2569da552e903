//! Answering a feed request from a [`Rendered`] document: `Accept-Encoding`
//! negotiation (br, gzip, identity, q-values), conditional GET
//! (`If-None-Match`, then `If-Modified-Since`) answered with 304, `HEAD`, and
//! `Cache-Control: max-age` from the sources' schedule. No I/O.

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, ETAG,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::rendered::{Encoding, Rendered};

/// Shortest `max-age`: readers polling faster than this gain nothing.
pub(super) const MIN_MAX_AGE: u64 = 60;

/// Longest `max-age`: a reader should not miss more than an hour even when
/// a source runs daily (an operator may trigger `refeed once` by hand).
pub(super) const MAX_MAX_AGE: u64 = 3600;

/// The full response (or 304) for `rendered`, as `GET` or `HEAD`.
pub(super) fn respond(rendered: &Rendered, request: &HeaderMap, head: bool) -> Response {
    let encoding = rendered.serves(negotiate(request.get(ACCEPT_ENCODING)));
    let etag = rendered.etag(encoding);
    let mut response = Response::new(Body::empty());
    let headers = response.headers_mut();
    headers.insert(ETAG, etag.clone());
    headers.insert(LAST_MODIFIED, rendered.last_modified_header.clone());
    headers.insert(
        CACHE_CONTROL,
        cache_control(rendered.refresh_interval, Utc::now()),
    );
    headers.insert(VARY, HeaderValue::from_static("Accept-Encoding"));
    if not_modified(request, etag, rendered.last_modified) {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        return response;
    }
    let body = rendered.body(encoding);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, rendered.content_type.clone());
    if let Some(token) = encoding.token() {
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static(token));
    }
    headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    if !head {
        *response.body_mut() = Body::from(body);
    }
    response
}

/// RFC 9110 13.2.2: `If-None-Match` decides when present; `If-Modified-Since`
/// only without it.
fn not_modified(request: &HeaderMap, etag: &HeaderValue, last_modified: DateTime<Utc>) -> bool {
    if let Some(value) = request.get(IF_NONE_MATCH) {
        return value.to_str().is_ok_and(|list| none_match_hits(list, etag));
    }
    request
        .get(IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| DateTime::parse_from_rfc2822(text).ok())
        .is_some_and(|since| last_modified <= since)
}

/// Whether an `If-None-Match` list names `etag` (weak comparison, as the RFC
/// asks for this header: `W/"x"` matches `"x"`), or is `*`.
fn none_match_hits(list: &str, etag: &HeaderValue) -> bool {
    let etag = etag.as_bytes();
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag).as_bytes() == etag)
}

/// The encoding to serve for an `Accept-Encoding` value: the coding with the
/// highest q-value, brotli before gzip on a tie (smaller), identity when
/// nothing compressed is acceptable or identity is explicitly preferred.
pub(super) fn negotiate(accept: Option<&HeaderValue>) -> Encoding {
    let Some(text) = accept.and_then(|v| v.to_str().ok()) else {
        return Encoding::Identity;
    };
    let (mut br, mut gzip, mut identity, mut star) = (None, None, None, None);
    for part in text.split(',') {
        let mut pieces = part.split(';');
        let coding = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces.find_map(quality).unwrap_or(1.0);
        let slot = match coding.as_str() {
            "br" => &mut br,
            "gzip" | "x-gzip" => &mut gzip,
            "identity" => &mut identity,
            "*" => &mut star,
            _ => continue,
        };
        *slot = Some(q);
    }
    let br = br.or(star).unwrap_or(0.0);
    let gzip = gzip.or(star).unwrap_or(0.0);
    let (best, q) = if br >= gzip {
        (Encoding::Brotli, br)
    } else {
        (Encoding::Gzip, gzip)
    };
    match identity {
        _ if q <= 0.0 => Encoding::Identity,
        Some(identity) if identity > q => Encoding::Identity,
        _ => best,
    }
}

/// The value of a `q=` parameter; malformed values count as 0 (refused),
/// the safe reading of a client we don't understand.
fn quality(param: &str) -> Option<f32> {
    let (name, value) = param.trim().split_once('=')?;
    if !name.trim().eq_ignore_ascii_case("q") {
        return None;
    }
    Some(value.trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 1.0))
}

/// `public, max-age=N`: the time until the feed's next scheduled refresh,
/// between [`MIN_MAX_AGE`] and [`MAX_MAX_AGE`].
///
/// Cron schedules fire on wall-clock multiples of their interval
/// (`*/15 * * * *` at :00, :15, :30, :45), so the next run is the next
/// multiple of the interval since the epoch: exact for the usual schedules,
/// and bounded by the clamp for the irregular ones.
pub(super) fn cache_control(interval: Duration, now: DateTime<Utc>) -> HeaderValue {
    let seconds = interval.as_secs().max(1);
    let elapsed = now.timestamp().rem_euclid(seconds as i64) as u64;
    let max_age = (seconds - elapsed).clamp(MIN_MAX_AGE, MAX_MAX_AGE);
    HeaderValue::from_static(cache_control_values()[(max_age - MIN_MAX_AGE) as usize])
}

/// `public, max-age=N` for every N from [`MIN_MAX_AGE`] to [`MAX_MAX_AGE`],
/// built once: answering then costs no formatting or allocation per request.
/// The ~80 KB text is kept for the life of the process, on purpose.
fn cache_control_values() -> &'static [&'static str] {
    static VALUES: OnceLock<Vec<&'static str>> = OnceLock::new();
    VALUES.get_or_init(|| {
        let text: String = (MIN_MAX_AGE..=MAX_MAX_AGE)
            .map(|n| format!("public, max-age={n}\n"))
            .collect();
        let text: &'static str = Box::leak(text.into_boxed_str());
        text.lines().collect()
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn pick(accept: &str) -> Encoding {
        negotiate(Some(&HeaderValue::from_str(accept).unwrap()))
    }

    #[test]
    fn negotiation_follows_q_values_and_prefers_brotli_on_ties() {
        assert_eq!(negotiate(None), Encoding::Identity);
        assert_eq!(pick("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(pick("gzip, deflate"), Encoding::Gzip);
        assert_eq!(pick("br;q=0.5, gzip;q=0.8"), Encoding::Gzip);
        assert_eq!(pick("br;q=0, gzip;q=0"), Encoding::Identity);
        assert_eq!(pick("*"), Encoding::Brotli);
        assert_eq!(pick("*;q=0.3, br;q=0"), Encoding::Gzip);
        assert_eq!(pick("identity"), Encoding::Identity);
        assert_eq!(pick("identity;q=1, gzip;q=0.5"), Encoding::Identity);
        assert_eq!(pick("deflate"), Encoding::Identity);
        assert_eq!(pick("GZIP;Q=0.9"), Encoding::Gzip);
        assert_eq!(pick("br;q=nonsense, gzip"), Encoding::Gzip);
    }

    #[test]
    fn if_none_match_lists_weak_tags_and_star_match() {
        let etag = HeaderValue::from_static("\"abc\"");
        assert!(none_match_hits("\"abc\"", &etag));
        assert!(none_match_hits("\"x\", W/\"abc\"", &etag));
        assert!(none_match_hits("*", &etag));
        assert!(!none_match_hits("\"abcd\"", &etag));
        assert!(!none_match_hits("abc", &etag));
    }

    #[test]
    fn if_none_match_overrides_if_modified_since() {
        let etag = HeaderValue::from_static("\"abc\"");
        let modified = Utc.with_ymd_and_hms(2024, 5, 6, 7, 8, 9).unwrap();
        let mut request = HeaderMap::new();
        request.insert(
            IF_MODIFIED_SINCE,
            HeaderValue::from_static("Mon, 06 May 2024 07:08:09 GMT"),
        );
        assert!(not_modified(&request, &etag, modified));
        assert!(!not_modified(
            &request,
            &etag,
            modified + chrono::Duration::seconds(1)
        ));
        request.insert(IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!not_modified(&request, &etag, modified), "etag decides");
        request.insert(IF_MODIFIED_SINCE, HeaderValue::from_static("not a date"));
        request.remove(IF_NONE_MATCH);
        assert!(!not_modified(&request, &etag, modified));
    }

    #[test]
    fn max_age_is_the_time_to_the_next_run_within_bounds() {
        let at = |h, m, s| Utc.with_ymd_and_hms(2024, 5, 6, h, m, s).unwrap();
        let quarter = Duration::from_secs(15 * 60);
        assert_eq!(cache_control(quarter, at(10, 5, 0)), "public, max-age=600");
        assert_eq!(cache_control(quarter, at(10, 14, 30)), "public, max-age=60");
        let daily = Duration::from_secs(24 * 3600);
        assert_eq!(cache_control(daily, at(10, 0, 0)), "public, max-age=3600");
    }
}
