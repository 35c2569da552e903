//! The `refeed` command line: parses arguments, sets up logging, loads the
//! config and hands over to `app`. Errors are printed with their causes and
//! mapped to the exit status.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use refeed::app;
use refeed::config::{Config, ConfigError, DEFAULT_CONFIG_PATH};
use refeed::http::FeedFormat;
use url::Url;

// mimalloc, committing memory on demand (see `refeed::allocator`).
refeed::daemon_allocator!();

// The binary's own modules live beside it in `cli/` (`src/` is the library's).
#[path = "cli/logging.rs"]
mod logging;
#[path = "cli/try_page.rs"]
mod try_page;

use try_page::{TryArgs, try_page};

/// Turns news outlets into clean, deduplicated RSS and Atom feeds.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Config file.
    #[arg(long, short, global = true, env = "REFEED_CONFIG", default_value = DEFAULT_CONFIG_PATH)]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve feeds over HTTP and refresh every source now (unless it is
    /// backing off after failures) and on its schedule.
    Run,
    /// Refresh sources now (all, or the ones named) and exit.
    Once {
        /// Source ids to refresh; all when none are given.
        sources: Vec<String>,
    },
    /// Ask the running daemon to refresh these sources now (bypassing
    /// schedule and backoff, not politeness) and print each outcome; with
    /// no daemon running, refresh them here like `once`.
    Refresh {
        /// Source ids.
        #[arg(required = true)]
        sources: Vec<String>,
    },
    /// Ask the running daemon to re-read its config (as SIGHUP does) and
    /// print the outcome; with no daemon running, only validate the config.
    Reload,
    /// Validate the config, show each source's next three run times, and
    /// try to listen on the configured address.
    Check {
        /// Also parse every file of `[extract] site_config_dir` and list
        /// errors and skipped directives with file and line (offline).
        #[arg(long)]
        site_configs: bool,
        /// With --site-configs: fetch each file's test_url pages and check
        /// that a body rule matches and each test_contains text is there.
        #[arg(long, requires = "site_configs")]
        fetch_test_urls: bool,
    },
    /// Write the commented reference config (every key with its default)
    /// to PATH, for a first config; never over an existing file unless
    /// --force.
    Init {
        /// Where to write it; default: the --config path.
        path: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
        /// The database path to write in it (`[storage] path`; default:
        /// data/refeed.db beside the config), e.g. /var/lib/refeed/refeed.db
        /// for the systemd unit.
        #[arg(long, value_name = "DB")]
        storage: Option<PathBuf>,
    },
    /// Show each source's health: last attempt, outcome, failures, next
    /// run; with SOURCE_ID, that source's recent refreshes.
    #[command(after_help = STATUS_EXIT_CODES)]
    Status {
        /// A configured source id: show its row and its latest refreshes
        /// (start, duration, outcome, counts or error, retry-after).
        #[arg(value_name = "SOURCE_ID")]
        source: Option<String>,
        /// How many refreshes to show with SOURCE_ID (at most 1000).
        #[arg(long, requires = "source", default_value_t = app::status::DEFAULT_HISTORY,
              value_parser = clap::value_parser!(u32).range(1..=i64::from(app::status::MAX_HISTORY)))]
        limit: u32,
    },
    /// Print a stored feed to stdout.
    Feed {
        /// Source id, or `all` for every source combined.
        source: String,
        /// Feed format.
        #[arg(long, value_enum, default_value_t = Format::Rss)]
        format: Format,
    },
    /// Copy the database to FILE (SQLite `VACUUM INTO`: a consistent
    /// snapshot, safe while `refeed run` runs); never overwrites a file.
    Backup {
        /// The backup file to create.
        file: PathBuf,
    },
    /// Copy a whole database into a new, empty one, between SQLite files
    /// and PostgreSQL databases (`postgres://…`), item ids, dates and
    /// validators unchanged; refuses a target that holds rows. Stop
    /// `refeed run` first (no config needed).
    MigrateStore {
        /// The database to copy: a SQLite file or a postgres:// URL.
        #[arg(long)]
        from: String,
        /// The new database: a SQLite file (created) or a postgres:// URL
        /// (the database must exist and be empty).
        #[arg(long)]
        to: String,
        /// Copy although instances of a fleet are live on a PostgreSQL
        /// source or destination (their writes during the copy may be
        /// missed). A daemon on a SQLite file is always refused.
        #[arg(long)]
        while_running: bool,
    },
    /// Print the OPML list of every feed, each once in Atom (what the
    /// server offers at /feeds.opml), for importing into a feed reader.
    Opml,
    /// Extract the article of a local HTML page (no config needed).
    Extract {
        /// HTML file (`.html` or `.html.gz`), or `-` for standard input.
        #[arg(default_value = "-")]
        input: PathBuf,
        /// The page's URL, to make its links absolute.
        #[arg(long)]
        url: Option<Url>,
        /// Output: plain text, sanitized HTML, or JSON with metadata.
        #[arg(long, value_enum, default_value_t = ExtractFormat::Text)]
        format: ExtractFormat,
        /// Extract every *.html and *.html.gz in DIR; print {file stem: text} as JSON.
        #[arg(long, value_name = "DIR", conflicts_with_all = ["url", "format"])]
        batch: Option<PathBuf>,
        /// Print what was removed from the page and why, instead of the article.
        #[arg(long, conflicts_with_all = ["batch", "format"])]
        explain: bool,
    },
    /// Fetch a page as a source would and print what was removed and why,
    /// including the boilerplate learned from the source's earlier pages.
    Explain {
        /// Source id, whose rules and learned boilerplate apply.
        source: String,
        /// The article page to fetch.
        url: Url,
    },
    /// Preview a source before adding it: find the items of a page (by
    /// URL, or a saved page with --url), say how and why, warn about
    /// missing fields, and print a [[source]] block to paste (no config
    /// needed, no database written).
    Try(TryArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExtractFormat {
    Text,
    Html,
    Json,
}

impl From<ExtractFormat> for app::extract::ExtractFormat {
    fn from(format: ExtractFormat) -> Self {
        match format {
            ExtractFormat::Text => Self::Text,
            ExtractFormat::Html => Self::Html,
            ExtractFormat::Json => Self::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl From<Format> for FeedFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Rss => FeedFormat::Rss,
            Format::Atom => FeedFormat::Atom,
            Format::Json => FeedFormat::Json,
        }
    }
}

/// The exit statuses of `refeed status`, for its `--help`: a monitoring
/// check can run it as is.
const STATUS_EXIT_CODES: &str = "Exit status:
  0  no source shown is failing or stale (sources never refreshed yet count as fine)
  1  a source shown is failing (its latest refresh failed) or stale
  2  the status could not be read: bad arguments, config or database, or an unknown SOURCE_ID";

/// `refeed status`'s exit status when the status could not be read.
const STATUS_UNKNOWN: u8 = 2;

/// How long the process waits, once a command is done, for blocking-pool
/// tasks it no longer awaits (a parse abandoned by the shutdown drain).
/// With `app::DRAIN_TIMEOUT` (6 s) and the HTTP drain (1 s), SIGTERM ends
/// `refeed run` within systemd's 10 s whatever is parsing.
const BLOCKING_POOL_GRACE: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(matches!(cli.command, Command::Run));
    // A monitoring check must tell "a source is failing" (1) from "cannot
    // tell" (2).
    let status = matches!(cli.command, Command::Status { .. });
    match execute(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("refeed: {err:#}");
            match status {
                true => ExitCode::from(STATUS_UNKNOWN),
                false => ExitCode::FAILURE,
            }
        }
    }
}

/// Runs the command; `Ok(false)` means it ran but something failed
/// (a source, for `once`).
fn execute(cli: Cli) -> anyhow::Result<bool> {
    if let Command::Extract {
        input,
        url,
        format,
        batch,
        explain,
    } = cli.command
    {
        let out = match batch {
            Some(dir) => app::extract::extract_batch(&dir)?,
            None if explain => app::explain::explain_file(&input, url)?,
            None => app::extract::extract_one(&input, url, format.into())?,
        };
        print!("{out}");
        return Ok(true);
    }
    if let Command::Try(args) = &cli.command {
        return try_page(args, &cli.config);
    }
    if let Command::Init {
        path,
        force,
        storage,
    } = &cli.command
    {
        let path = path.as_ref().unwrap_or(&cli.config);
        print!("{}", app::init(path, *force, storage.as_deref())?);
        return Ok(true);
    }
    if let Command::MigrateStore {
        from,
        to,
        while_running,
    } = &cli.command
    {
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        let copied = app::database::migrate(from, to, *while_running);
        print!("{}", runtime.block_on(copied)?);
        return Ok(true);
    }
    let config = load_config(&cli.config)?;
    if let Command::Check {
        site_configs,
        fetch_test_urls,
    } = cli.command
    {
        print!("{}", app::check(&config));
        let listen = check_listen(&config);
        return Ok(listen && (!site_configs || check_site_configs(&config, fetch_test_urls)?));
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run => app::run(config).await.map(|()| true),
            Command::Once { sources } => app::once(&config, &sources).await,
            Command::Refresh { sources } => app::refresh(&config, &sources).await,
            Command::Reload => app::reload(&config).await,
            Command::Status { source, limit } => {
                let report = app::status::status(&config, source.as_deref(), limit).await?;
                print!("{}", report.text);
                Ok(report.healthy)
            }
            Command::Backup { file } => {
                print!("{}", app::lifecycle::backup(&config, &file).await?);
                Ok(true)
            }
            Command::Opml => {
                print_document(&app::opml(&config).await?);
                Ok(true)
            }
            Command::Feed { source, format } => {
                print_document(&app::feed(&config, &source, format.into()).await?);
                Ok(true)
            }
            Command::Explain { source, url } => {
                print!(
                    "{}",
                    app::explain::explain_source(&config, &source, &url).await?
                );
                Ok(true)
            }
            Command::Check { .. }
            | Command::Init { .. }
            | Command::Extract { .. }
            | Command::Try(_)
            | Command::MigrateStore { .. } => {
                unreachable!("handled above")
            }
        }
    });
    // Dropping the runtime would wait for every blocking-pool task, and a
    // parse there cannot be interrupted (one held SIGTERM for 86 s, issue
    // 9). Every command has closed the database by now (`app` closes the
    // store before returning), so what is left is CPU work nobody awaits.
    runtime.shutdown_timeout(BLOCKING_POOL_GRACE);
    result
}

/// `refeed check --site-configs`: the offline report, then the test URLs
/// when asked; whether everything passed.
fn check_site_configs(config: &Config, fetch_test_urls: bool) -> anyhow::Result<bool> {
    let (report, mut ok) = app::siteconfigs::check(config)?;
    print!("{report}");
    if fetch_test_urls {
        let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
        let (report, passed) = runtime.block_on(app::siteconfigs::fetch_test_urls(config))?;
        print!("{report}");
        ok &= passed;
    }
    Ok(ok)
}

/// Loads the config; a missing file says how to point at one.
fn load_config(path: &Path) -> anyhow::Result<Config> {
    match Config::load(path) {
        Err(ConfigError::Read { source, .. }) if source.kind() == ErrorKind::NotFound => {
            anyhow::bail!(
                "no config file at {}: point at yours with `--config FILE` or \
                 `REFEED_CONFIG=FILE`, or write the reference config there with `refeed init`",
                path.display()
            )
        }
        loaded => Ok(loaded?),
    }
}

/// Prints `refeed check`'s listen line; whether the check passes. An
/// address in use passes with a warning: the running daemon holds it
/// while a new config is checked before a reload.
fn check_listen(config: &Config) -> bool {
    match app::check_listen(config) {
        app::ListenCheck::Free(line) => {
            println!("{line}");
            true
        }
        app::ListenCheck::InUse(line) => {
            println!("warning: {line}");
            true
        }
        app::ListenCheck::Failed(line) => {
            println!("error: {line}");
            false
        }
    }
}

/// Prints a feed or OPML document, ending it with a newline as a shell
/// expects (the writers end at the closing tag).
fn print_document(document: &str) {
    if document.ends_with('\n') {
        print!("{document}");
    } else {
        println!("{document}");
    }
}
