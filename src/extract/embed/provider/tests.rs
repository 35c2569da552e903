//! The provider table: each provider's embed and page URLs → original and
//! thumbnail; widgets; hostile and foreign URLs.

use super::*;

fn target(url: &str) -> Target {
    match recognize(&Url::parse(url).unwrap()) {
        Some(Verdict::Content(target)) => target,
        other => panic!("{url}: {other:?}"),
    }
}

/// (original, thumbnail) of `url`.
fn read(url: &str) -> (String, Option<String>) {
    let t = target(url);
    (t.original.to_string(), t.thumbnail.map(|u| u.to_string()))
}

fn widget(url: &str) {
    assert_eq!(
        recognize(&Url::parse(url).unwrap()),
        Some(Verdict::Widget),
        "{url}"
    );
}

const YT_WATCH: &str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ";
const YT_THUMB: &str = "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg";

#[test]
fn youtube_forms_give_the_watch_page_and_thumbnail() {
    for url in [
        "https://www.youtube.com/embed/dQw4w9WgXcQ?rel=0&showinfo=0",
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "http://youtube.com/embed/dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://m.youtube.com/watch?v=dQw4w9WgXcQ&feature=share",
        "https://www.youtube.com/shorts/dQw4w9WgXcQ",
        "http://www.youtube.com/v/dQw4w9WgXcQ&hl=en_US&fs=1",
    ] {
        assert_eq!(
            read(url),
            (YT_WATCH.to_owned(), Some(YT_THUMB.to_owned())),
            "{url}"
        );
    }
    assert_eq!(target(YT_WATCH).media, Media::Video);
    assert_eq!(target(YT_WATCH).provider, "YouTube");
}

#[test]
fn youtube_start_time_and_playlists_are_kept() {
    assert_eq!(
        read("https://www.youtube.com/embed/dQw4w9WgXcQ?start=42").0,
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42s"
    );
    assert_eq!(
        read("https://www.youtube.com/embed/videoseries?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG"),
        (
            "https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG".to_owned(),
            None
        )
    );
}

#[test]
fn youtube_ids_are_validated_and_widgets_dropped() {
    // Not an 11-character id: nothing is put back into a URL.
    widget("https://www.youtube.com/embed/abc\"onerror=x");
    widget("https://www.youtube.com/embed/short");
    widget("https://www.youtube.com/subscribe_widget?p=channel");
    widget("https://www.youtube.com/@channel");
}

#[test]
fn vimeo_gives_the_video_page_without_thumbnail() {
    assert_eq!(
        read("https://player.vimeo.com/video/76979871?color=fff&title=0"),
        ("https://vimeo.com/76979871".to_owned(), None)
    );
    assert_eq!(
        read("https://player.vimeo.com/video/76979871?h=8272103f6e"),
        ("https://vimeo.com/76979871/8272103f6e".to_owned(), None)
    );
    assert_eq!(
        read("https://vimeo.com/channels/staffpicks/76979871").0,
        "https://vimeo.com/76979871"
    );
    widget("https://vimeo.com/about");
}

#[test]
fn dailymotion_gives_page_and_thumbnail() {
    assert_eq!(
        read("https://www.dailymotion.com/embed/video/x7tgad0?autoplay=1"),
        (
            "https://www.dailymotion.com/video/x7tgad0".to_owned(),
            Some("https://www.dailymotion.com/thumbnail/video/x7tgad0".to_owned())
        )
    );
    assert_eq!(
        read("https://dai.ly/x7tgad0").0,
        "https://www.dailymotion.com/video/x7tgad0"
    );
}

#[test]
fn tweets_in_every_spelling_are_one_status() {
    assert_eq!(
        read("https://twitter.com/jack/status/20?ref_src=twsrc%5Etfw").0,
        "https://x.com/jack/status/20"
    );
    assert_eq!(
        read("https://x.com/jack/status/20").0,
        "https://x.com/jack/status/20"
    );
    assert_eq!(
        read("https://platform.twitter.com/embed/Tweet.html?dnt=false&id=20&lang=en").0,
        "https://x.com/i/status/20"
    );
    assert_eq!(target("https://x.com/jack/status/20").media, Media::Post);
    widget("https://twitter.com/hashtag/news?src=hash");
    widget("https://platform.twitter.com/widgets/follow_button.html?screen_name=x");
    widget("https://twitter.com/jack/status/12ab");
}

#[test]
fn instagram_tiktok_and_facebook_posts() {
    assert_eq!(
        read("https://www.instagram.com/p/CxYz_12-ab/?utm_source=ig_embed&utm_campaign=loading").0,
        "https://www.instagram.com/p/CxYz_12-ab/"
    );
    assert_eq!(
        read("https://www.instagram.com/reel/CxYz12ab/embed/captioned").0,
        "https://www.instagram.com/reel/CxYz12ab/"
    );
    assert_eq!(
        read("https://www.tiktok.com/@some.user/video/7101234567890123456?lang=en").0,
        "https://www.tiktok.com/@some.user/video/7101234567890123456"
    );
    assert_eq!(
        read("https://www.tiktok.com/embed/v2/7101234567890123456").0,
        "https://www.tiktok.com/embed/v2/7101234567890123456"
    );
    assert_eq!(
        read("https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.facebook.com%2Fpage%2Fposts%2F123&width=500").0,
        "https://www.facebook.com/page/posts/123"
    );
    widget("https://www.facebook.com/plugins/like.php?href=https%3A%2F%2Foutlet.example%2F");
    // A plugin pointing off Facebook is no post.
    widget("https://www.facebook.com/plugins/post.php?href=javascript%3Aalert(1)");
    widget("https://www.instagram.com/someuser/");
}

#[test]
fn soundcloud_player_is_decoded_to_the_track() {
    assert_eq!(
        read("https://w.soundcloud.com/player/?url=https%3A//soundcloud.com/artist/a-track&color=%23ff5500&auto_play=false").0,
        "https://soundcloud.com/artist/a-track"
    );
    // An API URL opens nowhere: the player page is the original.
    let api =
        "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/293&visual=true";
    assert_eq!(read(api).0, api);
    assert_eq!(target(api).media, Media::Audio);
    widget("https://w.soundcloud.com/player/?url=https%3A//evil.example/x");
    widget("https://w.soundcloud.com/player/?url=javascript:alert(1)");
}

#[test]
fn podcast_players_give_their_pages() {
    assert_eq!(
        read("https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk?utm_source=generator")
            .0,
        "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk"
    );
    assert_eq!(
        target("https://open.spotify.com/embed-podcast/show/4rOoJ6Egrf8K2IrywzwOMk").media,
        Media::Podcast
    );
    assert_eq!(
        target("https://open.spotify.com/embed/track/4rOoJ6Egrf8K2IrywzwOMk").media,
        Media::Audio
    );
    assert_eq!(
        read("https://embed.podcasts.apple.com/us/podcast/the-daily/id1200361736?i=1000650000000&theme=auto").0,
        "https://podcasts.apple.com/us/podcast/the-daily/id1200361736?i=1000650000000"
    );
    widget("https://open.spotify.com/embed/user/x");
}

#[test]
fn other_hosts_and_schemes_are_not_providers() {
    for url in [
        "https://www.google.com/maps/embed?pb=1",
        "https://notyoutube.com/embed/dQw4w9WgXcQ",
        "https://youtube.com.evil.example/embed/dQw4w9WgXcQ",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://youtube.com/embed/dQw4w9WgXcQ",
    ] {
        assert_eq!(recognize(&Url::parse(url).unwrap()), None, "{url}");
    }
    let long = format!(
        "https://www.youtube.com/embed/dQw4w9WgXcQ?x={}",
        "a".repeat(MAX_URL_BYTES)
    );
    assert_eq!(recognize(&Url::parse(&long).unwrap()), None);
}

#[test]
fn originals_and_thumbnails_are_https() {
    for url in [
        "http://www.youtube.com/embed/dQw4w9WgXcQ",
        "http://player.vimeo.com/video/1",
        "http://www.facebook.com/page/videos/1",
        "http://soundcloud.com/artist/a-track",
    ] {
        let t = target(url);
        assert_eq!(t.original.scheme(), "https", "{url}");
        assert!(t.thumbnail.is_none_or(|u| u.scheme() == "https"), "{url}");
    }
}
