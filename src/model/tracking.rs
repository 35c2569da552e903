//! Tracking parameters in the links refeed serves and fetches (issue 12,
//! point 7): readers get, and outlets are asked for, the article's address
//! without the campaign and click tags that newsletters, ad networks and
//! social sites append.
//!
//! This is wider than the identity rule of
//! [`canonical_url`](super::canonical_url), on purpose: ids are stored
//! forever and must keep their exact form, while a served or fetched link
//! may lose any parameter that never selects content.

use url::Url;

/// Query parameters that track a click or a campaign and never select
/// content, matched case-insensitively; any `utm_*` is matched by prefix.
/// Google (`gclid`, `dclid`, `gbraid`, `wbraid`, `_ga`, `_gl`, `srsltid`),
/// Meta (`fbclid`, `igshid`, `igsh`), Microsoft (`msclkid`), Yandex
/// (`yclid`, `ysclid`, `_openstat`), Twitter (`twclid`, `ref_src`,
/// `ref_url`), TikTok (`ttclid`), LinkedIn (`li_fat_id`), Mailchimp
/// (`mc_cid`, `mc_eid`), HubSpot (`_hsenc`, `_hsmi`, `__hssc`, `__hstc`,
/// `__hsfp`, `hsctatracking`), Marketo (`mkt_tok`), Vero (`vero_id`,
/// `vero_conv`), Olytics (`oly_anon_id`, `oly_enc_id`), Wicked Reports
/// (`wickedid`) and Matomo/Piwik (`mtm_*` and `pk_*` are campaign tags
/// too, by prefix).
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "_ga",
    "_gl",
    "srsltid",
    "igshid",
    "igsh",
    "msclkid",
    "yclid",
    "ysclid",
    "_openstat",
    "twclid",
    "ref_src",
    "ref_url",
    "ttclid",
    "li_fat_id",
    "mc_cid",
    "mc_eid",
    "_hsenc",
    "_hsmi",
    "__hssc",
    "__hstc",
    "__hsfp",
    "hsctatracking",
    "mkt_tok",
    "vero_id",
    "vero_conv",
    "oly_anon_id",
    "oly_enc_id",
    "wickedid",
];

/// Parameter-name prefixes that mark campaign tags.
const TRACKING_PREFIXES: &[&str] = &["utm_", "mtm_", "pk_"];

/// Whether a query parameter's name (as written) is a tracking tag.
pub fn is_tracking_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TRACKING_PREFIXES.iter().any(|p| name.starts_with(p))
        || TRACKING_PARAMS.contains(&name.as_str())
}

/// `url` without its tracking parameters. The other parameters are kept
/// byte for byte and in order (some CMSs route on them, and re-encoding
/// could change `%20` into `+`); a URL without tracking parameters comes
/// back unchanged, and one left with none loses its `?`. The fragment is
/// kept: it points into the page.
pub fn without_tracking(url: &Url) -> Url {
    let Some(query) = url.query() else {
        return url.clone();
    };
    let name = |pair: &str| pair.split('=').next().unwrap_or("").to_owned();
    if !query.split('&').any(|pair| is_tracking_param(&name(pair))) {
        return url.clone();
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_tracking_param(&name(pair)))
        .collect();
    let mut clean = url.clone();
    clean.set_query((!kept.is_empty()).then(|| kept.join("&")).as_deref());
    clean
}

/// [`without_tracking`] for a link kept as text: unchanged when it does
/// not parse as an absolute URL.
pub fn link_without_tracking(link: &str) -> String {
    match Url::parse(link) {
        Ok(url) => without_tracking(&url).into(),
        Err(_) => link.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(s: &str) -> String {
        link_without_tracking(s)
    }

    #[test]
    fn campaign_and_click_tags_are_removed_and_the_rest_kept_in_order() {
        assert_eq!(
            clean("https://o.example/a/?utm_source=rss&p=7&fbclid=x&UTM_Medium=m&b=2#top"),
            "https://o.example/a/?p=7&b=2#top"
        );
        for tag in [
            "gclid",
            "mc_cid",
            "mc_eid",
            "_hsenc",
            "_hsmi",
            "mkt_tok",
            "igshid",
            "yclid",
            "msclkid",
            "ref_src",
            "mtm_campaign",
            "pk_kwd",
            "utm_content",
        ] {
            assert_eq!(
                clean(&format!("https://o.example/a?{tag}=1")),
                "https://o.example/a",
                "{tag}"
            );
        }
    }

    #[test]
    fn content_parameters_are_kept_byte_for_byte() {
        let kept = "https://o.example/search?q=a%20b+c&id=1&ref=home&source=x";
        assert_eq!(clean(kept), kept);
        assert_eq!(
            clean("https://o.example/s?q=a%20b&utm_source=x&flag"),
            "https://o.example/s?q=a%20b&flag"
        );
    }

    #[test]
    fn links_without_a_query_or_unparsable_stay_as_they_are() {
        assert_eq!(clean("https://o.example/a/"), "https://o.example/a/");
        assert_eq!(clean("/relative?utm_source=x"), "/relative?utm_source=x");
    }
}
