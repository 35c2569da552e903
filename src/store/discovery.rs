//! How each source's items were found (issue 10). PLACEHOLDER: the store
//! helper replaces this with the real table.

use super::{Store, StoreError};
use crate::model::DiscoveryRecord;

impl Store {
    /// What the last successful refresh of `source` remembered of its
    /// discovery (method, teaser pattern, item count, WordPress refusal).
    pub async fn discovery(&self, source: &str) -> Result<Option<DiscoveryRecord>, StoreError> {
        let _ = source;
        Ok(None)
    }
}
