//! The bounds of one refresh (issue 9): `max_new_items` and
//! `max_article_fetches`, set in `[refresh]` for every source and
//! overridden per source (validated in `source`).

use toml::Spanned;

use super::raw::RawRefresh;
use super::report::Report;

/// Default `max_new_items`: items one refresh takes from a page, newest
/// first. Listings show 10 to 50 and feeds 10 to 50 (WordPress: 10), so a
/// real page is taken whole; a 100,000-item page costs a hundred (issue 9).
pub const DEFAULT_MAX_NEW_ITEMS: usize = 100;
/// Default `max_article_fetches`: article pages one refresh of a
/// `full_text` source fetches. A WordPress feed or tag archive (10 to 20
/// items) is complete after its first refresh, a 50-item page after two;
/// and one refresh asks a host for at most 30 pages, about 30 s at the
/// default `per_host_delay`, which keeps a worker free for other sources.
pub const DEFAULT_MAX_ARTICLE_FETCHES: usize = 30;

/// The bounds of one refresh, as `[refresh]` sets them for every source
/// (each source may set its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RefreshLimits {
    /// `max_new_items`.
    pub max_new_items: usize,
    /// `max_article_fetches`.
    pub max_article_fetches: usize,
}

pub(super) fn refresh(raw: &RawRefresh, report: &mut Report<'_>) -> RefreshLimits {
    let defaults = RefreshLimits {
        max_new_items: DEFAULT_MAX_NEW_ITEMS,
        max_article_fetches: DEFAULT_MAX_ARTICLE_FETCHES,
    };
    let mut check = |value: &Option<Spanned<usize>>, default: usize, key: &str| {
        let Some(value) = value else {
            return default;
        };
        match limit_problem(*value.get_ref(), key) {
            Some(problem) => {
                report.add(value.span(), None, &format!("refresh.{key}"), problem);
                default
            }
            None => *value.get_ref(),
        }
    };
    RefreshLimits {
        max_new_items: check(&raw.max_new_items, defaults.max_new_items, "max_new_items"),
        max_article_fetches: check(
            &raw.max_article_fetches,
            defaults.max_article_fetches,
            "max_article_fetches",
        ),
    }
}

/// What is wrong with `value` as the refresh bound `key`, if anything:
/// both must be at least 1 (0 would store or complete nothing), and no
/// more items can be taken than the scrape reads from one page.
pub(super) fn limit_problem(value: usize, key: &str) -> Option<String> {
    if value == 0 {
        return Some("must be at least 1".to_owned());
    }
    let most = crate::scrape::MAX_PAGE_ITEMS;
    (key == "max_new_items" && value > most)
        .then(|| format!("must be at most {most} (refeed reads at most {most} items of a page)"))
}
