//! SIGTERM stops `refeed run` cleanly within 10 s even while a refresh hangs
//! on a slow outlet, and the database is intact afterwards.

use std::time::{Duration, Instant};

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, http_get, parse_rss, signal};

/// Answers after a minute; the fetch timeout (30 s) does not end it first.
const HANGING: &str = "/broken/slow/60";

/// systemd's `TimeoutStopSec` budget the issue sets for a clean stop.
const STOP_LIMIT: Duration = Duration::from_secs(10);

async fn wait_for_request(outlet: &Outlet, path: &str) {
    for _ in 0..400 {
        if outlet.hits(path) > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("refeed run never requested {path}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_refresh_exits_zero_within_ten_seconds() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[
            SourceToml::listing("good", &outlet.url("/tag/bolivia/")),
            SourceToml::listing("hanging", &outlet.url(HANGING)),
        ],
        "30s",
    );
    let once = env.refeed(&["once", "good"]).await;
    assert_eq!(once.line("good"), "good: ok, 12 seen, 12 new, 0 updated");

    let mut daemon = env.daemon().await;
    wait_for_request(&outlet, HANGING).await;
    let health = http_get(&daemon.url("/healthz")).await;
    assert_eq!(health.status, 200);

    let sent = Instant::now();
    signal(daemon.pid(), "TERM");
    let status = daemon.wait_exit(STOP_LIMIT + Duration::from_secs(5)).await;
    let took = sent.elapsed();
    let logs = daemon.logs();
    let status = status.unwrap_or_else(|| panic!("still running 15 s after SIGTERM:\n{logs}"));
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM:\n{logs}");
    assert!(took <= STOP_LIMIT, "took {took:?} to stop:\n{logs}");
    assert!(!logs.contains("panicked"), "{logs}");

    // The database is intact: a new process reads it, and the validators
    // stored with the items make the unchanged listing a 304.
    let again = env.refeed(&["once", "good"]).await;
    assert_eq!(again.line("good"), "good: not modified", "{again}");
    assert_eq!(parse_rss(&env.feed("good", "rss").await).items().len(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_when_idle_exits_zero_promptly() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[SourceToml::listing("good", &outlet.url("/tag/bolivia/"))],
        "10s",
    );
    let mut daemon = env.daemon().await;
    // Let the start-up refresh finish, then ask to stop.
    for _ in 0..200 {
        if http_get(&daemon.url("/feeds/good.rss"))
            .await
            .body
            .contains("<item>")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sent = Instant::now();
    signal(daemon.pid(), "TERM");
    let status = daemon.wait_exit(STOP_LIMIT).await;
    let logs = daemon.logs();
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{logs}");
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "idle stop took {:?}",
        sent.elapsed()
    );
    assert_eq!(parse_rss(&env.feed("good", "rss").await).items().len(), 12);
}
