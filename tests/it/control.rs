//! Control of a running daemon (issue 12): SIGHUP reloads the config (a
//! broken one is refused and shown on /status), `refeed refresh ID` runs a
//! source now whatever its schedule and backoff, `refeed reload` reloads,
//! both over a private Unix socket beside the database, and both work
//! without a daemon.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::outlet::Outlet;
use crate::support::{Daemon, SourceToml, TestEnv, http_get, parse_rss, signal};

/// How long a test polls for what it waits for (the CI machine is loaded).
const PATIENCE: Duration = Duration::from_secs(60);

/// The tag archive fixture: 12 items.
const LISTING: &str = "/tag/bolivia/";

/// Polls `check` until it answers `Some`, failing with `what` and the
/// daemon's logs past [`PATIENCE`].
async fn eventually<T, F, Fut>(daemon: &Daemon, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "never saw {what}; logs:\n{}",
            daemon.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The served RSS feed of `id` once it has items.
async fn served_items(daemon: &Daemon, id: &str) -> usize {
    let url = daemon.url(&format!("/feeds/{id}.rss"));
    eventually(daemon, &format!("items in {id}'s feed"), || async {
        let fetched = http_get(&url).await;
        let items = (fetched.status == 200).then(|| parse_rss(&fetched.body).items().len());
        items.filter(|n| *n > 0)
    })
    .await
}

fn config_path(env: &TestEnv) -> PathBuf {
    env.dir().join("refeed.toml")
}

fn socket_path(env: &TestEnv) -> PathBuf {
    env.dir().join("data/refeed.sock")
}

/// `env`'s config with `sources` instead of its own (same database).
fn config_with(env: &TestEnv, sources: &[SourceToml]) -> String {
    let other = TestEnv::new(sources, "10s");
    let text = std::fs::read_to_string(config_path(&other)).unwrap();
    let here = env.dir().display().to_string();
    text.replace(&other.dir().display().to_string(), &here)
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_adds_a_source_stops_a_removed_one_and_keeps_serving() {
    let outlet = Outlet::start().await;
    let bolivia = || SourceToml::listing("bolivia", &outlet.url(LISTING));
    let old = SourceToml::feed("old", &outlet.url("/feed/"));
    let env = TestEnv::new(&[bolivia(), old], "10s");
    let mut daemon = env.daemon().await;
    assert_eq!(served_items(&daemon, "bolivia").await, 12);
    served_items(&daemon, "old").await;
    let feed_hits = outlet.hits("/feed/");

    let added = SourceToml::feed("added", &outlet.url("/feed/"));
    std::fs::write(config_path(&env), config_with(&env, &[bolivia(), added])).unwrap();
    signal(daemon.pid(), "HUP");

    assert!(served_items(&daemon, "added").await > 0);
    assert!(
        outlet.hits("/feed/") > feed_hits,
        "the added source was fetched"
    );
    assert!(daemon.is_running(), "SIGHUP killed the daemon");
    assert_eq!(served_items(&daemon, "bolivia").await, 12, "still served");
    let status = http_get(&daemon.url("/status.json")).await.body;
    assert!(
        !status.contains("\"old\""),
        "removed source still listed: {status}"
    );
    assert!(status.contains("\"added\""), "{status}");
    // Removed from the config: gone, with its items kept for `keep_removed`.
    assert_eq!(http_get(&daemon.url("/feeds/old.rss")).await.status, 410);
    let refresh = env.refeed(&["refresh", "old"]).await;
    assert!(!refresh.success(), "{refresh}");
    assert!(
        refresh
            .stdout
            .contains("old: no such source in the running config"),
        "{refresh}"
    );
    assert!(
        daemon.logs().contains("config reloaded"),
        "{}",
        daemon.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_with_a_broken_config_keeps_the_old_one_and_says_so_on_status() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[SourceToml::listing("bolivia", &outlet.url(LISTING))],
        "10s",
    );
    let mut daemon = env.daemon().await;
    assert_eq!(served_items(&daemon, "bolivia").await, 12);

    let good = std::fs::read_to_string(config_path(&env)).unwrap();
    let broken = format!(
        "{good}\n[[source]]\nid = \"typo\"\nurl = \"{}\"\nshedule = \"0 * * * *\"\n",
        outlet.url("/feed/")
    );
    let line = line_of(&broken, "shedule");
    std::fs::write(config_path(&env), &broken).unwrap();
    signal(daemon.pid(), "HUP");

    let located = format!("refeed.toml:{line}");
    let status_url = daemon.url("/status");
    let page = eventually(&daemon, "the reload failure on /status", || async {
        let page = http_get(&status_url).await.body;
        page.contains("config reload failed").then_some(page)
    })
    .await;
    assert!(page.contains(&located), "no {located} on /status:\n{page}");
    let json = http_get(&daemon.url("/status.json")).await.body;
    assert!(json.contains("config reload failed: "), "{json}");
    assert!(json.contains(&located), "{json}");
    let logs = daemon.logs();
    assert!(
        logs.contains("config reload failed") && logs.contains(&located),
        "{logs}"
    );
    assert!(daemon.is_running());
    assert_eq!(
        served_items(&daemon, "bolivia").await,
        12,
        "old sources served"
    );
    assert!(!json.contains("\"typo\""), "{json}");

    // A later good reload clears the failure.
    std::fs::write(config_path(&env), &good).unwrap();
    signal(daemon.pid(), "HUP");
    eventually(&daemon, "the failure cleared", || async {
        let page = http_get(&status_url).await.body;
        (!page.contains("config reload failed")).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_runs_a_backing_off_source_at_once_through_the_daemon() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[
            SourceToml::listing("flaky", &outlet.url("/flaky/")),
            SourceToml::listing("broken", &outlet.url("/broken/500")),
        ],
        "10s",
    );
    let daemon = env.daemon().await;
    // The first run finds no page (404): a failure, so a backoff on top of
    // a schedule that fires once a year.
    let status_url = daemon.url("/status.json");
    eventually(&daemon, "flaky's failure on /status", || async {
        let json = http_get(&status_url).await.body;
        json.contains("\"consecutive_failures\":1").then_some(())
    })
    .await;
    assert_eq!(outlet.hits("/flaky/"), 1);
    outlet.write("/flaky/", &outlet.read(LISTING));

    let out = env.refeed(&["refresh", "flaky"]).await;
    assert!(out.success(), "{out}");
    assert_eq!(out.line("flaky"), "flaky: ok, 12 seen, 12 new, 0 updated");
    assert!(!out.stderr.contains("no daemon"), "{out}");
    assert_eq!(outlet.hits("/flaky/"), 2, "fetched by the daemon, at once");
    assert_eq!(served_items(&daemon, "flaky").await, 12);

    let out = env.refeed(&["refresh", "broken", "nope"]).await;
    assert!(!out.success(), "{out}");
    assert!(out.line("broken").starts_with("broken: error: "), "{out}");
    assert_eq!(
        out.line("nope"),
        "nope: no such source in the running config"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_asks_the_daemon_over_a_private_socket() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[SourceToml::listing("bolivia", &outlet.url(LISTING))],
        "10s",
    );
    let mut daemon = env.daemon().await;
    let socket = socket_path(&env);
    let meta = std::fs::symlink_metadata(&socket).expect("the control socket exists");
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    let out = env.refeed(&["reload"]).await;
    assert!(out.success(), "{out}");
    assert!(out.stdout.starts_with("reloaded "), "{out}");
    assert!(
        out.stdout.contains("no source changed (1 sources)"),
        "{out}"
    );

    let added = SourceToml::feed("added", &outlet.url("/feed/"));
    let bolivia = SourceToml::listing("bolivia", &outlet.url(LISTING));
    std::fs::write(config_path(&env), config_with(&env, &[bolivia, added])).unwrap();
    let out = env.refeed(&["reload"]).await;
    assert!(out.success(), "{out}");
    assert!(out.stdout.contains("added: added"), "{out}");
    served_items(&daemon, "added").await;

    signal(daemon.pid(), "TERM");
    assert!(daemon.wait_exit(PATIENCE).await.is_some());
    assert!(!socket.exists(), "the socket is removed at shutdown");
}

/// A socket file nobody listens on, as a SIGKILLed daemon leaves it.
fn stale_socket(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    drop(std::os::unix::net::UnixListener::bind(path).unwrap());
    assert!(path.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_daemon_refresh_and_reload_work_in_process() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[SourceToml::listing("bolivia", &outlet.url(LISTING))],
        "10s",
    );
    stale_socket(&socket_path(&env));

    let out = env.refeed(&["refresh", "bolivia"]).await;
    assert!(out.success(), "{out}");
    assert!(out.stderr.contains("no daemon is running"), "{out}");
    assert_eq!(
        out.line("bolivia"),
        "bolivia: ok, 12 seen, 12 new, 0 updated"
    );
    assert_eq!(outlet.hits(LISTING), 1);
    let out = env.refeed(&["refresh", "nope"]).await;
    assert!(!out.success(), "{out}");

    let out = env.refeed(&["reload"]).await;
    assert!(out.success(), "{out}");
    assert!(
        out.stdout
            .contains("is valid (1 sources); no daemon is running"),
        "{out}"
    );
    std::fs::write(config_path(&env), "[server]\nlisten = 5\n").unwrap();
    let out = env.refeed(&["reload"]).await;
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("refeed.toml:2"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daemon_replaces_a_stale_socket() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[SourceToml::listing("bolivia", &outlet.url(LISTING))],
        "10s",
    );
    stale_socket(&socket_path(&env));
    let _daemon = env.daemon().await;
    let out = env.refeed(&["reload"]).await;
    assert!(out.success(), "{out}");
    assert!(out.stdout.starts_with("reloaded "), "{out}");
}
