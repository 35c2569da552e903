//! The fetch policy (`access`) applied to every request: the URL and each
//! redirect hop are judged before they are requested, sent through the
//! client their route allows, and without the credentials a link may
//! carry. Redirects are followed here rather than by `reqwest`, whose
//! redirect policy cannot switch clients or wait for DNS. Declared from
//! `client.rs` so it reaches the client's private fields.

use reqwest::{RequestBuilder, Response};
use url::Url;

use super::Fetcher;
use crate::fetch::access::{Refusal, Route, own_listen_by_name};
use crate::fetch::redirect::{self, Chain, Stop, without_credentials};
use crate::fetch::{FetchError, Refused};

impl Fetcher {
    /// The route (kind of client) that may request `hop` (`url` itself or
    /// a redirect hop from it), or why it may not be requested. `from`
    /// names where the link came from, for the refusal.
    pub(super) async fn client_for(
        &self,
        url: &Url,
        hop: &Url,
        from: Option<&str>,
    ) -> Result<Route, FetchError> {
        let access = self.access();
        let route = access
            .route(hop)
            .map_err(|reason| refused(url, hop, from, reason))?;
        if let Some(addr) = own_listen_by_name(&access, hop).await {
            return Err(refused(url, hop, from, Refusal::OwnListen { addr }));
        }
        Ok(route)
    }

    /// Sends what `build` makes of `url`, then of each redirect hop, each
    /// checked first, up to `max_redirects` hops; returns the first answer
    /// that is no redirect.
    pub(super) async fn follow(
        &self,
        url: &Url,
        from: Option<&str>,
        build: impl Fn(&reqwest::Client, Url) -> RequestBuilder,
    ) -> Result<Response, FetchError> {
        let mut chain = Chain::new(url.clone(), self.limits.max_redirects);
        let mut hop = url.clone();
        loop {
            let response = self.send_once(url, &hop, from, &build).await?;
            let Some(next) = redirect::location(&response) else {
                return Ok(response);
            };
            hop = chain.follow(next).map_err(|stop| match stop {
                Stop::Loop(chain) => FetchError::RedirectLoop {
                    url: url.clone(),
                    chain,
                },
                Stop::TooMany => FetchError::TooManyRedirects {
                    url: url.clone(),
                    limit: self.limits.max_redirects,
                },
            })?;
        }
    }

    /// One checked request for `hop` (on the way to `url`), no redirect
    /// followed.
    pub(super) async fn send_once(
        &self,
        url: &Url,
        hop: &Url,
        from: Option<&str>,
        build: impl Fn(&reqwest::Client, Url) -> RequestBuilder,
    ) -> Result<Response, FetchError> {
        let route = self.client_for(url, hop, from).await?;
        // The session of the hop's own origin, so each session only ever
        // connects to one origin (its idle connections stay bounded).
        let session = self.sessions.checkout(hop, route)?;
        build(session.client(), without_credentials(hop))
            .send()
            .await
            .map_err(|err| match refusal_in(&err) {
                Some(reason) => refused(url, hop, from, reason),
                None => self.send_error(url, err),
            })
    }
}

fn refused(url: &Url, hop: &Url, from: Option<&str>, reason: Refusal) -> FetchError {
    FetchError::Refused(Box::new(Refused {
        url: url.clone(),
        refused: without_credentials(hop),
        linked_from: from.map(str::to_owned),
        reason,
    }))
}

/// The refusal of the checked resolver, when it is what made `err`.
fn refusal_in(err: &reqwest::Error) -> Option<Refusal> {
    let mut cause = std::error::Error::source(err);
    while let Some(err) = cause {
        if let Some(refusal) = err.downcast_ref::<Refusal>() {
            return Some(refusal.clone());
        }
        cause = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::test_server::{Log, header_value, path, response, serve, test_config};
    use crate::fetch::{Access, AddressKind, FetchOptions, Fetched};

    /// A fetcher allowing only the origins of `origins` (as config allows
    /// each source's), nothing else on loopback.
    fn allowing_only(origins: &[&Url]) -> Fetcher {
        let mut config = test_config();
        config.access = Access::default();
        for origin in origins {
            config.access.allow_origin(origin);
        }
        Fetcher::new(&config).unwrap()
    }

    async fn fetch(fetcher: &Fetcher, url: &Url, robots: bool) -> Result<Fetched, FetchError> {
        let options = FetchOptions {
            ignore_robots: !robots,
            linked_from: Some("news".into()),
            ..FetchOptions::default()
        };
        fetcher.fetch(url, &options).await
    }

    /// A server that logs requests and answers "inside" to each.
    async fn inside() -> (Url, Log) {
        let log = Log::default();
        let seen = log.clone();
        let url = serve(move |head| {
            seen.record(head);
            response("200 OK", &["Content-Type: text/plain"], b"inside")
        })
        .await;
        (url, log)
    }

    /// A source origin whose `/go` redirects to `to`.
    async fn redirecting_to(to: &str) -> Url {
        let location = format!("Location: {to}");
        serve(move |head| match path(head) {
            "/robots.txt" => response("404 Not Found", &[], b""),
            _ => response("302 Found", &[&location], b""),
        })
        .await
    }

    #[tokio::test]
    async fn another_port_on_loopback_than_the_source_is_refused() {
        let (target, log) = inside().await;
        let source = Url::parse("http://127.0.0.1:1/").unwrap();
        let err = fetch(&allowing_only(&[&source]), &target, false)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "refusing to fetch {target} (linked from news): 127.0.0.1 is a loopback \
                 address; allow it with [fetch] allow_hosts"
            )
        );
        assert!(log.paths().is_empty());
    }

    #[tokio::test]
    async fn an_origin_trusted_later_is_fetched_by_every_clone() {
        let (target, log) = inside().await;
        let fetcher = allowing_only(&[]);
        assert!(fetch(&fetcher, &target, false).await.is_err());
        fetcher.clone().trust_origins([&target]);
        let fetched = fetch(&fetcher, &target, false).await;
        assert!(matches!(fetched, Ok(Fetched::Page(_))), "{fetched:?}");
        assert_eq!(log.paths().len(), 1);
    }

    #[tokio::test]
    async fn every_redirect_hop_is_checked() {
        let (target, log) = inside().await;
        for to in [target.as_str(), "http://169.254.169.254/latest/meta-data/"] {
            let source = redirecting_to(to).await;
            let go = source.join("/go").unwrap();
            let fetcher = allowing_only(&[&source]);
            let err = fetch(&fetcher, &go, true).await.unwrap_err();
            let FetchError::Refused(refused) = &err else {
                panic!("{err:?}");
            };
            assert_eq!(refused.url, go);
            assert_eq!(refused.refused.as_str(), to);
            let message = err.to_string();
            assert!(
                message.contains(&format!("(redirected from {go}, linked from news)")),
                "{message}"
            );
        }
        assert!(log.paths().is_empty());
        // Allowed, the same redirect is followed.
        let source = redirecting_to(target.as_str()).await;
        let fetcher = allowing_only(&[&source, &target]);
        let fetched = fetch(&fetcher, &source.join("/go").unwrap(), false).await;
        assert!(matches!(fetched, Ok(Fetched::Page(_))), "{fetched:?}");
    }

    #[tokio::test]
    async fn a_host_name_resolving_to_loopback_is_refused_by_the_resolver() {
        let (target, log) = inside().await;
        let url = Url::parse(&format!("http://localhost:{}/x", target.port().unwrap())).unwrap();
        // With robots.txt asked first, the refusal still names the page.
        let err = fetch(&allowing_only(&[]), &url, true).await.unwrap_err();
        let FetchError::Refused(refused) = &err else {
            panic!("{err:?}");
        };
        assert!(
            matches!(
                refused.reason,
                Refusal::Resolved {
                    kind: AddressKind::Loopback,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(refused.refused, url);
        assert!(err.to_string().contains("localhost resolves to"), "{err}");
        assert!(log.paths().is_empty());
        // The same name at a configured origin goes through.
        let fetched = fetch(&allowing_only(&[&url]), &url, true).await;
        assert!(matches!(fetched, Ok(Fetched::Page(_))), "{fetched:?}");
    }

    #[tokio::test]
    async fn credentials_in_a_link_are_never_sent() {
        let log = Log::default();
        let seen = log.clone();
        let base = serve(move |head| {
            seen.record(head);
            match path(head) {
                "/first" => {
                    let port = header_value(head, "host")
                        .rsplit(':')
                        .next()
                        .unwrap()
                        .to_owned();
                    let to = format!("Location: http://again:secret@127.0.0.1:{port}/second");
                    response("302 Found", &[&to], b"")
                }
                _ => response("200 OK", &["Content-Type: text/plain"], b"ok"),
            }
        })
        .await;
        let mut link = base.join("/first").unwrap();
        link.set_username("user").unwrap();
        link.set_password(Some("pw")).unwrap();
        let Fetched::Page(page) = fetch(&allowing_only(&[&base]), &link, false).await.unwrap()
        else {
            panic!("304");
        };
        assert_eq!(page.url, base.join("/second").unwrap());
        let heads = [log.heads("/first"), log.heads("/second")].concat();
        assert_eq!(heads.len(), 2);
        for head in heads {
            assert_eq!(header_value(&head, "authorization"), "", "{head}");
        }
    }
}
