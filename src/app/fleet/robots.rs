//! The fleet's robots.txt answers (issue 13), shared through the database.
//!
//! Only a host's owner fetches its robots.txt, but hosts move when an
//! instance joins, leaves or dies: the new owner must not ask the host
//! again before the answer expires. So after every heartbeat each instance
//! saves the answers it fetched since (the `robots_txt` table that a lone
//! daemon saves at shutdown), and when a heartbeat finds the live
//! instances changed it reads the fleet's answers into its own cache (an
//! answer it already holds is kept) before taking the new live set, so
//! before it claims a host that moved to it. A killed instance loses at
//! most the answers of its last second.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Fleet;
use crate::model::SavedRobots;

/// What this instance last saved: each origin's answer expiry.
pub(super) type Published = HashMap<String, DateTime<Utc>>;

impl Fleet {
    /// Saves the answers the fetcher holds that differ from `published`
    /// (called after each heartbeat); a failure is logged and retried at
    /// the next beat.
    pub(super) async fn publish_robots(&self, published: &mut Published) {
        let fresh: Vec<SavedRobots> = self
            .fetcher
            .saved_robots_where(|origin, expires| published.get(origin) != Some(&expires));
        if fresh.is_empty() {
            return;
        }
        if let Err(err) = self.store.save_robots(&fresh, Utc::now()).await {
            tracing::warn!(error = %err, "cannot share robots.txt answers");
            return;
        }
        for answer in fresh {
            published.insert(answer.origin, answer.expires);
        }
    }

    /// Reads the fleet's unexpired answers into the fetcher's cache (an
    /// answer it holds is kept); called when the live instances change,
    /// before the hosts that moved here are claimed.
    pub(super) async fn adopt_robots(&self) {
        match self.store.saved_robots(Utc::now()).await {
            Ok(saved) => self.fetcher.restore_robots(saved),
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the fleet's robots.txt answers");
            }
        }
    }
}
