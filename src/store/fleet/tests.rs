//! The fleet's claims and heartbeats on a throwaway PostgreSQL database
//! (skipped, with a message, where none is available).

use chrono::{DateTime, TimeDelta, Utc};

use super::super::Store;

async fn shared_store() -> Option<Store> {
    let url = super::super::test_postgres::database_url().await?;
    Some(Store::open_url(&url).await.unwrap())
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
}

#[tokio::test]
async fn a_due_refresh_is_claimed_by_exactly_one_of_many_racing_instances() {
    let Some(store) = shared_store().await else {
        return;
    };
    assert!(store.is_shared());
    store.schedule_sources(&["a".into()]).await.unwrap();
    let racers = (0..8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            let me = format!("instance-{n}");
            store.claim_refresh("a", &me, at(0), at(20)).await.unwrap()
        })
    });
    let won: Vec<bool> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    // Held: nobody else, not even the holder, claims it again.
    assert!(
        !store
            .claim_refresh("a", "other", at(5), at(25))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_released_refresh_waits_for_its_next_due_time() {
    let Some(store) = shared_store().await else {
        return;
    };
    store.schedule_sources(&["a".into()]).await.unwrap();
    assert!(
        store
            .claim_refresh("a", "one", at(0), at(20))
            .await
            .unwrap()
    );
    store.release_claim("a", "one", Some(at(60))).await.unwrap();
    assert_eq!(store.shared_due("a").await.unwrap(), Some(at(60)));
    assert!(
        !store
            .claim_refresh("a", "two", at(30), at(50))
            .await
            .unwrap()
    );
    assert!(store.claimable_sources(at(30)).await.unwrap().is_empty());
    assert_eq!(store.claimable_sources(at(60)).await.unwrap(), vec!["a"]);
    assert!(
        store
            .claim_refresh("a", "two", at(60), at(80))
            .await
            .unwrap()
    );
    // Scheduling again keeps the row as it is.
    store.schedule_sources(&["a".into()]).await.unwrap();
    assert!(
        !store
            .claim_refresh("a", "one", at(61), at(81))
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_dead_claimants_lease_expires_and_its_late_release_changes_nothing() {
    let Some(store) = shared_store().await else {
        return;
    };
    store.schedule_sources(&["a".into()]).await.unwrap();
    assert!(
        store
            .claim_refresh("a", "dead", at(0), at(20))
            .await
            .unwrap()
    );
    assert!(store.renew_claim("a", "dead", at(30)).await.unwrap());
    assert!(
        !store
            .claim_refresh("a", "heir", at(25), at(45))
            .await
            .unwrap()
    );
    assert_eq!(store.claimable_sources(at(31)).await.unwrap(), vec!["a"]);
    assert!(
        store
            .claim_refresh("a", "heir", at(31), at(51))
            .await
            .unwrap()
    );
    // The first owner wakes up: it holds nothing any more.
    assert!(!store.renew_claim("a", "dead", at(60)).await.unwrap());
    store
        .release_claim("a", "dead", Some(at(1000)))
        .await
        .unwrap();
    store
        .release_claim("a", "heir", Some(at(90)))
        .await
        .unwrap();
    assert_eq!(store.shared_due("a").await.unwrap(), Some(at(90)));
}

#[tokio::test]
async fn instances_are_live_while_they_beat_and_leaving_frees_their_leases() {
    let Some(store) = shared_store().await else {
        return;
    };
    let since = |secs| at(secs) - TimeDelta::seconds(10);
    let forget = at(-3600);
    store.register_instance("one", at(0)).await.unwrap();
    let live = store.instance_beat("two", at(5), since(5), forget).await;
    assert_eq!(live.unwrap(), vec!["one", "two"]);
    let live = store.instance_beat("two", at(15), since(15), forget).await;
    assert_eq!(live.unwrap(), vec!["two"], "one stopped beating");
    store.schedule_sources(&["a".into()]).await.unwrap();
    assert!(
        store
            .claim_refresh("a", "two", at(15), at(35))
            .await
            .unwrap()
    );
    store.leave_instance("two").await.unwrap();
    assert!(
        store
            .claim_refresh("a", "one", at(16), at(36))
            .await
            .unwrap()
    );
    let live = store.instance_beat("one", at(17), since(17), forget).await;
    assert_eq!(live.unwrap(), vec!["one"]);
}

#[tokio::test]
async fn a_start_makes_sources_due_but_leaves_held_ones_alone() {
    let Some(store) = shared_store().await else {
        return;
    };
    store
        .schedule_sources(&["a".into(), "b".into()])
        .await
        .unwrap();
    assert!(
        store
            .claim_refresh("a", "one", at(0), at(20))
            .await
            .unwrap()
    );
    store
        .release_claim("a", "one", Some(at(3600)))
        .await
        .unwrap();
    assert!(
        store
            .claim_refresh("b", "one", at(0), at(20))
            .await
            .unwrap()
    );
    store.set_due("a", at(10), at(10)).await.unwrap();
    store.set_due("b", at(10), at(10)).await.unwrap();
    store.set_due("c", at(10), at(10)).await.unwrap();
    assert_eq!(store.shared_due("a").await.unwrap(), Some(at(10)));
    assert_eq!(
        store.shared_due("b").await.unwrap(),
        Some(DateTime::UNIX_EPOCH),
        "held: unchanged"
    );
    assert_eq!(store.shared_due("c").await.unwrap(), Some(at(10)));
}
