//! Tests of the parent module.

use std::time::Duration;

use chrono::{TimeDelta, Timelike};

use super::*;

const HOUR: Duration = Duration::from_secs(3600);
const POLICY: Policy = Policy {
    jitter: Duration::ZERO,
    max_backoff: Duration::from_secs(6 * 3600),
};

fn entry(id: &str, expr: &str) -> Entry {
    Entry {
        id: id.into(),
        schedule: CronSchedule::parse(expr).unwrap(),
    }
}

/// A running scheduler and the handles a test drives it with.
struct Harness {
    due: mpsc::Receiver<String>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    board: NextRuns,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

fn spawn(entries: Vec<(Entry, RunState)>) -> Harness {
    let (due_tx, due) = mpsc::channel(8);
    let (outcomes, outcomes_rx) = mpsc::unbounded_channel();
    let board = NextRuns::new();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(run(
        entries,
        POLICY,
        due_tx,
        outcomes_rx,
        mpsc::channel(1).1,
        board.clone(),
        shutdown.clone(),
    ));
    Harness {
        due,
        outcomes,
        board,
        shutdown,
        task,
    }
}

async fn recv(due: &mut mpsc::Receiver<String>) -> Option<String> {
    tokio::time::timeout(Duration::from_secs(3), due.recv())
        .await
        .ok()
        .flatten()
}

/// Polls the board until `id`'s next run satisfies `check`.
async fn board_until(
    board: &NextRuns,
    id: &str,
    check: impl Fn(DateTime<Utc>) -> bool,
) -> DateTime<Utc> {
    for _ in 0..300 {
        if let Some(next) = board.get(id).filter(|t| check(*t)) {
            return next;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "board never showed the expected time for {id}: {:?}",
        board.get(id)
    );
}

fn failing(failures: u32, last: DateTime<Utc>) -> RunState {
    RunState {
        consecutive_failures: failures,
        last_attempt: Some(last),
        retry_at: None,
    }
}

#[tokio::test]
async fn emits_due_sources_and_stops_on_shutdown() {
    let mut h = spawn(vec![(
        entry("every-second", "* * * * * *"),
        RunState::default(),
    )]);
    // Once at start, then again on the next second.
    assert_eq!(recv(&mut h.due).await.as_deref(), Some("every-second"));
    assert_eq!(recv(&mut h.due).await.as_deref(), Some("every-second"));
    h.shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(1), h.task)
        .await
        .expect("scheduler stops on shutdown")
        .unwrap();
}

#[tokio::test]
async fn emits_at_start_except_sources_still_backing_off() {
    let now = Utc::now();
    let yearly = entry("yearly", "@yearly");
    let expected_yearly = yearly.schedule.next_after(&now).unwrap();
    let mut h = spawn(vec![
        (yearly, RunState::default()),
        (entry("held", "0 * * * *"), failing(3, now)),
        (
            entry("recovered", "0 * * * *"),
            failing(3, now - TimeDelta::days(1)),
        ),
    ]);
    let mut started = vec![recv(&mut h.due).await, recv(&mut h.due).await];
    started.sort();
    assert_eq!(
        started,
        [Some("recovered".to_owned()), Some("yearly".to_owned())]
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        h.due.try_recv().is_err(),
        "a backing-off source ran at start"
    );
    assert_eq!(h.board.get("yearly"), Some(expected_yearly));
    let pause = TimeDelta::from_std(backoff("held", HOUR, 3, POLICY.max_backoff)).unwrap();
    assert_eq!(h.board.get("held"), Some(now + pause));
    h.shutdown.cancel();
}

#[tokio::test]
async fn a_failure_backs_off_and_a_success_returns_to_the_schedule() {
    let long_ago = Utc::now() - TimeDelta::days(1);
    let mut h = spawn(vec![(entry("news", "0 * * * *"), failing(2, long_ago))]);
    assert_eq!(recv(&mut h.due).await.as_deref(), Some("news"));
    let finished = Utc::now();
    let report = |ok| Outcome {
        id: "news".into(),
        ok,
        finished,
        retry_at: None,
    };
    h.outcomes.send(report(false)).unwrap();
    // A third failure on an hourly schedule: 4 h less up to a quarter.
    let pause = TimeDelta::from_std(backoff("news", HOUR, 3, POLICY.max_backoff)).unwrap();
    assert!(pause >= TimeDelta::hours(3));
    let next = board_until(&h.board, "news", |t| t > finished + TimeDelta::hours(1)).await;
    assert_eq!(next, finished + pause);

    h.outcomes.send(report(true)).unwrap();
    let next = board_until(&h.board, "news", |t| t <= finished + TimeDelta::hours(1)).await;
    let local = next.with_timezone(&Local);
    assert_eq!((local.minute(), local.second()), (0, 0), "top of the hour");
    assert!(next > finished);
    h.shutdown.cancel();
}

#[tokio::test]
async fn keeps_scheduling_when_no_one_reports_outcomes() {
    let (due_tx, mut due) = mpsc::channel(8);
    let shutdown = CancellationToken::new();
    let entries = vec![(entry("every-second", "* * * * * *"), RunState::default())];
    // The sender is dropped at once: the loop must not stop or spin.
    let closed = mpsc::unbounded_channel().1;
    let task = tokio::spawn(run(
        entries,
        POLICY,
        due_tx,
        closed,
        mpsc::channel(1).1,
        NextRuns::new(),
        shutdown.clone(),
    ));
    assert!(recv(&mut due).await.is_some());
    assert!(recv(&mut due).await.is_some());
    shutdown.cancel();
    task.await.unwrap();
}

#[test]
fn a_full_queue_skips_instead_of_blocking() {
    let (tx, mut rx) = mpsc::channel(1);
    emit(&tx, "a");
    emit(&tx, "b");
    assert_eq!(rx.try_recv().unwrap(), "a");
    assert!(rx.try_recv().is_err());
}

#[test]
fn the_board_is_shared_between_clones() {
    let board = NextRuns::new();
    let reader = board.clone();
    assert_eq!(reader.get("news"), None);
    let at = Local::now();
    board.set("news", Some(at));
    assert_eq!(reader.get("news"), Some(at.with_timezone(&Utc)));
    board.set("news", None);
    assert_eq!(reader.get("news"), None);
}
