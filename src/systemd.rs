//! Tells systemd (`Type=notify`) that the daemon is ready or stopping, that
//! it is alive (`WATCHDOG=1`) and how it is doing (`STATUS=`, shown by
//! `systemctl status`). A no-op when not started by systemd (no
//! `NOTIFY_SOCKET`). *When* to ping is `app::watchdog`'s decision.

use sd_notify::NotifyState;

/// Sends `READY=1`: the server is listening.
pub fn ready() {
    notify(&[NotifyState::Ready]);
}

/// Sends `STOPPING=1`: shutdown has begun.
pub fn stopping() {
    notify(&[NotifyState::Stopping]);
}

/// Sends `WATCHDOG=1`: the daemon is alive.
pub fn watchdog() {
    notify(&[NotifyState::Watchdog]);
}

/// Sends `STATUS=line`.
pub fn status(line: &str) {
    notify(&[NotifyState::Status(line)]);
}

/// The watchdog interval systemd asks for (`WatchdogSec=`, passed as
/// `WATCHDOG_USEC`), if any and meant for this process.
pub fn watchdog_interval() -> Option<std::time::Duration> {
    sd_notify::watchdog_enabled().filter(|d| !d.is_zero())
}

/// Whether a service manager listens (`NOTIFY_SOCKET` is set): `STATUS=`
/// lines are computed only then.
pub fn listening() -> bool {
    std::env::var_os("NOTIFY_SOCKET").is_some_and(|s| !s.is_empty())
}

fn notify(state: &[NotifyState]) {
    if let Err(err) = sd_notify::notify(state) {
        tracing::warn!(error = %err, "cannot notify systemd");
    }
}
