//! `refeed run` as a child process: started with a test config, its port read
//! from the `listening` log line (tracing writes `addr=127.0.0.1:PORT`), its
//! stderr kept for failure messages, killed if a test leaves it running.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{BIN, command, isolated};

/// How long `run` may take to log `listening`.
const LISTEN_LIMIT: Duration = Duration::from_secs(30);

/// A running `refeed run`; killed if still running when dropped.
pub struct Daemon {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    logs: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts `refeed run --config CONFIG` in `cwd` and waits until it listens.
    pub async fn start(cwd: &Path, config: &Path) -> Daemon {
        Self::start_with_env(cwd, config, &[]).await
    }

    /// [`Daemon::start`] with extra environment variables.
    pub async fn start_with_env(cwd: &Path, config: &Path, env: &[(&str, &Path)]) -> Daemon {
        let mut cmd = command(cwd);
        cmd.envs(env.iter().copied())
            .arg("run")
            .arg("--config")
            .arg(config);
        Self::spawn(cmd).await
    }

    /// [`Daemon::start`] with its descriptor limit (soft and hard) set to
    /// `nofile` by the shell's `ulimit -n`, as systemd's default of 1,024
    /// would (issue 9: slowloris). The shell execs the binary, so the
    /// process id is refeed's.
    pub async fn start_with_nofile(cwd: &Path, config: &Path, nofile: u32) -> Daemon {
        let script = format!("ulimit -n {nofile} && exec \"$0\" run --config \"$1\"");
        let mut cmd = isolated(Command::new("sh"), cwd);
        cmd.arg("-c").arg(script).arg(BIN).arg(config);
        Self::spawn(cmd).await
    }

    /// Spawns `cmd` (a `refeed run`) and waits until it listens.
    async fn spawn(mut cmd: Command) -> Daemon {
        let mut child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start refeed run");
        let logs = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let stderr = child.stderr.take().expect("stderr");
        let sink = logs.clone();
        std::thread::spawn(move || read_logs(stderr, sink, tx));
        let addr = match tokio::time::timeout(LISTEN_LIMIT, rx).await {
            Ok(Ok(addr)) => addr,
            outcome => {
                let _ = child.kill();
                let _ = child.wait();
                let logs = logs.lock().unwrap().clone();
                panic!("refeed run did not log its address ({outcome:?}); stderr:\n{logs}");
            }
        };
        Daemon { child, addr, logs }
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Everything logged so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().clone()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("poll refeed run").is_none()
    }

    /// Waits up to `limit` for the process to exit.
    pub async fn wait_exit(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("poll refeed run") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Collects stderr lines; sends the address from the first `listening` line.
fn read_logs(
    stderr: std::process::ChildStderr,
    sink: Arc<Mutex<String>>,
    tx: tokio::sync::oneshot::Sender<SocketAddr>,
) {
    let mut tx = Some(tx);
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        if line.contains("listening")
            && let Some(addr) = listen_addr(&line)
            && let Some(tx) = tx.take()
        {
            let _ = tx.send(addr);
        }
        let mut logs = sink.lock().unwrap();
        logs.push_str(&line);
        logs.push('\n');
    }
}

/// The `addr=127.0.0.1:PORT` field of a log line.
fn listen_addr(line: &str) -> Option<SocketAddr> {
    let start = line.find("addr=")? + "addr=".len();
    let value = line[start..].split_whitespace().next()?;
    value.trim_matches('"').parse().ok()
}

#[test]
fn listen_addr_is_read_from_a_tracing_line() {
    let line = "2025-01-01T00:00:00.000001Z  INFO refeed::app: listening addr=127.0.0.1:41234 base_url=http://refeed.test/";
    assert_eq!(listen_addr(line), Some("127.0.0.1:41234".parse().unwrap()));
    assert_eq!(listen_addr("INFO refeed: starting"), None);
}
