//! Asks a WordPress archive's REST API for its posts (issue 10), through
//! the same fetcher as everything else: robots.txt and the per-host
//! politeness apply to `/wp-json/` too. An API that refuses for good
//! (401, 403, 404, 410, an answer that is not JSON posts, robots) is given
//! up and remembered for the source; one that fails in a way that may pass
//! (a timeout, a 5xx) is only skipped this time.

use super::{Detect, Look, WpAnswer, options};
use crate::fetch::{FetchError, Fetched, Fetcher};
use crate::model::Method;
use crate::pipeline::cpu::Cpu;
use crate::pipeline::error_chain;
use crate::scrape::discover::wordpress_posts;

/// Statuses that mean the API is off or closed to refeed, not down.
const REFUSING: [u16; 4] = [401, 403, 404, 410];

/// The API's answer for a page, or why it was not asked.
pub(super) async fn answer(
    fetcher: &Fetcher,
    cpu: &Cpu,
    request: &Detect<'_>,
    look: &Look,
) -> WpAnswer {
    let Look::Page { survey, .. } = look else {
        return WpAnswer::NotAsked("a feed".to_owned());
    };
    let Some(archive) = &survey.wordpress else {
        return WpAnswer::NotAsked("not a WordPress archive".to_owned());
    };
    if request.pin.is_some_and(|p| p != Method::Wordpress) {
        return WpAnswer::NotAsked(format!("not asked: method {:?} is pinned", request.pin));
    }
    if super::choose::reuse_holds(look, request.remembered) {
        return WpAnswer::NotAsked(
            "not asked: the remembered teaser pattern still holds".to_owned(),
        );
    }
    if let Some(refused) = request
        .remembered
        .and_then(|r| r.wordpress_refused.as_ref())
    {
        return WpAnswer::NotAsked(format!(
            "its REST API is not asked: it refused before ({refused})"
        ));
    }
    let source = request.source_id.unwrap_or("-");
    let answer = ask(fetcher, cpu, request, &archive.api).await;
    match &answer {
        WpAnswer::Refused(why) => {
            tracing::warn!(source, url = %archive.api, reason = %why, "the WordPress REST API refused: using the page instead, and not asking it again for this source");
        }
        WpAnswer::Failed(why) => {
            tracing::warn!(source, url = %archive.api, reason = %why, "the WordPress REST API failed: using the page this time");
        }
        _ => {}
    }
    answer
}

async fn ask(fetcher: &Fetcher, cpu: &Cpu, request: &Detect<'_>, api: &url::Url) -> WpAnswer {
    let page = match fetcher.fetch(api, &options(request)).await {
        Ok(Fetched::Page(page)) => page,
        Ok(Fetched::NotModified) => return WpAnswer::Failed("answered 304".to_owned()),
        Err(err) => return refusal(&err),
    };
    let base = page.url.clone();
    let read = cpu
        .run_sized(page.body.len(), move || wordpress_posts(&page.body, &base))
        .await;
    match read {
        Ok(Ok(posts)) => WpAnswer::Posts(posts),
        Ok(Err(err)) => WpAnswer::Refused(format!("its answer is not a list of posts: {err}")),
        Err(err) => WpAnswer::Failed(format!("reading its answer failed: {err}")),
    }
}

/// Sorts a failed API request into a refusal to remember or a failure to
/// retry next time.
fn refusal(err: &FetchError) -> WpAnswer {
    let why = error_chain(err);
    match err {
        FetchError::Status { status, .. } if REFUSING.contains(status) => WpAnswer::Refused(why),
        FetchError::Disallowed { .. } | FetchError::UnsupportedType { .. } => {
            WpAnswer::Refused(why)
        }
        _ => WpAnswer::Failed(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> url::Url {
        url::Url::parse("https://example.org/wp-json/wp/v2/posts?tags=7").unwrap()
    }

    #[test]
    fn closed_apis_are_refusals_and_outages_are_failures() {
        for status in REFUSING {
            let err = FetchError::Status {
                url: url(),
                status,
                retry_at: None,
            };
            assert!(matches!(refusal(&err), WpAnswer::Refused(_)), "{status}");
        }
        let robots = FetchError::Disallowed {
            url: url(),
            reason: "robots.txt disallows /wp-json/".into(),
        };
        assert!(matches!(refusal(&robots), WpAnswer::Refused(why) if why.contains("robots")));
        let html = FetchError::UnsupportedType {
            url: url(),
            content_type: "image/png".into(),
        };
        assert!(matches!(refusal(&html), WpAnswer::Refused(_)));
        for status in [500, 502, 503, 429] {
            let err = FetchError::Status {
                url: url(),
                status,
                retry_at: None,
            };
            assert!(matches!(refusal(&err), WpAnswer::Failed(_)), "{status}");
        }
    }
}
