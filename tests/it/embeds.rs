//! Embeds (issue 11): the players and posts of an article become links to
//! the original (with the video's thumbnail where its URL gives one), in
//! place, never iframes or scripts, and never dropped silently; hostile
//! frames, ads and like buttons leave no trace.
//!
//! Two ways in: `refeed extract --format html` on the golden page
//! `tests/fixtures/extract/embeds.html`, and a fixture outlet on 127.0.0.1
//! (`tests/fixtures/embeds/`) serving that page behind a listing, read back
//! from the served RSS and Atom feeds after `refeed once`.

use std::path::Path;

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, parse_atom, parse_rss, run_refeed};

/// The golden page full of embeds.
const PAGE: &str = include_str!("../fixtures/extract/embeds.html");

/// The URL the page claims as canonical (and is extracted at).
const PAGE_URL: &str = "https://quayside.example/2024/05/night-ferry-returns/";

/// Where the fixture outlet serves the page.
const ARTICLE_PATH: &str = "/2024/05/03/night-ferry-returns/";

/// Links every rendering of the page must hold, in the page's order:
/// (the original's URL, the link's text), one per embed.
const LINKS: &[(&str, &str)] = &[
    (
        "https://www.youtube.com/watch?v=Fe7ryNight1",
        "Video on YouTube",
    ),
    (
        "https://www.youtube.com/watch?v=Slip_way-02&amp;t=95s",
        "Video on YouTube",
    ),
    ("https://vimeo.com/834512976/4f3a9c2b1d", "Video on Vimeo"),
    (
        "https://www.youtube.com/watch?v=Quay3Tour04",
        "Video on YouTube",
    ),
    (
        "https://twitter.com/outerquayres/status/1786012345678901234?ref_src=twsrc%5Etfw",
        "May 2, 2024",
    ),
    (
        "https://www.instagram.com/p/C6qUay-Sch0/?utm_source=ig_embed&amp;utm_campaign=loading",
        "View this post on Instagram",
    ),
    (
        "https://www.tiktok.com/@quaysidekayak/video/7364501234567890123",
        "Video on TikTok",
    ),
    (
        "https://soundcloud.com/islandradio/ferry-chief-interview",
        "Audio on SoundCloud",
    ),
    (
        "https://open.spotify.com/episode/4QuaysideEp1sode22Ab",
        "Podcast on Spotify",
    ),
    (
        "https://podcasts.apple.com/gb/podcast/island-hour/id1700123456?i=1000655512345",
        "Podcast on Apple Podcasts",
    ),
    (
        "https://www.dailymotion.com/video/x8qy3ab",
        "Video on Dailymotion",
    ),
    (
        "https://maps.harbourcouncil.example/embed?route=night-ferry",
        "maps.harbourcouncil.example",
    ),
];

/// Thumbnails derived from the YouTube and Dailymotion ids.
const THUMBNAILS: &[&str] = &[
    "https://i.ytimg.com/vi/Fe7ryNight1/hqdefault.jpg",
    "https://i.ytimg.com/vi/Slip_way-02/hqdefault.jpg",
    "https://i.ytimg.com/vi/Quay3Tour04/hqdefault.jpg",
    "https://www.dailymotion.com/thumbnail/video/x8qy3ab",
];

/// Asserts that `html` holds every embed as a link, in order, the YouTube
/// thumbnails as images, and no frame, script, player, hostile URL, ad or
/// like button.
fn assert_embeds_are_links(html: &str) {
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<iframe",
        "<script",
        "<object",
        "<embed",
        "<video",
        "<audio",
        "<lite-youtube",
        "javascript:",
        "data:",
        "adserver.example",
        "plugins/like.php",
        "does not support",
        "platform.twitter.com",
    ] {
        assert!(!lower.contains(banned), "{banned:?} left in:\n{html}");
    }
    let mut from = 0;
    for (href, text) in LINKS {
        let link = format!("<a href=\"{href}\" rel=\"noopener noreferrer\">{text}</a>");
        let Some(at) = html[from..].find(&link) else {
            panic!("{link} missing or out of order after byte {from} in:\n{html}");
        };
        from += at + link.len();
    }
    for thumbnail in THUMBNAILS {
        assert!(
            html.contains(&format!("src=\"{thumbnail}\"")),
            "thumbnail {thumbnail} missing in:\n{html}"
        );
    }
    // Each embed stays where it was: between the paragraphs around it.
    let before = html.find("fifty minutes in calm weather").expect("prose");
    let vimeo = html.find("https://vimeo.com/834512976").expect("vimeo");
    let after = html.find("Not everyone was pleased").expect("prose");
    assert!(before < vimeo && vimeo < after, "{html}");
}

#[tokio::test]
async fn extracted_html_has_every_embed_as_a_link_in_place() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract");
    let args = [
        "extract",
        "embeds.html",
        "--url",
        PAGE_URL,
        "--format",
        "html",
    ];
    let out = run_refeed(&dir, &args.map(String::from)).await;
    assert!(out.success(), "{out}");
    assert_embeds_are_links(&out.stdout);
    // The video file's poster (https here) is its thumbnail; the tweet's
    // and the TikTok's words are kept.
    for kept in [
        "src=\"https://quayside.example/wp-content/uploads/2024/05/slipway-poster.jpg\"",
        "href=\"https://quayside.example/wp-content/uploads/2024/05/slipway-repairs.mp4\"",
        "href=\"https://quayside.example/wp-content/uploads/2024/05/harbour-master.mp3\"",
        "not one complaint about the coffee.",
        "Racing the night ferry out of the sound in a sea kayak.",
    ] {
        assert!(out.stdout.contains(kept), "{kept} missing in:\n{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_feeds_carry_embeds_as_links_and_thumbnails() {
    let outlet = Outlet::start_with("embeds").await;
    let page = PAGE.replace(PAGE_URL, &format!("http://outlet.example{ARTICLE_PATH}"));
    outlet.write(ARTICLE_PATH, &page);
    let source = SourceToml::listing("courier", &outlet.url("/tag/ferry/")).full_text();
    let env = TestEnv::new(&[source], "10s");
    let out = env.refeed(&["once"]).await;
    assert!(out.success(), "refeed once failed:\n{out}");
    assert_eq!(out.line("courier"), "courier: ok, 1 seen, 1 new, 0 updated");

    let channel = parse_rss(&env.feed("courier", "rss").await);
    let [item] = channel.items() else {
        panic!("one item expected: {:#?}", channel.items());
    };
    assert_eq!(item.title(), Some("Night Ferry Returns To The Outer Quay"));
    let content = item.content().expect("full text in content:encoded");
    assert_embeds_are_links(content);
    assert!(
        content.contains("not one complaint about the coffee."),
        "{content}"
    );

    let feed = parse_atom(&env.feed("courier", "atom").await);
    let [entry] = feed.entries() else {
        panic!("one entry expected");
    };
    let content = entry
        .content()
        .and_then(|c| c.value())
        .expect("full text in the entry's content");
    assert_embeds_are_links(content);
}
