//! Streaming a response body under refeed's caps: the page cap (checked
//! against the declared Content-Length first, then while streaming, after
//! decompression) and the robots.txt prefix.

use url::Url;

use super::Fetcher;
use crate::fetch::FetchError;
use crate::fetch::kind::SNIFF_BYTES;

impl Fetcher {
    /// Reads the body chunk by chunk, refusing it as soon as it passes the
    /// cap (the cap applies after decompression, so a gzip bomb stops early
    /// too), and runs `check` on the first [`SNIFF_BYTES`] as soon as they
    /// are in, so a binary body stops there.
    pub(super) async fn read_body(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        check: impl FnOnce(&[u8]) -> Result<(), FetchError>,
    ) -> Result<Vec<u8>, FetchError> {
        let limit = self.limits.max_body_bytes;
        let too_large = || FetchError::TooLarge {
            url: url.clone(),
            limit,
        };
        let declared = response.content_length();
        if declared.is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        let mut check = Some(check);
        let mut body = Vec::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.body_error(url, err))?
        {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
            if body.len() >= SNIFF_BYTES
                && let Some(check) = check.take()
            {
                check(&body)?;
            }
        }
        check.map_or(Ok(()), |check| check(&body))?;
        Ok(body)
    }

    /// Reads at most `limit` bytes of the body, dropping the rest.
    pub(super) async fn read_prefix(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        limit: usize,
    ) -> Result<Vec<u8>, FetchError> {
        let mut body = Vec::new();
        while body.len() < limit {
            let chunk = response.chunk().await;
            match chunk.map_err(|err| self.body_error(url, err))? {
                Some(chunk) => body.extend_from_slice(&chunk),
                None => break,
            }
        }
        body.truncate(limit);
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use crate::fetch::FetchError;
    use crate::fetch::test_server::{
        Step, chunked, fetch_page, fetcher_with, gzip, gzip_stored, head_only, header_value, path,
        response, serve, serve_steps, test_fetcher,
    };

    const CAP: u64 = 1024;

    #[tokio::test]
    async fn chunked_body_over_the_cap_is_refused_while_streaming() {
        let base = serve(|head| {
            let mut out = chunked(if path(head) == "/big" { 10 } else { 2 });
            // chunked() serves no Content-Type: label it.
            out.splice(17..17, b"Content-Type: text/plain\r\n".iter().copied());
            out
        })
        .await;
        let small = fetch_page(&test_fetcher(), &base.join("/small").unwrap())
            .await
            .unwrap();
        assert_eq!(small.body.len(), 800);

        let url = base.join("/big").unwrap();
        let err = fetch_page(&test_fetcher(), &url).await.unwrap_err();
        assert!(
            matches!(&err, FetchError::TooLarge { limit: CAP, .. }),
            "{err:?}"
        );
        assert_eq!(err.url(), Some(&url));
    }

    #[tokio::test]
    async fn declared_length_over_the_cap_is_refused_before_reading() {
        // Announces 1 MB but sends 5 bytes and hangs up: only a check of the
        // Content-Length header turns this into TooLarge rather than a cut body.
        let base = serve(|_| {
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/html\r\n\
              Content-Length: 1000000\r\n\r\nhello"
                .to_vec()
        })
        .await;
        let err = fetch_page(&test_fetcher(), &base).await.unwrap_err();
        assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn truncated_body_is_a_body_error() {
        // Declares 500 bytes, sends 5, closes: the body is cut short.
        let base = serve(|_| {
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/html\r\n\
              Content-Length: 500\r\n\r\nhello"
                .to_vec()
        })
        .await;
        let err = fetch_page(&test_fetcher(), &base).await.unwrap_err();
        assert!(matches!(err, FetchError::Body { .. }), "{err:?}");
        assert_eq!(err.to_string(), format!("cannot read the body of {base}"));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[tokio::test]
    async fn connection_reset_mid_body_is_a_body_error() {
        let base = serve_steps(|_| {
            let head = head_only(
                "200 OK",
                &["Content-Type: text/html", "Content-Length: 500"],
            );
            vec![
                Step::Send(head),
                Step::Send(b"<p>half a page".to_vec()),
                Step::Reset,
            ]
        })
        .await;
        let err = fetch_page(&test_fetcher(), &base).await.unwrap_err();
        assert!(matches!(err, FetchError::Body { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn gzip_bodies_are_decompressed_and_the_cap_applies_after() {
        let base = serve(|head| {
            assert!(
                header_value(head, "accept-encoding").contains("gzip"),
                "{head}"
            );
            let size = if path(head) == "/big" { 2000 } else { 1000 };
            let body = gzip_stored(&vec![b'z'; size]);
            let headers = ["Content-Encoding: gzip", "Content-Type: text/plain"];
            response("200 OK", &headers, &body)
        })
        .await;
        let page = fetch_page(&test_fetcher(), &base.join("/ok").unwrap())
            .await
            .unwrap();
        assert_eq!(page.body, "z".repeat(1000));
        // 2000 bytes once decompressed, though barely more on the wire.
        let err = fetch_page(&test_fetcher(), &base.join("/big").unwrap())
            .await
            .unwrap_err();
        assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn gzip_bomb_stops_at_the_cap() {
        // 16 MiB of spaces squeezed into ~16 KiB on the wire, against a
        // 1 MiB cap.
        let bomb = gzip(&vec![b' '; 16 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024, "{}", bomb.len());
        let base = serve(move |_| {
            let headers = ["Content-Encoding: gzip", "Content-Type: text/html"];
            response("200 OK", &headers, &bomb)
        })
        .await;
        let cap = 1024 * 1024;
        let fetcher = fetcher_with(|c| c.max_body_bytes = cap);
        let err = fetch_page(&fetcher, &base).await.unwrap_err();
        assert!(
            matches!(err, FetchError::TooLarge { limit, .. } if limit == cap),
            "{err:?}"
        );
    }
}
