//! Which IP addresses refeed refuses to connect to, and why: a pure,
//! table-driven classifier (issue 9, SSRF). Everything that is not public
//! unicast is refused: an outlet's link to `http://169.254.169.254/` or to
//! a home router must not make refeed fetch it and republish the answer.
//!
//! The tables follow the IANA special-purpose address registries
//! (<https://www.iana.org/assignments/iana-ipv4-special-registry/> and
//! <https://www.iana.org/assignments/iana-ipv6-special-registry/>), RFC 6890,
//! keeping every block that is not "globally reachable". IPv6 forms that
//! carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible
//! `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are judged by the
//! IPv4 address inside, since the kernel or a NAT64 gateway delivers them
//! there. Where `std` has a stable method for a block it is used.
//!
//! Whether an operator allowed the address anyway is not decided here (see
//! the parent module).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused: the kind of block it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// `0.0.0.0`, `::`: on Linux, connecting to it reaches the host itself.
    Unspecified,
    /// `0.0.0.0/8` ("this network", RFC 791).
    ThisNetwork,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`), RFC 4193 unique local
    /// `fc00::/7`, deprecated site-local `fec0::/10`, NAT64 local-use
    /// `64:ff9b:1::/48`.
    Private,
    /// `100.64.0.0/10`, carrier-grade NAT (RFC 6598).
    Shared,
    /// `169.254.0.0/16` (cloud metadata endpoints live here), `fe80::/10`.
    LinkLocal,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`,
    /// `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15` (RFC 2544).
    Benchmarking,
    /// `192.0.0.0/24`, IETF protocol assignments (RFC 6890).
    Protocol,
    /// `240.0.0.0/4` (RFC 1112), `100::/64` discard-only (RFC 6666).
    Reserved,
}

impl AddressKind {
    /// "a private address", for refusal messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Unspecified => "an unspecified address",
            Self::ThisNetwork => "a \"this network\" address",
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::Shared => "a shared (carrier-grade NAT) address",
            Self::LinkLocal => "a link-local address",
            Self::Multicast => "a multicast address",
            Self::Broadcast => "the broadcast address",
            Self::Documentation => "a documentation address",
            Self::Benchmarking => "a benchmarking address",
            Self::Protocol => "an IETF protocol address",
            Self::Reserved => "a reserved address",
        }
    }
}

impl fmt::Display for AddressKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// One row: a test for the block and the kind it gives.
type Row<A> = (fn(A) -> bool, AddressKind);

/// IPv4 blocks, most specific first (the broadcast address before 240/4).
const V4: &[Row<Ipv4Addr>] = &[
    (|ip| ip.is_unspecified(), AddressKind::Unspecified),
    (|ip| ip.is_broadcast(), AddressKind::Broadcast),
    (|ip| in_v4(ip, [0, 0, 0, 0], 8), AddressKind::ThisNetwork),
    (|ip| ip.is_loopback(), AddressKind::Loopback),
    (|ip| ip.is_private(), AddressKind::Private),
    (|ip| in_v4(ip, [100, 64, 0, 0], 10), AddressKind::Shared),
    (|ip| ip.is_link_local(), AddressKind::LinkLocal),
    (|ip| ip.is_documentation(), AddressKind::Documentation),
    (|ip| in_v4(ip, [192, 0, 0, 0], 24), AddressKind::Protocol),
    (
        |ip| in_v4(ip, [198, 18, 0, 0], 15),
        AddressKind::Benchmarking,
    ),
    (|ip| ip.is_multicast(), AddressKind::Multicast),
    (|ip| in_v4(ip, [240, 0, 0, 0], 4), AddressKind::Reserved),
];

/// IPv6 blocks that carry no IPv4 address.
const V6: &[Row<Ipv6Addr>] = &[
    (|ip| ip.is_unspecified(), AddressKind::Unspecified),
    (|ip| ip.is_loopback(), AddressKind::Loopback),
    (|ip| ip.is_unique_local(), AddressKind::Private),
    (|ip| in_v6(ip, 0xfec0, 0, 10), AddressKind::Private),
    (
        |ip| in_v6(ip, 0x0064, 0xff9b_0001, 48),
        AddressKind::Private,
    ),
    (|ip| ip.is_unicast_link_local(), AddressKind::LinkLocal),
    (|ip| ip.is_multicast(), AddressKind::Multicast),
    (
        |ip| in_v6(ip, 0x2001, 0x0db8_0000, 32),
        AddressKind::Documentation,
    ),
    (|ip| in_v6(ip, 0x3fff, 0, 20), AddressKind::Documentation),
    (|ip| in_v6(ip, 0x0100, 0, 64), AddressKind::Reserved),
];

/// Why `ip` is refused, or `None` for a public unicast address.
pub fn classify(ip: IpAddr) -> Option<AddressKind> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressKind> {
    V4.iter().find(|(test, _)| test(ip)).map(|&(_, kind)| kind)
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressKind> {
    if let Some(kind) = V6.iter().find(|(test, _)| test(ip)).map(|&(_, kind)| kind) {
        return Some(kind);
    }
    embedded_v4(ip).and_then(classify_v4)
}

/// The IPv4 address an IPv6 address delivers to: IPv4-mapped
/// (`::ffff:0:0/96`), IPv4-compatible (`::/96`, deprecated but still
/// routed by some stacks), NAT64 well-known prefix (`64:ff9b::/96`,
/// RFC 6052) and 6to4 (`2002::/16`, RFC 3056, address in bits 16..48).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))),
        _ => None,
    }
}

/// Whether `ip` is in `net/prefix`.
fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

/// Whether `ip` is in the block whose first 16 bits are `first` and next
/// 32 bits `next`, `prefix` bits long (at most 64).
fn in_v6(ip: Ipv6Addr, first: u16, next: u32, prefix: u32) -> bool {
    let top = (u128::from(first) << 112) | (u128::from(next) << 80);
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    u128::from(ip) & mask == top & mask
}

#[cfg(test)]
mod tests {
    use super::AddressKind::*;
    use super::*;

    fn kind(text: &str) -> Option<AddressKind> {
        classify(text.parse().unwrap())
    }

    #[test]
    fn every_refused_ipv4_block_and_its_edges() {
        let cases: &[(&str, Option<AddressKind>)] = &[
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(ThisNetwork)),
            ("0.255.255.255", Some(ThisNetwork)),
            ("1.0.0.0", None),
            ("9.255.255.255", None),
            ("10.0.0.0", Some(Private)),
            ("10.255.255.255", Some(Private)),
            ("11.0.0.0", None),
            ("100.63.255.255", None),
            ("100.64.0.0", Some(Shared)),
            ("100.127.255.255", Some(Shared)),
            ("100.128.0.0", None),
            ("126.255.255.255", None),
            ("127.0.0.1", Some(Loopback)),
            ("127.0.0.2", Some(Loopback)),
            ("127.255.255.255", Some(Loopback)),
            ("128.0.0.0", None),
            ("169.253.255.255", None),
            ("169.254.169.254", Some(LinkLocal)),
            ("169.255.0.0", None),
            ("172.15.255.255", None),
            ("172.16.0.0", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.0", None),
            ("191.255.255.255", None),
            ("192.0.0.0", Some(Protocol)),
            ("192.0.0.255", Some(Protocol)),
            ("192.0.1.0", None),
            ("192.0.2.1", Some(Documentation)),
            ("192.0.3.0", None),
            ("192.167.255.255", None),
            ("192.168.0.1", Some(Private)),
            ("192.169.0.0", None),
            ("198.17.255.255", None),
            ("198.18.0.0", Some(Benchmarking)),
            ("198.19.255.255", Some(Benchmarking)),
            ("198.20.0.0", None),
            ("198.51.100.7", Some(Documentation)),
            ("198.51.101.0", None),
            ("203.0.113.9", Some(Documentation)),
            ("203.0.114.0", None),
            ("223.255.255.255", None),
            ("224.0.0.1", Some(Multicast)),
            ("239.255.255.255", Some(Multicast)),
            ("240.0.0.0", Some(Reserved)),
            ("255.255.255.254", Some(Reserved)),
            ("255.255.255.255", Some(Broadcast)),
            ("8.8.8.8", None),
            ("93.184.215.14", None),
        ];
        for &(ip, expected) in cases {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn every_refused_ipv6_block_and_its_edges() {
        let cases: &[(&str, Option<AddressKind>)] = &[
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("fc00::1", Some(Private)),
            ("fdff:ffff::1", Some(Private)),
            ("fbff:ffff::1", None),
            ("fe00::1", None),
            ("fe80::1", Some(LinkLocal)),
            ("febf:ffff::1", Some(LinkLocal)),
            ("fec0::1", Some(Private)),
            ("ff02::1", Some(Multicast)),
            ("2001:db8::1", Some(Documentation)),
            ("2001:db9::1", None),
            ("2001:db7:ffff::1", None),
            ("3fff:0fff::1", Some(Documentation)),
            ("3fff:1000::1", None),
            ("100::1", Some(Reserved)),
            ("100:0:0:1::1", None),
            ("64:ff9b:1::1", Some(Private)),
            ("2606:4700:4700::1111", None),
            ("2a00:1450:4001:80b::200e", None),
        ];
        for &(ip, expected) in cases {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn ipv6_forms_carrying_an_ipv4_address_are_judged_by_it() {
        let cases: &[(&str, Option<AddressKind>)] = &[
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:10.1.2.3", Some(Private)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("::ffff:100.64.0.1", Some(Shared)),
            ("::ffff:0.0.0.0", Some(Unspecified)),
            ("::ffff:255.255.255.255", Some(Broadcast)),
            ("::ffff:8.8.8.8", None),
            ("::127.0.0.1", Some(Loopback)),
            ("::192.168.1.1", Some(Private)),
            ("::8.8.8.8", None),
            ("64:ff9b::127.0.0.1", Some(Loopback)),
            ("64:ff9b::169.254.169.254", Some(LinkLocal)),
            ("64:ff9b::203.0.113.1", Some(Documentation)),
            ("64:ff9b::8.8.8.8", None),
            ("2002:7f00:1::", Some(Loopback)),
            ("2002:a9fe:a9fe::1", Some(LinkLocal)),
            ("2002:c000:0201::", Some(Documentation)),
            ("2002:0808:0808::1", None),
        ];
        for &(ip, expected) in cases {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn kinds_read_as_a_phrase() {
        assert_eq!(Private.to_string(), "a private address");
        assert_eq!(Loopback.describe(), "a loopback address");
        assert_eq!(LinkLocal.describe(), "a link-local address");
    }
}
