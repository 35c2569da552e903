//! The control socket of a running daemon (issue 12): `refeed refresh ID...`
//! and `refeed reload` talk to `refeed run` over a Unix socket (mode 0600,
//! never a network port; where: [`socket_path`]), and do the work
//! in-process when no daemon answers.
//!
//! The protocol is one JSON line each way: a [`Request`]
//! (`{"command":"refresh","sources":["a"]}` or `{"command":"reload"}`),
//! then a [`Response`] (`{"ok":true,"lines":["a: ok, 3 seen, 1 new, 0
//! updated"]}`). Local clients may be hostile: requests, connections and
//! waits are bounded (the `MAX_*` and `*_TIMEOUT` constants).
//!
//! `server` is the daemon's side, `client` the commands'; `shared` runs
//! `refeed refresh` through the fleet's schedule on PostgreSQL.

mod client;
mod server;
mod shared;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use client::{refresh, reload};
pub(super) use server::{Listening, listen};

use crate::config::Config;

/// The socket's file name, in the database's folder.
pub const SOCKET_NAME: &str = "refeed.sock";

/// Longest request line accepted (bytes, newline included): room for
/// thousands of source ids, not for a memory attack.
const MAX_REQUEST_BYTES: u64 = 64 * 1024;

/// Longest response line a client reads (bytes).
const MAX_RESPONSE_BYTES: u64 = 4 * 1024 * 1024;

/// Control connections served at once; more are closed unanswered.
const MAX_CONNECTIONS: usize = 8;

/// How long a client has to send its request line (an idle or trickling
/// connection is closed after it), and the daemon to write its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// How long `refeed refresh` waits for its refreshes to finish (a refresh
/// fetching many articles from a slow outlet can take minutes).
const REFRESH_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// What a client asks of the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Request {
    /// Refresh these sources now and report each outcome.
    Refresh {
        /// Source ids.
        sources: Vec<String>,
    },
    /// Re-read the config file and apply it.
    Reload,
}

/// The daemon's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Whether everything asked for succeeded.
    pub ok: bool,
    /// What to print, one line each.
    pub lines: Vec<String>,
}

impl Response {
    /// A failure with one line.
    fn failed(line: impl Into<String>) -> Self {
        Self {
            ok: false,
            lines: vec![line.into()],
        }
    }
}

/// The control socket of the daemon using `config`. On SQLite
/// `refeed.sock` in the database's folder (one daemon per database). On
/// PostgreSQL, where several instances share the database and may share
/// a machine, beside the config file and named after it
/// (`/etc/refeed/a.toml`: `/etc/refeed/a.sock`): one socket per config.
pub fn socket_path(config: &Config) -> PathBuf {
    if config.storage.url.is_some() {
        return config.path.with_extension("sock");
    }
    let folder = config.storage.path.parent().unwrap_or(Path::new(""));
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    folder.join(SOCKET_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_tagged_json_object() {
        let refresh = Request::Refresh {
            sources: vec!["a".into()],
        };
        let text = serde_json::to_string(&refresh).unwrap();
        assert_eq!(text, r#"{"command":"refresh","sources":["a"]}"#);
        let reload: Request = serde_json::from_str(r#"{"command":"reload"}"#).unwrap();
        assert_eq!(reload, Request::Reload);
        assert!(serde_json::from_str::<Request>(r#"{"command":"rm -rf"}"#).is_err());
    }

    #[test]
    fn the_socket_sits_beside_the_database() {
        let mut config =
            Config::parse("", Path::new("refeed.toml")).expect("the empty config is valid");
        config.storage.path = PathBuf::from("/var/lib/refeed/data/refeed.db");
        assert_eq!(
            socket_path(&config),
            Path::new("/var/lib/refeed/data/refeed.sock")
        );
        config.storage.path = PathBuf::from("refeed.db");
        assert_eq!(socket_path(&config), Path::new("./refeed.sock"));
    }

    #[test]
    fn on_postgresql_the_socket_sits_beside_the_config_named_after_it() {
        let text = "[storage]\nurl = \"postgres://refeed@db/refeed\"\n";
        let config = Config::parse(text, Path::new("/etc/refeed/east.toml")).unwrap();
        assert_eq!(socket_path(&config), Path::new("/etc/refeed/east.sock"));
        let config = Config::parse(text, Path::new("west.toml")).unwrap();
        assert_eq!(socket_path(&config), Path::new("west.sock"));
    }
}
