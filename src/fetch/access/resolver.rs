//! The DNS side of the fetch policy: [`CheckedResolver`], plugged into the
//! checked client, resolves a host name at connect time and keeps only the
//! addresses [`Access`] allows, so the address judged is the address
//! connected to (no DNS rebinding window). When none is left the
//! connection fails with the [`Refusal`], which the fetcher digs out of the
//! client's error to name it. [`SystemResolver`], for the trusted client,
//! resolves the same way without judging. Both fail a lookup with a
//! [`ResolveError`], so the fetcher can say "cannot resolve HOST" from a
//! type rather than from the client's wording.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

use super::{Access, Refusal};

/// Resolves with the system resolver (`getaddrinfo`, as the default
/// client does), then drops refused addresses.
#[derive(Debug, Clone)]
pub struct CheckedResolver {
    access: Arc<Access>,
}

impl CheckedResolver {
    /// A resolver enforcing `access`.
    pub fn new(access: Arc<Access>) -> Self {
        Self { access }
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let access = Arc::clone(&self.access);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = lookup(&host).await?;
            let kept = keep_allowed(&access, &host, found)?;
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// The system resolver (`getaddrinfo`), judging nothing: for the trusted
/// client, whose requests go to configured origins only.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = lookup(&host).await?;
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

/// A host name that did not resolve: no such name, no address, or no
/// answer from the resolver. The fetcher finds it in the client's error
/// chain (see `fetch::cause`).
#[derive(Debug, thiserror::Error)]
#[error("cannot resolve {host}")]
pub struct ResolveError {
    /// The name looked up.
    pub host: String,
    /// What the system resolver said.
    #[source]
    pub source: std::io::Error,
}

/// `host`'s addresses by the system resolver, as the default client finds
/// them (`getaddrinfo` on the blocking pool).
async fn lookup(host: &str) -> Result<Vec<SocketAddr>, ResolveError> {
    let failed = |source| ResolveError {
        host: host.to_owned(),
        source,
    };
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(failed)?
        .collect();
    if found.is_empty() {
        let none = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
        return Err(failed(none));
    }
    Ok(found)
}

/// The addresses of `found` that `access` allows for `host`; the refusal
/// of the first one when none is allowed.
fn keep_allowed(
    access: &Access,
    host: &str,
    found: Vec<SocketAddr>,
) -> Result<Vec<SocketAddr>, Refusal> {
    let mut refused = None;
    let mut kept = Vec::new();
    for addr in found {
        match access.check_ip(Some(host), addr.ip()) {
            Ok(()) => kept.push(addr),
            Err(kind) => {
                refused.get_or_insert(Refusal::Resolved {
                    host: host.to_owned(),
                    ip: addr.ip(),
                    kind,
                });
            }
        }
    }
    match refused {
        Some(refusal) if kept.is_empty() => Err(refusal),
        _ => Ok(kept),
    }
}

/// For a host-name URL at the port of an own listen address: the listen
/// address it resolves to, if any. Checked before the request rather than
/// in the resolver, which never sees the port; the name was resolved
/// moments before by the same system resolver.
pub async fn own_listen_by_name(access: &Access, url: &Url) -> Option<SocketAddr> {
    let (Some(Host::Domain(host)), Some(port)) = (url.host(), url.port_or_known_default()) else {
        return None;
    };
    if !access.listens_on(port) {
        return None;
    }
    let found = tokio::net::lookup_host((host, port)).await.ok()?;
    let ips: Vec<IpAddr> = found.map(|addr| addr.ip()).collect();
    ips.into_iter()
        .find_map(|ip| access.own_listen_at(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::access::{AddressKind, AllowHost};

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter()
            .map(|ip| SocketAddr::new(ip.parse().unwrap(), 0))
            .collect()
    }

    fn allowing(hosts: &[&str]) -> Access {
        Access::new(
            hosts
                .iter()
                .map(|h| h.parse::<AllowHost>().unwrap())
                .collect(),
        )
    }

    #[test]
    fn refused_addresses_are_dropped_and_public_ones_kept() {
        let found = addrs(&["10.0.0.1", "93.184.215.14", "::1"]);
        let kept = keep_allowed(&Access::default(), "mixed.test", found).unwrap();
        assert_eq!(kept, addrs(&["93.184.215.14"]));
    }

    #[test]
    fn a_name_resolving_only_to_refused_addresses_is_refused_with_the_first() {
        let found = addrs(&["169.254.169.254", "10.0.0.1"]);
        let err = keep_allowed(&Access::default(), "metadata.test", found).unwrap_err();
        assert_eq!(
            err,
            Refusal::Resolved {
                host: "metadata.test".into(),
                ip: "169.254.169.254".parse().unwrap(),
                kind: AddressKind::LinkLocal,
            }
        );
        assert_eq!(
            err.to_string(),
            "metadata.test resolves to 169.254.169.254, a link-local address; \
             allow it with [fetch] allow_hosts"
        );
    }

    #[test]
    fn allow_hosts_names_and_networks_let_private_addresses_through() {
        let access = allowing(&["wiki.internal", "10.1.0.0/16"]);
        let found = addrs(&["192.168.1.5"]);
        assert_eq!(
            keep_allowed(&access, "WIKI.internal.", found.clone()).unwrap(),
            found
        );
        assert!(keep_allowed(&access, "other.internal", found).is_err());
        let found = addrs(&["10.1.2.3", "10.2.0.1"]);
        assert_eq!(
            keep_allowed(&access, "other.internal", found).unwrap(),
            addrs(&["10.1.2.3"])
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_localhost_and_keeps_it_when_allowed() {
        let name: Name = "localhost".parse().unwrap();
        let err = CheckedResolver::new(Arc::new(Access::default()))
            .resolve(name)
            .await
            .err()
            .unwrap();
        let refusal = err.downcast_ref::<Refusal>().unwrap();
        assert!(
            matches!(
                refusal,
                Refusal::Resolved {
                    kind: AddressKind::Loopback,
                    ..
                }
            ),
            "{refusal:?}"
        );
        let name: Name = "localhost".parse().unwrap();
        let resolver = CheckedResolver::new(Arc::new(allowing(&["127.0.0.0/8", "::1"])));
        let found: Vec<SocketAddr> = resolver.resolve(name).await.unwrap().collect();
        assert!(!found.is_empty());
        assert!(found.iter().all(|a| a.ip().is_loopback()), "{found:?}");
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_fails_with_a_resolve_error() {
        // `.invalid` never resolves (RFC 6761 §6.4); no network is needed.
        for resolving in [
            CheckedResolver::new(Arc::new(Access::default()))
                .resolve("news.invalid".parse().unwrap()),
            SystemResolver.resolve("news.invalid".parse().unwrap()),
        ] {
            let err = resolving.await.err().unwrap();
            let err = err.downcast_ref::<ResolveError>().unwrap();
            assert_eq!(err.host, "news.invalid");
            assert_eq!(err.to_string(), "cannot resolve news.invalid");
        }
        let found: Vec<SocketAddr> = SystemResolver
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(found.iter().all(|a| a.ip().is_loopback()), "{found:?}");
    }

    #[tokio::test]
    async fn a_name_resolving_to_the_own_listen_address_is_found() {
        let mut access = allowing(&["localhost"]);
        access.forbid_listen("127.0.0.1:8080".parse().unwrap());
        access.forbid_listen("[::1]:8080".parse().unwrap());
        let url = Url::parse("http://localhost:8080/feeds").unwrap();
        assert!(own_listen_by_name(&access, &url).await.is_some());
        let url = Url::parse("http://localhost:8081/feeds").unwrap();
        assert_eq!(own_listen_by_name(&access, &url).await, None);
    }
}
