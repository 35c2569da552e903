//! systemd's watchdog and status line (issue 12, point 3), with the test
//! playing systemd: a Unix datagram socket in `NOTIFY_SOCKET` and a 2 s
//! `WATCHDOG_USEC`. `refeed run` pings `WATCHDOG=1` about every second while
//! its scheduler and database answer, and says how its sources are doing in
//! `STATUS=`; `/readyz` answers 200 by the same rule. (That a hung
//! scheduler or a silent database stops the pings is unit-tested in
//! `app::watchdog`: neither can be made to hang from outside the process.)

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, http_get, signal};

/// Every notification until `done` says so or `limit` runs out.
fn read_until(
    socket: &UnixDatagram,
    limit: Duration,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while Instant::now() < deadline && !done(&seen) {
        if let Ok(len) = socket.recv(&mut buf) {
            let message = String::from_utf8_lossy(&buf[..len]);
            seen.extend(message.lines().map(str::to_owned));
        }
    }
    seen
}

fn count(seen: &[String], line: &str) -> usize {
    seen.iter().filter(|l| *l == line).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_pings_the_watchdog_and_reports_its_sources_in_status() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[
            SourceToml::listing("good", &outlet.url("/tag/bolivia/")),
            SourceToml::listing("broken", &outlet.url("/broken/500")),
        ],
        "5s",
    );
    let socket_path = env.dir().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut daemon = env
        .daemon_with_env(&[
            ("NOTIFY_SOCKET", &socket_path),
            ("WATCHDOG_USEC", Path::new("2000000")),
        ])
        .await;

    let want = "2 sources, 1 failing, next refresh in";
    let seen = tokio::task::block_in_place(|| {
        read_until(&socket, Duration::from_secs(60), |seen| {
            count(seen, "WATCHDOG=1") >= 3
                && seen
                    .iter()
                    .any(|l| l.starts_with(&format!("STATUS={want}")))
        })
    });
    let logs = daemon.logs();
    assert_eq!(count(&seen, "READY=1"), 1, "{seen:?}\n{logs}");
    assert!(count(&seen, "WATCHDOG=1") >= 3, "{seen:?}\n{logs}");
    let status = seen
        .iter()
        .rev()
        .find(|l| l.starts_with("STATUS="))
        .unwrap();
    assert!(
        status.starts_with(&format!("STATUS={want}")),
        "{seen:?}\n{logs}"
    );
    assert!(!logs.contains("not pinging"), "{logs}");

    let ready = http_get(&daemon.url("/readyz")).await;
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));

    signal(daemon.pid(), "TERM");
    let status = daemon.wait_exit(Duration::from_secs(10)).await;
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", daemon.logs());
}
