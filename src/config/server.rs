//! `[server]`: the listen address, the public base URL, the WebSub hub and
//! the connection limits that keep slow or idle clients from locking
//! readers out (issue 9).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use url::Url;

use super::raw::RawServer;
use super::report::Report;
use super::{DEFAULT_LISTEN, ServerConfig, duration, positive, source};
use crate::http::{
    ConnectionLimits, DEFAULT_CACHE_BYTES, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
};

pub(super) fn server(raw: &RawServer, report: &mut Report<'_>) -> Option<ServerConfig> {
    let listen = match &raw.listen {
        None => Some(
            DEFAULT_LISTEN
                .parse()
                .expect("DEFAULT_LISTEN is an address"),
        ),
        Some(text) => parse_listen(text.get_ref())
            .map_err(|reason| report.add(text.span(), None, "server.listen", reason))
            .ok(),
    };
    let base_url = match &raw.base_url {
        Some(text) => source::http_url(text.get_ref())
            .map_err(|reason| report.add(text.span(), None, "server.base_url", reason))
            .ok(),
        None => listen.map(|addr| {
            Url::parse(&format!("http://{addr}/")).expect("an address makes a valid URL")
        }),
    };
    let websub_hub = match &raw.websub_hub {
        None => Ok(None),
        Some(text) => source::http_url(text.get_ref())
            .map(Some)
            .map_err(|reason| report.add(text.span(), None, "server.websub_hub", reason)),
    };
    let limits = connection_limits(raw, report);
    Some(ServerConfig {
        listen: listen?,
        base_url: base_url?,
        websub_hub: websub_hub.ok()?,
        limits: limits?,
        cache_bytes: raw.cache_bytes.unwrap_or(DEFAULT_CACHE_BYTES),
    })
}

fn connection_limits(raw: &RawServer, report: &mut Report<'_>) -> Option<ConnectionLimits> {
    let header_read_timeout = duration(
        &raw.header_read_timeout,
        DEFAULT_HEADER_READ_TIMEOUT,
        "server.header_read_timeout",
        report,
    );
    let idle_timeout = duration(
        &raw.idle_timeout,
        DEFAULT_IDLE_TIMEOUT,
        "server.idle_timeout",
        report,
    );
    let max_connections = positive(
        &raw.max_connections,
        DEFAULT_MAX_CONNECTIONS,
        "server.max_connections",
        report,
    );
    Some(ConnectionLimits {
        header_read_timeout: header_read_timeout?,
        idle_timeout: idle_timeout?,
        max_connections: max_connections?,
        // Set from `[fetch] max_connections` once both sections are read.
        outgoing: crate::fetch::DEFAULT_MAX_CONNECTIONS,
    })
}

/// Reads `listen`: `IP:PORT` (`[::1]:8080` for IPv6), `localhost:PORT`
/// (127.0.0.1: no name lookup, so the address cannot change under a
/// resolver) or `:PORT` (every IPv4 interface, 0.0.0.0, as Go reads it).
pub(super) fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(format!(
            "{text:?} has no port: write IP:PORT such as \"127.0.0.1:8080\" (or \":8080\" for every interface)"
        ));
    };
    let port = listen_port(port)?;
    let ip = match host {
        "" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        _ => host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .parse()
            .map_err(|_| {
                format!(
                    "{host:?} is not an IP address (a host name is not accepted but \"localhost\"): \
                     write IP:PORT such as \"127.0.0.1:8080\", or \":8080\" for every interface"
                )
            })?,
    };
    Ok(SocketAddr::new(ip, port))
}

/// The port of `listen`, 0 to 65535 (0: any free port).
fn listen_port(port: &str) -> Result<u16, String> {
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("port {port:?} is not a number"));
    }
    port.parse()
        .map_err(|_| format!("port {port} out of range (0 to 65535)"))
}
