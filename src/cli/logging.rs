//! The binary's logging: to stderr, filtered by `REFEED_LOG` (issue 12:
//! `REFEED_LOG=debug` is refeed's own debug logs, not every library's).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Logs go to stderr: `info` for the daemon, `warn` for one-shot commands
/// (whose results are on stdout). `REFEED_LOG` (or `RUST_LOG`) overrides:
/// a bare level (`REFEED_LOG=debug`) is refeed's own (see [`log_filter`]),
/// anything else a full `EnvFilter`. Under systemd the journal adds
/// timestamps, so ours are left out.
pub fn init(daemon: bool) {
    let default = default_filter(daemon);
    let (filter, rejected) = match std::env::var("REFEED_LOG") {
        Ok(value) => match EnvFilter::try_new(log_filter(&value)) {
            Ok(filter) => (filter, None),
            Err(err) => (EnvFilter::new(default), Some((value, err))),
        },
        Err(_) => (
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default)),
            None,
        ),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
    if let Some((value, err)) = rejected {
        tracing::warn!(REFEED_LOG = %value, error = %err, "ignoring REFEED_LOG: not a log filter");
    }
}

/// The filter when `REFEED_LOG` and `RUST_LOG` are unset. html5ever warns
/// "foster parenting not implemented" for every page with text or markup
/// misplaced inside a `<table>` (a common sight), although it does foster
/// parent; its warnings are muted unless asked for.
fn default_filter(daemon: bool) -> &'static str {
    if daemon {
        "warn,html5ever=error,refeed=info"
    } else {
        "warn,html5ever=error"
    }
}

/// The `EnvFilter` directives `REFEED_LOG` stands for. A bare level means
/// refeed's own logs at that level, and at most `info` from the libraries
/// under it (sqlx logs every statement at `debug`, hyper every connection):
/// `debug` is `info,refeed=debug`. A value with `=` or `,` is a full filter,
/// taken as it is.
fn log_filter(value: &str) -> String {
    let level = value.trim().to_ascii_lowercase();
    match level.as_str() {
        "debug" | "trace" => format!("info,html5ever=error,refeed={level}"),
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_verbose_level_is_refeeds_own() {
        assert_eq!(log_filter("debug"), "info,html5ever=error,refeed=debug");
        assert_eq!(log_filter("TRACE"), "info,html5ever=error,refeed=trace");
        assert_eq!(log_filter("warn"), "warn");
        assert_eq!(
            log_filter("refeed::fetch=debug,sqlx=warn"),
            "refeed::fetch=debug,sqlx=warn"
        );
    }
}
