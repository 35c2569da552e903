//! Following redirects: the fetcher follows them itself, one hop at a
//! time, so that each hop passes the fetch policy (`access`) before it is
//! requested: a 302 from an allowed outlet to `http://169.254.169.254/` or
//! to another port on loopback is refused like a link to it would be.
//! [`Chain`] counts hops against `max_redirects` and stops at once when a
//! hop leads back to a URL already visited (outlets whose cookie wall or
//! geo-redirect sends a cookie-less client from `/news` to `/consent` and
//! back), naming the loop instead of burning the whole redirect budget.

use reqwest::header::LOCATION;
use reqwest::{Response, StatusCode};
use url::Url;

/// The URLs visited by one request, the first one included.
#[derive(Debug)]
pub(super) struct Chain {
    visited: Vec<Url>,
    max: usize,
}

/// Why a redirect was not followed.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// The hop leads back into the chain; the chain, ending with it.
    Loop(Vec<Url>),
    /// More than `max` hops.
    TooMany,
}

impl Chain {
    /// A chain starting at `first`, allowing `max` hops.
    pub(super) fn new(first: Url, max: usize) -> Self {
        Self {
            visited: vec![first],
            max,
        }
    }

    /// Records the hop to `next`, or says why it is not followed.
    pub(super) fn follow(&mut self, next: Url) -> Result<Url, Stop> {
        if self.visited.contains(&next) {
            let mut chain = std::mem::take(&mut self.visited);
            chain.push(next);
            return Err(Stop::Loop(chain));
        }
        // `visited` starts with the URL first requested, which is no hop.
        if self.visited.len() > self.max {
            return Err(Stop::TooMany);
        }
        self.visited.push(next.clone());
        Ok(next)
    }
}

/// Where `response` redirects to, when it is a redirect (301, 302, 303,
/// 307, 308) with a `Location` that makes a URL against the response's own.
pub(super) fn location(response: &Response) -> Option<Url> {
    let redirects = [
        StatusCode::MOVED_PERMANENTLY,
        StatusCode::FOUND,
        StatusCode::SEE_OTHER,
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
    ];
    if !redirects.contains(&response.status()) {
        return None;
    }
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    response.url().join(location).ok()
}

/// `url` without user name and password: a link's credentials are never
/// sent (reqwest would turn them into an `Authorization` header).
pub(super) fn without_credentials(url: &Url) -> Url {
    let mut url = url.clone();
    // Only fails for URLs that cannot have credentials anyway.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::FetchError;
    use crate::fetch::test_server::{
        Log, fetch_page, fetcher_with, path, response, serve, test_fetcher,
    };

    /// `/hop/N` redirects to `/hop/N-1`; `/hop/0` answers 200.
    async fn redirect_chain() -> Url {
        serve(|head| {
            let hops: u32 = path(head).trim_start_matches("/hop/").parse().unwrap_or(0);
            if hops == 0 {
                return response("200 OK", &["Content-Type: text/plain"], b"arrived");
            }
            let location = format!("Location: /hop/{}", hops - 1);
            response("302 Found", &[&location], b"")
        })
        .await
    }

    #[tokio::test]
    async fn redirects_are_followed_and_the_page_has_the_final_url() {
        let base = redirect_chain().await;
        let page = fetch_page(&test_fetcher(), &base.join("/hop/3").unwrap())
            .await
            .unwrap();
        assert_eq!(page.url, base.join("/hop/0").unwrap());
        assert_eq!(page.body, "arrived");
    }

    #[tokio::test]
    async fn more_redirects_than_allowed_is_an_error() {
        let base = redirect_chain().await;
        let url = base.join("/hop/4").unwrap();
        let err = fetch_page(&test_fetcher(), &url).await.unwrap_err();
        assert!(
            matches!(&err, FetchError::TooManyRedirects { limit: 3, .. }),
            "{err:?}"
        );
        assert_eq!(err.url(), Some(&url));
    }

    #[tokio::test]
    async fn redirect_loop_is_named_with_its_chain() {
        let log = Log::default();
        let seen = log.clone();
        let base = serve(move |head| {
            seen.record(head);
            let to = if path(head) == "/a" { "/b" } else { "/a" };
            response("302 Found", &[&format!("Location: {to}")], b"")
        })
        .await;
        let fetcher = fetcher_with(|c| c.max_redirects = 10);
        let a = base.join("/a").unwrap();
        let b = base.join("/b").unwrap();
        let err = fetch_page(&fetcher, &a).await.unwrap_err();
        let FetchError::RedirectLoop { chain, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(chain, &[a.clone(), b.clone(), a.clone()]);
        assert_eq!(
            err.to_string(),
            format!("{a} redirects in a loop: {a} -> {b} -> {a}")
        );
        // Stopped at the first repeat, not after ten hops.
        assert_eq!(log.paths(), ["/a", "/b"]);
    }
}
