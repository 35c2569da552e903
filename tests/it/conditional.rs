//! Conditional GET against the fixture outlet (issue 5, "Polite"): a second
//! `refeed once` of an unchanged full-text listing costs one 304 and no
//! article request, writes nothing a reader could see (the feed stays the same
//! bytes, with the same `Last-Modified` and `ETag`), and says "not modified";
//! an edited listing is fetched and stored again, and its new validators make
//! the refresh after it a 304 once more.

use std::time::Duration;

use reqwest::header::{ETAG, LAST_MODIFIED};

use crate::fixture::{NEW_POST, NEW_TEASER, POSTS};
use crate::outlet::Outlet;
use crate::postgres::both_backends;
use crate::support::{Output, SourceToml, TestEnv, signal};

const LISTING: &str = "/tag/bolivia/";

/// What the outlet has answered so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    listing_200: usize,
    listing_304: usize,
    /// Requests for the fixture's twelve article pages.
    articles: usize,
    new_article: usize,
    robots: usize,
    requests: usize,
    bytes: u64,
}

impl Counts {
    fn of(outlet: &Outlet) -> Self {
        Counts {
            listing_200: outlet.hits_with_status(LISTING, 200),
            listing_304: outlet.hits_with_status(LISTING, 304),
            articles: POSTS.iter().map(|p| outlet.hits(p.path)).sum(),
            new_article: outlet.hits(NEW_POST.path),
            robots: outlet.hits("/robots.txt"),
            requests: outlet.total_hits(),
            bytes: outlet.bytes_sent(),
        }
    }

    /// What happened between `before` and `self`.
    fn since(self, before: Counts) -> Counts {
        Counts {
            listing_200: self.listing_200 - before.listing_200,
            listing_304: self.listing_304 - before.listing_304,
            articles: self.articles - before.articles,
            new_article: self.new_article - before.new_article,
            robots: self.robots - before.robots,
            requests: self.requests - before.requests,
            bytes: self.bytes - before.bytes,
        }
    }
}

/// Runs `refeed once`, which must succeed; its output and what it cost.
async fn once(env: &TestEnv, outlet: &Outlet) -> (Output, Counts) {
    let before = Counts::of(outlet);
    let out = env.refeed(&["once"]).await;
    assert!(out.success(), "refeed once failed:\n{out}");
    let cost = Counts::of(outlet).since(before);
    // robots.txt is asked at most once per process (then cached).
    assert!(cost.robots <= 1, "{cost:?}\n{out}");
    (out, cost)
}

/// The stored feed as `refeed feed` prints it, RSS and Atom.
async fn printed(env: &TestEnv) -> (String, String) {
    (
        env.feed("bolivia", "rss").await,
        env.feed("bolivia", "atom").await,
    )
}

/// The served feed's `(ETag, Last-Modified)`: starts `refeed run`, asks, and
/// stops it with SIGTERM (its start-up refresh ends first).
async fn served_validators(env: &TestEnv) -> (String, String) {
    let mut daemon = env.daemon().await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("HTTP client");
    let response = client
        .get(daemon.url("/feeds/bolivia.rss"))
        .send()
        .await
        .expect("GET the served feed");
    assert_eq!(response.status(), 200);
    let header = |name| {
        let value = response.headers().get(name);
        value.map_or("", |v| v.to_str().unwrap()).to_owned()
    };
    let validators = (header(ETAG), header(LAST_MODIFIED));
    assert!(
        !validators.0.is_empty() && !validators.1.is_empty(),
        "{validators:?}"
    );
    signal(daemon.pid(), "TERM");
    let stopped = daemon.wait_exit(Duration::from_secs(15)).await;
    assert!(stopped.is_some(), "still running:\n{}", daemon.logs());
    validators
}

fn config(outlet: &Outlet) -> TestEnv {
    TestEnv::new(
        &[SourceToml::listing("bolivia", &outlet.url(LISTING))
            .full_text()
            .content(".entry-content")],
        "10s",
    )
}

both_backends! {
    async fn an_unchanged_listing_costs_one_304_and_changes_nothing() {
        let outlet = Outlet::start().await;
        let env = config(&outlet);

        let (first, cost_1) = once(&env, &outlet).await;
        assert_eq!(
            first.line("bolivia"),
            "bolivia: ok, 12 seen, 12 new, 0 updated"
        );
        assert_eq!((cost_1.listing_200, cost_1.articles), (1, 12), "{cost_1:?}");
        let feed_1 = printed(&env).await;
        let served_1 = served_validators(&env).await;

        // Past the next whole second, so a re-dated item would show.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let (second, cost_2) = once(&env, &outlet).await;
        assert_eq!(second.line("bolivia"), "bolivia: not modified");
        assert_eq!(
            (cost_2.listing_304, cost_2.listing_200, cost_2.articles),
            (1, 0, 0),
            "one conditional request for the listing, no article: {cost_2:?}"
        );
        // robots.txt was saved by the first run: a new process does not ask
        // for it again within its day.
        assert_eq!(
            (cost_2.robots, cost_2.requests),
            (0, 1),
            "the listing only: {cost_2:?}"
        );
        // The benchmark target: ≤ 5 % of the first pass's bytes.
        assert!(
            cost_2.bytes * 20 <= cost_1.bytes,
            "second pass {} bytes, first {}",
            cost_2.bytes,
            cost_1.bytes
        );
        assert!(printed(&env).await == feed_1, "a 304 changed the feed");
        assert_eq!(served_validators(&env).await, served_1);
    }
}

both_backends! {
    async fn an_edited_listing_is_fetched_again_and_then_validated() {
        let outlet = Outlet::start().await;
        let env = config(&outlet);
        once(&env, &outlet).await;
        let feed_1 = printed(&env).await;
        let served_1 = served_validators(&env).await;

        let listing = outlet.read(LISTING);
        outlet.write(
            LISTING,
            &listing.replacen("<article ", &format!("{NEW_TEASER}<article "), 1),
        );
        let (edited, cost) = once(&env, &outlet).await;
        assert_eq!(
            edited.line("bolivia"),
            "bolivia: ok, 13 seen, 1 new, 0 updated"
        );
        assert_eq!(
            (cost.listing_200, cost.new_article, cost.articles),
            (1, 1, 0),
            "the listing again, the new article only: {cost:?}"
        );
        let feed_2 = printed(&env).await;
        assert_ne!(feed_2, feed_1);
        assert!(feed_2.0.contains(NEW_POST.title) && feed_2.1.contains(NEW_POST.title));
        let served_2 = served_validators(&env).await;
        assert_ne!(served_2.0, served_1.0, "the served ETag follows the change");

        // The edit's validators were stored with its items.
        let (again, cost) = once(&env, &outlet).await;
        assert_eq!(again.line("bolivia"), "bolivia: not modified");
        assert_eq!((cost.listing_304, cost.listing_200), (1, 0), "{cost:?}");
        assert!(printed(&env).await == feed_2);
    }
}

both_backends! {
    async fn changed_rules_read_the_unchanged_page_again() {
        let outlet = Outlet::start().await;
        let env = config(&outlet);
        once(&env, &outlet).await;
        let (second, _) = once(&env, &outlet).await;
        assert_eq!(second.line("bolivia"), "bolivia: not modified");

        // The user adds a clean rule: the page has not changed, but what refeed
        // makes of it may have, so it is fetched in full and read again.
        let path = env.dir().join("refeed.toml");
        let text = std::fs::read_to_string(&path).expect("read the config");
        let edited = text.replace(
            "remove = [\".sharedaddy\", \"#jp-relatedposts\"]",
            "remove = [\".sharedaddy\", \"#jp-relatedposts\", \".newsletter\"]",
        );
        assert_ne!(edited, text);
        std::fs::write(&path, edited).expect("write the config");
        let (third, cost) = once(&env, &outlet).await;
        assert_eq!(
            third.line("bolivia"),
            "bolivia: ok, 12 seen, 0 new, 0 updated"
        );
        assert_eq!((cost.listing_200, cost.listing_304), (1, 0), "{cost:?}");

        // Under the new rules, validators count again.
        let (fourth, _) = once(&env, &outlet).await;
        assert_eq!(fourth.line("bolivia"), "bolivia: not modified");
    }
}

both_backends! {
    async fn two_sources_reading_one_page_each_store_its_change() {
        let outlet = Outlet::start().await;
        let url = outlet.url(LISTING);
        let env = TestEnv::new(
            &[
                SourceToml::listing("bolivia", &url),
                SourceToml::listing("bolivia-copy", &url),
            ],
            "10s",
        );
        let first = env.refeed(&["once"]).await;
        for id in ["bolivia", "bolivia-copy"] {
            assert_eq!(
                first.line(id),
                format!("{id}: ok, 12 seen, 12 new, 0 updated")
            );
        }

        let listing = outlet.read(LISTING);
        outlet.write(
            LISTING,
            &listing.replacen("<article ", &format!("{NEW_TEASER}<article "), 1),
        );
        let one = env.refeed(&["once", "bolivia"]).await;
        assert_eq!(
            one.line("bolivia"),
            "bolivia: ok, 13 seen, 1 new, 0 updated"
        );
        // The first source's new validators must not make the second's fetch
        // a 304: it has not stored the new post yet.
        let other = env.refeed(&["once", "bolivia-copy"]).await;
        assert_eq!(
            other.line("bolivia-copy"),
            "bolivia-copy: ok, 13 seen, 1 new, 0 updated"
        );
    }
}
