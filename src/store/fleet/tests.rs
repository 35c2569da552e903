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

fn due(ids: &[(&str, i64)]) -> Vec<(String, DateTime<Utc>)> {
    ids.iter()
        .map(|(id, secs)| (id.to_string(), at(*secs)))
        .collect()
}

#[tokio::test]
async fn of_instances_joining_at_once_exactly_one_starts_the_fleet() {
    let Some(store) = shared_store().await else {
        return;
    };
    let racers = (0..8).map(|n| {
        let store = store.clone();
        tokio::spawn(async move {
            let me = format!("instance-{n}");
            let since = at(0) - TimeDelta::seconds(5);
            store.join_fleet(&me, at(0), since, &due(&[("a", 0)])).await
        })
    });
    let started: Vec<bool> = futures::future::join_all(racers)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    assert_eq!(started.iter().filter(|s| **s).count(), 1, "{started:?}");
    assert_eq!(store.shared_due("a").await.unwrap(), Some(at(0)));
}

#[tokio::test]
async fn a_start_makes_sources_due_once_and_a_joiner_nothing() {
    let Some(store) = shared_store().await else {
        return;
    };
    let since = |secs| at(secs) - TimeDelta::seconds(5);
    let sources = due(&[("a", 0), ("b", 0), ("held", 500)]);
    assert!(
        store
            .join_fleet("one", at(0), since(0), &sources)
            .await
            .unwrap()
    );
    assert_eq!(store.shared_due("held").await.unwrap(), Some(at(500)));
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
    // "one" is live: "two" joins its fleet, and nothing is due again.
    let again = due(&[("a", 2), ("b", 2)]);
    let joined = store.join_fleet("two", at(2), since(2), &again).await;
    assert!(!joined.unwrap());
    assert_eq!(store.shared_due("a").await.unwrap(), Some(at(3600)));
    // Both stop; a later start makes every source due again, except one
    // whose refresh still holds a lease.
    store.leave_instance("two").await.unwrap();
    store.leave_instance("one").await.unwrap();
    assert!(
        store
            .claim_refresh("b", "dead", at(10), at(40))
            .await
            .unwrap()
    );
    let later = due(&[("a", 30), ("b", 30), ("c", 30)]);
    assert!(
        store
            .join_fleet("three", at(30), since(30), &later)
            .await
            .unwrap()
    );
    assert_eq!(store.shared_due("a").await.unwrap(), Some(at(30)));
    assert_eq!(store.shared_due("c").await.unwrap(), Some(at(30)));
    assert_eq!(
        store.shared_due("b").await.unwrap(),
        Some(at(0)),
        "held: unchanged"
    );
}

#[tokio::test]
async fn the_shared_schedule_shows_due_times_and_who_runs_what() {
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
    store.release_claim("a", "one", Some(at(60))).await.unwrap();
    assert!(
        store
            .claim_refresh("b", "two", at(0), at(20))
            .await
            .unwrap()
    );
    let schedule = store.shared_schedule(at(10)).await.unwrap();
    assert_eq!(schedule["a"].next_run, Some(at(60)));
    assert_eq!(schedule["a"].running_on, None);
    assert_eq!(schedule["b"].running_on.as_deref(), Some("two"));
    let later = store.shared_schedule(at(30)).await.unwrap();
    assert_eq!(later["b"].running_on, None, "the lease expired");
}
