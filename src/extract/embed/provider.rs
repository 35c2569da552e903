//! The table of embed providers: from a player's or a post's URL (the
//! `src` of an `<iframe>`, the link inside a tweet's blockquote, the bare
//! URL WordPress leaves when oEmbed fails) to the original page a reader
//! can open, and a thumbnail when the URL alone gives one (YouTube and
//! Dailymotion ids). Pure: URLs in, URLs out, no DOM and no network.
//!
//! A URL on a provider's host that is not one of its content forms (a
//! subscribe button, a like button, a profile page) is a widget: the
//! caller drops it rather than linking to it.

use url::Url;

/// What kind of thing an embed shows; named in the link's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    /// A video player.
    Video,
    /// An audio player (a track, an album, a playlist).
    Audio,
    /// A podcast episode or show.
    Podcast,
    /// A social post (a tweet, an Instagram post).
    Post,
}

impl Media {
    /// The word a reader sees: "Video", "Audio", "Podcast", "Post".
    pub(crate) fn word(self) -> &'static str {
        match self {
            Media::Video => "Video",
            Media::Audio => "Audio",
            Media::Podcast => "Podcast",
            Media::Post => "Post",
        }
    }
}

/// What a provider's URL leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The provider's name ("YouTube").
    pub(crate) provider: &'static str,
    /// What it shows.
    pub(crate) media: Media,
    /// The page a reader opens (`https://www.youtube.com/watch?v=ID`).
    pub(crate) original: Url,
    /// A preview image (always absolute `https`), when the URL gives one.
    pub(crate) thumbnail: Option<Url>,
}

/// What the table says about a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// A video, track or post of a known provider.
    Content(Target),
    /// A known provider's button or widget (subscribe, like, follow): no
    /// content of the article.
    Widget,
}

/// What a provider reads from one of its URLs: the media, the original
/// and the thumbnail (both still to be checked as `https` URLs).
type Reading = (Media, String, Option<String>);

/// One provider: the registrable domains it serves from, and how to read
/// the original out of one of its URLs (`None`: a widget).
struct Provider {
    name: &'static str,
    domains: &'static [&'static str],
    read: fn(&Url) -> Option<Reading>,
}

/// The providers, matched by host (the domain or any subdomain of it).
const PROVIDERS: &[Provider] = &[
    Provider {
        name: "YouTube",
        domains: &["youtube.com", "youtube-nocookie.com", "youtu.be"],
        read: youtube,
    },
    Provider {
        name: "Vimeo",
        domains: &["vimeo.com"],
        read: vimeo,
    },
    Provider {
        name: "Dailymotion",
        domains: &["dailymotion.com", "dai.ly"],
        read: dailymotion,
    },
    Provider {
        name: "X",
        domains: &["twitter.com", "x.com"],
        read: twitter,
    },
    Provider {
        name: "Instagram",
        domains: &["instagram.com"],
        read: instagram,
    },
    Provider {
        name: "TikTok",
        domains: &["tiktok.com"],
        read: tiktok,
    },
    Provider {
        name: "Facebook",
        domains: &["facebook.com"],
        read: facebook,
    },
    Provider {
        name: "SoundCloud",
        domains: &["soundcloud.com"],
        read: soundcloud,
    },
    Provider {
        name: "Spotify",
        domains: &["spotify.com"],
        read: spotify,
    },
    Provider {
        name: "Apple Podcasts",
        domains: &["podcasts.apple.com"],
        read: apple_podcasts,
    },
];

/// Longest URL looked at: real embed URLs are a few hundred bytes; a
/// longer one is not worth parsing (and decoding its parameters).
pub(crate) const MAX_URL_BYTES: usize = 2048;

/// What `url` is, when its host is a known provider's; `None` for any other
/// host. Only `http`/`https` URLs are read.
pub(crate) fn recognize(url: &Url) -> Option<Verdict> {
    if !matches!(url.scheme(), "http" | "https") || url.as_str().len() > MAX_URL_BYTES {
        return None;
    }
    let provider = provider_of(url.host_str()?)?;
    let Some((media, original, thumbnail)) = (provider.read)(url) else {
        return Some(Verdict::Widget);
    };
    let original = https(&original)?;
    let thumbnail = thumbnail.as_deref().and_then(https);
    Some(Verdict::Content(Target {
        provider: provider.name,
        media,
        original,
        thumbnail,
    }))
}

fn provider_of(host: &str) -> Option<&'static Provider> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    PROVIDERS.iter().find(|p| {
        p.domains
            .iter()
            .any(|d| host == *d || host.strip_suffix(d).is_some_and(|rest| rest.ends_with('.')))
    })
}

/// `text` as an absolute `https` URL, or `None`.
fn https(text: &str) -> Option<Url> {
    Url::parse(text).ok().filter(|u| u.scheme() == "https")
}

/// The non-empty path segments of `url`.
fn segments(url: &Url) -> Vec<&str> {
    url.path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// The first value of query parameter `name`, percent-decoded.
fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Whether `id` is 1 to `max` characters, all accepted by `ok`: ids are put
/// back into URLs, so nothing else may pass.
fn valid(id: &str, max: usize, ok: fn(char) -> bool) -> bool {
    !id.is_empty() && id.len() <= max && id.chars().all(ok)
}

fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// YouTube: `/embed/ID`, `/watch?v=ID`, `youtu.be/ID`, `/shorts/ID`,
/// `/live/ID`, Flash-era `/v/ID&hl=en`, and playlists (`list=`); a start
/// time (`start=`, `t=`) is kept.
fn youtube(url: &Url) -> Option<Reading> {
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
fn vimeo(url: &Url) -> Option<Reading> {
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
fn dailymotion(url: &Url) -> Option<Reading> {
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
fn twitter(url: &Url) -> Option<Reading> {
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
fn instagram(url: &Url) -> Option<Reading> {
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
fn tiktok(url: &Url) -> Option<Reading> {
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
fn facebook(url: &Url) -> Option<Reading> {
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

/// `url` with the `https` scheme and without a fragment.
fn https_form(url: &Url) -> String {
    let mut url = url.clone();
    // Setting `https` on an `http` URL always succeeds.
    let _ = url.set_scheme("https");
    url.set_fragment(None);
    url.to_string()
}

/// SoundCloud: the player's `w.soundcloud.com/player/?url=URL` (decoded:
/// the track's page when it names one; an API URL such as
/// `api.soundcloud.com/tracks/N` opens nowhere, so the player page stays the
/// original) and track pages themselves.
fn soundcloud(url: &Url) -> Option<Reading> {
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
fn spotify(url: &Url) -> Option<Reading> {
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
fn apple_podcasts(url: &Url) -> Option<Reading> {
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

#[cfg(test)]
mod tests;
