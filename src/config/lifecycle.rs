//! `[storage] keep_removed` (issue 12, point 8): how long the items of a
//! source removed from the config are kept before they are deleted. The
//! per-source keys (`previous_ids`, `keep`, `keep_items`) are validated in
//! `source::lifecycle`.

use std::time::Duration;

use super::raw::RawStorage;
use super::report::Report;

/// Default `keep_removed`: 30 days, time to notice a source removed by
/// mistake and put it back with its items.
pub const DEFAULT_KEEP_REMOVED: Duration = Duration::from_secs(30 * 24 * 3600);

/// `keep_removed`, at least one second.
pub(super) fn keep_removed(raw: &RawStorage, report: &mut Report<'_>) -> Option<Duration> {
    super::duration(
        &raw.keep_removed,
        DEFAULT_KEEP_REMOVED,
        "storage.keep_removed",
        report,
    )
}
