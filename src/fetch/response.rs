//! Reading a response into a [`Page`]: refusing what is no page or feed
//! before the body is read, refusing a binary body under a text label once
//! its first bytes are in, decoding to UTF-8, and keeping the validators for
//! the next conditional request. Also the error for a non-2xx answer, with
//! its `Retry-After`. Streaming the body under the cap is `body.rs`.

use chrono::Utc;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use url::Url;

use super::Fetcher;
use crate::fetch::kind::{self, Content, Label};
use crate::fetch::{FetchError, Page, decode_for_domain, retry};
use crate::model::Validators;

impl Fetcher {
    /// Reads a 2xx response into a page.
    pub(super) async fn read_page(&self, response: reqwest::Response) -> Result<Page, FetchError> {
        let url = response.url().clone();
        let content_type = header_text(response.headers(), header::CONTENT_TYPE);
        let label = kind::by_label(content_type.as_deref());
        if label == Label::Refused {
            return Err(FetchError::UnsupportedType {
                url,
                content_type: content_type.unwrap_or_default(),
            });
        }
        let validators = Validators {
            etag: header_text(response.headers(), header::ETAG),
            last_modified: header_text(response.headers(), header::LAST_MODIFIED),
        };
        let bytes = self
            .read_body(&url, response, |head| {
                sniff(&url, label, content_type.as_deref(), head)
            })
            .await?;
        crate::metrics::bytes_read(bytes.len());
        Ok(Page {
            body: decode_for_domain(&bytes, content_type.as_deref(), url.domain()),
            url,
            content_type,
            validators,
        })
    }

    /// The error for a non-2xx response. A 429 or 503 with `Retry-After`
    /// carries when to come back.
    pub(super) fn refusal(&self, response: reqwest::Response) -> FetchError {
        let status = response.status();
        let retry_at = match status {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
                header_text(response.headers(), header::RETRY_AFTER)
                    .and_then(|value| retry::retry_at(&value, Utc::now()))
            }
            _ => None,
        };
        FetchError::Status {
            url: response.url().clone(),
            status: status.as_u16(),
            retry_at,
        }
    }
}

/// How an unlabelled response is named in messages.
const UNLABELLED: &str = "an unlabelled body";

/// Refuses a body whose first bytes are binary, or, unlabelled, do not
/// start like markup.
fn sniff(
    url: &Url,
    label: Label,
    content_type: Option<&str>,
    head: &[u8],
) -> Result<(), FetchError> {
    let content_type = content_type.unwrap_or(UNLABELLED).to_owned();
    let url = url.clone();
    match kind::by_content(label, head) {
        Content::Markup => Ok(()),
        Content::Binary => Err(FetchError::Binary { url, content_type }),
        Content::NotMarkup => Err(FetchError::UnsupportedType { url, content_type }),
    }
}

/// A header's value as text, when present and visible ASCII.
pub(super) fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?;
    Some(value.to_owned())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::fetch::FetchConfig;
    use crate::fetch::test_server::{
        Step, fetch_page, head_only, path, response, serve, serve_steps, test_config, test_fetcher,
    };

    fn big_cap_fetcher() -> Fetcher {
        let config = FetchConfig {
            max_body_bytes: 64 * 1024 * 1024,
            ..test_config()
        };
        Fetcher::new(&config).unwrap()
    }

    /// Serves `content_type` (if any) with an endless body: 64 KiB every
    /// 10 ms until the client leaves.
    async fn endless(content_type: Option<&'static str>, first: &'static [u8]) -> Url {
        serve_steps(move |_| {
            let headers: Vec<String> = content_type
                .map(|t| format!("Content-Type: {t}"))
                .into_iter()
                .collect();
            let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
            vec![
                Step::Send(head_only("200 OK", &headers)),
                Step::Send(first.to_vec()),
                Step::Drip {
                    chunk: vec![b' '; 64 * 1024],
                    every: Duration::from_millis(10),
                    times: 100_000,
                },
            ]
        })
        .await
    }

    #[tokio::test]
    async fn unsupported_type_is_refused_before_the_body_is_read() {
        let url = endless(Some("image/png"), b"\x89PNG").await;
        let started = Instant::now();
        let err = fetch_page(&big_cap_fetcher(), &url).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert!(
            matches!(&err, FetchError::UnsupportedType { content_type, .. } if content_type == "image/png"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!("{url} is image/png, not a web page or feed")
        );
    }

    #[tokio::test]
    async fn pdf_is_refused_feeds_json_and_plain_text_are_read() {
        let base = serve(|head| {
            let (kind, body): (&str, &[u8]) = match path(head) {
                "/json" => ("application/json; charset=UTF-8", b"[{\"id\":1}]"),
                "/feed.json" => ("application/feed+json", b"{\"version\":\"1.1\"}"),
                "/pdf" => ("application/pdf", b"<feed/>"),
                "/atom" => ("application/atom+xml; charset=utf-8", b"<feed/>"),
                _ => ("text/plain", b"<feed/>"),
            };
            response("200 OK", &[&format!("Content-Type: {kind}")], body)
        })
        .await;
        let fetcher = test_fetcher();
        let err = fetch_page(&fetcher, &base.join("/pdf").unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::UnsupportedType { .. }), "{err:?}");
        for (read, body) in [
            ("/atom", "<feed/>"),
            ("/txt", "<feed/>"),
            ("/json", "[{\"id\":1}]"),
            ("/feed.json", "{\"version\":\"1.1\"}"),
        ] {
            let page = fetch_page(&fetcher, &base.join(read).unwrap())
                .await
                .unwrap();
            assert_eq!(page.body, body);
        }
    }

    #[tokio::test]
    async fn unlabelled_bodies_are_sniffed() {
        let base = serve(|head| match path(head) {
            "/feed" => response("200 OK", &[], b"\n<?xml version=\"1.0\"?><rss/>"),
            "/octet" => response(
                "200 OK",
                &["Content-Type: application/octet-stream"],
                b"<html></html>",
            ),
            _ => response("200 OK", &[], b"{\"json\": true}"),
        })
        .await;
        let fetcher = test_fetcher();
        let page = fetch_page(&fetcher, &base.join("/feed").unwrap())
            .await
            .unwrap();
        assert!(page.body.ends_with("<rss/>"));
        assert_eq!(page.content_type, None);
        let page = fetch_page(&fetcher, &base.join("/octet").unwrap())
            .await
            .unwrap();
        assert_eq!(page.body, "<html></html>");
        let url = base.join("/data").unwrap();
        let err = fetch_page(&fetcher, &url).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("{url} is an unlabelled body, not a web page or feed")
        );
    }

    #[tokio::test]
    async fn binary_body_labelled_html_is_refused_after_its_first_bytes() {
        let url = endless(Some("text/html"), b"GIF89a\x01\x00\x01\x00\x80\x00\x00").await;
        let started = Instant::now();
        let err = fetch_page(&big_cap_fetcher(), &url).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(err, FetchError::Binary { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!("{url} is labelled text/html but its body is binary")
        );
    }

    #[tokio::test]
    async fn short_binary_body_and_utf16_with_bom() {
        let base = serve(|head| match path(head) {
            "/utf16" => response(
                "200 OK",
                &["Content-Type: text/html"],
                b"\xFF\xFE<\0p\0>\0\xE9\0",
            ),
            _ => response("200 OK", &["Content-Type: text/html"], b"<p>\0\0\0</p>"),
        })
        .await;
        let fetcher = test_fetcher();
        let err = fetch_page(&fetcher, &base.join("/nul").unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::Binary { .. }), "{err:?}");
        let page = fetch_page(&fetcher, &base.join("/utf16").unwrap())
            .await
            .unwrap();
        assert_eq!(page.body, "<p>é");
    }

    #[tokio::test]
    async fn retry_after_in_seconds_and_as_a_date_is_parsed() {
        let in_a_minute = (Utc::now() + chrono::Duration::seconds(60))
            .format("Retry-After: %a, %d %b %Y %H:%M:%S GMT")
            .to_string();
        let base = serve(move |head| match path(head) {
            "/busy" => response("429 Too Many Requests", &["Retry-After: 120"], b""),
            _ => response("503 Service Unavailable", &[&in_a_minute], b""),
        })
        .await;
        let before = Utc::now();
        let url = base.join("/busy").unwrap();
        let err = fetch_page(&test_fetcher(), &url).await.unwrap_err();
        let wait = (err.retry_at().unwrap() - before).num_seconds();
        assert!((119..=121).contains(&wait), "{wait}");
        assert_eq!(
            err.to_string(),
            format!("{url} answered HTTP 429, retry after 120s")
        );

        // A fresh fetcher: the 429 above holds the host in the first one.
        let err = fetch_page(&test_fetcher(), &base.join("/down").unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(503));
        let wait = (err.retry_at().unwrap() - before).num_seconds();
        assert!((58..=61).contains(&wait), "{wait}");
    }

    #[tokio::test]
    async fn retry_after_is_ignored_on_other_statuses() {
        let base =
            serve(|_| response("500 Internal Server Error", &["Retry-After: 120"], b"")).await;
        let err = fetch_page(&test_fetcher(), &base).await.unwrap_err();
        assert!(
            matches!(
                err,
                FetchError::Status {
                    status: 500,
                    retry_at: None,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}
