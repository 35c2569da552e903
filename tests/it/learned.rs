//! Boilerplate learned per outlet (issue 3), end to end: a fixture outlet
//! (`tests/fixtures/learned/`) whose five articles all carry the same appeal
//! box under a meaningless class (`div.k3z-wrap`: no vocabulary word, no
//! `[source.clean]` rule matches it) → after `refeed once` the box is gone
//! from every item of the served feed, while a note that appears on one page
//! only and every story paragraph stay; stored articles are re-cleaned once
//! the box is learned; `refeed explain` reports the learned removal.

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, parse_atom, parse_rss, run_refeed};

/// The fixture's articles: path, title, and the story's own paragraphs.
const POSTS: [(&str, &str, [&str; 3]); 5] = [
    (
        "/2021/03/01/city-council-delays-vote-on-transit-budget/",
        "City Council Delays Vote On Transit Budget",
        [
            "The city council postponed its vote on the transit budget on Monday after a six-hour hearing in which more than ninety residents asked to speak.",
            "Council members said the delay would give staff time to study a proposal to restore late-night bus service on the east side routes.",
            "The transit agency has warned that without new money it will cut weekend service on four lines by the start of the summer schedule.",
        ],
    ),
    (
        "/2021/03/02/farmers-rally-against-water-diversion-plan/",
        "Farmers Rally Against Water Diversion Plan",
        [
            "Several hundred farmers drove their tractors to the state capitol on Tuesday to protest a plan that would divert river water to new suburbs.",
            "Growers in the valley say the diversion would leave their orchards dry during the late summer months when rainfall is lowest.",
            "State engineers told lawmakers that the plan includes a reserve for agriculture, but the farmers' association called the figures optimistic.",
        ],
    ),
    (
        "/2021/03/03/teachers-union-reaches-tentative-agreement/",
        "Teachers Union Reaches Tentative Agreement",
        [
            "The teachers union and the school district reached a tentative agreement early Wednesday, ending talks that had stretched over eleven months.",
            "The deal raises starting salaries, caps class sizes in the early grades and adds a nurse to every elementary school by next year.",
            "Union members will vote on the agreement next week; district officials said schools will stay open during the ratification period.",
        ],
    ),
    (
        "/2021/03/04/new-report-tracks-rise-in-rent-evictions/",
        "New Report Tracks Rise In Rent Evictions",
        [
            "Eviction filings in the county rose by a third last year, according to a report released on Thursday by a legal aid clinic.",
            "Most of the cases involved tenants who owed less than two months of rent, the clinic's lawyers found after reviewing court records.",
            "The report recommends a right to counsel for tenants facing eviction, a measure that two neighboring counties adopted in the spring.",
        ],
    ),
    (
        "/2021/03/05/port-workers-vote-to-authorize-strike/",
        "Port Workers Vote To Authorize Strike",
        [
            "Dock workers at the harbor voted overwhelmingly on Friday to authorize a strike if contract talks with the terminal operators fail.",
            "The workers are seeking limits on automated cranes, which they say have eliminated hundreds of jobs at other ports along the coast.",
            "Terminal operators said they remain committed to reaching a fair agreement and expect negotiations to resume after the weekend.",
        ],
    ),
];

/// The appeal box's heading, paragraphs and call to action.
const BOX: [&str; 4] = [
    "Keep The Lights On This Winter",
    "Our reporters cover city hall, the courts and the harbor every single day",
    "Three out of four of our readers never chip in.",
    "Chip in",
];

/// A note on the third article only: seen on one page, never learned.
const ONE_OFF_NOTE: &str = "an earlier version of this story misstated the number of schools";

const LISTING: &str = "/tag/local/";

fn config(outlet: &Outlet) -> TestEnv {
    TestEnv::new(
        &[SourceToml::listing("ledger", &outlet.url(LISTING)).full_text()],
        "10s",
    )
}

/// `(title, content:encoded)` of every item of the source's RSS feed.
async fn contents(env: &TestEnv) -> Vec<(String, String)> {
    let channel = parse_rss(&env.feed("ledger", "rss").await);
    channel
        .items()
        .iter()
        .map(|item| {
            let title = item.title().unwrap_or_default().to_owned();
            (title, item.content().unwrap_or_default().to_owned())
        })
        .collect()
}

async fn once(env: &TestEnv, expected: &str) {
    let out = env.refeed(&["once"]).await;
    assert!(out.success(), "refeed once failed:\n{out}");
    assert_eq!(out.line("ledger"), expected);
}

/// Each post's own paragraphs are in its item; the box is in none.
fn assert_box_gone_stories_kept(items: &[(String, String)], posts: usize) {
    assert_eq!(items.len(), posts);
    for (path, title, paragraphs) in &POSTS[..posts] {
        let (_, content) = items
            .iter()
            .find(|(t, _)| t == title)
            .unwrap_or_else(|| panic!("no item {title:?} ({path})"));
        for paragraph in paragraphs {
            assert!(
                content.contains(paragraph),
                "{title}: {paragraph:?} missing:\n{content}"
            );
        }
        for part in BOX {
            assert!(
                !content.contains(part),
                "{title}: box text {part:?} still there:\n{content}"
            );
        }
        assert!(!content.contains("cheap replica watches"), "{content}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_on_every_article_is_learned_and_removed_from_the_feed() {
    let outlet = Outlet::start_with("learned").await;
    let env = config(&outlet);
    // The extractor alone keeps the box: it looks like article text.
    let page = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/learned/2021/03/01/city-council-delays-vote-on-transit-budget/index.html"
    );
    let extracted = run_refeed(env.dir(), &["extract".into(), page.into()]).await;
    assert!(extracted.success(), "{extracted}");
    // (Its long paragraphs, at least: the extractor may drop the short
    // "Chip in" line as a bare link on its own.)
    for part in &BOX[1..3] {
        assert!(extracted.stdout.contains(part), "{part:?}:\n{extracted}");
    }

    once(&env, "ledger: ok, 5 seen, 5 new, 0 updated").await;
    let items = contents(&env).await;
    assert_box_gone_stories_kept(&items, 5);
    // The note seen on one page only is kept there.
    let with_note: Vec<&str> = items
        .iter()
        .filter(|(_, content)| content.contains(ONE_OFF_NOTE))
        .map(|(title, _)| title.as_str())
        .collect();
    assert_eq!(with_note, ["Teachers Union Reaches Tentative Agreement"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_articles_are_recleaned_once_the_box_is_learned() {
    let outlet = Outlet::start_with("learned").await;
    let env = config(&outlet);
    let full_listing = outlet.read(LISTING);
    outlet.write(LISTING, &outlet.read("/tag/local/first-two.html"));

    // Two pages: never enough to learn anything, the box stays.
    once(&env, "ledger: ok, 2 seen, 2 new, 0 updated").await;
    let items = contents(&env).await;
    assert_eq!(items.len(), 2);
    for (title, content) in &items {
        assert!(
            content.contains(BOX[1]),
            "{title}: box expected:\n{content}"
        );
    }
    let before = parse_atom(&env.feed("ledger", "atom").await);

    // All five: the box is learned, and the first two are cleaned too.
    outlet.write(LISTING, &full_listing);
    once(&env, "ledger: ok, 5 seen, 3 new, 0 updated").await;
    assert_box_gone_stories_kept(&contents(&env).await, 5);
    // Re-cleaning is not a change by the outlet: `updated` stays.
    let after = parse_atom(&env.feed("ledger", "atom").await);
    for entry in before.entries() {
        let again = after
            .entries()
            .iter()
            .find(|e| e.id() == entry.id())
            .unwrap();
        assert_eq!(again.updated(), entry.updated(), "{}", entry.id());
    }
}
