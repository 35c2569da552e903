//! Chooses how a page's items are found (issue 10), given everything one
//! look at it gave: pure, so the order of the methods, pins and the reuse
//! of a remembered teaser pattern are tested without a network.

use url::Url;

use super::{Considered, Discovered};
use crate::model::{DiscoveryRecord, Method, ScrapedPage, TeaserPattern};
use crate::pipeline::RefreshError;
use crate::scrape::discover::Survey;

/// What the fetched body turned out to be.
#[derive(Debug, Clone)]
pub(crate) enum Look {
    /// RSS, Atom or JSON Feed.
    Feed(ScrapedPage),
    /// A web page, surveyed by every method.
    Page {
        /// What each method found in it (boxed: it is much larger than
        /// a feed's page).
        survey: Box<Survey>,
        /// The remembered teaser pattern applied to the page, when there
        /// is one to reuse.
        reused: Option<ScrapedPage>,
    },
}

/// What became of the WordPress REST API.
#[derive(Debug, Clone)]
pub(crate) enum WpAnswer {
    /// Not asked, and why (not a WordPress archive, offline, refused
    /// before, another method pinned).
    NotAsked(String),
    /// Its posts.
    Posts(ScrapedPage),
    /// It refused for good (401/403/404, not JSON, robots): remembered.
    Refused(String),
    /// It failed in a way that may pass (a timeout, a 5xx): not remembered.
    Failed(String),
}

/// One method's outcome, before the choice.
struct Candidate {
    considered: Considered,
    /// The items, when the method works.
    page: Option<ScrapedPage>,
}

impl Candidate {
    fn rejected(method: Method, items: usize, verdict: String) -> Self {
        Candidate {
            considered: Considered {
                method,
                items,
                score: None,
                verdict,
                pattern: None,
            },
            page: None,
        }
    }

    fn works(method: Method, page: ScrapedPage, verdict: String) -> Self {
        Candidate {
            considered: Considered {
                method,
                items: page.items.len(),
                score: None,
                verdict,
                pattern: None,
            },
            page: Some(page),
        }
    }
}

/// Chooses the first method that works on the page, in the order of
/// [`Method::DISCOVERED`], or only `pin`. A remembered teaser pattern
/// that still yields at least half its items is reused first.
pub(crate) fn choose(
    url: &Url,
    pin: Option<Method>,
    remembered: Option<&DiscoveryRecord>,
    look: Look,
    wordpress: WpAnswer,
) -> Result<Discovered, RefreshError> {
    let (survey, reused) = match look {
        Look::Feed(page) => return feed(url, pin, page),
        Look::Page { survey, reused } => (survey, reused),
    };
    let refused = match &wordpress {
        WpAnswer::Refused(reason) => Some(reason.clone()),
        _ => remembered.and_then(|r| r.wordpress_refused.clone()),
    };
    let title = survey.title.clone();
    let mut candidates = Vec::new();
    if let Some(candidate) = reuse(pin, remembered, reused) {
        candidates.push(candidate);
    }
    for method in Method::DISCOVERED {
        if pin.is_none_or(|p| p == method) {
            candidates.extend(by_method(method, &survey, &wordpress));
        }
    }
    let Some(chosen) = candidates.iter().position(|c| c.page.is_some()) else {
        return Err(nothing(url, pin, &candidates));
    };
    let winner = candidates.remove(chosen);
    let mut considered = vec![winner.considered.clone()];
    considered.extend(candidates.into_iter().map(|c| c.considered));
    let mut page = winner.page.unwrap_or_default();
    if page.title.is_none() {
        page.title = title;
    }
    Ok(Discovered {
        method: winner.considered.method,
        page,
        pattern: winner.considered.pattern,
        considered,
        wordpress_refused: refused,
    })
}

/// A feed URL: only the feed method applies.
fn feed(url: &Url, pin: Option<Method>, page: ScrapedPage) -> Result<Discovered, RefreshError> {
    if let Some(pinned) = pin.filter(|p| *p != Method::Feed) {
        return Err(RefreshError::Pinned {
            url: url.to_string(),
            method: pinned,
            reason: "the URL serves a feed, not a web page".to_owned(),
        });
    }
    let considered = vec![Considered {
        method: Method::Feed,
        items: page.items.len(),
        score: None,
        verdict: format!("the URL serves a feed of {} items", page.items.len()),
        pattern: None,
    }];
    Ok(Discovered {
        method: Method::Feed,
        page,
        pattern: None,
        considered,
        wordpress_refused: None,
    })
}

/// The remembered teaser pattern, reused while it yields at least half as
/// many items as it did (a theme change makes it yield few or none).
fn reuse(
    pin: Option<Method>,
    remembered: Option<&DiscoveryRecord>,
    reused: Option<ScrapedPage>,
) -> Option<Candidate> {
    let remembered = remembered.filter(|r| r.method == Method::Teasers)?;
    let pattern = remembered.pattern.clone()?;
    if pin.is_some_and(|p| p != Method::Teasers) {
        return None;
    }
    let page = reused?;
    let (now, before) = (page.items.len(), remembered.items as usize);
    let mut candidate = if holds(now, before) {
        let verdict =
            format!("the remembered teaser pattern still finds {now} items ({before} before)");
        Candidate::works(Method::Teasers, page, verdict)
    } else {
        let verdict = format!(
            "the remembered teaser pattern finds {now} items, fewer than half of {before}: detecting again"
        );
        Candidate::rejected(Method::Teasers, now, verdict)
    };
    candidate.considered.pattern = Some(pattern);
    Some(candidate)
}

/// Whether a remembered pattern that found `before` items still holds
/// with `now`: at least half as many, and some.
fn holds(now: usize, before: usize) -> bool {
    now > 0 && now * 2 >= before
}

/// Whether `look` reuses the remembered teaser pattern (so no other
/// method, the WordPress API included, needs asking).
pub(crate) fn reuse_holds(look: &Look, remembered: Option<&DiscoveryRecord>) -> bool {
    match (look, remembered) {
        (
            Look::Page {
                reused: Some(page), ..
            },
            Some(record),
        ) => holds(page.items.len(), record.items as usize),
        _ => false,
    }
}

/// What `method` made of the page.
fn by_method(method: Method, survey: &Survey, wordpress: &WpAnswer) -> Vec<Candidate> {
    match method {
        Method::Feed => vec![not_a_feed(survey)],
        Method::Wordpress => vec![by_wordpress(survey, wordpress)],
        Method::Structured => vec![match &survey.structured {
            Some(found) if !found.items.is_empty() => {
                let page = ScrapedPage {
                    items: found.items.clone(),
                    ..ScrapedPage::default()
                };
                Candidate::works(Method::Structured, page, found.why.clone())
            }
            Some(found) => Candidate::rejected(Method::Structured, 0, found.why.clone()),
            None => Candidate::rejected(
                Method::Structured,
                0,
                "no JSON-LD list or app state holding articles".to_owned(),
            ),
        }],
        Method::Teasers => by_teasers(survey),
        Method::Selectors => Vec::new(),
    }
}

fn not_a_feed(survey: &Survey) -> Candidate {
    let verdict = if survey.feeds.is_empty() {
        "the URL is a web page, not a feed".to_owned()
    } else {
        let feeds: Vec<&str> = survey.feeds.iter().map(Url::as_str).collect();
        format!(
            "the URL is a web page, not a feed (it advertises {})",
            feeds.join(", ")
        )
    };
    Candidate::rejected(Method::Feed, 0, verdict)
}

fn by_wordpress(survey: &Survey, answer: &WpAnswer) -> Candidate {
    let Some(archive) = &survey.wordpress else {
        return Candidate::rejected(Method::Wordpress, 0, "not a WordPress archive".to_owned());
    };
    let rejected = |why: String| Candidate::rejected(Method::Wordpress, 0, why);
    match answer {
        WpAnswer::Posts(page) if !page.items.is_empty() => {
            let verdict = format!(
                "{}; its REST API lists {} posts",
                archive.why,
                page.items.len()
            );
            Candidate::works(Method::Wordpress, page.clone(), verdict)
        }
        WpAnswer::Posts(_) => rejected(format!("{}; its REST API lists no posts", archive.why)),
        WpAnswer::NotAsked(why) => rejected(format!("{}; {why}", archive.why)),
        WpAnswer::Refused(why) => rejected(format!(
            "{}; its REST API refused ({why}): not asked again for this source",
            archive.why
        )),
        WpAnswer::Failed(why) => rejected(format!("{}; its REST API failed ({why})", archive.why)),
    }
}

/// Every teaser group, the first one working when it is accepted.
fn by_teasers(survey: &Survey) -> Vec<Candidate> {
    if survey.teasers.is_empty() {
        return vec![Candidate::rejected(
            Method::Teasers,
            0,
            "no repeated teaser blocks".to_owned(),
        )];
    }
    survey
        .teasers
        .iter()
        .enumerate()
        .map(|(rank, group)| {
            let taken = rank == 0 && group.accepted && !group.items.is_empty();
            let page = taken.then(|| ScrapedPage {
                items: group.items.clone(),
                ..ScrapedPage::default()
            });
            Candidate {
                considered: Considered {
                    method: Method::Teasers,
                    items: group.items.len(),
                    score: Some(group.score),
                    verdict: group.why.clone(),
                    pattern: Some(group.pattern.clone()),
                },
                page,
            }
        })
        .collect()
}

/// The error when no method worked: the message, or, with a pin,
/// why the pinned method did not apply.
fn nothing(url: &Url, pin: Option<Method>, candidates: &[Candidate]) -> RefreshError {
    match pin {
        Some(method) => RefreshError::Pinned {
            url: url.to_string(),
            method,
            reason: candidates
                .iter()
                .find(|c| c.considered.method == method)
                .or(candidates.last())
                .map_or_else(
                    || "it does not apply to this URL".to_owned(),
                    |c| c.considered.verdict.clone(),
                ),
        },
        None => RefreshError::NoItems {
            url: url.to_string(),
        },
    }
}

/// The remembered pattern a refresh may reuse (teasers only).
pub(crate) fn remembered_pattern(
    pin: Option<Method>,
    remembered: Option<&DiscoveryRecord>,
) -> Option<TeaserPattern> {
    let record = remembered.filter(|r| r.method == Method::Teasers)?;
    if pin.is_some_and(|p| p != Method::Teasers) {
        return None;
    }
    record.pattern.clone()
}

#[cfg(test)]
#[path = "choose_tests.rs"]
mod tests;
