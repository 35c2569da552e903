//! `bench.args` in a work folder: what `--rerun DIR` needs to serve the
//! same outlet again (the port, sources, hosts, items, per-host
//! concurrency), one `key = value` a line. The outlet's pages name their
//! own origin, so their ETags (and every 304) hold only on the same port.

use std::path::Path;

use crate::Args;

const FILE: &str = "bench.args";

/// Writes `args`' outlet settings and `port` into `dir`.
pub fn write(dir: &Path, args: &Args, port: u16) -> std::io::Result<()> {
    let text = format!(
        "port = {port}\nsources = {}\nhosts = {}\nitems = {}\nper_host_concurrency = {}\n",
        args.sources,
        crate::hosts(args),
        args.items,
        args.per_host_concurrency
    );
    std::fs::write(dir.join(FILE), text)
}

/// Reads `dir`'s settings into `args`; returns the port.
pub fn read(dir: &Path, args: &mut Args) -> std::io::Result<u16> {
    let text = std::fs::read_to_string(dir.join(FILE))?;
    let mut port = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(" = ") else {
            continue;
        };
        let value: usize = value
            .parse()
            .map_err(|_| invalid(format!("{FILE}: {line:?} is no number")))?;
        match key {
            "port" => port = u16::try_from(value).ok(),
            "sources" => args.sources = value,
            "hosts" => args.hosts = Some(value),
            "items" => args.items = value,
            "per_host_concurrency" => args.per_host_concurrency = value,
            _ => return Err(invalid(format!("{FILE}: unknown key {key:?}"))),
        }
    }
    port.ok_or_else(|| invalid(format!("{FILE}: no port")))
}

fn invalid(message: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}
