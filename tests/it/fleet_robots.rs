//! The fleet's robots.txt answers (issue 13), on PostgreSQL: a host's
//! robots.txt is not fetched again when its owner is killed and another
//! instance takes the host over (the answers are shared
//! through the database, `app::fleet::robots`).

use std::time::{Duration, Instant};

use crate::fleet_start::{claims_and_refreshes, start};
use crate::outlet::Outlet;
use crate::postgres::{ON_POSTGRES, available};
use crate::support::{SourceToml, TestEnv, signal};

/// Outlets, one source each: hosts to spread over two instances.
const OUTLETS: usize = 8;

/// Every source's schedule: every 2 s.
const EVERY_2S: &str = "*/2 * * * * *";

/// A killed instance's hosts move after `DEAD_AFTER` (5 s) and a poll; a
/// refresh it held runs again once its lease (15 s) lapsed.
const TAKEOVER: Duration = Duration::from_secs(30);

/// One source per outlet, honouring its robots.txt (which allows all).
fn sources(outlets: &[Outlet]) -> Vec<SourceToml> {
    outlets
        .iter()
        .enumerate()
        .map(|(o, outlet)| {
            outlet.write("/robots.txt", "User-agent: *\nAllow: /\n");
            outlet.write(
                "/news/",
                "<html><body><article><h2 class=\"entry-title\"><a href=\"/news/1/\">Story</a></h2>\
                 <div class=\"entry-summary\">Summary.</div></article></body></html>",
            );
            SourceToml::listing(&format!("o{o}"), &outlet.url("/news/")).schedule(EVERY_2S)
        })
        .collect()
}

/// Waits until every outlet's listing was fetched more than `before` times
/// (all 0 at first), for at most `limit`.
async fn wait_for_listings(outlets: &[Outlet], before: &[usize], limit: Duration) {
    let deadline = Instant::now() + limit;
    let behind = || {
        outlets
            .iter()
            .zip(before)
            .any(|(outlet, n)| outlet.hits("/news/") <= *n)
    };
    while behind() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hits: Vec<usize> = outlets.iter().map(|o| o.hits("/news/")).collect();
    assert!(
        !behind(),
        "listings fetched {hits:?} times, before {before:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hosts_new_owner_does_not_fetch_its_robots_txt_again() {
    if !available().await {
        return;
    }
    ON_POSTGRES.scope(true, robots_body()).await;
}

async fn robots_body() {
    let mut outlets = Vec::new();
    for _ in 0..OUTLETS {
        outlets.push(Outlet::start().await);
    }
    let env = TestEnv::with_settings(&sources(&outlets), "[fetch]\nper_host_delay = \"0s\"\n");
    let mut daemons = futures::future::join_all(["a", "b"].map(|n| start(&env, n))).await;
    wait_for_listings(&outlets, &[0; OUTLETS], Duration::from_secs(20)).await;
    // Both instances' answers saved (each saves every second).
    tokio::time::sleep(Duration::from_secs(3)).await;

    // Kill an instance that owns hosts (it refreshes now that the fleet
    // settled): the other takes them over.
    let refreshes = || async {
        let mut counts = Vec::new();
        for daemon in &daemons {
            counts.push(claims_and_refreshes(daemon).await.1);
        }
        counts
    };
    let earlier = refreshes().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = refreshes().await;
    let victim = (0..daemons.len())
        .find(|d| later[*d] > earlier[*d])
        .expect("an instance refreshing");
    let robots = || -> Vec<usize> { outlets.iter().map(|o| o.hits("/robots.txt")).collect() };
    // While the instances started together a host could be asked twice
    // (an answer is shared within a second); never after.
    let settled = robots();
    assert!(settled.iter().all(|n| (1..=2).contains(n)), "{settled:?}");
    let mut killed = daemons.swap_remove(victim);
    signal(killed.pid(), "KILL");
    assert!(killed.wait_exit(Duration::from_secs(10)).await.is_some());
    let before: Vec<usize> = outlets.iter().map(|o| o.hits("/news/")).collect();
    wait_for_listings(&outlets, &before, TAKEOVER).await;

    assert_eq!(
        robots(),
        settled,
        "robots.txt fetched again after a takeover:\n{}",
        daemons[0].logs()
    );
}
