//! The table of embed providers: from a player's or a post's URL (the
//! `src` of an `<iframe>`, the link inside a tweet's blockquote, the bare
//! URL WordPress leaves when oEmbed fails) to the original page a reader
//! can open, and a thumbnail when the URL alone gives one (YouTube and
//! Dailymotion ids). Pure: URLs in, URLs out, no DOM and no network.
//!
//! A URL on a provider's host that is not one of its content forms (a
//! subscribe button, a like button, a profile page) is a widget: the
//! caller drops it rather than linking to it.

mod readers;

use url::Url;

use readers::{
    apple_podcasts, dailymotion, facebook, instagram, soundcloud, spotify, tiktok, twitter, vimeo,
    youtube,
};

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
pub(super) fn segments(url: &Url) -> Vec<&str> {
    url.path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default()
}

/// The first value of query parameter `name`, percent-decoded.
pub(super) fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Whether `id` is 1 to `max` characters, all accepted by `ok`: ids are put
/// back into URLs, so nothing else may pass.
pub(super) fn valid(id: &str, max: usize, ok: fn(char) -> bool) -> bool {
    !id.is_empty() && id.len() <= max && id.chars().all(ok)
}

pub(super) fn id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// `url` with the `https` scheme and without a fragment.
pub(super) fn https_form(url: &Url) -> String {
    let mut url = url.clone();
    // Setting `https` on an `http` URL always succeeds.
    let _ = url.set_scheme("https");
    url.set_fragment(None);
    url.to_string()
}

#[cfg(test)]
mod tests;
