//! How the fixture outlet answers a request: the misbehaving endpoints, a
//! 404, or a file with its validators (`ETag`, `Last-Modified`) and a
//! bodiless 304 when the request's validators still hold. Each answer is
//! logged (status, body bytes) before it is sent.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::{Served, resolve};

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=UTF-8",
        Some("xml") => "application/rss+xml; charset=UTF-8",
        Some("txt") => "text/plain; charset=UTF-8",
        _ => "application/octet-stream",
    }
}

/// An answer before it becomes a response, so its status and body length
/// can be logged.
struct Reply {
    status: StatusCode,
    headers: Vec<(HeaderName, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn new(status: StatusCode, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: vec![(header::CONTENT_TYPE, content_type.to_owned())],
            body: body.into(),
        }
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut response = Response::builder().status(self.status);
        for (name, value) in &self.headers {
            response = response.header(name, value);
        }
        response
            .body(Body::from(self.body))
            .expect("valid response")
    }
}

/// The outlet's one handler: counts the request, answers, logs the answer.
pub(super) async fn respond(
    State(served): State<Served>,
    request: HeaderMap,
    uri: Uri,
) -> Response {
    let path = uri.path().to_owned();
    let delay = {
        let mut log = served.log.lock().unwrap();
        *log.hits.entry(path.clone()).or_default() += 1;
        let now = std::time::Instant::now();
        log.arrivals.entry(path.clone()).or_default().push(now);
        log.in_flight += 1;
        log.peak_in_flight = log.peak_in_flight.max(log.in_flight);
        log.latency
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix.as_str()))
            .map(|(_, delay)| *delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let reply = answer(&served.root, &path, &request).await;
    let mut log = served.log.lock().unwrap();
    *log.statuses
        .entry((path, reply.status.as_u16()))
        .or_default() += 1;
    log.bytes += reply.body.len() as u64;
    log.in_flight -= 1;
    drop(log);
    reply.into_response()
}

async fn answer(root: &Path, path: &str, request: &HeaderMap) -> Reply {
    if path == "/broken/500" {
        let page = "<html><body><h1>Error establishing a database connection</h1></body></html>";
        return Reply::new(StatusCode::INTERNAL_SERVER_ERROR, "text/html", page);
    }
    if let Some(secs) = path.strip_prefix("/broken/slow/") {
        let secs: u64 = secs.trim_end_matches('/').parse().unwrap_or(5);
        tokio::time::sleep(Duration::from_secs(secs)).await;
        return Reply::new(StatusCode::OK, "text/html", "<html>late</html>");
    }
    // `/robots.txt` lands here too: a 404 (everything allowed) unless the
    // fixture tree holds one.
    match resolve(root, path) {
        Some(file) => serve_file(&file, request).await,
        None => Reply::new(StatusCode::NOT_FOUND, "text/plain", "Page not found"),
    }
}

/// A file with its validators, or a bodiless 304 when the request's
/// validators still hold.
async fn serve_file(file: &Path, request: &HeaderMap) -> Reply {
    let (Ok(body), Ok(meta)) = (tokio::fs::read(file).await, tokio::fs::metadata(file).await)
    else {
        return Reply::new(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "");
    };
    let modified = meta
        .modified()
        .map(DateTime::<Utc>::from)
        .unwrap_or(DateTime::UNIX_EPOCH);
    let etag = strong_etag(&body);
    let mut reply = if not_modified(request, &etag, modified) {
        Reply {
            status: StatusCode::NOT_MODIFIED,
            headers: Vec::new(),
            body: Vec::new(),
        }
    } else {
        Reply::new(StatusCode::OK, content_type(file), body)
    };
    // RFC 9110 §15.4.5: a 304 repeats the validators a 200 would carry.
    reply.headers.push((header::ETAG, etag));
    reply
        .headers
        .push((header::LAST_MODIFIED, http_date(modified)));
    reply
}

/// A strong validator: equal exactly when the bytes are (a hash, as nginx
/// and Apache derive theirs from the file rather than keep a version).
fn strong_etag(body: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    body.hash(&mut hasher);
    format!("\"{:016x}\"", hasher.finish())
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// RFC 9110 §13.2.2: `If-None-Match` decides when present (weak comparison,
/// so `W/"x"` matches `"x"`); only without it is `If-Modified-Since` read,
/// to whole seconds as HTTP dates have them.
fn not_modified(request: &HeaderMap, etag: &str, modified: DateTime<Utc>) -> bool {
    if let Some(list) = request.get(header::IF_NONE_MATCH) {
        let list = list.to_str().unwrap_or_default();
        return list
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    }
    request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| DateTime::parse_from_rfc2822(value).ok())
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

#[cfg(test)]
mod tests {
    use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};

    use super::*;
    use crate::outlet::Outlet;

    const LISTING: &str = "/tag/bolivia/";

    /// GET with extra request headers; (status, ETag, Last-Modified, body).
    async fn get(url: &str, headers: &[(HeaderName, &str)]) -> (u16, String, String, Vec<u8>) {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut request = client.get(url);
        for (name, value) in headers {
            request = request.header(name, *value);
        }
        let response = request.send().await.expect("GET the outlet");
        let header = |name| {
            let value = response.headers().get(name);
            value.map_or("", |v| v.to_str().unwrap()).to_owned()
        };
        let (etag, modified) = (header(ETAG), header(LAST_MODIFIED));
        let status = response.status().as_u16();
        (
            status,
            etag,
            modified,
            response.bytes().await.unwrap().to_vec(),
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn files_carry_validators_and_answer_304_while_they_hold() {
        let outlet = Outlet::start().await;
        let url = outlet.url(LISTING);
        let (status, etag, modified, body) = get(&url, &[]).await;
        assert_eq!(status, 200);
        assert!(
            etag.starts_with('"') && etag.ends_with('"'),
            "strong: {etag}"
        );
        assert!(modified.ends_with(" GMT"), "{modified}");
        let mtime = std::fs::metadata(outlet.file(LISTING))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(modified, http_date(mtime.into()));

        let weak = format!("\"other\", W/{etag}");
        let holding: [&[(HeaderName, &str)]; 3] = [
            &[(IF_NONE_MATCH, &etag)],
            &[(IF_NONE_MATCH, &weak)],
            &[(IF_MODIFIED_SINCE, &modified)],
        ];
        for headers in holding {
            let (status, etag_304, modified_304, body) = get(&url, headers).await;
            assert_eq!((status, body.len()), (304, 0), "{headers:?}");
            assert_eq!((&etag_304, &modified_304), (&etag, &modified));
        }
        // If-None-Match decides when present, even over a fresh date.
        let stale_tag = [(IF_NONE_MATCH, "\"stale\""), (IF_MODIFIED_SINCE, &modified)];
        assert_eq!(get(&url, &stale_tag).await.0, 200);
        let old_date = [(IF_MODIFIED_SINCE, "Thu, 01 Jan 2015 00:00:00 GMT")];
        assert_eq!(get(&url, &old_date).await.0, 200);

        assert_eq!(outlet.hits(LISTING), 6);
        assert_eq!(outlet.hits_with_status(LISTING, 304), 3);
        assert_eq!(outlet.hits_with_status(LISTING, 200), 3);
        assert_eq!(outlet.total_hits(), 6);
        assert_eq!(outlet.bytes_sent(), 3 * body.len() as u64);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_edit_changes_the_etag_and_robots_txt_is_absent() {
        let outlet = Outlet::start().await;
        let url = outlet.url(LISTING);
        let (_, etag, _, _) = get(&url, &[]).await;
        outlet.write(LISTING, &format!("{}<!-- edited -->", outlet.read(LISTING)));
        let (status, new_etag, _, body) = get(&url, &[(IF_NONE_MATCH, &etag)]).await;
        assert_eq!(status, 200);
        assert!(
            String::from_utf8(body)
                .unwrap()
                .ends_with("<!-- edited -->")
        );
        assert_ne!(new_etag, etag);
        assert_eq!(get(&url, &[(IF_NONE_MATCH, &new_etag)]).await.0, 304);

        let (status, _, _, body) = get(&outlet.url("/robots.txt"), &[]).await;
        assert_eq!(status, 404);
        assert_eq!(outlet.hits_with_status("/robots.txt", 404), 1);
        outlet.write("/robots.txt", "User-agent: *\nDisallow: /private/\n");
        let (status, _, _, robots) = get(&outlet.url("/robots.txt"), &[]).await;
        assert_eq!((status, robots.starts_with(b"User-agent")), (200, true));
        assert!(body.len() < robots.len());
    }
}
