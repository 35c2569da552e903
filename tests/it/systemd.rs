//! `refeed run` speaks systemd's notify protocol (the unit is `Type=notify`):
//! READY=1 only once the HTTP server answers, STOPPING=1 on SIGTERM. The
//! test plays systemd's part with a Unix datagram socket in NOTIFY_SOCKET.

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, http_get, signal};

/// Reads one notification, failing the test after a few seconds.
fn next_message(socket: &UnixDatagram) -> String {
    let mut buf = [0u8; 512];
    let len = socket
        .recv(&mut buf)
        .expect("a notification within the read timeout");
    String::from_utf8_lossy(&buf[..len]).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_notifies_systemd_ready_once_listening_and_stopping_on_sigterm() {
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[SourceToml::listing("good", &outlet.url("/tag/bolivia/"))],
        "5s",
    );
    let socket_path = env.dir().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).expect("bind notify socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    let mut daemon = env
        .daemon_with_env(&[("NOTIFY_SOCKET", &socket_path)])
        .await;
    let ready = tokio::task::block_in_place(|| next_message(&socket));
    assert!(ready.lines().any(|l| l == "READY=1"), "got {ready:?}");
    assert_eq!(http_get(&daemon.url("/healthz")).await.status, 200);

    signal(daemon.pid(), "TERM");
    // STATUS= lines (app::watchdog) may come before it.
    let stopping = tokio::task::block_in_place(|| {
        let mut message = next_message(&socket);
        while message.starts_with("STATUS=") {
            message = next_message(&socket);
        }
        message
    });
    assert!(
        stopping.lines().any(|l| l == "STOPPING=1"),
        "got {stopping:?}"
    );
    let status = daemon.wait_exit(Duration::from_secs(10)).await;
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{}", daemon.logs());
}
