//! Many `refeed run` instances on one PostgreSQL database (issue 13): three
//! daemons and 48 loopback sources on three outlets, refreshed every 5 s.
//! Every listing is fetched once per due time across the fleet, no outlet
//! sees more requests at once than one daemon's per-host limit, every
//! daemon serves the same feed bytes within 2 s of a change, and when one
//! daemon is killed mid-refresh the others take its sources over within
//! the lease time, storing nothing twice.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::fleet_start::claims_and_refreshes;
use crate::outlet::Outlet;
use crate::postgres::{ON_POSTGRES, available};
use crate::support::{Daemon, SourceToml, TestEnv, parse_rss, signal};

/// Outlets (hosts: the fetcher and the fleet tell them by origin).
const OUTLETS: usize = 3;

/// Sources per outlet.
const PER_OUTLET: usize = 16;

/// Every source's schedule: every 5 s.
const EVERY_5S: &str = "*/5 * * * * *";

/// The fleet's lease (`app::fleet::LEASE`) plus its death notice
/// (`DEAD_AFTER`) and a poll: a killed daemon's sources run again by then.
const TAKEOVER: Duration = Duration::from_secs(15 + 5 + 5);

/// A listing of `items` stories under `/s{source}/`.
fn listing(source: usize, items: usize) -> String {
    let articles: String = (0..items)
        .map(|i| {
            format!(
                "<article><h2 class=\"entry-title\"><a href=\"/s{source}/{i}/\">Story {source}.{i}</a></h2>\
                 <div class=\"entry-summary\">Summary of story {i}.</div></article>"
            )
        })
        .collect();
    format!("<html><body>{articles}</body></html>")
}

/// The 48 sources, `o{outlet}s{n}`, each a listing of its own.
fn sources(outlets: &[Outlet]) -> Vec<SourceToml> {
    let mut all = Vec::new();
    for (o, outlet) in outlets.iter().enumerate() {
        for n in 0..PER_OUTLET {
            outlet.write(&format!("/s{n}/"), &listing(n, 3));
            let id = format!("o{o}s{n}");
            let url = outlet.url(&format!("/s{n}/"));
            let source = SourceToml::listing(&id, &url).ignore_robots();
            all.push(source.schedule(EVERY_5S));
        }
    }
    all
}

/// Starts a daemon on `env`'s config in a folder of its own (the first
/// started answers on the config's control socket; the others run
/// without one).
async fn start(env: &TestEnv, n: usize) -> Daemon {
    let cwd: PathBuf = env.dir().join(format!("instance{n}"));
    std::fs::create_dir_all(&cwd).unwrap();
    Daemon::start(&cwd, env.config()).await
}

/// A feed's bytes and ETag as `daemon` serves it.
async fn served(daemon: &Daemon, id: &str) -> (String, String) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let url = daemon.url(&format!("/feeds/{id}.rss"));
    let response = client.get(url).send().await.unwrap();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (etag, response.text().await.unwrap())
}

/// The item links of a served feed, asserting none appears twice.
fn links(feed: &str) -> Vec<String> {
    let links: Vec<String> = parse_rss(feed)
        .items()
        .iter()
        .filter_map(|i| i.link().map(str::to_owned))
        .collect();
    let distinct: HashSet<&String> = links.iter().collect();
    assert_eq!(
        distinct.len(),
        links.len(),
        "an item stored twice: {links:?}"
    );
    links
}

/// Asserts that no listing was fetched twice for one due time since
/// `started`: at most one fetch per 5 s (plus one at the fleet's start,
/// whichever daemon claimed it; joining daemons make nothing due), and,
/// once the fleet settled, never two within half a second (two daemons
/// running one due time would fetch at once; a start's refresh may be
/// followed closely by a due time).
fn assert_once_per_due_time(outlets: &[Outlet], started: Instant, settled: Instant) {
    let due_times = started.elapsed().as_secs() as usize / 5 + 1 + 1;
    for (o, outlet) in outlets.iter().enumerate() {
        for n in 0..PER_OUTLET {
            let arrivals = outlet.arrivals(&format!("/s{n}/"));
            let count = arrivals.len();
            assert!(
                (2..=due_times).contains(&count),
                "o{o}s{n} fetched {count} times"
            );
            for pair in arrivals.windows(2).filter(|pair| pair[0] > settled) {
                let gap = pair[1] - pair[0];
                assert!(
                    gap >= Duration::from_millis(500),
                    "o{o}s{n} fetched twice within {gap:?}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_daemons_on_one_postgres_database_behave_as_one() {
    if !available().await {
        return;
    }
    ON_POSTGRES.scope(true, fleet_body()).await;
}

async fn fleet_body() {
    let mut outlets = Vec::new();
    for _ in 0..OUTLETS {
        outlets.push(Outlet::start().await);
    }
    let settings =
        "[fetch]\ntimeout = \"10s\"\nper_host_concurrency = 1\nper_host_delay = \"0s\"\n";
    let env = TestEnv::with_settings(&sources(&outlets), settings);
    let started = Instant::now();
    let mut daemons = Vec::new();
    for n in 0..3 {
        daemons.push(start(&env, n).await);
    }
    let settled = Instant::now() + Duration::from_secs(1);
    // Once the fleet has settled (each daemon has seen the others), each
    // host has one fetcher. Listings answer slowly: refreshes overlap, so
    // a second fetcher of a host would show in the outlet's peak.
    tokio::time::sleep(Duration::from_secs(6)).await;
    for outlet in &outlets {
        outlet.slow_down("/s", Duration::from_millis(100));
        outlet.reset_peak();
    }
    let at_rest = claims_and_refreshes_of(&daemons).await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_once_per_due_time(&outlets, started, settled);
    for outlet in &outlets {
        assert_eq!(outlet.peak_in_flight(), 1, "a host fetched by two at once");
    }
    assert_one_claim_per_refresh(&daemons, at_rest).await;

    // A change reaches every daemon within 2 s, as the same bytes.
    outlets[0].write("/s0/", &listing(0, 4));
    let new_link = outlets[0].url("/s0/3/");
    let first_seen = wait_for_link(&daemons, &new_link, Duration::from_secs(10)).await;
    let all_seen = wait_for_all(&daemons, &new_link, first_seen + Duration::from_secs(2)).await;
    assert!(all_seen, "not every daemon served the change within 2 s");
    let feeds: Vec<(String, String)> =
        futures::future::join_all(daemons.iter().map(|d| served(d, "o0s0"))).await;
    assert!(
        feeds.iter().all(|f| *f == feeds[0]),
        "daemons serve different feeds"
    );
    assert_eq!(links(&feeds[0].1).len(), 4);

    // Killed mid-refresh: its sources go to the others.
    for outlet in &outlets {
        outlet.slow_down("/s", Duration::from_millis(250));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let victim = daemons.remove(0);
    signal(victim.pid(), "KILL");
    let killed = Instant::now();
    drop(victim);
    tokio::time::sleep(TAKEOVER).await;
    for (o, outlet) in outlets.iter().enumerate() {
        for n in 0..PER_OUTLET {
            let arrivals = outlet.arrivals(&format!("/s{n}/"));
            let last = *arrivals.last().unwrap();
            assert!(
                last > killed + Duration::from_secs(5),
                "o{o}s{n} not refreshed since the kill"
            );
        }
    }
    assert_once_per_due_time(&outlets, started, settled);
    for (o, _) in outlets.iter().enumerate() {
        for n in 0..PER_OUTLET {
            let id = format!("o{o}s{n}");
            let (_, feed) = served(&daemons[0], &id).await;
            let expected = if (o, n) == (0, 0) { 4 } else { 3 };
            assert_eq!(links(&feed).len(), expected, "{id}");
        }
    }
}

/// Claims tried and refreshes run by all of `daemons`.
async fn claims_and_refreshes_of(daemons: &[Daemon]) -> (f64, f64) {
    let (mut claims, mut refreshes) = (0.0, 0.0);
    for daemon in daemons {
        let (c, r) = claims_and_refreshes(daemon).await;
        claims += c;
        refreshes += r;
    }
    (claims, refreshes)
}

/// Asserts that the settled fleet ran about one claim `UPDATE` per
/// refresh since `before` (claims and refreshes then): a few more for the
/// refreshes running at either end (4 workers per daemon). While the
/// daemons were still learning of each other a host's old owner could
/// claim once more; that is before `before`.
async fn assert_one_claim_per_refresh(daemons: &[Daemon], before: (f64, f64)) {
    let (claims, refreshes) = claims_and_refreshes_of(daemons).await;
    let (claims, refreshes) = (claims - before.0, refreshes - before.1);
    assert!(
        refreshes > 0.0 && claims <= refreshes * 1.05 + (daemons.len() * 2 * 4) as f64,
        "{claims} claims for {refreshes} refreshes"
    );
    eprintln!("three daemons: {claims} claims for {refreshes} refreshes");
}

/// When some daemon first serves `link` in o0s0's feed (waiting up to
/// `limit`).
async fn wait_for_link(daemons: &[Daemon], link: &str, limit: Duration) -> Instant {
    let deadline = Instant::now() + limit;
    loop {
        for daemon in daemons {
            if served(daemon, "o0s0").await.1.contains(link) {
                return Instant::now();
            }
        }
        assert!(Instant::now() < deadline, "no daemon served the change");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether every daemon serves `link` in o0s0's feed before `deadline`.
async fn wait_for_all(daemons: &[Daemon], link: &str, deadline: Instant) -> bool {
    loop {
        let mut all = true;
        for daemon in daemons {
            all &= served(daemon, "o0s0").await.1.contains(link);
        }
        if all {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
