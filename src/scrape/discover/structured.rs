//! Items from structured data: JSON-LD lists and embedded app state.

use scraper::Html;
use url::Url;

use super::Found;

/// PLACEHOLDER (helper replaces): items of JSON-LD ItemList/CollectionPage/Blog
/// or several Article objects, or `__NEXT_DATA__` lists.
pub(super) fn find(_doc: &Html, _base: &Url) -> Option<Found> {
    None
}
