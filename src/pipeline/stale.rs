//! The stale-source check (issue 5): a listing that used to yield items and
//! now yields none (twice in a row), or article pages that used to yield
//! text and now yield almost none, mean the outlet's markup changed under
//! the source's selectors (a redesign, a new theme) — the refresh "succeeds" with
//! nothing, so without this check the feed just goes quiet.
//!
//! Pure: the pipeline gathers the evidence, the store persists the verdict.

use crate::model::{StaleKind, StaleVerdict};

/// Extracted articles whose median is under this share of the source's
/// typical article size count as "almost nothing" (a typical article of
/// 8 KB of HTML that now extracts as a 500-byte cookie notice).
const ALMOST_NOTHING_SHARE: usize = 10;

/// Below this typical size there is no meaningful "almost nothing": sources
/// of one-paragraph posts are never judged by article size.
const MIN_TYPICAL_LEN: usize = 1000;

/// One tiny article may be a genuinely short post (a video, a correction);
/// this many in one refresh are not a coincidence.
const MIN_TINY_ARTICLES: usize = 2;

/// What a refresh found, against what the store remembers.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// Items the listing or feed yielded this time.
    pub seen: usize,
    /// Items the last refresh that parsed the page yielded.
    pub previous_seen: Option<u32>,
    /// Whether the source has items stored (it yielded some once).
    pub has_items: bool,
    /// The warning that stands, if any.
    pub current: Option<StaleKind>,
    /// Whether the source fetches articles at all (`full_text`).
    pub full_text: bool,
    /// Article HTML lengths extracted this time (0 for a page without text).
    pub extracted: &'a [usize],
    /// The median stored article length of the source.
    pub typical: Option<usize>,
}

/// The verdict on one refresh.
pub fn verdict(evidence: &Evidence<'_>) -> StaleVerdict {
    if evidence.seen == 0 {
        return empty_listing(evidence);
    }
    if !evidence.full_text && evidence.current == Some(StaleKind::Extraction) {
        // The user turned full text off (the natural fix for broken
        // articles): no article will ever be extracted to lift the warning.
        return StaleVerdict::Healthy;
    }
    if let Some(verdict) = thin_articles(evidence) {
        return verdict;
    }
    match evidence.current {
        // Items are back, and nothing says the articles are thin.
        Some(StaleKind::Listing) => StaleVerdict::Healthy,
        _ if !evidence.extracted.is_empty() => StaleVerdict::Healthy,
        // No article was extracted this time: an extraction warning can
        // neither be confirmed nor lifted.
        _ => StaleVerdict::Unknown,
    }
}

/// A listing is stale once it has yielded nothing at two refreshes in a row
/// after yielding items before. One empty page is not enough: an outlet's
/// maintenance page or a CDN challenge answered with 200 would put a
/// "may be broken" entry into readers that keep it after it is lifted.
/// (An empty page keeps no validators, so the next refresh reads it again
/// rather than getting a 304.)
fn empty_listing(evidence: &Evidence<'_>) -> StaleVerdict {
    let twice = evidence.previous_seen == Some(0) && evidence.has_items;
    match evidence.current {
        // Still empty since the warning was raised: keep it (and its date).
        Some(StaleKind::Listing) => StaleVerdict::Unknown,
        _ if twice => StaleVerdict::Stale {
            kind: StaleKind::Listing,
            message: "the page yielded no items at the last two refreshes that read it, \
                      after yielding items before; its item selectors or the outlet's \
                      markup may have changed"
                .to_owned(),
        },
        // The first empty page, or a source that never yielded anything
        // (new or quiet, not broken).
        _ => StaleVerdict::Unknown,
    }
}

/// `Some(Stale)` when this refresh's articles are almost nothing next to
/// the source's typical article; `None` when they are not judged so.
fn thin_articles(evidence: &Evidence<'_>) -> Option<StaleVerdict> {
    let typical = evidence.typical.filter(|&t| t >= MIN_TYPICAL_LEN)?;
    let already = evidence.current == Some(StaleKind::Extraction);
    let needed = if already { 1 } else { MIN_TINY_ARTICLES };
    if evidence.extracted.len() < needed {
        return None;
    }
    let median = median(evidence.extracted);
    (median * ALMOST_NOTHING_SHARE < typical).then(|| StaleVerdict::Stale {
        kind: StaleKind::Extraction,
        message: format!(
            "article pages now yield almost no text (median {median} bytes of HTML \
             against a typical {typical}); the article selector or the outlet's \
             markup may have changed"
        ),
    })
}

fn median(values: &[usize]) -> usize {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted[sorted.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence<'a>(seen: usize, previous: Option<u32>, extracted: &'a [usize]) -> Evidence<'a> {
        Evidence {
            seen,
            previous_seen: previous,
            has_items: previous.is_some_and(|n| n > 0),
            current: None,
            full_text: true,
            extracted,
            typical: Some(8000),
        }
    }

    fn kind(verdict: &StaleVerdict) -> Option<StaleKind> {
        match verdict {
            StaleVerdict::Stale { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    #[test]
    fn a_listing_that_yielded_items_and_then_twice_none_is_stale() {
        // The first empty page may be a maintenance page: not yet.
        assert_eq!(verdict(&evidence(0, Some(12), &[])), StaleVerdict::Unknown);
        let second = Evidence {
            has_items: true,
            ..evidence(0, Some(0), &[])
        };
        let verdict = verdict(&second);
        assert_eq!(kind(&verdict), Some(StaleKind::Listing));
        let StaleVerdict::Stale { message, .. } = verdict else {
            unreachable!()
        };
        assert!(message.contains("yielded no items"), "{message}");
        assert!(message.contains("last two refreshes"), "{message}");
    }

    #[test]
    fn a_source_that_never_yielded_items_is_not_stale() {
        assert_eq!(verdict(&evidence(0, None, &[])), StaleVerdict::Unknown);
        assert_eq!(verdict(&evidence(0, Some(0), &[])), StaleVerdict::Unknown);
    }

    #[test]
    fn items_coming_back_clear_a_listing_warning() {
        let mut e = evidence(5, Some(0), &[]);
        e.current = Some(StaleKind::Listing);
        assert_eq!(verdict(&e), StaleVerdict::Healthy);
    }

    #[test]
    fn articles_shrinking_to_almost_nothing_are_stale() {
        let verdict = verdict(&evidence(12, Some(12), &[300, 0, 450]));
        assert_eq!(kind(&verdict), Some(StaleKind::Extraction));
    }

    #[test]
    fn one_short_post_among_normal_ones_is_healthy() {
        assert_eq!(
            verdict(&evidence(12, Some(12), &[300, 7000, 9000])),
            StaleVerdict::Healthy
        );
        // A single short article alone is not enough to raise a warning...
        assert_eq!(
            verdict(&evidence(12, Some(12), &[300])),
            StaleVerdict::Healthy
        );
    }

    #[test]
    fn a_single_thin_article_keeps_a_standing_extraction_warning() {
        let mut e = evidence(12, Some(12), &[200]);
        e.current = Some(StaleKind::Extraction);
        assert_eq!(kind(&verdict(&e)), Some(StaleKind::Extraction));
    }

    #[test]
    fn without_extractions_an_extraction_warning_is_kept() {
        let mut e = evidence(12, Some(12), &[]);
        e.current = Some(StaleKind::Extraction);
        assert_eq!(verdict(&e), StaleVerdict::Unknown);
        e.current = None;
        assert_eq!(verdict(&e), StaleVerdict::Unknown);
    }

    #[test]
    fn small_typical_articles_are_never_judged_by_size() {
        let mut e = evidence(3, Some(3), &[10, 20]);
        e.typical = Some(600);
        assert_eq!(verdict(&e), StaleVerdict::Healthy);
        e.typical = None;
        assert_eq!(verdict(&e), StaleVerdict::Healthy);
    }

    #[test]
    fn turning_full_text_off_lifts_an_extraction_warning() {
        let standing = Evidence {
            current: Some(StaleKind::Extraction),
            ..evidence(12, Some(12), &[])
        };
        assert_eq!(verdict(&standing), StaleVerdict::Unknown, "no evidence yet");
        let off = Evidence {
            full_text: false,
            ..standing
        };
        assert_eq!(verdict(&off), StaleVerdict::Healthy);
    }
}
