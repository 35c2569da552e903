//! The command line as an operator meets it (issue 12, points 6 and 9): a
//! relative database path read from the config's folder, read-only commands
//! that never create a database, `refeed init`, a missing config, every
//! unknown key at once, the `listen` forms, `refeed check` binding the
//! address, `REFEED_LOG=debug`, humane log fields, `refeed feed`'s final
//! newline, and `refeed once` printing a failure once, with progress on a
//! terminal.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{BIN, Output, SourceToml, TestEnv, isolated, run_refeed};

/// A source whose every fetch is refused at once (the discard port, closed).
const REFUSED: &str = "http://127.0.0.1:9/feed/";

/// A minimal config with one source at `url`, its database at `db`.
fn config_text(db: &str, url: &str) -> String {
    format!(
        "[server]\nlisten = \"127.0.0.1:0\"\n\n[storage]\npath = {db:?}\n\n\
         [fetch]\ntimeout = \"2s\"\n\n\
         [[source]]\nid = \"down\"\nurl = {url:?}\nschedule = \"0 0 1 1 *\"\n"
    )
}

/// Writes `text` to `dir/name` (creating folders); the file's path.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// `refeed ARGS` in `cwd`.
async fn refeed(cwd: &Path, args: &[&str]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    run_refeed(cwd, &args).await
}

#[tokio::test]
async fn a_relative_storage_path_is_read_from_the_config_folder_not_the_cwd() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "etc/refeed.toml",
        &config_text("data/refeed.db", REFUSED),
    );
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let config = config.to_str().unwrap();
    let out = refeed(&elsewhere, &["once", "--config", config]).await;
    assert!(out.stdout.contains("down: error"), "{out}");
    assert!(dir.path().join("etc/data/refeed.db").is_file(), "{out}");
    assert!(!elsewhere.join("data").exists(), "created beside the cwd");
    // Another command from yet another folder finds the same database.
    let status = refeed(dir.path(), &["status", "--config", config]).await;
    assert!(status.stdout.contains("down"), "{status}");
    assert!(!dir.path().join("data").exists(), "{status}");
}

#[tokio::test]
async fn read_only_commands_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "refeed.toml",
        &config_text("db/refeed.db", REFUSED),
    );
    let config = config.to_str().unwrap();
    let db = dir.path().join("db/refeed.db");
    for args in [
        vec!["status"],
        vec!["feed", "all"],
        vec!["feed", "down", "--format", "atom"],
        vec!["opml"],
    ] {
        let mut all = args.clone();
        all.extend(["--config", config]);
        let out = refeed(dir.path(), &all).await;
        assert!(
            !out.success(),
            "{args:?} succeeded without a database:\n{out}"
        );
        let expected = format!(
            "no database at {}: has `refeed run` or `refeed once` run with this config?",
            db.display()
        );
        assert!(out.stderr.contains(&expected), "{args:?}:\n{out}");
        assert!(!dir.path().join("db").exists(), "{args:?} created {db:?}");
    }
}

#[tokio::test]
async fn init_writes_a_config_check_accepts_and_never_overwrites_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = refeed(dir.path(), &["init", "new/refeed.toml"]).await;
    assert!(out.success(), "{out}");
    let written = dir.path().join("new/refeed.toml");
    let shipped = include_str!("../../config/refeed.toml");
    assert_eq!(std::fs::read_to_string(&written).unwrap(), shipped);
    let check = refeed(dir.path(), &["check", "--config", "new/refeed.toml"]).await;
    assert!(check.success(), "{check}");
    assert!(
        check.stdout.contains("popular-resistance-bolivia"),
        "{check}"
    );

    std::fs::write(&written, "# mine\n").unwrap();
    let again = refeed(dir.path(), &["init", "new/refeed.toml"]).await;
    assert!(!again.success(), "{again}");
    assert!(again.stderr.contains("exists already"), "{again}");
    assert_eq!(std::fs::read_to_string(&written).unwrap(), "# mine\n");

    // --config names the default PATH; --force overwrites; --storage sets
    // the database an installed service uses.
    let forced = refeed(
        dir.path(),
        &[
            "init",
            "--force",
            "--storage",
            "/var/lib/refeed/refeed.db",
            "--config",
            "new/refeed.toml",
        ],
    )
    .await;
    assert!(forced.success(), "{forced}");
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(
        text.contains("\npath = \"/var/lib/refeed/refeed.db\"\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), shipped.lines().count());
}

#[tokio::test]
async fn a_missing_config_says_how_to_point_at_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = refeed(dir.path(), &["status", "--config", "nowhere/refeed.toml"]).await;
    assert!(!out.success(), "{out}");
    for part in [
        "no config file at nowhere/refeed.toml",
        "--config",
        "REFEED_CONFIG",
        "refeed init",
    ] {
        assert!(out.stderr.contains(part), "{part:?} missing:\n{out}");
    }
}

#[tokio::test]
async fn check_reports_every_unknown_key_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = config_text("data/refeed.db", REFUSED)
        .replace("[fetch]\ntimeout", "[fetch]\ntimout")
        .replace("[[source]]", "[[sources]]")
        .replace("listen =", "listn =");
    let config = write(dir.path(), "typos.toml", &text);
    let out = refeed(dir.path(), &["check", "--config", config.to_str().unwrap()]).await;
    assert!(!out.success(), "{out}");
    let shown = config.display().to_string();
    for (line, hint) in [
        (2, "did you mean `listen`?"),
        (8, "did you mean `timeout`?"),
        (
            10,
            "unknown table `[[sources]]`: did you mean `[[source]]`?",
        ),
    ] {
        let found = out
            .stderr
            .lines()
            .any(|l| l.contains(&format!("{shown}:{line}:")) && l.contains(hint));
        assert!(found, "line {line} with {hint:?} missing:\n{out}");
    }
}

#[tokio::test]
async fn listen_accepts_localhost_and_a_bare_port_and_says_port_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    for (listen, shown) in [("localhost:0", "127.0.0.1:0"), (":0", "0.0.0.0:0")] {
        let text = config_text("data/refeed.db", REFUSED).replace("127.0.0.1:0", listen);
        let config = write(dir.path(), "listen.toml", &text);
        let out = refeed(dir.path(), &["check", "--config", config.to_str().unwrap()]).await;
        assert!(out.success(), "{listen}:\n{out}");
        assert!(
            out.stdout.contains(&format!("on {shown}\n")),
            "{listen}:\n{out}"
        );
    }
    let text = config_text("data/refeed.db", REFUSED).replace("127.0.0.1:0", "127.0.0.1:70000");
    let config = write(dir.path(), "listen.toml", &text);
    let out = refeed(dir.path(), &["check", "--config", config.to_str().unwrap()]).await;
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("port 70000 out of range"), "{out}");
}

#[tokio::test]
async fn check_says_the_listen_address_is_in_use_and_still_lists_the_sources() {
    let dir = tempfile::tempdir().unwrap();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let text = config_text("data/refeed.db", REFUSED).replace("127.0.0.1:0", &addr);
    let config = write(dir.path(), "taken.toml", &text);
    let out = refeed(dir.path(), &["check", "--config", config.to_str().unwrap()]).await;
    assert!(out.stdout.contains("next runs:"), "{out}");
    assert!(
        out.stdout
            .contains(&format!("listen {addr}: address in use")),
        "{out}"
    );
    assert!(out.success(), "a running daemon holds the address:\n{out}");
    drop(taken);
    let free = refeed(dir.path(), &["check", "--config", config.to_str().unwrap()]).await;
    assert!(
        free.stdout.contains(&format!("listen {addr}: free")),
        "{free}"
    );
}

#[tokio::test]
async fn refeed_log_debug_shows_refeeds_debug_lines_but_not_sqlxs() {
    let env = TestEnv::new(&[SourceToml::feed("down", REFUSED)], "2s");
    let daemon = env
        .daemon_with_env(&[("REFEED_LOG", Path::new("debug"))])
        .await;
    let logs = wait_for_log(&daemon, "backing off").await;
    assert!(logs.contains("HTTP connection limits"), "{logs}");
    for library in ["sqlx", "hyper", "reqwest"] {
        assert!(
            // A library's own lines (by their target); refeed's may quote
            // a library's error.
            !logs
                .lines()
                .any(|l| l.contains(&format!("DEBUG {library}"))),
            "{library} debug lines:\n{logs}"
        );
    }
    // A full filter is still an EnvFilter.
    let out = run_with_env(env.dir(), &env_config(&env), "warn,sqlx=debug").await;
    assert!(out.stderr.contains("sqlx::query"), "{out}");
}

#[tokio::test]
async fn log_fields_show_no_some_and_no_nanoseconds() {
    let env = TestEnv::new(&[SourceToml::feed("down", REFUSED)], "2s");
    let daemon = env
        .daemon_with_env(&[("REFEED_LOG", Path::new("debug"))])
        .await;
    let logs = wait_for_log(&daemon, "backing off").await;
    assert!(!logs.contains("Some("), "{logs}");
    let debug_duration = logs
        .split(|c: char| c.is_whitespace() || c == '=')
        .find(|word| is_debug_duration(word));
    assert_eq!(debug_duration, None, "{logs}");
    assert!(logs.contains("header_read_timeout=10s"), "{logs}");
}

#[tokio::test]
async fn feed_and_opml_output_end_with_a_newline() {
    let env = TestEnv::new(&[SourceToml::feed("down", REFUSED)], "2s");
    let once = env.refeed(&["once"]).await;
    assert!(once.stdout.contains("down: error"), "{once}");
    for args in [
        vec!["feed", "all"],
        vec!["feed", "down", "--format", "atom"],
        vec!["feed", "down", "--format", "json"],
        vec!["opml"],
    ] {
        let out = env.refeed(&args).await;
        assert!(out.success(), "{args:?}:\n{out}");
        assert!(out.stdout.ends_with('\n'), "{args:?}: {:?}", out.stdout);
        assert!(!out.stdout.ends_with("\n\n"), "{args:?}: {:?}", out.stdout);
    }
}

#[tokio::test]
async fn once_prints_a_failure_once() {
    let env = TestEnv::new(&[SourceToml::feed("down", REFUSED)], "2s");
    let out = env.refeed(&["once"]).await;
    assert!(!out.success(), "{out}");
    let line = out.line("down");
    let cause = line.strip_prefix("down: error: ").expect("an error line");
    assert!(!cause.is_empty(), "{out}");
    let everything = format!("{}{}", out.stdout, out.stderr);
    assert_eq!(everything.matches(cause).count(), 1, "{out}");
}

#[tokio::test]
async fn once_shows_progress_on_a_terminal_and_plain_lines_otherwise() {
    // A listener that accepts connections but never answers: the refresh
    // waits for its 2 s timeout, long enough for the bar to be drawn.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/feed/", silent.local_addr().unwrap());
    let env = TestEnv::new(&[SourceToml::feed("slow", &url)], "2s");
    let config = env_config(&env);
    let command = format!("{BIN} once --config {}", config.display());
    let started = Instant::now();
    let output = isolated(std::process::Command::new("script"), env.dir())
        .args(["-qfec", &command, "/dev/null"])
        .env("COLUMNS", "120")
        .env("TERM", "xterm")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run script");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(shown.contains("0/1 sources"), "{shown}");
    assert!(shown.contains("0 items, 0 articles fetched"), "{shown}");
    assert!(shown.contains("slow: error"), "{shown}");

    let plain = env.refeed(&["once"]).await;
    assert!(plain.stdout.starts_with("slow: error"), "{plain}");
    assert!(!plain.stdout.contains("sources") && !plain.stdout.contains('\u{1b}'));
    assert!(!plain.stderr.contains("articles fetched"), "{plain}");
}

/// The config file of a [`TestEnv`].
fn env_config(env: &TestEnv) -> PathBuf {
    env.dir().join("refeed.toml")
}

/// `refeed once` with `REFEED_LOG=filter`.
async fn run_with_env(cwd: &Path, config: &Path, filter: &str) -> Output {
    let mut cmd = isolated(std::process::Command::new(BIN), cwd);
    cmd.env("REFEED_LOG", filter)
        .arg("once")
        .arg("--config")
        .arg(config);
    let output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("run refeed once");
    Output {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: Duration::ZERO,
    }
}

/// The daemon's logs once they contain `needle` (at most 30 s).
async fn wait_for_log(daemon: &crate::support::Daemon, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let logs = daemon.logs();
        if logs.contains(needle) {
            return logs;
        }
        assert!(Instant::now() < deadline, "no {needle:?} in:\n{logs}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether `word` is a duration as `Debug` prints it (`1.234567ms`,
/// `250µs`, `17ns`) rather than as humantime does (`1s 234ms`).
fn is_debug_duration(word: &str) -> bool {
    let Some(number) = ["ns", "µs", "ms", "s"]
        .iter()
        .find_map(|unit| word.strip_suffix(unit))
    else {
        return false;
    };
    let digits = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit() || c == '.');
    digits && (number.contains('.') || word.ends_with("ns") || word.ends_with("µs"))
}

/// The binary asks mimalloc to commit arena memory on demand (so purged
/// memory leaves the resident set), before its first allocation: mimalloc's
/// own report of its options, printed at start with `MIMALLOC_VERBOSE=1`,
/// shows the option at 0 even when the environment asks for eager commit.
#[test]
fn the_allocator_commits_memory_on_demand() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = isolated(std::process::Command::new(BIN), dir.path())
        .arg("--version")
        .env("MIMALLOC_VERBOSE", "1")
        .env("MIMALLOC_ARENA_EAGER_COMMIT", "1")
        .output()
        .expect("run refeed --version");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("option 'arena_eager_commit': 0"),
        "{stderr}"
    );
}
