//! The DNS side of the fetch policy: [`CheckedResolver`], plugged into the
//! checked client, resolves a host name at connect time and keeps only the
//! addresses [`Access`] allows, so the address judged is the address
//! connected to (no DNS rebinding window). When none is left the
//! connection fails with the [`Refusal`], which the fetcher digs out of the
//! client's error to name it.

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
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept = keep_allowed(&access, &host, found.collect())?;
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
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
