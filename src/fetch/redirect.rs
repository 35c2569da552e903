//! The redirect policy: follow up to `max_redirects` hops, and stop at once
//! when a hop leads back to a URL already visited in the chain (outlets
//! whose cookie wall or geo-redirect sends a cookie-less client from `/news`
//! to `/consent` and back), naming the loop instead of burning the whole
//! redirect budget.

use std::error::Error as StdError;
use std::fmt;

use reqwest::redirect::{Attempt, Policy};
use url::Url;

/// The chain of a redirect loop, carried through `reqwest` as the error of
/// the redirect attempt and recovered with [`loop_chain`].
#[derive(Debug)]
struct Loop(Vec<Url>);

impl fmt::Display for Loop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("redirect loop")
    }
}

impl StdError for Loop {}

/// Too many hops (`reqwest`'s own error type for this is private).
#[derive(Debug)]
struct TooMany;

impl fmt::Display for TooMany {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("too many redirects")
    }
}

impl StdError for TooMany {}

/// The policy: loops are errors carrying their chain; more than `max` hops
/// is an error; anything else is followed.
pub(super) fn policy(max: usize) -> Policy {
    Policy::custom(move |attempt| decide(attempt, max))
}

fn decide(attempt: Attempt<'_>, max: usize) -> reqwest::redirect::Action {
    let previous = attempt.previous();
    if previous.contains(attempt.url()) {
        let mut chain = previous.to_vec();
        chain.push(attempt.url().clone());
        return attempt.error(Loop(chain));
    }
    // `previous` starts with the URL first requested, which is no hop.
    if previous.len() > max {
        return attempt.error(TooMany);
    }
    attempt.follow()
}

/// The chain of URLs, when `err` is a redirect loop stopped by [`policy`].
pub(super) fn loop_chain(err: &reqwest::Error) -> Option<Vec<Url>> {
    let mut cause = err.source();
    while let Some(err) = cause {
        if let Some(Loop(chain)) = err.downcast_ref::<Loop>() {
            return Some(chain.clone());
        }
        cause = err.source();
    }
    None
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
