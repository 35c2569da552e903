//! Change notification: the store tells its readers (the HTTP feed cache,
//! the WebSub pinger) which sources' served items changed, so they can
//! re-render once per change instead of querying SQLite per request.
//!
//! Every change bumps one generation counter; the log remembers, per source,
//! the generation of its latest change. A reader keeps the generation it last
//! synced to and asks which sources changed since: a memory read, no SQL.
//! Async readers wait on [`Store::subscribe_changes`].
//!
//! Other processes' writes (`refeed once` beside `refeed run`) reach the
//! same log through `watch`: each change is also written to the database's
//! change log, in the transaction of the write, under this store's writer
//! id ([`Store::commit_change`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{Any, Transaction};
use tokio::sync::watch;

use super::{Store, StoreError, query_error, watch as foreign};

/// Stores opened by this process so far: the low half of a writer id.
static STORES_OPENED: AtomicU64 = AtomicU64::new(0);

/// The per-source change log behind [`Store::change_generation`].
#[derive(Debug)]
pub(super) struct ChangeLog {
    /// The current generation, observed by async waiters.
    generation: watch::Sender<u64>,
    /// The same number for the HTTP hot path: a plain atomic load, where
    /// `watch::Sender::borrow` takes a lock shared by every thread.
    current: AtomicU64,
    /// Source id → generation of its latest change, and whether this store
    /// made it (false: another process's write, seen by `watch`).
    latest: Mutex<HashMap<String, (u64, bool)>>,
    /// This store's id in the database's change log: the process id in
    /// the high 32 bits, the count of stores this process opened before it
    /// in the low ones (tests open two stores on one file, as two
    /// processes would). Unique among the processes running at once.
    pub(super) writer: i64,
}

impl ChangeLog {
    pub(super) fn new() -> Self {
        let opened = STORES_OPENED.fetch_add(1, Ordering::Relaxed) & 0xffff_ffff;
        let writer = (i64::from(std::process::id()) << 32) | opened as i64;
        Self {
            generation: watch::Sender::new(0),
            current: AtomicU64::new(0),
            latest: Mutex::new(HashMap::new()),
            writer,
        }
    }
}

impl Store {
    /// The current change generation: it grows by one each time a source's
    /// served feed changes (a refresh storing new or changed items or
    /// setting, changing or clearing its stale warning, a re-clean
    /// rewriting articles). Cheap: one lock-free read.
    pub fn change_generation(&self) -> u64 {
        self.changes.current.load(Ordering::Acquire)
    }

    /// The sources whose items changed after generation `since`, with the
    /// current generation to pass next time.
    pub fn changed_since(&self, since: u64) -> (Vec<String>, u64) {
        self.changes_since(since, false)
    }

    /// [`Store::changed_since`], counting only the changes this store made
    /// (not other processes'): on a database shared by a fleet of daemons
    /// (issue 13), each announces its own changes, so a hub hears of each
    /// change once.
    pub fn changed_here_since(&self, since: u64) -> (Vec<String>, u64) {
        self.changes_since(since, true)
    }

    fn changes_since(&self, since: u64, own_only: bool) -> (Vec<String>, u64) {
        let latest = self.changes.latest.lock().expect("change log lock");
        let generation = self.change_generation();
        let mut ids: Vec<String> = latest
            .iter()
            .filter(|&(_, &(changed, own))| changed > since && (own || !own_only))
            .map(|(id, _)| id.clone())
            .collect();
        ids.sort();
        (ids, generation)
    }

    /// A receiver that wakes whenever the generation grows (then call
    /// [`Store::changed_since`]).
    pub fn subscribe_changes(&self) -> watch::Receiver<u64> {
        self.changes.generation.subscribe()
    }

    /// Records that `source`'s served feed changed outside the database:
    /// a config reload added, removed or retitled it (issue 12). Readers'
    /// caches drop it and the combined feed, as after a refresh.
    pub fn mark_changed(&self, source: &str) {
        self.notify_changed(source);
    }

    /// Commits `tx`. When `changed`, `source`'s served feed changed: the
    /// change is written to the database's change log first (inside `tx`,
    /// for other processes) and this process's readers are notified after
    /// the commit.
    pub(super) async fn commit_change(
        &self,
        mut tx: Transaction<'static, Any>,
        operation: &'static str,
        source: &str,
        changed: bool,
    ) -> Result<(), StoreError> {
        if changed {
            foreign::log_change(&mut tx, source, self.changes.writer).await?;
        }
        tx.commit().await.map_err(query_error(operation))?;
        if changed {
            self.notify_changed(source);
        }
        Ok(())
    }

    /// Records that `source`'s items changed. Called after the transaction
    /// committed, so a reader woken by it reads the new rows.
    pub(super) fn notify_changed(&self, source: &str) {
        self.notify(source, true);
    }

    /// Records that another process changed `source`'s items (`watch`).
    pub(super) fn notify_foreign_change(&self, source: &str) {
        self.notify(source, false);
    }

    fn notify(&self, source: &str, own: bool) {
        let mut latest = self.changes.latest.lock().expect("change log lock");
        let next = self.change_generation() + 1;
        latest.insert(source.to_string(), (next, own));
        self.changes.current.store(next, Ordering::Release);
        self.changes.generation.send_replace(next);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use chrono::Utc;

    use super::super::learned::ContentChange;
    use super::super::test_support::{item, temp_store};

    both_backends! {
        async fn changes_are_reported_per_source_since_a_generation() {
            let (_dir, store) = temp_store().await;
            assert_eq!(store.changed_since(0), (vec![], 0));
            let mut rx = store.subscribe_changes();
            store.notify_changed("a");
            store.notify_changed("b");
            assert!(rx.has_changed().unwrap());
            assert_eq!(*rx.borrow_and_update(), 2);
            assert_eq!(store.changed_since(0), (vec!["a".into(), "b".into()], 2));
            assert_eq!(store.changed_since(1), (vec!["b".into()], 2));
            store.notify_changed("a");
            assert_eq!(store.changed_since(2), (vec!["a".into()], 3));
            assert_eq!(store.change_generation(), 3);
        }
    }

    #[tokio::test]
    async fn other_processes_changes_are_told_apart_for_the_fleets_pings() {
        let (_dir, store) = temp_store().await;
        store.notify_changed("mine");
        store.notify_foreign_change("theirs");
        let both = vec!["mine".to_owned(), "theirs".to_owned()];
        assert_eq!(store.changed_since(0), (both, 2));
        assert_eq!(store.changed_here_since(0), (vec!["mine".into()], 2));
    }

    both_backends! {
        async fn refreshes_and_recleans_notify_only_when_items_change() {
            let (_dir, store) = temp_store().await;
            let mut items = vec![item("a", "2024-03-01T10:00:00Z")];
            items[0].content = Some("<p>A</p><p>Box</p>".into());
            store
                .commit_refresh("src", None, &items, Utc::now())
                .await
                .unwrap();
            assert_eq!(store.changed_since(0), (vec!["src".into()], 1));
            store
                .commit_refresh("src", None, &items, Utc::now())
                .await
                .unwrap();
            assert_eq!(store.change_generation(), 1, "nothing changed");
            store
                .commit_refresh("other", None, &[], Utc::now())
                .await
                .unwrap();
            assert_eq!(store.change_generation(), 1, "an empty refresh");

            let change = ContentChange {
                url: items[0].url.clone(),
                old: "<p>stale</p>".into(),
                new: "<p>A</p>".into(),
            };
            let cleared = HashSet::new();
            store
                .reclean_articles("src", std::slice::from_ref(&change), &cleared)
                .await
                .unwrap();
            assert_eq!(store.change_generation(), 1, "no row rewritten");
            let change = ContentChange {
                old: "<p>A</p><p>Box</p>".into(),
                ..change
            };
            store
                .reclean_articles("src", &[change], &cleared)
                .await
                .unwrap();
            assert_eq!(store.changed_since(1), (vec!["src".into()], 2));
        }
    }
}
