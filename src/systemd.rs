//! Tells systemd (`Type=notify`) that the daemon is ready or stopping.
//! A no-op when not started by systemd (no `NOTIFY_SOCKET`).

use sd_notify::NotifyState;

/// Sends `READY=1`: the server is listening.
pub fn ready() {
    notify(&[NotifyState::Ready]);
}

/// Sends `STOPPING=1`: shutdown has begun.
pub fn stopping() {
    notify(&[NotifyState::Stopping]);
}

fn notify(state: &[NotifyState]) {
    if let Err(err) = sd_notify::notify(state) {
        tracing::warn!(error = %err, "cannot notify systemd");
    }
}
