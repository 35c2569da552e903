//! The fleet's claims and starts (issue 13), on PostgreSQL: each due
//! refresh costs one claim `UPDATE` (one path claims: the poller), and a
//! fleet's start refreshes every source once in all, however many
//! instances start together, while an instance joining a running fleet
//! makes nothing due.

use std::path::PathBuf;
use std::time::Duration;

use crate::outlet::Outlet;
use crate::postgres::{ON_POSTGRES, available};
use crate::support::{Daemon, SourceToml, TestEnv, http_get};

/// Workers per daemon (`[scheduler] workers`).
const WORKERS: usize = 2;

/// `[fetch]` and `[scheduler]` settings of these tests.
fn settings() -> String {
    format!(
        "[fetch]\ntimeout = \"10s\"\nper_host_delay = \"0s\"\n\n[scheduler]\nworkers = {WORKERS}\n"
    )
}

/// `count` listing sources on `outlet` at `/s0/`..., named `{prefix}0`...,
/// on `schedule`.
fn sources(outlet: &Outlet, prefix: &str, count: usize, schedule: &str) -> Vec<SourceToml> {
    (0..count)
        .map(|n| {
            let path = format!("/s{n}/");
            outlet.write(
                &path,
                &format!(
                    "<html><body><article><h2 class=\"entry-title\"><a href=\"/s{n}/1/\">Story {n}</a></h2>\
                     <div class=\"entry-summary\">Summary {n}.</div></article></body></html>"
                ),
            );
            SourceToml::listing(&format!("{prefix}{n}"), &outlet.url(&path))
                .ignore_robots()
                .schedule(schedule)
        })
        .collect()
}

/// Starts a daemon on `env`'s config in a folder of its own.
pub async fn start(env: &TestEnv, name: &str) -> Daemon {
    let cwd: PathBuf = env.dir().join(name);
    std::fs::create_dir_all(&cwd).unwrap();
    Daemon::start(&cwd, env.config()).await
}

/// The sum of the samples of metric `name` whose labels contain `label`
/// (all of them when empty), in `daemon`'s `/metrics`.
pub async fn metric(daemon: &Daemon, name: &str, label: &str) -> f64 {
    let text = http_get(&daemon.url("/metrics")).await.body;
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .filter(|l| l.contains(label))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

/// Claims tried (won and lost) and refreshes run by `daemon`.
pub async fn claims_and_refreshes(daemon: &Daemon) -> (f64, f64) {
    let claims = metric(daemon, "refeed_fleet_claims_total", "").await;
    let refreshes = metric(daemon, "refeed_refreshes_total", "").await;
    (claims, refreshes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_daemon_claims_each_due_refresh_once() {
    if !available().await {
        return;
    }
    ON_POSTGRES.scope(true, claims_body()).await;
}

async fn claims_body() {
    let outlet = Outlet::start().await;
    let env = TestEnv::with_settings(&sources(&outlet, "s", 12, "*/3 * * * * *"), &settings());
    // Slow answers: the sources due together wait for a worker, which is
    // when a second path to the claim would claim them again.
    outlet.slow_down("/s", Duration::from_millis(200));
    let daemon = start(&env, "one").await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (claims, refreshes) = claims_and_refreshes(&daemon).await;
    let lost = metric(&daemon, "refeed_fleet_claims_total", "lost").await;
    // Refreshes still running when read hold a claim not yet counted.
    assert!(refreshes >= 24.0, "only {refreshes} refreshes");
    assert!(
        claims <= refreshes + WORKERS as f64 && lost == 0.0,
        "{claims} claims ({lost} lost) for {refreshes} refreshes"
    );
}

/// Sources of the start test: never due by their schedule while it runs.
const SOURCES: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_start_refreshes_each_source_once_and_a_joiner_nothing() {
    if !available().await {
        return;
    }
    ON_POSTGRES.scope(true, start_body()).await;
}

async fn start_body() {
    let outlet = Outlet::start().await;
    let env = TestEnv::with_settings(&sources(&outlet, "s", SOURCES, "@yearly"), &settings());
    let names = ["a", "b", "c"];
    let mut fleet = futures::future::join_all(names.map(|n| start(&env, n))).await;
    assert_fetched_each(&outlet, 1).await;
    let joiner = start(&env, "d").await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_fetched_each(&outlet, 1).await;

    // The whole fleet stops, then starts again together.
    fleet.push(joiner);
    for daemon in &mut fleet {
        crate::support::signal(daemon.pid(), "TERM");
        assert!(daemon.wait_exit(Duration::from_secs(20)).await.is_some());
    }
    let _fleet = futures::future::join_all(names.map(|n| start(&env, n))).await;
    assert_fetched_each(&outlet, 2).await;
}

/// Waits until every source's listing was fetched `times` times, then
/// asserts that none was fetched more often (2 s later).
async fn assert_fetched_each(outlet: &Outlet, times: usize) {
    let hits = || (0..SOURCES).map(|n| outlet.hits(&format!("/s{n}/")));
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while hits().any(|h| h < times) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let counts: Vec<usize> = hits().collect();
    assert!(
        counts.iter().all(|c| *c == times),
        "listings fetched {counts:?} times, expected {times} each"
    );
}

/// Outlets (hosts) of the refresh test, one source each: with two
/// daemons, each most likely owns some.
const HOSTS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_through_any_daemon_runs_on_the_hosts_owner() {
    if !available().await {
        return;
    }
    ON_POSTGRES.scope(true, refresh_body()).await;
}

async fn refresh_body() {
    let mut outlets = Vec::new();
    let mut all = Vec::new();
    for n in 0..HOSTS {
        let outlet = Outlet::start().await;
        all.extend(sources(&outlet, &format!("h{n}-"), 1, "@yearly"));
        outlets.push(outlet);
    }
    let env = TestEnv::with_settings(&all, &settings());
    let _a = start(&env, "a").await;
    let _b = start(&env, "b").await;
    let fetched = || outlets.iter().map(|o| o.hits("/s0/")).collect::<Vec<_>>();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while fetched().contains(&0) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The start's refreshes commit: one still running when asked would be
    // the one reported, and the refresh asked for would come after.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let ids: Vec<String> = (0..HOSTS).map(|n| format!("h{n}-0")).collect();
    let mut args: Vec<&str> = vec!["refresh"];
    args.extend(ids.iter().map(String::as_str));
    let out = env.refeed(&args).await;
    assert!(out.success(), "{out}");
    assert!(
        !out.stderr.contains("no daemon"),
        "not asked of a daemon: {out}"
    );
    for id in &ids {
        let line = out.line(id);
        assert!(
            line.ends_with("not modified") || line.contains(": ok, "),
            "{line}"
        );
    }
    assert_eq!(fetched(), vec![2; HOSTS], "each listing fetched again once");
    let out = env.refeed(&["refresh", "nope"]).await;
    assert!(!out.success());
    assert!(
        out.stdout
            .contains("nope: no such source in the running config"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_daemon_shows_the_fleets_next_run() {
    if !available().await {
        return;
    }
    ON_POSTGRES.scope(true, status_body()).await;
}

async fn status_body() {
    let outlet = Outlet::start().await;
    let env = TestEnv::with_settings(&sources(&outlet, "s", 1, "*/2 * * * * *"), &settings());
    // Failing: its owner backs it off; the other daemon's own scheduler
    // knows nothing of that and would plan the next 2 s tick.
    outlet.remove("/s0/");
    let a = start(&env, "a").await;
    let b = start(&env, "b").await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let next_a = next_run(&a, "s0").await;
    let next_b = next_run(&b, "s0").await;
    assert_eq!(next_a, next_b, "the daemons show different next runs");
    assert!(next_a.is_some());
}

/// `id`'s `next_run` in `daemon`'s `/status.json`.
async fn next_run(daemon: &Daemon, id: &str) -> Option<String> {
    let text = http_get(&daemon.url("/status.json")).await.body;
    let document: serde_json::Value = serde_json::from_str(&text).unwrap();
    let rows = document["sources"].as_array().unwrap();
    let row = rows.iter().find(|r| r["id"] == id).unwrap();
    row["next_run"].as_str().map(str::to_owned)
}
