//! `[server]`: the listen address, the public base URL, the WebSub hub and
//! the connection limits that keep slow or idle clients from locking
//! readers out (issue 9).

use std::net::SocketAddr;

use url::Url;

use super::raw::RawServer;
use super::report::Report;
use super::{DEFAULT_LISTEN, ServerConfig, duration, positive, source};
use crate::http::{
    ConnectionLimits, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
};

pub(super) fn server(raw: &RawServer, report: &mut Report<'_>) -> Option<ServerConfig> {
    let listen = match &raw.listen {
        None => Some(
            DEFAULT_LISTEN
                .parse()
                .expect("DEFAULT_LISTEN is an address"),
        ),
        Some(text) => match text.get_ref().parse::<SocketAddr>() {
            Ok(addr) => Some(addr),
            Err(_) => {
                let message = format!(
                    "{:?} is not an IP address and port such as \"127.0.0.1:8080\"",
                    text.get_ref()
                );
                report.add(text.span(), None, "server.listen", message);
                None
            }
        },
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
    })
}
