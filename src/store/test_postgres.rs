//! A throwaway PostgreSQL cluster for tests (issue 13), shared by the store's
//! unit tests and the integration tests (`tests/it` includes this file by
//! path): one cluster per test process, started at the first call of
//! [`database_url`], each caller getting a database of its own.
//!
//! The cluster lives in a temporary folder, listens only on a Unix socket in
//! that folder (`listen_addresses = ''`: no TCP port) and is run with
//! Debian's `initdb`/`pg_ctl` (`/usr/lib/postgresql/N/bin`, else `PATH`).
//! PostgreSQL refuses to run as root, so under root it runs as the
//! `postgres` user (`runuser`). A watcher shell started beside it stops the
//! cluster (`pg_ctl -m immediate`) and deletes its folder once the test
//! process is gone, however it ended, so clusters never pile up.
//!
//! Without the binaries (or as root without a `postgres` user) the tests
//! that ask skip with a message, unless `REFEED_REQUIRE_POSTGRES=1`
//! (`.ci/run`), which makes them fail instead.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The running cluster of this process: the folder holding its socket.
struct Cluster {
    /// The folder of the socket, the data and the log.
    dir: PathBuf,
}

/// The cluster, started once; `Err` says why there is none.
static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();

/// Databases created so far (their names: `t_N`).
static DATABASES: AtomicU64 = AtomicU64::new(0);

/// A URL of a new, empty database on this process's cluster, or `None`
/// (after printing why) when PostgreSQL is not available here. Panics when
/// it is not but `REFEED_REQUIRE_POSTGRES=1` says it must be.
pub async fn database_url() -> Option<String> {
    let cluster = match CLUSTER.get_or_init(start) {
        Ok(cluster) => cluster,
        Err(why) => {
            assert!(
                std::env::var("REFEED_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "PostgreSQL is required (REFEED_REQUIRE_POSTGRES=1) but {why}"
            );
            eprintln!("skipping the PostgreSQL part of this test: {why}");
            return None;
        }
    };
    let name = format!("t_{}", DATABASES.fetch_add(1, Ordering::Relaxed) + 1);
    let admin = cluster.url("postgres");
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap_or_else(|err| panic!("cannot connect to the test cluster: {err}"));
    let create = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
    sqlx::Executor::execute(&mut conn, create)
        .await
        .unwrap_or_else(|err| panic!("cannot create database {name}: {err}"));
    let _ = sqlx::Connection::close(conn).await;
    Some(cluster.url(&name))
}

impl Cluster {
    /// The URL of database `name` over the cluster's socket.
    fn url(&self, name: &str) -> String {
        format!(
            "postgres://postgres@localhost/{name}?host={}",
            self.dir.display()
        )
    }
}

/// The folder of `initdb` and `pg_ctl`: Debian's newest, else `PATH`'s.
fn bin_dir() -> Option<PathBuf> {
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("pg_ctl").is_file() && bin.join("initdb").is_file())
        .collect();
    debian.sort();
    if let Some(bin) = debian.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .find(|dir| dir.join("pg_ctl").is_file() && dir.join("initdb").is_file())
}

/// Whether this process runs as root.
fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `program` with `args`, as the `postgres` user when this is root.
fn as_cluster_user(program: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

/// Runs `command` to its end; `Err` with its output when it fails.
fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run {what}: {err}"))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

/// Creates and starts the cluster, and the watcher that removes it.
fn start() -> Result<Cluster, String> {
    let bin = bin_dir().ok_or("no initdb/pg_ctl found (install postgresql)")?;
    let dir = tempfile::Builder::new()
        .prefix("refeed-pg-")
        .tempdir()
        .map_err(|err| format!("cannot create a folder for the cluster: {err}"))?
        .keep();
    if is_root() {
        hand_to_postgres(&dir)?;
    }
    let data = dir.join("data");
    let (data_arg, dir_arg) = (data.to_string_lossy(), dir.to_string_lossy());
    let initdb = as_cluster_user(
        &bin.join("initdb"),
        &[
            "-D",
            &data_arg,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    );
    run(initdb, "initdb")?;
    watch_for_exit(&bin, &dir)?;
    let options = format!(
        "-c listen_addresses='' -k {dir_arg} -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=300"
    );
    let log = dir.join("log").to_string_lossy().into_owned();
    let pg_ctl = as_cluster_user(
        &bin.join("pg_ctl"),
        &["-D", &data_arg, "-o", &options, "-l", &log, "-w", "start"],
    );
    run(pg_ctl, "pg_ctl start").map_err(|err| {
        format!(
            "{err}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        )
    })?;
    Ok(Cluster { dir })
}

/// Gives `dir` to the `postgres` user (as root).
fn hand_to_postgres(dir: &Path) -> Result<(), String> {
    let mut chown = Command::new("chown");
    chown.arg("postgres:").arg(dir);
    run(chown, "chown postgres (is there a postgres user?)")
}

/// Starts a detached shell that waits for this process to end, then stops
/// the cluster at once and deletes its folder.
fn watch_for_exit(bin: &Path, dir: &Path) -> Result<(), String> {
    let script = format!(
        "while [ -d /proc/{pid} ]; do sleep 1; done; \
         '{pg_ctl}' -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        pg_ctl = bin.join("pg_ctl").display(),
        data = dir.join("data").display(),
        dir = dir.display(),
    );
    let mut watcher = as_cluster_user(Path::new("setsid"), &["sh", "-c", &script]);
    watcher
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|err| format!("cannot start the cluster's watcher: {err}"))
}
