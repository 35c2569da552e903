//! What a config reload changes under a running server (issue 12): the
//! served source list ([`SourceList`]) and the outcome of the latest reload
//! ([`ReloadBoard`]), which `/status` shows while a reload has failed.
//!
//! Both are read on the request path: a read takes a `std` lock for one
//! `Arc` clone and never holds it across an `.await`; the reload (rare)
//! replaces the whole value.

use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::status::serialize_time;
use crate::model::SourceMeta;

/// The configured sources, in config order, swappable by a reload.
/// Cheap to clone (one `Arc`): every clone sees the same list.
#[derive(Debug, Clone)]
pub struct SourceList {
    inner: Arc<RwLock<Arc<[SourceMeta]>>>,
}

impl SourceList {
    /// A list holding `sources`.
    pub fn new(sources: Vec<SourceMeta>) -> Self {
        Self {
            inner: Arc::new(RwLock::new(sources.into())),
        }
    }

    /// The current list: a snapshot a handler keeps for its whole request.
    pub fn load(&self) -> Arc<[SourceMeta]> {
        // A panic while holding the lock cannot leave the value half
        // written (it is one `Arc` assignment): keep using it.
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Serves `sources` from now on; requests already running keep the
    /// snapshot they loaded.
    pub fn replace(&self, sources: Vec<SourceMeta>) {
        *self.inner.write().unwrap_or_else(PoisonError::into_inner) = sources.into();
    }
}

/// A config reload that failed: the daemon runs on with its previous
/// config until a later reload succeeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReloadFailure {
    /// When the reload was attempted.
    #[serde(serialize_with = "serialize_time")]
    pub at: DateTime<Utc>,
    /// Every problem found, each `file:line: ...` as the config reports it.
    pub errors: Vec<String>,
}

impl ReloadFailure {
    /// `config reload failed: ERROR; ERROR`, as `/status` shows it.
    pub fn message(&self) -> String {
        format!("config reload failed: {}", self.errors.join("; "))
    }
}

/// The outcome of the latest config reload, shared by the daemon (writer)
/// and `/status` (reader). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ReloadBoard {
    inner: Arc<RwLock<Option<ReloadFailure>>>,
}

impl ReloadBoard {
    /// The standing failure, if the latest reload failed.
    pub fn failure(&self) -> Option<ReloadFailure> {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records the latest reload's outcome: `None` when it succeeded.
    pub fn set(&self, failure: Option<ReloadFailure>) {
        *self.inner.write().unwrap_or_else(PoisonError::into_inner) = failure;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::test_support::{app, get, source};

    #[test]
    fn a_replaced_list_is_seen_by_every_clone_and_old_snapshots_stay() {
        let list = SourceList::new(vec![source("a", None, 5)]);
        let reader = list.clone();
        let before = reader.load();
        list.replace(vec![source("b", None, 5), source("c", None, 5)]);
        let ids: Vec<_> = reader.load().iter().map(|s| s.id.clone()).collect();
        assert_eq!(ids, ["b", "c"]);
        assert_eq!(before[0].id, "a");
    }

    #[test]
    fn the_board_holds_the_latest_outcome() {
        let board = ReloadBoard::default();
        assert_eq!(board.clone().failure(), None);
        let failure = ReloadFailure {
            at: Utc::now(),
            errors: vec!["a.toml:3: bad".into(), "a.toml:9: worse".into()],
        };
        board.set(Some(failure.clone()));
        assert_eq!(board.failure(), Some(failure.clone()));
        assert_eq!(
            failure.message(),
            "config reload failed: a.toml:3: bad; a.toml:9: worse"
        );
        board.set(None);
        assert_eq!(board.failure(), None);
    }

    #[tokio::test]
    async fn status_shows_a_failed_reload_until_one_succeeds() {
        let app = app("http://h/", vec![source("a", None, 5)]).await;
        let (_, _, page) = get(&app, "/status").await;
        assert!(!page.contains("config reload failed"), "{page}");
        let failure = ReloadFailure {
            at: Utc::now(),
            errors: vec!["refeed.toml:7: source \"<b>\": key \"shedule\": unknown".into()],
        };
        app.state.reload.set(Some(failure));
        let (_, _, page) = get(&app, "/status").await;
        assert!(
            page.contains(
                "<strong>config reload failed:</strong> refeed.toml:7: source &quot;&lt;b&gt;&quot;"
            ),
            "{page}"
        );
        let (_, _, json) = get(&app, "/status.json").await;
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let message = json["config_reload_failed"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("config reload failed: refeed.toml:7: "),
            "{json}"
        );
        assert_eq!(
            json["config_reload_failed"]["errors"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        app.state.reload.set(None);
        let (_, _, json) = get(&app, "/status.json").await;
        assert!(!json.contains("config_reload_failed"), "{json}");
    }
}
