//! Crash safety (issue 5): `refeed run` is killed with SIGKILL at random
//! moments while it refreshes, and started again, over and over. After every
//! restart and at the end the database passes `PRAGMA integrity_check`, holds
//! no item twice, and every item the server served before a kill is served
//! after it.
//!
//! Before each start the outlet changes (each listing gains one to three
//! items with their article pages; once full, items are retitled instead) and
//! the sources fire every second, so kills land in fetches, extraction,
//! commits and refresh records alike.
//!
//! 20 kills by default (about half a minute). The soak:
//!
//! ```text
//! REFEED_CRASH_KILLS=500 cargo test --release --test it crash -- --nocapture
//! ```
//!
//! (`REFEED_CRASH_SEED=N` replays one sequence of outlet edits and delays.)

use std::collections::BTreeSet;
use std::ops::RangeInclusive;
use std::path::Path;
use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::fixture::{NEW_TEASER, POSTS};
use crate::outlet::Outlet;
use crate::support::{Daemon, NEVER, SourceToml, TestEnv, http_get, parse_atom, signal};

/// Kills in one run, unless `REFEED_CRASH_KILLS` says otherwise.
const DEFAULT_KILLS: usize = 20;

/// The daemon runs this long (milliseconds) while the outlet changes...
const KILL_WINDOW_MS: RangeInclusive<u64> = 50..=1500;

/// ...then the kill waits for the next refresh to begin (its listing
/// request) and lands this long into it: while the listing is parsed, its
/// articles are fetched (each [`ARTICLE_LATENCY`] late) and extracted, the
/// refresh is committed, or just after.
const KILL_INTO_REFRESH_MS: RangeInclusive<u64> = 0..=250;

/// The outlet answers article pages this late, as a busy outlet does, so a
/// refresh spans a good part of the kill window. Without it a refresh of a
/// few new items takes a few milliseconds on loopback and the kills landed
/// between refreshes, never in one.
const ARTICLE_LATENCY: Duration = Duration::from_millis(60);

/// At least this share of the kills must land while a refresh is under way
/// (most do), or the test has not tested a crash mid-refresh.
const MIN_MID_REFRESH_SHARE: f64 = 0.25;

/// Longest wait for the next refresh (the sources fire every second).
const REFRESH_WAIT: Duration = Duration::from_secs(3);

/// The database, in the test's working folder.
const DATABASE: &str = "data/refeed.db";

/// Generated items per listing stop growing here: with the fixture's twelve
/// the largest source holds 42, under the default `max_items` (50), so every
/// stored item stays in the served feed and "still served" can be checked.
const MAX_GENERATED: usize = 30;

/// Every item of the fixture's tag archive.
const FIXTURE_ITEMS: usize = POSTS.len();

/// How long the final run may take to store what the outlet shows.
const SETTLE_LIMIT: Duration = Duration::from_secs(60);

/// While a daemon runs, the outlet is edited this often, so that each of
/// its every-second refreshes finds new or changed items to write.
const EDIT_EVERY: Duration = Duration::from_millis(300);

/// Fires every second (6 fields, seconds first).
const EVERY_SECOND: &str = "* * * * * *";

/// A listing of the test outlet whose items the test makes up.
struct Listing {
    /// The source id, also the URL segment of its generated articles.
    source: &'static str,
    /// Where the listing is served.
    path: &'static str,
    /// Titles of the generated items; item `n` lives at `/crash/{source}/{n}/`.
    titles: Vec<String>,
}

impl Listing {
    fn new(source: &'static str, path: &'static str) -> Self {
        Listing {
            source,
            path,
            titles: Vec::new(),
        }
    }

    /// One edit: one to three new items (their article pages written first,
    /// as a CMS publishes), or once full a retitled one.
    fn step(&mut self, outlet: &Outlet, rng: &mut fastrand::Rng) {
        if self.titles.len() >= MAX_GENERATED {
            let n = rng.usize(..self.titles.len());
            self.titles[n] = format!("{} (revised {})", title(self.source, n), rng.u32(..));
            return;
        }
        for _ in 0..rng.usize(1..=3).min(MAX_GENERATED - self.titles.len()) {
            let n = self.titles.len();
            self.titles.push(title(self.source, n));
            outlet.write(&article_path(self.source, n), &article(self.source, n));
        }
    }

    /// The teasers, newest first.
    fn teasers(&self) -> String {
        let teasers = self.titles.iter().enumerate().rev();
        teasers.map(|(n, t)| teaser(self.source, n, t)).collect()
    }
}

/// The outlet's editors: the fixture's tag archive with generated teasers on
/// top, and a listing of generated items only, both edited as the test runs.
struct Newsroom<'a> {
    outlet: &'a Outlet,
    /// The tag archive as the fixture has it.
    fixture_archive: String,
    archive: Listing,
    wire: Listing,
    rng: fastrand::Rng,
}

impl<'a> Newsroom<'a> {
    fn new(outlet: &'a Outlet, seed: u64) -> Self {
        Newsroom {
            outlet,
            fixture_archive: outlet.read("/tag/bolivia/"),
            archive: Listing::new("bolivia", "/tag/bolivia/"),
            wire: Listing::new("wire", "/wire/"),
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// Edits both listings and publishes them.
    fn step(&mut self) {
        self.archive.step(self.outlet, &mut self.rng);
        self.wire.step(self.outlet, &mut self.rng);
        let archive = self.fixture_archive.replacen(
            "<article ",
            &format!("{}<article ", self.archive.teasers()),
            1,
        );
        self.outlet.write(self.archive.path, &archive);
        let wire = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"UTF-8\">\
             <title>Wire</title></head>\n<body><main>\n{}</main></body></html>\n",
            self.wire.teasers()
        );
        self.outlet.write(self.wire.path, &wire);
    }

    /// Keeps editing, every [`EDIT_EVERY`], until `deadline`.
    async fn publish_until(&mut self, deadline: Instant) {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left.min(EDIT_EVERY)).await;
            self.step();
        }
    }

    /// Waits (at most [`REFRESH_WAIT`]) until a listing is requested again:
    /// a refresh has begun.
    async fn next_refresh(&self) {
        let seen = self.listing_hits();
        let give_up = Instant::now() + REFRESH_WAIT;
        while self.listing_hits() == seen && Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Requests for the two listings so far: one per refresh started.
    fn listing_hits(&self) -> usize {
        self.outlet.hits(self.archive.path) + self.outlet.hits(self.wire.path)
    }

    /// Every item the listings show.
    fn items(&self) -> usize {
        FIXTURE_ITEMS + self.archive.titles.len() + self.wire.titles.len()
    }

    /// The test config, with every source firing each second.
    fn config(&self) -> TestEnv {
        let sources = [&self.archive, &self.wire].map(|l| {
            SourceToml::listing(l.source, &self.outlet.url(l.path))
                .full_text()
                .content(".entry-content")
        });
        let env = TestEnv::new(&sources, "10s");
        // SourceToml writes a schedule that never fires; `run` must refresh
        // during the test, not only at start.
        let file = env.dir().join("refeed.toml");
        let text = std::fs::read_to_string(&file).expect("read the test config");
        let never = format!("schedule = {NEVER:?}");
        assert!(text.contains(&never), "{text}");
        let text = text.replace(&never, &format!("schedule = {EVERY_SECOND:?}"));
        std::fs::write(&file, text).expect("write the test config");
        env
    }
}

fn title(source: &str, n: usize) -> String {
    format!("Crash Report {source} {n}")
}

fn article_path(source: &str, n: usize) -> String {
    format!("/crash/{source}/{n}/")
}

/// A teaser in the fixture's markup (the dedup test's new post, renamed),
/// dated one hour after the previous item.
fn teaser(source: &str, n: usize, title: &str) -> String {
    let date = chrono::DateTime::parse_from_rfc3339("2020-11-01T00:00:00+00:00").unwrap()
        + chrono::TimeDelta::hours(n as i64);
    NEW_TEASER
        .replace(
            "/2020/10/26/what-the-oas-did-to-bolivia/",
            &article_path(source, n),
        )
        .replace("What The OAS Did To Bolivia", title)
        .replace("2020-10-26T08:30:00+00:00", &date.to_rfc3339())
        .replace("post-98830", &format!("post-{source}-{n}"))
}

/// An article page whose every paragraph is its own (a paragraph shared by
/// many pages would be learned as boilerplate and stripped).
fn article(source: &str, n: usize) -> String {
    const WORDS: [&str; 16] = [
        "council", "election", "ballot", "province", "minister", "reform", "protest", "budget",
        "court", "harvest", "mining", "union", "river", "tariff", "school", "border",
    ];
    let mut rng = fastrand::Rng::with_seed(n as u64);
    let paragraphs: String = (0..6)
        .map(|p| {
            let words: Vec<&str> = (0..40).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
            format!(
                "<p>Report {source} {n}, part {p}: {}.</p>\n",
                words.join(" ")
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"UTF-8\">\
         <title>{}</title></head>\n<body><article><h1 class=\"entry-title\">{0}</h1>\n\
         <div class=\"entry-content\">\n{paragraphs}</div></article></body></html>\n",
        title(source, n)
    )
}

/// The entry ids the combined Atom feed serves; each once.
async fn served_ids(daemon: &Daemon) -> BTreeSet<String> {
    let feed = http_get(&daemon.url("/feeds/all.atom")).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    let entries = parse_atom(&feed.body).entries().to_vec();
    let ids: BTreeSet<String> = entries.iter().map(|e| e.id().to_owned()).collect();
    assert_eq!(ids.len(), entries.len(), "an entry served twice");
    ids
}

/// Fails unless every id of `before` is in `now`.
fn assert_still_served(before: &BTreeSet<String>, now: &BTreeSet<String>, when: &str) {
    let lost: Vec<&String> = before.difference(now).collect();
    assert!(
        lost.is_empty(),
        "{when}: served before a kill, gone now: {lost:#?}"
    );
}

/// `PRAGMA integrity_check` is "ok" and no (source, URL) is stored twice;
/// returns the number of items. Safe while `run` writes (WAL: a reader sees
/// the last commit).
async fn check_database(path: &Path, when: &str) -> i64 {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(Duration::from_secs(10));
    let mut db = SqliteConnection::connect_with(&options)
        .await
        .unwrap_or_else(|e| panic!("{when}: cannot open {}: {e}", path.display()));
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut db)
        .await
        .expect("integrity_check");
    assert_eq!(integrity, ["ok"], "{when}: integrity_check");
    let twice: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT source_id, url, count(*) FROM items GROUP BY source_id, url HAVING count(*) > 1",
    )
    .fetch_all(&mut db)
    .await
    .expect("look for duplicates");
    assert!(twice.is_empty(), "{when}: items stored twice: {twice:#?}");
    let items = sqlx::query_scalar("SELECT count(*) FROM items")
        .fetch_one(&mut db)
        .await
        .expect("count items");
    db.close().await.expect("close the database");
    items
}

/// Kills the daemon with SIGKILL and waits until it is gone; returns whether
/// a refresh was under way: of the `started` ones (listings requested), not
/// all had logged their outcome.
async fn kill(mut daemon: Daemon, started: usize) -> bool {
    signal(daemon.pid(), "KILL");
    let status = daemon.wait_exit(Duration::from_secs(10)).await;
    assert!(status.is_some(), "refeed run survived SIGKILL");
    // Let the log reader drain the pipe.
    tokio::time::sleep(Duration::from_millis(50)).await;
    started > finished_refreshes(&daemon.logs())
}

/// Refreshes whose outcome the log shows (see `pipeline::refresh`).
fn finished_refreshes(logs: &str) -> usize {
    let outcomes = [
        "refreshed source=",
        "not modified source=",
        "refresh failed source=",
    ];
    let finished = |line: &&str| outcomes.iter().any(|o| line.contains(o));
    logs.lines().filter(finished).count()
}

fn env_number(name: &str) -> Option<u64> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
    )
}

/// What the test keeps across the daemon's lives.
#[derive(Default)]
struct Tally {
    /// Every entry id served so far.
    served: BTreeSet<String>,
    /// Kills that landed while a refresh was under way.
    mid_refresh: usize,
}

/// One life of `refeed run`: start, check what survived the last kill, let
/// it refresh while the outlet changes, and kill it inside a refresh.
async fn live_and_die(env: &TestEnv, newsroom: &mut Newsroom<'_>, tally: &mut Tally, when: &str) {
    newsroom.step();
    let base = newsroom.listing_hits();
    let daemon = env.daemon().await;
    let delay = Duration::from_millis(newsroom.rng.u64(KILL_WINDOW_MS));
    let deadline = Instant::now() + delay;
    assert_still_served(&tally.served, &served_ids(&daemon).await, when);
    check_database(&env.dir().join(DATABASE), when).await;
    newsroom.publish_until(deadline).await;
    // Read what is served now, not between the refresh's start and the
    // kill: that request would delay the kill past the refresh.
    tally.served.extend(served_ids(&daemon).await);
    newsroom.next_refresh().await;
    let into = newsroom.rng.u64(KILL_INTO_REFRESH_MS);
    tokio::time::sleep(Duration::from_millis(into)).await;
    let started = newsroom.listing_hits() - base;
    tally.mid_refresh += usize::from(kill(daemon, started).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_refreshes_loses_and_duplicates_nothing() {
    let started = Instant::now();
    let kills = env_number("REFEED_CRASH_KILLS").map_or(DEFAULT_KILLS, |n| n as usize);
    let seed = env_number("REFEED_CRASH_SEED").unwrap_or_else(|| fastrand::u64(..));
    let outlet = Outlet::start().await;
    outlet.slow_down("/crash/", ARTICLE_LATENCY);
    let mut newsroom = Newsroom::new(&outlet, seed);
    let env = newsroom.config();
    let database = env.dir().join(DATABASE);
    let mut tally = Tally::default();
    for kill_no in 1..=kills {
        let when = format!("restart {kill_no} (seed {seed})");
        live_and_die(&env, &mut newsroom, &mut tally, &when).await;
    }
    let served = tally.served;
    let needed = (kills as f64 * MIN_MID_REFRESH_SHARE).ceil() as usize;
    assert!(
        tally.mid_refresh >= needed,
        "only {} of {kills} kills landed during a refresh (need {needed}; seed {seed})",
        tally.mid_refresh
    );

    // One last run, left to store everything the outlet shows.
    let expected = newsroom.items();
    let mut daemon = env.daemon().await;
    let settle = Instant::now();
    let mut now = served_ids(&daemon).await;
    assert_still_served(&served, &now, "final run");
    while now.len() < expected && settle.elapsed() < SETTLE_LIMIT {
        tokio::time::sleep(Duration::from_millis(200)).await;
        now = served_ids(&daemon).await;
    }
    assert_eq!(
        now.len(),
        expected,
        "served after settling:\n{}",
        daemon.logs()
    );
    signal(daemon.pid(), "TERM");
    assert!(daemon.wait_exit(Duration::from_secs(15)).await.is_some());
    let items = check_database(&database, "the end").await;
    assert_eq!(items, expected as i64);
    println!(
        "crash: {kills} SIGKILLs ({} mid-refresh), {items} items \
         ({} served before kills), {} outlet requests, {:.1}s, seed {seed}",
        tally.mid_refresh,
        served.len(),
        outlet.total_hits(),
        started.elapsed().as_secs_f64()
    );
}
