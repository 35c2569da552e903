//! The scheduler's heartbeat (issue 12): the loop turns, and says so, at
//! least every [`MAX_SLEEP`] even with nothing due, and stops beating when
//! it stops.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::cron::CronSchedule;
use super::{Entry, MAX_SLEEP, NextRuns, Policy, RunState, run};

#[tokio::test]
async fn an_idle_scheduler_keeps_its_heartbeat_fresh_and_a_stopped_one_ages() {
    let board = NextRuns::new();
    assert_eq!(board.heartbeat_age(), None, "no beat before the loop runs");
    let entry = Entry {
        id: "yearly".into(),
        schedule: CronSchedule::parse("@yearly").unwrap(),
    };
    let (due_tx, _due) = mpsc::channel(8);
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(run(
        vec![(entry, RunState::default())],
        Policy {
            jitter: Duration::ZERO,
            max_backoff: Duration::from_secs(3600),
        },
        due_tx,
        mpsc::unbounded_channel().1,
        mpsc::channel(1).1,
        board.clone(),
        shutdown.clone(),
    ));
    // Past one full sleep with nothing due, the loop has turned again.
    tokio::time::sleep(MAX_SLEEP + Duration::from_millis(1500)).await;
    let age = board.heartbeat_age().expect("the loop beat");
    assert!(age < MAX_SLEEP, "heartbeat {age:?} old while idle");
    assert!(board.soonest().is_some(), "the yearly run is planned");

    shutdown.cancel();
    task.await.unwrap();
    let stopped = board.heartbeat_age().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        board.heartbeat_age().unwrap() > stopped,
        "no beat after stop"
    );
}
