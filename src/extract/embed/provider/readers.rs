//! Each provider's reader: from one of its URLs to the media, the original
//! page and the thumbnail (see the table in `provider`). A reader returns
//! `None` for a URL of its host that is no content (a widget).

use url::Url;

use super::{Media, Reading, https_form, id_char, param, segments, valid};

/// YouTube: `/embed/ID`, `/watch?v=ID`, `youtu.be/ID`, `/shorts/ID`,
/// `/live/ID`, Flash-era `/v/ID&hl=en`, and playlists (`list=`); a start
/// time (`start=`, `t=`) is kept.
pub(super) fn youtube(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    let id = if url.host_str()?.ends_with("youtu.be") {
        segments.first().copied()
    } else {
        match segments.as_slice() {
            ["watch"] => None,
            [kind, id, ..] if matches!(*kind, "embed" | "v" | "e" | "shorts" | "live") => Some(*id),
            _ => None,
        }
    };
    let id = id
        .map(|id| id.split('&').next().unwrap_or(id).to_owned())
        .filter(|id| id != "videoseries")
        .or_else(|| param(url, "v"));
    let Some(id) = id.filter(|id| id.len() == 11 && id.chars().all(id_char)) else {
        let list = param(url, "list").filter(|l| valid(l, 64, id_char))?;
        let original = format!("https://www.youtube.com/playlist?list={list}");
        return Some((Media::Video, original, None));
    };
    let start = param(url, "start")
        .or_else(|| param(url, "t"))
        .map(|t| t.trim_end_matches('s').to_owned())
        .filter(|t| valid(t, 6, |c| c.is_ascii_digit()));
    let mut original = format!("https://www.youtube.com/watch?v={id}");
    if let Some(start) = start {
        original.push_str(&format!("&t={start}s"));
    }
    let thumbnail = format!("https://i.ytimg.com/vi/{id}/hqdefault.jpg");
    Some((Media::Video, original, Some(thumbnail)))
}

/// Vimeo: `player.vimeo.com/video/ID?h=HASH` and `vimeo.com/ID` (the last
/// numeric segment, for `/channels/x/ID`). Vimeo's thumbnails are not
/// derivable from the id: no thumbnail.
pub(super) fn vimeo(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    let at = segments
        .iter()
        .rposition(|s| valid(s, 20, |c| c.is_ascii_digit()))?;
    let id = segments[at];
    // Unlisted videos need their hash: `?h=` in the player, the next segment on the site.
    let hash = param(url, "h")
        .or_else(|| segments.get(at + 1).map(|s| (*s).to_owned()))
        .filter(|h| valid(h, 32, |c| c.is_ascii_hexdigit()));
    let original = match hash {
        Some(hash) => format!("https://vimeo.com/{id}/{hash}"),
        None => format!("https://vimeo.com/{id}"),
    };
    Some((Media::Video, original, None))
}

/// Dailymotion: `/embed/video/ID`, `/video/ID_slug`, `dai.ly/ID`, and the
/// new player's `?video=ID`.
pub(super) fn dailymotion(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    let id = if url.host_str()?.ends_with("dai.ly") {
        segments.first().map(|s| (*s).to_owned())
    } else {
        segments
            .iter()
            .position(|s| *s == "video")
            .and_then(|at| segments.get(at + 1))
            .map(|s| s.split('_').next().unwrap_or(s).to_owned())
            .or_else(|| param(url, "video"))
    };
    let id = id.filter(|id| valid(id, 20, |c| c.is_ascii_alphanumeric()))?;
    Some((
        Media::Video,
        format!("https://www.dailymotion.com/video/{id}"),
        Some(format!("https://www.dailymotion.com/thumbnail/video/{id}")),
    ))
}

/// X/Twitter: a status (`/USER/status/N`, `/i/web/status/N`) or the
/// widget iframe's `platform.twitter.com/embed/Tweet.html?id=N`.
pub(super) fn twitter(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    let (user, id) = match segments.as_slice() {
        ["embed", page, ..] if page.starts_with("Tweet") || *page == "index.html" => {
            ("i".to_owned(), param(url, "id")?)
        }
        ["i", "web", "status", id, ..] => ("i".to_owned(), (*id).to_owned()),
        [user, "status" | "statuses", id, ..] => ((*user).to_owned(), (*id).to_owned()),
        _ => return None,
    };
    let ok = valid(&user, 15, |c| c.is_ascii_alphanumeric() || c == '_')
        && valid(&id, 20, |c| c.is_ascii_digit());
    ok.then(|| {
        (
            Media::Post,
            format!("https://x.com/{user}/status/{id}"),
            None,
        )
    })
}

/// Instagram: `/p/CODE/`, `/reel/CODE/`, `/tv/CODE/` (optionally after a
/// user name, and with `/embed` after it).
pub(super) fn instagram(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    let at = segments
        .iter()
        .position(|s| matches!(*s, "p" | "reel" | "reels" | "tv"))?;
    let code = segments.get(at + 1).filter(|c| valid(c, 64, id_char))?;
    let kind = if segments[at] == "reels" {
        "reel"
    } else {
        segments[at]
    };
    let original = format!("https://www.instagram.com/{kind}/{code}/");
    Some((Media::Post, original, None))
}

/// TikTok: `/@user/video/ID`, or the player's `/embed/v2/ID`,
/// `/embed/ID`, `/player/v1/ID` (which lack the user name: the original is
/// the player page, which plays in a browser).
pub(super) fn tiktok(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    let digits = |s: &str| valid(s, 25, |c| c.is_ascii_digit());
    let original = match segments.as_slice() {
        [user, "video", id, ..]
            if user.starts_with('@') && valid(&user[1..], 40, |c| id_char(c) || c == '.') =>
        {
            digits(id).then(|| format!("https://www.tiktok.com/{user}/video/{id}"))
        }
        ["embed", "v2", id, ..] | ["embed", id, ..] | ["player", "v1", id, ..] => {
            digits(id).then(|| format!("https://www.tiktok.com/embed/v2/{id}"))
        }
        _ => None,
    }?;
    Some((Media::Video, original, None))
}

/// Facebook: the post and video plugins (`/plugins/post.php?href=URL`,
/// `/plugins/video.php?href=URL`) and the pages they point at (`/posts/`,
/// `/videos/`, `/watch`, `permalink.php`). The like, share and page
/// plugins are widgets.
pub(super) fn facebook(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    if segments.first() == Some(&"plugins") {
        let media = match segments.get(1).copied() {
            Some("post.php") => Media::Post,
            Some("video.php") => Media::Video,
            _ => return None,
        };
        let href = Url::parse(&param(url, "href")?).ok()?;
        let host = href.host_str()?;
        let ours = host == "facebook.com" || host.ends_with(".facebook.com");
        let page = ours && href.path_segments()?.next() != Some("plugins");
        return page.then(|| (media, https_form(&href), None));
    }
    let media = if segments.iter().any(|s| *s == "videos" || *s == "watch") {
        Media::Video
    } else if segments
        .iter()
        .any(|s| matches!(*s, "posts" | "permalink.php" | "story.php"))
    {
        Media::Post
    } else {
        return None;
    };
    Some((media, https_form(url), None))
}

/// SoundCloud: the player's `w.soundcloud.com/player/?url=URL` (decoded:
/// the track's page when it names one; an API URL such as
/// `api.soundcloud.com/tracks/N` opens nowhere, so the player page stays the
/// original) and track pages themselves.
pub(super) fn soundcloud(url: &Url) -> Option<Reading> {
    let host = url.host_str()?;
    if host.starts_with("w.") {
        let inner = Url::parse(&param(url, "url")?).ok()?;
        let inner_host = inner.host_str()?;
        if matches!(
            inner_host,
            "soundcloud.com" | "www.soundcloud.com" | "m.soundcloud.com"
        ) && !segments(&inner).is_empty()
        {
            return Some((Media::Audio, https_form(&inner), None));
        }
        if inner_host != "api.soundcloud.com" {
            return None;
        }
        return Some((Media::Audio, https_form(url), None));
    }
    let page = matches!(
        host,
        "soundcloud.com" | "www.soundcloud.com" | "m.soundcloud.com"
    );
    (page && segments(url).len() >= 2).then(|| (Media::Audio, https_form(url), None))
}

/// Spotify: `open.spotify.com/embed/TYPE/ID` (and the older
/// `/embed-podcast/TYPE/ID`) and `open.spotify.com/TYPE/ID`.
pub(super) fn spotify(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    let rest = match segments.first() {
        Some(&"embed" | &"embed-podcast") => &segments[1..],
        _ => &segments[..],
    };
    let [kind, id, ..] = rest else { return None };
    let media = match *kind {
        "episode" | "show" => Media::Podcast,
        "track" | "album" | "playlist" | "artist" => Media::Audio,
        _ => return None,
    };
    valid(id, 40, |c| c.is_ascii_alphanumeric())
        .then(|| (media, format!("https://open.spotify.com/{kind}/{id}"), None))
}

/// Apple Podcasts: `embed.podcasts.apple.com/CC/podcast/SLUG/idN?i=M` opens
/// as `podcasts.apple.com/...` with the same path and episode.
pub(super) fn apple_podcasts(url: &Url) -> Option<Reading> {
    let segments = segments(url);
    let has_show = segments.iter().any(|s| {
        s.strip_prefix("id")
            .is_some_and(|n| valid(n, 20, |c| c.is_ascii_digit()))
    });
    if !has_show {
        return None;
    }
    let mut original = Url::parse("https://podcasts.apple.com/").ok()?;
    original.set_path(url.path());
    original.set_query(None);
    if let Some(episode) = param(url, "i").filter(|i| valid(i, 20, |c| c.is_ascii_digit())) {
        original.query_pairs_mut().append_pair("i", &episode);
    }
    Some((Media::Podcast, original.to_string(), None))
}
