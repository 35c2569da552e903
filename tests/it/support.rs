//! Driving the real `refeed` binary: a temporary working folder with a config
//! file, one-shot commands with a hard time limit, and a plain HTTP client.
//! The `run` daemon lives in `daemon`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub use crate::daemon::Daemon;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_refeed");

/// `[server] base_url` of every test config; self links must use it.
pub const BASE_URL: &str = "http://refeed.test";

/// A cron schedule that does not fire while a test runs (midnight, 1 January):
/// `run` refreshes every source at start anyway.
pub const NEVER: &str = "0 0 1 1 *";

/// No one-shot command may take longer than this; a hang fails the test.
const COMMAND_LIMIT: Duration = Duration::from_secs(90);

/// One `[[source]]` table, built up for a test config.
pub struct SourceToml {
    id: String,
    url: String,
    title: Option<String>,
    listing: bool,
    full_text: bool,
    content: Option<String>,
    remove_text: Vec<String>,
    respect_robots: bool,
    schedule: String,
}

impl SourceToml {
    /// A listing source with the selectors of the fixture's tag archive.
    pub fn listing(id: &str, url: &str) -> Self {
        Self::new(id, url, true)
    }

    /// A feed source (no `[source.items]`).
    pub fn feed(id: &str, url: &str) -> Self {
        Self::new(id, url, false)
    }

    fn new(id: &str, url: &str, listing: bool) -> Self {
        SourceToml {
            id: id.into(),
            url: url.into(),
            title: None,
            listing,
            full_text: false,
            content: None,
            remove_text: vec![
                "Urgent End Of Year Fundraising Campaign".into(),
                "Sign Up To Our Daily Digest".into(),
            ],
            respect_robots: true,
            schedule: NEVER.into(),
        }
    }

    /// Sets `schedule` (cron, 6 fields with seconds first allowed).
    pub fn schedule(mut self, schedule: &str) -> Self {
        self.schedule = schedule.into();
        self
    }

    /// Sets `title`.
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets `full_text = true`.
    pub fn full_text(mut self) -> Self {
        self.full_text = true;
        self
    }

    /// Sets `[source.article] content`.
    pub fn content(mut self, selector: &str) -> Self {
        self.content = Some(selector.into());
        self
    }

    /// Sets `respect_robots = false`.
    pub fn ignore_robots(mut self) -> Self {
        self.respect_robots = false;
        self
    }

    /// Adds a `remove_text` entry.
    pub fn remove_text(mut self, text: &str) -> Self {
        self.remove_text.push(text.into());
        self
    }

    fn toml(&self) -> String {
        let mut out = format!(
            "[[source]]\nid = {:?}\nurl = {:?}\nschedule = {:?}\nfull_text = {}\n",
            self.id, self.url, self.schedule, self.full_text
        );
        if let Some(title) = &self.title {
            out.push_str(&format!("title = {title:?}\n"));
        }
        if !self.respect_robots {
            out.push_str("respect_robots = false\n");
        }
        if self.listing {
            out.push_str(concat!(
                "\n[source.items]\n",
                "item = \"article\"\n",
                "title = \"h2.entry-title a\"\n",
                "link = \"h2.entry-title a\"\n",
                "summary = \".entry-summary\"\n",
                "date = \"time\"\n",
                "author = \".author\"\n",
            ));
        }
        if let Some(content) = &self.content {
            out.push_str(&format!("\n[source.article]\ncontent = {content:?}\n"));
        }
        out.push_str(&format!(
            "\n[source.clean]\nremove = [\".sharedaddy\", \"#jp-relatedposts\"]\nremove_text = {:?}\n\n",
            self.remove_text
        ));
        out
    }
}

/// A temporary working folder holding a config and the database.
pub struct TestEnv {
    dir: TempDir,
    config: PathBuf,
}

impl TestEnv {
    /// A config with the given sources and fetch timeout (e.g. `"2s"`); the
    /// database goes to `data/refeed.db` inside the folder (created by refeed).
    /// Requests to one host are not spaced out (`per_host_delay = "0s"`):
    /// every fixture outlet is one host, and the default 1 s would make each
    /// refresh of twelve articles take twelve seconds.
    pub fn new(sources: &[SourceToml], timeout: &str) -> Self {
        Self::with_settings(
            sources,
            &format!("[fetch]\ntimeout = {timeout:?}\nper_host_delay = \"0s\"\n"),
        )
    }

    /// A config with the given sources after `settings`: TOML tables other
    /// than `[server]` and `[storage]` (e.g. `[fetch]` and `[scheduler]`).
    pub fn with_settings(sources: &[SourceToml], settings: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let mut text = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nbase_url = {BASE_URL:?}\n\n\
             [storage]\n{}\n\n{settings}\n",
            crate::postgres::storage_key(dir.path())
        );
        for source in sources {
            text.push_str(&source.toml());
        }
        let config = dir.path().join("refeed.toml");
        std::fs::write(&config, text).expect("write config");
        TestEnv { dir, config }
    }

    /// The config file.
    pub fn config(&self) -> &Path {
        &self.config
    }

    /// The working folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `refeed ARGS --config FILE` to completion.
    pub async fn refeed(&self, args: &[&str]) -> Output {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push("--config".into());
        all.push(self.config.display().to_string());
        run_refeed(self.dir(), &all).await
    }

    /// `refeed feed ID --format FORMAT`, which must succeed; its stdout.
    pub async fn feed(&self, id: &str, format: &str) -> String {
        let out = self.refeed(&["feed", id, "--format", format]).await;
        assert!(out.success(), "refeed feed {id} failed:\n{out}");
        out.stdout
    }

    /// The database of this folder's config (SQLite or PostgreSQL), as
    /// another process writing it would open it.
    pub async fn store(&self) -> refeed::store::Store {
        let config = refeed::config::Config::load(&self.config).expect("the test's config");
        refeed::app::database::open(&config.storage)
            .await
            .expect("the test's database")
    }

    /// Starts `refeed run` and waits until it listens.
    pub async fn daemon(&self) -> Daemon {
        Daemon::start(self.dir(), &self.config).await
    }

    /// Starts `refeed run` with its descriptor limit set to `nofile`
    /// (`ulimit -n`).
    pub async fn daemon_with_nofile(&self, nofile: u32) -> Daemon {
        Daemon::start_with_nofile(self.dir(), &self.config, nofile).await
    }

    /// Starts `refeed run` with extra environment variables.
    pub async fn daemon_with_env(&self, env: &[(&str, &Path)]) -> Daemon {
        Daemon::start_with_env(self.dir(), &self.config, env).await
    }
}

/// What a finished command printed.
pub struct Output {
    /// Exit status.
    pub status: ExitStatus,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl Output {
    /// Whether the command exited 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The summary line `once` printed for a source (`ID: ...`).
    pub fn line(&self, id: &str) -> &str {
        let prefix = format!("{id}: ");
        self.stdout
            .lines()
            .find(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no summary line for {id}:\n{self}"))
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs the binary with `args` in `cwd`, killing it past [`COMMAND_LIMIT`].
pub async fn run_refeed(cwd: &Path, args: &[String]) -> Output {
    run_refeed_within(cwd, args, COMMAND_LIMIT).await
}

/// Runs the binary with `args` in `cwd`; kills it and fails past `limit`.
pub async fn run_refeed_within(cwd: &Path, args: &[String], limit: Duration) -> Output {
    let started = Instant::now();
    let child = command(cwd)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start refeed");
    let pid = child.id();
    let waiting = tokio::task::spawn_blocking(move || child.wait_with_output());
    match tokio::time::timeout(limit, waiting).await {
        Ok(output) => {
            let output = output.expect("join").expect("wait for refeed");
            Output {
                status: output.status,
                stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
                elapsed: started.elapsed(),
            }
        }
        Err(_) => {
            signal(pid, "KILL");
            panic!("refeed {args:?} did not finish within {limit:?}");
        }
    }
}

/// The binary, with no inherited config or log settings.
pub fn command(cwd: &Path) -> Command {
    isolated(Command::new(BIN), cwd)
}

/// `cmd` run in `cwd` without inherited config or log settings.
pub fn isolated(mut cmd: Command, cwd: &Path) -> Command {
    cmd.current_dir(cwd)
        .stdin(Stdio::null())
        .env_remove("REFEED_CONFIG")
        .env_remove("REFEED_LOG")
        .env_remove("RUST_LOG")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM");
    cmd
}

/// Sends a signal (`"TERM"`, `"KILL"`, ...) to a process we started.
pub fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid} failed");
}

/// A response read in full.
pub struct Fetched {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` header (empty if none).
    pub content_type: String,
    /// Body as text.
    pub body: String,
}

/// GETs a URL on 127.0.0.1 (no proxy).
pub async fn http_get(url: &str) -> Fetched {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client");
    let response = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.expect("response body");
    Fetched {
        status,
        content_type,
        body,
    }
}

/// Parses an RSS document, showing it on failure.
pub fn parse_rss(text: &str) -> rss::Channel {
    rss::Channel::read_from(text.as_bytes())
        .unwrap_or_else(|e| panic!("not valid RSS ({e}):\n{text}"))
}

/// Parses an Atom document, showing it on failure.
pub fn parse_atom(text: &str) -> atom_syndication::Feed {
    atom_syndication::Feed::read_from(text.as_bytes())
        .unwrap_or_else(|e| panic!("not valid Atom ({e}):\n{text}"))
}

/// The `content:encoded` of the item titled `title` in an RSS document.
pub fn item_content(rss: &str, title: &str) -> String {
    let channel = parse_rss(rss);
    let item = channel
        .items()
        .iter()
        .find(|item| item.title() == Some(title))
        .unwrap_or_else(|| panic!("no item {title:?}"));
    item.content().unwrap_or_default().to_owned()
}

/// Checks that `content` holds every text, in order.
pub fn assert_in_order(content: &str, texts: &[&str]) {
    let positions: Vec<usize> = texts
        .iter()
        .map(|t| {
            content
                .find(t)
                .unwrap_or_else(|| panic!("{t:?} missing:\n{content}"))
        })
        .collect();
    assert!(positions.is_sorted(), "out of order:\n{content}");
}

/// A client that keeps bodies as sent (no automatic decompression).
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .no_brotli()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("HTTP client")
}
