//! The `refeed` command line: parses arguments, sets up logging, loads the
//! config and hands over to `app`. Errors are printed with their causes and
//! mapped to the exit status.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use refeed::app;
use refeed::config::{Config, DEFAULT_CONFIG_PATH};
use refeed::http::FeedFormat;
use tracing_subscriber::EnvFilter;
use url::Url;

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
    /// Validate the config and show each source's next three run times.
    Check,
    /// Show each source's health: last attempt, outcome, failures, next run.
    Status,
    /// Print a stored feed to stdout.
    Feed {
        /// Source id, or `all` for every source combined.
        source: String,
        /// Feed format.
        #[arg(long, value_enum, default_value_t = Format::Rss)]
        format: Format,
    },
    /// Print the OPML list of every feed in every format (what the server
    /// offers at /feeds.opml), for importing into a feed reader.
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

/// How long the process waits, once a command is done, for blocking-pool
/// tasks it no longer awaits (a parse abandoned by the shutdown drain).
/// With `app::DRAIN_TIMEOUT` (6 s) and the HTTP drain (1 s), SIGTERM ends
/// `refeed run` within systemd's 10 s whatever is parsing.
const BLOCKING_POOL_GRACE: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(matches!(cli.command, Command::Run));
    match execute(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("refeed: {err:#}");
            ExitCode::FAILURE
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
    let config = Config::load(&cli.config)?;
    if matches!(cli.command, Command::Check) {
        print!("{}", app::check(&config));
        return Ok(true);
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run => app::run(config).await.map(|()| true),
            Command::Once { sources } => app::once(&config, &sources).await,
            Command::Status => {
                print!("{}", app::status::status(&config).await?);
                Ok(true)
            }
            Command::Opml => {
                print!("{}", app::opml(&config).await?);
                Ok(true)
            }
            Command::Feed { source, format } => {
                print!("{}", app::feed(&config, &source, format.into()).await?);
                Ok(true)
            }
            Command::Explain { source, url } => {
                print!(
                    "{}",
                    app::explain::explain_source(&config, &source, &url).await?
                );
                Ok(true)
            }
            Command::Check | Command::Extract { .. } => unreachable!("handled above"),
        }
    });
    // Dropping the runtime would wait for every blocking-pool task, and a
    // parse there cannot be interrupted (one held SIGTERM for 86 s, issue
    // 9). Every command has closed the database by now (`app` closes the
    // store before returning), so what is left is CPU work nobody awaits.
    runtime.shutdown_timeout(BLOCKING_POOL_GRACE);
    result
}

/// Logs go to stderr: `info` for the daemon, `warn` for one-shot commands
/// (whose results are on stdout). `REFEED_LOG` (or `RUST_LOG`) overrides.
/// Under systemd the journal adds timestamps, so ours are left out.
fn init_logging(daemon: bool) {
    let default = if daemon { "warn,refeed=info" } else { "warn" };
    let filter = EnvFilter::try_from_env("REFEED_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}
