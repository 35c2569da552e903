//! Where refeed may connect (issue 9, SSRF): only to public unicast
//! addresses, except what the operator configured. An outlet's listing
//! decides which article links refeed fetches, and what it fetches is
//! republished; without this policy a link to `http://169.254.169.254/`
//! or a home router's admin page would be fetched and published.
//!
//! # The policy
//! - Refused: every address [`address::classify`] names (loopback, private,
//!   link-local, CGNAT, multicast, documentation, reserved..., and the IPv6
//!   forms carrying such an IPv4 address).
//! - Allowed anyway: the origin (scheme, host, port) of each configured
//!   source URL, of the WebSub hub and of URLs the operator types on the
//!   command line ([`Access::allow_origin`]); and the networks and host
//!   names of `[fetch] allow_hosts` ([`AllowHost`]), at any port.
//! - Refused whatever else says: refeed's own listen address
//!   ([`Access::forbid_listen`]; a wildcard listen means every local
//!   address at that port).
//!
//! # Where the check happens
//! The address checked must be the one connected to, or a name that
//! resolves to a public address when checked and to `127.0.0.1` when
//! connecting (DNS rebinding) slips through. So:
//! - IP-literal URLs (`http://10.0.0.1/`, and `http://2130706433/` or
//!   `//127.0.0.1/`, which the `url` crate normalises to literals) never
//!   reach a resolver: [`Access::route`] judges them before each request
//!   and before each redirect hop, which the fetcher follows itself.
//! - Host names are judged at connect time by the resolver the client
//!   uses (`resolver.rs`), which drops refused addresses and fails with the
//!   refusal when none is left.
//!
//! A resolver sees only a host name, never the port or scheme, yet a
//! source's own origin may resolve to a private address
//! (`http://wiki.internal:8080/` scraped on an intranet) while another port
//! of the same host must not be reachable through an outlet's link. Hence
//! two clients: requests to a configured origin go through a *trusted*
//! client with the system resolver, and everything else through a
//! *checked* client whose resolver admits private addresses only for
//! `allow_hosts` names and networks. `route` picks the client per request
//! and per redirect hop; connections are pooled per client and origin, so
//! a trusted connection is never reused for another origin.
//!
//! The own listen address is judged by port too, which the resolver never
//! sees: a host-name URL at a listen port is resolved just before the
//! request ([`own_listen_by_name`]). Environment proxies are not used: a
//! proxy would resolve and connect past the checked resolver.

mod address;
mod resolver;

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use url::{Host, Origin, Url};

pub use address::{AddressKind, classify};
pub(super) use resolver::{CheckedResolver, ResolveError, SystemResolver, own_listen_by_name};

/// One entry of `[fetch] allow_hosts`: a network, a single address, or a
/// host name (allowed at any port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowHost {
    /// `10.0.0.0/8`, or a single address (`/32`, `/128`).
    Network {
        /// The network's first address.
        addr: IpAddr,
        /// Its prefix length.
        prefix: u8,
    },
    /// A host name, lowercased (`wiki.internal`): whatever it resolves to.
    Name(String),
}

impl FromStr for AllowHost {
    type Err = String;

    /// Parses `"10.0.0.0/8"`, `"192.168.1.5"`, `"::1"`, `"[::1]"` or
    /// `"wiki.internal"`; the error says what is wrong, for config messages.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.contains("://") {
            return Err(not_a_host(text));
        }
        if let Some((addr, prefix)) = text.split_once('/') {
            return network(addr, prefix);
        }
        let bare = text.trim_start_matches('[').trim_end_matches(']');
        if let Ok(addr) = bare.parse::<IpAddr>() {
            return Ok(single(addr));
        }
        if text.is_empty() || text.contains([':', '/', '@', '?', '#']) {
            return Err(not_a_host(text));
        }
        match Host::parse(text) {
            Ok(Host::Domain(name)) => Ok(Self::Name(name)),
            // "2130706433" is an address to a URL parser: take it as one.
            Ok(Host::Ipv4(addr)) => Ok(single(IpAddr::V4(addr))),
            Ok(Host::Ipv6(addr)) => Ok(single(IpAddr::V6(addr))),
            Err(err) => Err(format!("{text:?} is not a valid host name: {err}")),
        }
    }
}

fn not_a_host(text: &str) -> String {
    format!(
        "{text:?} is not a host name, IP address or network such as \
         \"wiki.internal\" or \"10.0.0.0/8\" (no scheme, port or path)"
    )
}

fn single(addr: IpAddr) -> AllowHost {
    let prefix = if addr.is_ipv4() { 32 } else { 128 };
    AllowHost::Network { addr, prefix }
}

fn network(addr: &str, prefix: &str) -> Result<AllowHost, String> {
    let bad = || format!("\"{addr}/{prefix}\" is not a network such as \"10.0.0.0/8\"");
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    let prefix: u8 = prefix.parse().map_err(|_| bad())?;
    let bits = if addr.is_ipv4() { 32 } else { 128 };
    if prefix > bits {
        return Err(format!(
            "{addr}/{prefix}: the prefix is longer than {bits} bits"
        ));
    }
    if masked(addr, prefix) != addr {
        let start = masked(addr, prefix);
        return Err(format!(
            "{addr}/{prefix} has bits set beyond its prefix: did you mean {start}/{prefix}?"
        ));
    }
    Ok(AllowHost::Network { addr, prefix })
}

/// `addr` with the bits beyond `prefix` cleared.
fn masked(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(v4) & mask).into())
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
}

impl AllowHost {
    fn contains(&self, ip: IpAddr) -> bool {
        match *self {
            Self::Network { addr, prefix } => {
                // An IPv4-mapped address is the IPv4 address it carries.
                let ip = ip.to_canonical();
                addr.is_ipv4() == ip.is_ipv4() && masked(ip, prefix) == addr
            }
            Self::Name(_) => false,
        }
    }
}

/// Why a URL was not fetched; shown after "refusing to fetch URL: ".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// An IP-literal URL at a refused address.
    Address {
        /// The address.
        ip: IpAddr,
        /// Why it is refused.
        kind: AddressKind,
    },
    /// A host name that resolved only to refused addresses.
    Resolved {
        /// The name.
        host: String,
        /// The first refused address it resolved to.
        ip: IpAddr,
        /// Why that address is refused.
        kind: AddressKind,
    },
    /// refeed's own `[server] listen` address.
    OwnListen {
        /// The address and port.
        addr: SocketAddr,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HINT: &str = "allow it with [fetch] allow_hosts";
        match self {
            Self::Address { ip, kind } => write!(f, "{ip} is {kind}; {HINT}"),
            Self::Resolved { host, ip, kind } => {
                write!(f, "{host} resolves to {ip}, {kind}; {HINT}")
            }
            Self::OwnListen { addr } => {
                write!(f, "{addr} is refeed's own listen address ([server] listen)")
            }
        }
    }
}

impl std::error::Error for Refusal {}

/// Which client a request goes through (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Route {
    /// A configured origin: any address its host resolves to.
    Trusted,
    /// Anything else: the checked resolver judges host names.
    Checked,
}

/// The fetch policy: configured origins, `allow_hosts`, own listen
/// addresses. The default allows only public addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    allow: Vec<AllowHost>,
    /// A set: every request is looked up in it, and 10,000 sources make
    /// 10,000 origins (issue 13).
    origins: HashSet<Origin>,
    listens: Vec<SocketAddr>,
}

impl Access {
    /// A policy allowing `allow_hosts` besides public addresses.
    pub fn new(allow: Vec<AllowHost>) -> Self {
        Self {
            allow,
            ..Self::default()
        }
    }

    /// Allows `url`'s origin (scheme, host, port) whatever it resolves to:
    /// a configured source, the WebSub hub, a URL typed by the operator.
    pub fn allow_origin(&mut self, url: &Url) {
        self.origins.insert(url.origin());
    }

    /// The `allow_hosts` entries.
    pub fn allow_hosts(&self) -> &[AllowHost] {
        &self.allow
    }

    /// Refuses `listen` (refeed's own server) even when otherwise allowed.
    pub fn forbid_listen(&mut self, listen: SocketAddr) {
        self.listens.push(listen);
    }

    /// Whether `url` names one of the own listen addresses by IP literal
    /// (a config error for a source URL).
    pub fn is_own_listen(&self, url: &Url) -> bool {
        let (Some(ip), Some(port)) = (literal(url), url.port_or_known_default()) else {
            return false;
        };
        self.own_listen(SocketAddr::new(ip, port)).is_some()
    }

    /// Judges `url` before a request or redirect hop: refused, or which
    /// client may send it. Host names are judged later, by the resolver.
    pub(super) fn route(&self, url: &Url) -> Result<Route, Refusal> {
        if let (Some(ip), Some(port)) = (literal(url), url.port_or_known_default())
            && let Some(addr) = self.own_listen(SocketAddr::new(ip, port))
        {
            return Err(Refusal::OwnListen { addr });
        }
        if self.origins.contains(&url.origin()) {
            return Ok(Route::Trusted);
        }
        if let Some(ip) = literal(url) {
            self.check_ip(None, ip)
                .map_err(|kind| Refusal::Address { ip, kind })?;
        }
        Ok(Route::Checked)
    }

    /// Whether a connection to `ip` (resolved from `name`, if any) is
    /// allowed outside the configured origins; the refusal's kind if not.
    pub(super) fn check_ip(&self, name: Option<&str>, ip: IpAddr) -> Result<(), AddressKind> {
        let named = |allowed: &AllowHost| matches!((allowed, name), (AllowHost::Name(n), Some(name)) if n.eq_ignore_ascii_case(name.trim_end_matches('.')));
        if self.allow.iter().any(|a| a.contains(ip) || named(a)) {
            return Ok(());
        }
        classify(ip).map_or(Ok(()), Err)
    }

    /// The listen address `addr` hits, if any.
    fn own_listen(&self, addr: SocketAddr) -> Option<SocketAddr> {
        let ip = addr.ip().to_canonical();
        self.listens.iter().copied().find(|listen| {
            listen.port() == addr.port()
                && if listen.ip().is_unspecified() {
                    is_local(ip)
                } else {
                    listen.ip().to_canonical() == ip
                }
        })
    }

    /// Whether any own listen address has `port` (so that a host name at
    /// that port needs resolving before the request).
    pub(super) fn listens_on(&self, port: u16) -> bool {
        self.listens.iter().any(|listen| listen.port() == port)
    }

    /// The listen address `ip:port` hits, if any (for resolved names).
    pub(super) fn own_listen_at(&self, ip: IpAddr, port: u16) -> Option<SocketAddr> {
        self.own_listen(SocketAddr::new(ip, port))
    }
}

/// The IP address of an IP-literal URL.
fn literal(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        Host::Domain(_) => None,
    }
}

/// Whether `ip` is an address of this machine, as a wildcard listen
/// (`0.0.0.0`, `::`) serves on all of them. Binding a UDP socket to it
/// succeeds exactly for local addresses, without sending anything.
fn is_local(ip: IpAddr) -> bool {
    ip.is_loopback()
        || ip.is_unspecified()
        || std::net::UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

#[cfg(test)]
mod tests;
