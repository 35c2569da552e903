//! Every item once: refreshing again changes nothing, an edited listing gives
//! exactly the new and the changed item, and an undated item keeps its
//! first-seen date across refreshes and processes (each `refeed` command
//! reopens the database).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::checks::rfc2822;
use crate::fixture::{NEW_POST, NEW_TEASER, POSTS};
use crate::outlet::Outlet;
use crate::postgres::both_backends;
use crate::support::{SourceToml, TestEnv, parse_atom, parse_rss};

const CHANGED_FROM: &str = "Bolivia Is A beacon Of Light For Latin America";
const CHANGED_TO: &str = "Bolivia Is A Beacon Of Light For Latin America";
/// The changed article's modification time in its JSON-LD, before and after.
const MODIFIED_BEFORE: &str = "\"dateModified\": \"2020-10-21T06:30:00-04:00\"";
const MODIFIED_AFTER: &str = "\"dateModified\": \"2020-10-27T09:00:00-04:00\"";
const META_MODIFIED_BEFORE: &str = "modified_time\" content=\"2020-10-21T06:30:00-04:00\"";
const META_MODIFIED_AFTER: &str = "modified_time\" content=\"2020-10-27T09:00:00-04:00\"";
const UNDATED: &str = "Bolivia Elections Live Blog";

/// Per item title: (guid, pubDate, Atom `updated`).
type Snapshot = HashMap<String, (String, DateTime<Utc>, DateTime<Utc>)>;

async fn snapshot(env: &TestEnv) -> (String, Snapshot) {
    let rss_text = env.feed("bolivia", "rss").await;
    let rss = parse_rss(&rss_text);
    let atom = parse_atom(&env.feed("bolivia", "atom").await);
    let guids: Vec<&str> = rss
        .items()
        .iter()
        .map(|i| i.guid().expect("guid").value())
        .collect();
    let unique: HashSet<&str> = guids.iter().copied().collect();
    assert_eq!(unique.len(), guids.len(), "duplicate guids: {guids:#?}");
    let mut items = Snapshot::new();
    for item in rss.items() {
        let title = item.title().expect("title").to_owned();
        let entry = atom
            .entries()
            .iter()
            .find(|e| e.title().as_str() == title)
            .unwrap_or_else(|| panic!("{title:?} missing from the Atom feed"));
        let value = (
            item.guid().expect("guid").value().to_owned(),
            rfc2822(item.pub_date().expect("pubDate")),
            entry.updated().with_timezone(&Utc),
        );
        assert!(
            items.insert(title.clone(), value).is_none(),
            "title twice: {title}"
        );
    }
    (rss_text, items)
}

/// Waits past the next whole second, so that a re-dated item would show.
async fn next_second() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

/// Changes the tag archive's bytes but none of its items (as a rotating
/// ad slot or a fresh nonce does), so the next refresh parses it again
/// instead of getting a 304.
fn rotate_ad(outlet: &Outlet, slot: usize) {
    let listing = outlet.read("/tag/bolivia/");
    let ad = format!("<!-- ad slot {slot} -->\n</body>");
    outlet.write("/tag/bolivia/", &listing.replacen("</body>", &ad, 1));
}

fn article_hits(outlet: &Outlet) -> usize {
    POSTS.iter().map(|p| outlet.hits(p.path)).sum()
}

both_backends! {
    async fn refreshes_store_each_item_once_and_only_changes_what_changed() {
        let outlet = Outlet::start().await;
        let listing_url = outlet.url("/tag/bolivia/");
        let env = TestEnv::new(
            &[SourceToml::listing("bolivia", &listing_url)
                .full_text()
                .content(".entry-content")],
            "10s",
        );

        let first = env.refeed(&["once"]).await;
        assert!(first.success(), "{first}");
        assert_eq!(
            first.line("bolivia"),
            "bolivia: ok, 12 seen, 12 new, 0 updated"
        );
        assert_eq!(article_hits(&outlet), 12, "each article fetched once");
        let (text_1, items_1) = snapshot(&env).await;
        assert_eq!(items_1.len(), 12);

        next_second().await;
        let second = env.refeed(&["once"]).await;
        assert!(second.success(), "{second}");
        assert_eq!(
            second.line("bolivia"),
            "bolivia: not modified",
            "an unchanged listing is answered 304"
        );

        // The listing's bytes change but not its items (a rotating ad, a new
        // nonce): it is parsed again, and no item is stored twice or re-dated.
        rotate_ad(&outlet, 1);
        next_second().await;
        let reparsed = env.refeed(&["once"]).await;
        assert!(reparsed.success(), "{reparsed}");
        assert_eq!(
            reparsed.line("bolivia"),
            "bolivia: ok, 12 seen, 0 new, 0 updated"
        );
        assert_eq!(
            article_hits(&outlet),
            12,
            "unchanged items are not fetched again"
        );
        let (text_2, _) = snapshot(&env).await;
        assert_eq!(
            text_1, text_2,
            "a refresh that saw nothing new changed the feed"
        );

        // The outlet publishes a post and fixes a headline's capitalisation
        // (WordPress bumps the article's modification time with it).
        let listing = outlet.read("/tag/bolivia/");
        let edited = listing
            .replacen("<article ", &format!("{NEW_TEASER}<article "), 1)
            .replace(CHANGED_FROM, CHANGED_TO);
        outlet.write("/tag/bolivia/", &edited);
        let article = outlet.read(POSTS[3].path);
        let edited = article
            .replace(CHANGED_FROM, CHANGED_TO)
            .replace(MODIFIED_BEFORE, MODIFIED_AFTER)
            .replace(META_MODIFIED_BEFORE, META_MODIFIED_AFTER);
        assert_ne!(edited, article.replace(CHANGED_FROM, CHANGED_TO));
        outlet.write(POSTS[3].path, &edited);

        next_second().await;
        let third = env.refeed(&["once"]).await;
        assert!(third.success(), "{third}");
        assert_eq!(
            third.line("bolivia"),
            "bolivia: ok, 13 seen, 1 new, 1 updated"
        );
        assert_eq!(
            outlet.hits(NEW_POST.path),
            1,
            "the new item's article is fetched"
        );
        assert_eq!(
            outlet.hits(POSTS[3].path),
            2,
            "the changed item's article is fetched again"
        );
        let (_, items_3) = snapshot(&env).await;
        assert_eq!(items_3.len(), 13);
        assert!(
            !items_3.contains_key(CHANGED_FROM),
            "old title still served"
        );

        let new = &items_3[NEW_POST.title];
        assert_eq!(
            new.1,
            NEW_POST.expected_date().unwrap(),
            "the new item's own date"
        );
        let (old_guid, old_date, old_updated) = &items_1[CHANGED_FROM];
        let (guid, date, updated) = &items_3[CHANGED_TO];
        assert_eq!(guid, old_guid, "a changed title keeps the item's identity");
        assert_eq!(date, old_date, "a changed title keeps the publication date");
        assert!(
            updated > old_updated,
            "a changed item gets a new updated time"
        );
        for (title, before) in &items_1 {
            if title != CHANGED_FROM {
                assert_eq!(
                    &items_3[title], before,
                    "{title:?} changed though it did not"
                );
            }
        }

        rotate_ad(&outlet, 2);
        next_second().await;
        let fourth = env.refeed(&["once"]).await;
        assert_eq!(
            fourth.line("bolivia"),
            "bolivia: ok, 13 seen, 0 new, 0 updated"
        );
        let (_, items_4) = snapshot(&env).await;
        assert_eq!(items_4, items_3);
        assert_eq!(
            items_4[UNDATED].1, items_1[UNDATED].1,
            "the undated item keeps its first-seen date"
        );
    }
}

both_backends! {
    async fn daemon_restart_keeps_items_and_first_seen_dates() {
        let outlet = Outlet::start().await;
        let env = TestEnv::new(
            &[SourceToml::listing("bolivia", &outlet.url("/tag/bolivia/"))],
            "10s",
        );
        let first = env.refeed(&["once"]).await;
        assert_eq!(
            first.line("bolivia"),
            "bolivia: ok, 12 seen, 12 new, 0 updated"
        );
        let (_, before) = snapshot(&env).await;

        next_second().await;
        for _ in 0..2 {
            // `run` refreshes at start; wait until that refresh is recorded.
            // (The outlet has not changed, so that refresh is a 304.)
            let mut daemon = env.daemon().await;
            wait_for_log(&daemon, "not modified").await;
            // Stopped, not killed: a killed daemon's refresh lease on
            // PostgreSQL would hold the next start's refresh back until it
            // lapses (issue 13).
            crate::support::signal(daemon.pid(), "TERM");
            assert!(daemon.wait_exit(Duration::from_secs(20)).await.is_some());
        }
        let (_, after) = snapshot(&env).await;
        assert_eq!(after, before, "restarts re-dated or duplicated items");
    }
}

async fn wait_for_log(daemon: &crate::support::Daemon, needle: &str) {
    for _ in 0..200 {
        if daemon.logs().contains(needle) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {needle:?} in the logs:\n{}", daemon.logs());
}

/// The ids readers key items by (RSS guid, Atom id, JSON Feed id), sorted.
async fn feed_ids(env: &TestEnv) -> [Vec<String>; 3] {
    let rss = parse_rss(&env.feed("bolivia", "rss").await);
    let atom = parse_atom(&env.feed("bolivia", "atom").await);
    let json: serde_json::Value =
        serde_json::from_str(&env.feed("bolivia", "json").await).expect("JSON Feed");
    let mut ids = [
        rss.items()
            .iter()
            .map(|i| i.guid().expect("guid").value().to_owned())
            .collect::<Vec<_>>(),
        atom.entries().iter().map(|e| e.id().to_owned()).collect(),
        json["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["id"].as_str().expect("id").to_owned())
            .collect(),
    ];
    ids.iter_mut().for_each(|v| v.sort());
    ids
}

both_backends! {
    async fn item_ids_survive_a_rebuilt_database_and_changed_rules() {
        let outlet = Outlet::start().await;
        let url = outlet.url("/tag/bolivia/");
        let plain = TestEnv::new(&[SourceToml::listing("bolivia", &url)], "5s");
        // Another database, full text, a content selector and clean rules; a
        // feed source refreshed first shifts every row id, so ids derived from
        // rows (not from the canonical URL) would differ.
        let ruled = TestEnv::new(
            &[
                SourceToml::feed("outlet-feed", &outlet.url("/feed/")),
                SourceToml::listing("bolivia", &url)
                    .full_text()
                    .content(".entry-content")
                    .remove_text("Urgent End Of Year Fundraising Campaign"),
            ],
            "5s",
        );
        assert!(plain.refeed(&["once"]).await.success());
        assert!(ruled.refeed(&["once", "outlet-feed"]).await.success());
        assert!(ruled.refeed(&["once", "bolivia"]).await.success());
        let before = feed_ids(&plain).await;
        let after = feed_ids(&ruled).await;
        assert_eq!(before[0].len(), POSTS.len());
        assert_eq!(before, after);
        assert_eq!(before[0], before[1], "RSS guid and Atom id agree");
        assert_eq!(before[0], before[2], "RSS guid and JSON Feed id agree");
    }
}
