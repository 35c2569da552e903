//! Unknown iframes that are no content: ads, trackers, share buttons and
//! badges, told by their words (class, id, `name`, host, path) or their
//! size. What is left of an unknown host becomes a link (see `embed`).

use url::Url;

use crate::extract::dom::{NodeRef, attr};

/// Words of an unknown iframe's class, id, name, host or path that say it
/// is an ad, a tracker or a button, not content (matched as whole tokens).
/// "widget" is not one: Mixcloud's and Spreaker's players live under it.
const NOT_CONTENT_TOKENS: &[&str] = &[
    "ad",
    "ads",
    "adserver",
    "adservice",
    "adsystem",
    "adframe",
    "advert",
    "advertisement",
    "banner",
    "doubleclick",
    "googlesyndication",
    "safeframe",
    "sponsor",
    "sponsored",
    "pixel",
    "beacon",
    "tracking",
    "tracker",
    "button",
    "badge",
    "share",
    "sharer",
    "like",
    "follow",
    "subscribe",
];

/// An unknown frame narrower or lower than this (in pixels) is a button,
/// a badge or a pixel: players are larger (the thinnest podcast players
/// are about 45 px high).
const MIN_WIDTH: u32 = 100;
const MIN_HEIGHT: u32 = 40;

/// Standard ad sizes (IAB: medium rectangle, leaderboard, skyscrapers,
/// mobile banners...): an unknown frame of exactly one of them is an ad.
const AD_SIZES: &[(u32, u32)] = &[
    (300, 250),
    (336, 280),
    (728, 90),
    (970, 90),
    (970, 250),
    (160, 600),
    (120, 600),
    (300, 600),
    (320, 50),
    (320, 100),
    (468, 60),
    (234, 60),
];

/// Whether an unknown frame is an ad, a tracker or a button: named like
/// one (class, id, `name`, host or path words), or sized like one.
pub(super) fn is_not_content(node: NodeRef<'_>, url: &Url) -> bool {
    let width = pixels(node, "width");
    let height = pixels(node, "height");
    let small = width.is_some_and(|w| w < MIN_WIDTH) || height.is_some_and(|h| h < MIN_HEIGHT);
    let ad_size = width
        .zip(height)
        .is_some_and(|size| AD_SIZES.contains(&size));
    let names = ["class", "id", "name"]
        .iter()
        .filter_map(|a| attr(node, a))
        .chain([url.host_str().unwrap_or_default(), url.path()]);
    small
        || ad_size
        || names
            .flat_map(|n| n.split(|c: char| !c.is_ascii_alphanumeric()))
            .any(|word| {
                NOT_CONTENT_TOKENS
                    .iter()
                    .any(|t| word.eq_ignore_ascii_case(t))
            })
}

/// A frame's `width` or `height` in pixels, from its attribute or its
/// inline style (`width:74px`); `None` when unset or relative (`100%`).
fn pixels(node: NodeRef<'_>, side: &str) -> Option<u32> {
    let number = |v: &str| {
        let v = v.trim().trim_end_matches("!important").trim_end();
        v.trim_end_matches("px").trim().parse::<u32>().ok()
    };
    if let Some(px) = attr(node, side).and_then(number) {
        return Some(px);
    }
    attr(node, "style")?.split(';').find_map(|declaration| {
        let (name, value) = declaration.split_once(':')?;
        (name.trim().eq_ignore_ascii_case(side)).then(|| number(value))?
    })
}
