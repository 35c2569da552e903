//! Validates `[fetch]` into a [`FetchConfig`], and completes its access
//! policy once the server and sources are known (each source's origin and
//! the WebSub hub allowed, the own listen address refused).

use std::time::Duration;

use toml::Spanned;

use super::raw::RawFetch;
use super::report::Report;
use super::{ServerConfig, Source, duration, positive};
use crate::fetch::{
    Access, AllowHost, DEFAULT_CONNECT_TIMEOUT, DEFAULT_FIRST_BYTE_TIMEOUT, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_REDIRECTS, DEFAULT_PER_HOST_CONCURRENCY,
    DEFAULT_PER_HOST_DELAY, DEFAULT_TIMEOUT, FetchConfig,
};

pub(super) fn fetch(raw: &RawFetch, report: &mut Report<'_>) -> Option<FetchConfig> {
    let timeout = duration(&raw.timeout, DEFAULT_TIMEOUT, "fetch.timeout", report);
    let connect_timeout = duration(
        &raw.connect_timeout,
        DEFAULT_CONNECT_TIMEOUT,
        "fetch.connect_timeout",
        report,
    );
    let first_byte_timeout = duration(
        &raw.first_byte_timeout,
        DEFAULT_FIRST_BYTE_TIMEOUT,
        "fetch.first_byte_timeout",
        report,
    );
    if let (Some(connect), Some(first_byte)) = (connect_timeout, first_byte_timeout) {
        connect_within_first_byte(raw, connect, first_byte, report);
    }
    let max_body_bytes = positive(
        &raw.max_body_bytes,
        DEFAULT_MAX_BODY_BYTES,
        "fetch.max_body_bytes",
        report,
    );
    let per_host_concurrency = positive(
        &raw.per_host_concurrency,
        DEFAULT_PER_HOST_CONCURRENCY,
        "fetch.per_host_concurrency",
        report,
    );
    let max_connections = max_connections(raw, per_host_concurrency, report);
    let access = allow_hosts(raw.allow_hosts.as_deref().unwrap_or_default(), report);
    Some(FetchConfig {
        access: access?,
        timeout: timeout?,
        connect_timeout: connect_timeout?,
        first_byte_timeout: first_byte_timeout?,
        max_body_bytes: max_body_bytes?,
        max_redirects: raw.max_redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
        per_host_concurrency: per_host_concurrency?,
        max_connections: max_connections?,
        per_host_delay: raw
            .per_host_delay
            .as_ref()
            .map_or(DEFAULT_PER_HOST_DELAY, |value| **value.get_ref()),
    })
}

/// `[fetch] max_connections`: at least twice `per_host_concurrency`, so
/// the idle half keeps one host's connections (issue 13).
fn max_connections(
    raw: &RawFetch,
    per_host: Option<usize>,
    report: &mut Report<'_>,
) -> Option<usize> {
    let value = raw.max_connections.as_ref();
    let max = value.map_or(DEFAULT_MAX_CONNECTIONS, |v| *v.get_ref());
    let least = 2 * per_host.unwrap_or(DEFAULT_PER_HOST_CONCURRENCY);
    match value {
        Some(value) if max < least => {
            let message = format!("must be at least {least} (twice per_host_concurrency)");
            report.add(value.span(), None, "fetch.max_connections", &message);
            None
        }
        _ => Some(max),
    }
}

/// `[fetch] allow_hosts`: networks, addresses and host names refeed may
/// reach besides public addresses.
fn allow_hosts(raw: &[Spanned<String>], report: &mut Report<'_>) -> Option<Access> {
    let mut allowed = Vec::new();
    let mut valid = true;
    for entry in raw {
        match entry.get_ref().parse::<AllowHost>() {
            Ok(host) => allowed.push(host),
            Err(message) => {
                report.add(entry.span(), None, "fetch.allow_hosts", message);
                valid = false;
            }
        }
    }
    valid.then(|| Access::new(allowed))
}

/// What the fetch policy allows besides `allow_hosts` (each source's
/// origin, the WebSub hub's) and refuses whatever else says (the own
/// listen address).
pub(super) fn configure_access(access: &mut Access, server: &ServerConfig, sources: &[Source]) {
    for source in sources {
        access.allow_origin(&source.url);
    }
    if let Some(hub) = &server.websub_hub {
        access.allow_origin(hub);
    }
    access.forbid_listen(server.listen);
}

/// The first-byte limit runs from the start of a request, connecting
/// included, so a connect timeout the file sets longer than it would never
/// apply: a slow connection would be reported as a server that sent
/// nothing. (Lowering only `first_byte_timeout` below the default connect
/// timeout is fine: that asks for answers within it, connecting included.)
fn connect_within_first_byte(
    raw: &RawFetch,
    connect: Duration,
    first_byte: Duration,
    report: &mut Report<'_>,
) {
    let Some(value) = &raw.connect_timeout else {
        return;
    };
    if connect <= first_byte {
        return;
    }
    let (connect_text, first_byte_text) = (
        humantime_serde::re::humantime::format_duration(connect),
        humantime_serde::re::humantime::format_duration(first_byte),
    );
    let message = format!(
        "connect_timeout ({connect_text}) is longer than first_byte_timeout \
         ({first_byte_text}), which counts connecting too: make it shorter"
    );
    report.add(value.span(), None, "fetch.connect_timeout", message);
}
