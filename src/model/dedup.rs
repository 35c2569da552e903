//! When two links name the same article: the *dedup key* of an item URL,
//! the removal of credentials embedded in links, and which `rel=canonical`
//! of an article page is worth believing (issue 9, point 7).
//!
//! The key is for matching only, never shown: an item's id stays its
//! [`canonical_url`](super::canonical_url), so ids stored before the key
//! existed keep their exact form. The key is looser than the id: it merges
//! forms of one link that outlets really produce (one article was linked 27
//! ways on one listing and became 20 items), at the cost of merging two
//! URLs that a perverse site would serve different pages on. Matching is
//! per source, so a false merge can only join two links of one outlet.

use url::Url;

/// Click identifiers and mail-campaign tags stripped by Firefox's query
/// stripping (the `query-stripping` Remote Settings list: `gclid`, `dclid`,
/// `msclkid`, `_openstat`, `yclid`, `wickedid`, `twclid`, HubSpot's
/// `_hsenc`/`__hssc`/`__hstc`/`__hsfp`/`hsctatracking`, `wbraid`, `gbraid`,
/// `ysclid`, `mc_eid`, `oly_anon_id`, `oly_enc_id`, `__s`, `vero_id`,
/// `mkt_tok`, `fbclid`), beside the `utm_*` and `mc_cid` of
/// [`canonical_url`](super::canonical_url). None of them selects content.
const CLICK_IDS: &[&str] = &[
    "gclid",
    "dclid",
    "msclkid",
    "_openstat",
    "yclid",
    "wickedid",
    "twclid",
    "_hsenc",
    "__hssc",
    "__hstc",
    "__hsfp",
    "hsctatracking",
    "wbraid",
    "gbraid",
    "ysclid",
    "mc_cid",
    "mc_eid",
    "oly_anon_id",
    "oly_enc_id",
    "__s",
    "vero_id",
    "mkt_tok",
    "fbclid",
];

/// Referral tags: where the reader came from, not what they read. `ref`
/// is what Ghost appends to every outbound link (`?ref=site.com`) and
/// Product Hunt to its launches; `ref_src` and `ref_url` come from Twitter
/// embeds; `ref_source` from Reddit's share links; `source` from Medium,
/// which tags every feed and profile link (`?source=rss----4e1c0d9ba---4`);
/// `smid` from the New York Times' share buttons. `source=` selects content
/// on some sites (search forms, `view-source` tools), never on an article
/// permalink of a news outlet, and the key is only compared between links
/// of one source.
const REFERRAL: &[&str] = &["ref", "ref_src", "ref_url", "ref_source", "source", "smid"];

/// The matching key of an item URL. Beyond [`canonical_url`] it ignores:
/// the scheme (`http` and `https` of one host and port are one page on
/// every outlet that serves both) and credentials; a trailing dot on the
/// host; empty path segments (`//`) and a trailing slash; the AMP forms of
/// an article (a last path segment `amp`, a `.amp` suffix, the query
/// parameter `amp` with any value or none, `outputType=amp`); the click
/// identifiers of Firefox's query stripping and the referral tags above;
/// and the order of the remaining query parameters.
///
/// `www.example.org` and `example.org` stay apart: nothing in a link says
/// they serve the same site (they do on most outlets, but a mismatch
/// merges two sites' articles), and a page's own `rel=canonical` joins
/// them when the outlet says so. An `amp.` subdomain stays apart for the
/// same reason.
///
/// [`canonical_url`]: super::canonical_url
pub fn dedup_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    let host = host.strip_suffix('.').unwrap_or(host);
    let mut key = match url.scheme() {
        "http" | "https" => String::new(),
        other => format!("{other}:"),
    };
    key.push_str("//");
    key.push_str(host);
    if let Some(port) = url.port() {
        key.push(':');
        key.push_str(&port.to_string());
    }
    key.push_str(&key_path(url.path()));
    let query = key_query(url);
    if !query.is_empty() {
        key.push('?');
        key.push_str(&query);
    }
    key
}

/// The path without empty segments, trailing slash or AMP suffix.
fn key_path(path: &str) -> String {
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.len() > 1
        && segments
            .last()
            .is_some_and(|s| s.eq_ignore_ascii_case("amp"))
    {
        segments.pop();
    }
    let last = segments.last_mut();
    if let Some(last) = last.filter(|s| s.len() > 4 && s.to_ascii_lowercase().ends_with(".amp")) {
        *last = &last[..last.len() - 4];
    }
    format!("/{}", segments.join("/"))
}

/// The query pairs that select content, sorted, form-encoded.
fn key_query(url: &Url) -> String {
    let mut kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, value)| !ignored_param(name, value))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    kept.sort();
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish()
}

/// Whether a query parameter only tracks, refers or asks for AMP.
fn ignored_param(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || CLICK_IDS.contains(&name.as_str())
        || REFERRAL.contains(&name.as_str())
        || name == "amp"
        || (name == "outputtype" && value.eq_ignore_ascii_case("amp"))
}

/// The link without the `user:password@` an outlet (or an attacker) put in
/// it: refeed must neither send those credentials nor publish them in the
/// item's link or id.
pub fn without_credentials(url: &Url) -> Url {
    let mut url = url.clone();
    if has_credentials(&url) {
        // Only "cannot-be-a-base" URLs (mailto:) refuse these, and they
        // carry no credentials to begin with.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    url
}

/// Whether the URL carries a user name or a password.
pub fn has_credentials(url: &Url) -> bool {
    !url.username().is_empty() || url.password().is_some()
}

/// The article page's own canonical URL, when it may stand for the item:
/// an http(s) URL on the link's host (a leading `www.` ignored), not the
/// site's home page, not the listing the item came from, and not a section
/// above the article's own path. CMSs misconfigured into giving every
/// article the home page, the section or the listing as its canonical
/// would otherwise merge all their articles into one item.
pub fn accepted_canonical(link: &Url, canonical: &Url, listing: &Url) -> Option<Url> {
    let canonical = without_credentials(canonical);
    let same_site = matches!(canonical.scheme(), "http" | "https")
        && bare_host(&canonical) == bare_host(link)
        && canonical.port() == link.port();
    let key = dedup_key(&canonical);
    let segments = path_segments(&canonical);
    let is_ancestor = segments.len() < path_segments(link).len()
        && path_segments(link).starts_with(&segments)
        && canonical.query().is_none();
    let plausible = !segments.is_empty() && !is_ancestor && key != dedup_key(listing);
    (same_site && plausible).then_some(canonical)
}

/// The host without a leading `www.`, lower-cased by the URL parser.
fn bare_host(url: &Url) -> &str {
    let host = url.host_str().unwrap_or("");
    host.strip_prefix("www.").unwrap_or(host)
}

/// The non-empty path segments.
fn path_segments(url: &Url) -> Vec<&str> {
    url.path().split('/').filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        dedup_key(&Url::parse(s).unwrap())
    }

    #[test]
    fn scheme_slashes_and_trailing_slash_do_not_matter() {
        let want = "//example.org/2020/10/a-post";
        for form in [
            "http://example.org/2020/10/a-post/",
            "https://example.org/2020/10/a-post",
            "https://Example.ORG.//2020//10/a-post//",
            "https://user:pw@example.org/2020/10/a-post/",
            "http://example.org:80/2020/10/a-post/",
        ] {
            assert_eq!(key(form), want, "{form}");
        }
        assert_eq!(key("https://example.org/"), "//example.org/");
        assert_eq!(key("https://example.org"), "//example.org/");
    }

    #[test]
    fn amp_forms_are_the_article() {
        let want = "//example.org/news/a";
        for form in [
            "https://example.org/news/a/amp/",
            "https://example.org/news/a/amp",
            "https://example.org/news/a.amp",
            "https://example.org/news/a/?amp=1",
            "https://example.org/news/a/?amp",
            "https://example.org/news/a/?amp=",
            "https://example.org/news/a/?outputType=amp",
            "https://example.org/news/a/amp/?amp=1",
        ] {
            assert_eq!(key(form), want, "{form}");
        }
        // A section named "amp" is not a suffix, and another output type
        // is another page.
        assert_eq!(key("https://example.org/amp"), "//example.org/amp");
        assert_eq!(
            key("https://example.org/a?outputType=print"),
            "//example.org/a?outputType=print"
        );
        // An amp. subdomain may be another site: kept apart.
        assert_eq!(key("https://amp.example.org/a"), "//amp.example.org/a");
    }

    #[test]
    fn tracking_and_referral_parameters_go_and_the_rest_is_sorted() {
        assert_eq!(
            key("https://example.org/a?ref=feed&p=7&utm_source=x&fbclid=1&msclkid=2&source=rss"),
            "//example.org/a?p=7"
        );
        assert_eq!(
            key("https://example.org/a?ref_src=twsrc%5Etfw&ref_url=x&smid=tw&REF=Home&_hsenc=q"),
            "//example.org/a"
        );
        assert_eq!(
            key("https://example.org/?b=2&a=1&a=0"),
            "//example.org/?a=0&a=1&b=2"
        );
        assert_eq!(key("https://example.org/a?"), "//example.org/a");
    }

    #[test]
    fn ports_and_hosts_stay_apart() {
        assert_ne!(
            key("http://example.org:8080/a"),
            key("http://example.org/a")
        );
        assert_ne!(key("http://www.example.org/a"), key("http://example.org/a"));
        assert_eq!(key("http://127.0.0.1:8080/a/"), "//127.0.0.1:8080/a");
    }

    #[test]
    fn credentials_are_removed() {
        let url = Url::parse("http://user:pw@example.org/a?x=1").unwrap();
        assert!(has_credentials(&url));
        let clean = without_credentials(&url);
        assert_eq!(clean.as_str(), "http://example.org/a?x=1");
        assert!(!has_credentials(&clean));
        let only_user = Url::parse("http://user@example.org/").unwrap();
        assert_eq!(
            without_credentials(&only_user).as_str(),
            "http://example.org/"
        );
    }

    fn accepted(link: &str, canonical: &str) -> Option<String> {
        let listing = Url::parse("https://example.org/news/").unwrap();
        let link = Url::parse(link).unwrap();
        let canonical = link.join(canonical).unwrap();
        accepted_canonical(&link, &canonical, &listing).map(String::from)
    }

    #[test]
    fn a_same_site_article_canonical_is_accepted() {
        let link = "https://example.org/go/123/?amp=1";
        assert_eq!(
            accepted(link, "/news/2020/a-post/").as_deref(),
            Some("https://example.org/news/2020/a-post/")
        );
        assert_eq!(
            accepted(link, "http://www.example.org/news/a").as_deref(),
            Some("http://www.example.org/news/a")
        );
        assert_eq!(
            accepted(link, "https://u:p@example.org/news/a").as_deref(),
            Some("https://example.org/news/a")
        );
    }

    #[test]
    fn home_page_other_site_listing_and_section_canonicals_are_ignored() {
        let link = "https://example.org/news/2020/10/a-post/";
        for bad in [
            "/",
            "https://example.org",
            "https://other.example/news/2020/10/a-post/",
            "https://example.org:8443/news/2020/10/a-post/",
            "https://example.org/news/",
            "https://example.org/news/2020/",
            "ftp://example.org/news/2020/10/a-post/",
        ] {
            assert_eq!(accepted(link, bad), None, "{bad}");
        }
    }
}
