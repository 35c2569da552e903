//! Embeds in the DOM: which elements are players and posts, and the
//! sanitized HTML they become.

use super::*;
use crate::extract::clean::remove_junk;
use crate::extract::sanitize::safe_html;
use crate::extract::text::plain_text;
use scraper::Html;

fn base() -> Url {
    Url::parse("https://outlet.example/2024/05/story/").unwrap()
}

/// The first element named `name` in `html`, as a player.
fn player_of(html: &str, name: &str) -> Option<Embed> {
    let parsed = Html::parse_fragment(html);
    let node = parsed
        .tree
        .root()
        .descendants()
        .find(|n| tag(*n) == Some(name))
        .expect("element in fixture");
    player(node, &base())
}

/// `html` cleaned of junk and sanitized, as the article HTML, and its text.
fn article(html: &str) -> (String, String) {
    let parsed = Html::parse_fragment(html);
    let mut doc = Doc::new(&parsed);
    remove_junk(&mut doc, &base());
    let root = doc.root;
    (safe_html(&doc, root, &base()), plain_text(&doc, root))
}

fn assert_clean(html: &str) {
    let lower = html.to_ascii_lowercase();
    for banned in [
        "<iframe",
        "<script",
        "<object",
        "<embed",
        "<video",
        "<audio",
        "javascript:",
        "data:",
    ] {
        assert!(!lower.contains(banned), "{banned} in:\n{html}");
    }
}

#[test]
fn iframe_forms_become_links_with_thumbnails() {
    for html in [
        r#"<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed" width="560"></iframe>"#,
        r#"<iframe src="//www.youtube-nocookie.com/embed/dQw4w9WgXcQ"></iframe>"#,
        r#"<iframe src="about:blank" data-src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>"#,
        r#"<iframe data-lazy-src="https://www.youtube.com/embed/dQw4w9WgXcQ" src="data:text/html;base64,AAAA"></iframe>"#,
    ] {
        let embed = player_of(html, "iframe").unwrap_or_else(|| panic!("{html}"));
        assert_eq!(embed.label, "Video on YouTube");
        assert_eq!(
            embed.original.as_str(),
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
        );
        assert_eq!(
            embed.thumbnail.as_ref().map(Url::as_str),
            Some("https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg")
        );
    }
}

#[test]
fn custom_and_flash_players_are_read() {
    let lite = player_of(
        r#"<lite-youtube videoid="dQw4w9WgXcQ" playlabel="Play"></lite-youtube>"#,
        "lite-youtube",
    );
    assert_eq!(
        lite.unwrap().original.as_str(),
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    );
    let amp = player_of(
        r#"<amp-vimeo data-videoid="76979871" layout="responsive"></amp-vimeo>"#,
        "amp-vimeo",
    );
    assert_eq!(amp.unwrap().original.as_str(), "https://vimeo.com/76979871");
    let flash = player_of(
        r#"<object width="425"><param name="movie" value="http://www.youtube.com/v/dQw4w9WgXcQ&hl=en"><embed src="http://www.youtube.com/v/dQw4w9WgXcQ&hl=en"></object>"#,
        "object",
    );
    assert_eq!(flash.unwrap().label, "Video on YouTube");
    // An id that would break out of the URL is no id.
    assert_eq!(
        player_of(
            r#"<lite-youtube videoid="x/../../evil?"></lite-youtube>"#,
            "lite-youtube"
        ),
        None
    );
}

#[test]
fn video_and_audio_files_link_to_their_source() {
    let video = player_of(
        r#"<video controls poster="https://cdn.outlet.example/poster.jpg"><source src="/media/clip.mp4" type="video/mp4">Your browser does not support video.</video>"#,
        "video",
    )
    .unwrap();
    assert_eq!(
        video.original.as_str(),
        "https://outlet.example/media/clip.mp4"
    );
    assert_eq!(video.label, "Video from outlet.example");
    assert_eq!(
        video.thumbnail.unwrap().as_str(),
        "https://cdn.outlet.example/poster.jpg"
    );
    let audio = player_of(
        r#"<audio src="https://pod.example/ep1.mp3"></audio>"#,
        "audio",
    )
    .unwrap();
    assert_eq!(audio.label, "Audio from pod.example");
    // A poster over plain http is no thumbnail.
    let plain = player_of(
        r#"<video src="/a.mp4" poster="http://cdn.example/p.jpg"></video>"#,
        "video",
    );
    assert_eq!(plain.unwrap().thumbnail, None);
}

#[test]
fn unknown_iframes_link_to_their_host_but_ads_and_hostile_sources_go() {
    let map = player_of(
        r#"<iframe src="https://maps.example.org/embed?q=harbour"></iframe>"#,
        "iframe",
    )
    .unwrap();
    assert_eq!(map.label, "maps.example.org");
    assert_eq!(
        map.original.as_str(),
        "https://maps.example.org/embed?q=harbour"
    );
    // A thin podcast player of a host nobody listed is kept too.
    let podcast =
        r#"<iframe src="https://player.podhost.example/e/123" width="100%" height="90"></iframe>"#;
    assert_eq!(
        player_of(podcast, "iframe").unwrap().label,
        "player.podhost.example"
    );
    for html in [
        r#"<iframe src="javascript:alert(1)"></iframe>"#,
        r#"<iframe src="data:text/html,<script>alert(1)</script>"></iframe>"#,
        r#"<iframe src="about:blank"></iframe>"#,
        r#"<iframe></iframe>"#,
        r#"<iframe src="https://ads.example/slot?id=1"></iframe>"#,
        r#"<iframe id="google_ads_iframe_1" src="https://serve.example/x"></iframe>"#,
        r#"<iframe src="https://stats.example/p" width="1" height="1"></iframe>"#,
        r#"<iframe src="https://stumble.example/badge/embed/1/?url=x" style="border:none; width:74px; height: 18px;"></iframe>"#,
        r#"<iframe src="https://links.example/static/button/b.html" height="69" width="51"></iframe>"#,
        r#"<iframe style="height:25px !important; width:550px !important;" src="https://links.example/social?u=x"></iframe>"#,
        r#"<iframe src="https://deals.example/savings.html" width="300" height="250"></iframe>"#,
        r#"<iframe src="https://www.youtube.com/subscribe_widget?channel=x"></iframe>"#,
    ] {
        assert_eq!(player_of(html, "iframe"), None, "{html}");
    }
}

#[test]
fn players_become_figures_in_place_and_add_no_text() {
    let (html, text) = article(
        r#"<p>Before the video.</p>
        <p><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ">Your browser does not support iframes.</iframe></p>
        <p>Between them.</p>
        <div class="wp-block-embed__wrapper">
        https://vimeo.com/76979871
        </div>
        <p>After them.</p>"#,
    );
    assert_clean(&html);
    assert_eq!(
        html,
        "<p>Before the video.</p>\
         <figure><a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\" rel=\"noopener noreferrer\">\
         <img alt=\"Video on YouTube\" src=\"https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg\"></a>\
         <figcaption><a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\" rel=\"noopener noreferrer\">Video on YouTube</a></figcaption></figure>\
         <p>Between them.</p>\
         <figure><figcaption><a href=\"https://vimeo.com/76979871\" rel=\"noopener noreferrer\">Video on Vimeo</a></figcaption></figure>\
         <p>After them.</p>"
    );
    assert_eq!(text, "Before the video.\n\nBetween them.\n\nAfter them.");
}

#[test]
fn a_player_inside_a_sentence_stays_inline() {
    let (html, _) = article(
        r#"<p>Listen here <iframe src="https://w.soundcloud.com/player/?url=https%3A//soundcloud.com/band/song"></iframe> today.</p>"#,
    );
    assert!(
        html.starts_with("<p>Listen here <a href=\"https://soundcloud.com/band/song\" rel=\"noopener noreferrer\">Audio on SoundCloud</a> today.</p>"),
        "{html}"
    );
}

#[test]
fn hostile_players_are_dropped_without_trace() {
    let (html, text) = article(
        r#"<p>Text.</p><iframe src="javascript:alert(1)">x</iframe>
        <iframe src=" data:text/html;base64,PHNjcmlwdD4="></iframe>
        <video src="javascript:alert(1)"></video><object data="data:application/x-shockwave-flash,x"></object>"#,
    );
    assert_eq!(html, "<p>Text.</p>");
    assert_eq!(text, "Text.");
}

#[test]
fn tweets_keep_their_text_and_link_without_the_script() {
    let (html, text) = article(
        r#"<blockquote class="twitter-tweet" data-width="500"><p lang="en" dir="ltr">The ferry is running again at last.</p>&mdash; Harbour Watch (@harbourwatch) <a href="https://twitter.com/harbourwatch/status/1234567890123456789?ref_src=twsrc%5Etfw">May 3, 2024</a></blockquote>
        <script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>"#,
    );
    assert_clean(&html);
    assert!(
        html.contains("The ferry is running again at last."),
        "{html}"
    );
    assert!(html.contains("href=\"https://twitter.com/harbourwatch/status/1234567890123456789?ref_src=twsrc%5Etfw\""), "{html}");
    // Linked already: no second link.
    assert!(!html.contains("Post on X"), "{html}");
    assert!(
        text.contains("The ferry is running again at last."),
        "{text}"
    );
}

#[test]
fn posts_without_a_link_to_the_original_get_one() {
    let (html, text) = article(
        r#"<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/C1aB2cD3eF4/?utm_source=ig_embed" data-instgrm-version="14"><div><p>Sunrise over the quay.</p></div></blockquote>
        <blockquote class="tiktok-embed" cite="https://www.tiktok.com/@quayside/video/7301234567890123456" data-video-id="7301234567890123456"><section><p>Morning swim.</p></section></blockquote>"#,
    );
    assert_clean(&html);
    assert!(html.contains("<a href=\"https://www.instagram.com/p/C1aB2cD3eF4/\" rel=\"noopener noreferrer\">Post on Instagram</a>"), "{html}");
    assert!(html.contains("<a href=\"https://www.tiktok.com/@quayside/video/7301234567890123456\" rel=\"noopener noreferrer\">Video on TikTok</a>"), "{html}");
    assert!(
        text.contains("Sunrise over the quay.") && text.contains("Morning swim."),
        "{text}"
    );
}

#[test]
fn an_embed_block_around_a_tweet_is_text() {
    let (_, text) = article(
        r#"<figure class="wp-block-embed is-type-rich is-provider-twitter"><div class="wp-block-embed__wrapper">
        <blockquote class="twitter-tweet"><p>Quoted tweet text.</p><a href="https://twitter.com/a/status/1">May 1</a></blockquote>
        </div><figcaption>A caption.</figcaption></figure>"#,
    );
    assert_eq!(text, "Quoted tweet text.\n\nMay 1");
}

#[test]
fn write_link_escapes_everything() {
    let embed = Embed {
        label: "a \"b\" <c>".into(),
        original: Url::parse("https://x.example/?a=1&b=\"2\"").unwrap(),
        thumbnail: None,
    };
    let mut out = String::new();
    write_link(&mut out, &embed, false);
    assert_eq!(
        out,
        "<a href=\"https://x.example/?a=1&amp;b=%222%22\">a \"b\" &lt;c&gt;</a>"
    );
}
