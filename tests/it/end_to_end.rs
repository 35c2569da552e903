//! From the fixture outlet to a feed reader: `refeed once` on the tag archive
//! (with and without a content selector) and on the outlet's own feed, then
//! `refeed run`, then every served URL fetched over HTTP and parsed back with
//! the rss and atom_syndication crates.

use chrono::Utc;

use crate::checks::{self, Expect};
use crate::fixture::{FEED_ITEMS, FEED_TITLE, POSTS};
use crate::outlet::Outlet;
use crate::postgres::both_backends;
use crate::support::{BASE_URL, SourceToml, TestEnv, http_get, parse_atom, parse_rss};

const SOURCES: [&str; 3] = ["bolivia", "bolivia-generic", "pr-feed"];

fn config(outlet: &Outlet) -> TestEnv {
    TestEnv::new(
        &[
            SourceToml::listing("bolivia", &outlet.url("/tag/bolivia/"))
                .title("Popular Resistance: Bolivia")
                .full_text()
                .content(".entry-content"),
            // No content selector: the article body is found generically.
            SourceToml::listing("bolivia-generic", &outlet.url("/tag/bolivia/")).full_text(),
            SourceToml::feed("pr-feed", &outlet.url("/feed/"))
                .full_text()
                .content(".entry-content")
                .remove_text("appeared first on"),
        ],
        "10s",
    )
}

fn expectations<'a>(outlet: &Outlet, started: chrono::DateTime<Utc>) -> [Expect<'a>; 3] {
    let expect = |source, posts: Vec<_>| Expect {
        source,
        origin: outlet.origin(),
        posts,
        full_text: true,
        first_seen_after: started,
    };
    [
        expect("bolivia", POSTS.iter().collect()),
        expect("bolivia-generic", POSTS.iter().collect()),
        expect("pr-feed", POSTS.iter().take(FEED_ITEMS).collect()),
    ]
}

both_backends! {
    async fn once_then_run_serves_clean_full_text_feeds() {
        let started = Utc::now();
        let outlet = Outlet::start().await;
        let env = config(&outlet);

        let once = env.refeed(&["once"]).await;
        assert!(once.success(), "refeed once failed:\n{once}");
        assert_eq!(
            once.line("bolivia"),
            "bolivia: ok, 12 seen, 12 new, 0 updated"
        );
        assert_eq!(
            once.line("bolivia-generic"),
            "bolivia-generic: ok, 12 seen, 12 new, 0 updated"
        );
        assert_eq!(
            once.line("pr-feed"),
            "pr-feed: ok, 5 seen, 5 new, 0 updated"
        );

        let daemon = env.daemon().await;
        let health = http_get(&daemon.url("/healthz")).await;
        assert_eq!(health.status, 200, "healthz: {}", health.body);

        for expect in expectations(&outlet, started) {
            let rss = http_get(&daemon.url(&format!("/feeds/{}.rss", expect.source))).await;
            assert_eq!(rss.status, 200, "{}.rss: {}", expect.source, rss.body);
            assert!(
                rss.content_type.starts_with("application/rss+xml"),
                "{}",
                rss.content_type
            );
            assert!(rss.content_type.contains("charset"), "{}", rss.content_type);
            checks::rss(&rss.body, &expect);

            let atom = http_get(&daemon.url(&format!("/feeds/{}.atom", expect.source))).await;
            assert_eq!(atom.status, 200, "{}.atom: {}", expect.source, atom.body);
            assert!(
                atom.content_type.starts_with("application/atom+xml"),
                "{}",
                atom.content_type
            );
            checks::atom(&atom.body, &expect);
        }
    }
}

both_backends! {
    async fn feed_titles_index_page_and_combined_feeds() {
        let outlet = Outlet::start().await;
        let env = config(&outlet);
        let once = env.refeed(&["once"]).await;
        assert!(once.success(), "refeed once failed:\n{once}");
        let daemon = env.daemon().await;

        // The configured title wins; otherwise the page's or feed's own.
        let titles = [
            ("bolivia", "Popular Resistance: Bolivia"),
            ("bolivia-generic", "Bolivia"),
            ("pr-feed", FEED_TITLE),
        ];
        for (id, title) in titles {
            let channel = parse_rss(
                &http_get(&daemon.url(&format!("/feeds/{id}.rss")))
                    .await
                    .body,
            );
            assert!(
                channel.title().contains(title),
                "{id}: title {:?}",
                channel.title()
            );
        }

        let index = http_get(&daemon.url("/")).await;
        assert_eq!(index.status, 200);
        assert!(
            index.content_type.starts_with("text/html"),
            "{}",
            index.content_type
        );
        assert!(
            index.body.contains("Popular Resistance: Bolivia"),
            "{}",
            index.body
        );
        for id in SOURCES {
            for ext in ["rss", "atom"] {
                let link = format!("/feeds/{id}.{ext}");
                assert!(
                    index.body.contains(&link),
                    "index lacks {link}:\n{}",
                    index.body
                );
            }
        }
        assert!(
            index.body.contains("rel=\"alternate\""),
            "no autodiscovery:\n{}",
            index.body
        );
        assert!(
            index.body.contains("application/atom+xml"),
            "no Atom autodiscovery"
        );

        let missing = http_get(&daemon.url("/feeds/no-such-source.rss")).await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.body.trim().lines().count(), 1, "{:?}", missing.body);

        let all = parse_rss(&http_get(&daemon.url("/feeds/all.rss")).await.body);
        let dates: Vec<_> = all
            .items()
            .iter()
            .map(|i| checks::rfc2822(i.pub_date().expect("pubDate")))
            .collect();
        checks::newest_first("all.rss", &dates);
        let item_titles: Vec<&str> = all.items().iter().filter_map(|i| i.title()).collect();
        // The undated live blog is dated "first seen", so it leads the combined feed.
        assert_eq!(
            item_titles.first(),
            Some(&"Bolivia Elections Live Blog"),
            "{item_titles:#?}"
        );
        for item in all.items() {
            let guid = item.guid().expect("guid").value();
            assert!(
                guid.starts_with(&outlet.origin()) && !guid.contains("utm_"),
                "{guid}"
            );
        }
        assert_eq!(
            checks::self_link_rss(&all).as_deref(),
            Some(format!("{BASE_URL}/feeds/all.rss").as_str())
        );

        let all_atom = parse_atom(&http_get(&daemon.url("/feeds/all.atom")).await.body);
        assert_eq!(all_atom.entries().len(), all.items().len());
        let dates: Vec<_> = all_atom
            .entries()
            .iter()
            .map(|e| e.published().expect("published").with_timezone(&Utc))
            .collect();
        checks::newest_first("all.atom", &dates);
    }
}

both_backends! {
    async fn feed_command_prints_what_the_server_serves() {
        let started = Utc::now();
        let outlet = Outlet::start().await;
        let env = config(&outlet);
        let once = env.refeed(&["once", "bolivia"]).await;
        assert!(once.success(), "refeed once failed:\n{once}");
        assert!(
            !once.stdout.contains("pr-feed"),
            "only the named source runs:\n{once}"
        );

        let printed_rss = env.feed("bolivia", "rss").await;
        let printed_atom = env.feed("bolivia", "atom").await;
        let expect = &expectations(&outlet, started)[0];
        checks::rss(&printed_rss, expect);
        checks::atom(&printed_atom, expect);

        let daemon = env.daemon().await;
        let served = http_get(&daemon.url("/feeds/bolivia.rss")).await.body;
        assert_eq!(printed_rss.trim(), served.trim());
    }
}
