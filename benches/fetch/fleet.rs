//! `--storage postgres --instances 1,3` (issue 13): N `refeed run` daemons
//! (each in a folder of its own, one config, one database URL) refresh
//! every source once, all due at start (pass 1: empty database; pass 2:
//! restarted, nothing changed, so every answer is a `304`), on a throwaway PostgreSQL cluster
//! (the test harness's, `src/store/test_postgres.rs`: `initdb` in a
//! temporary folder, Unix socket only, `fsync=off`, as the `postgres` user
//! under root; removed when the bench exits). On a 2-core machine more
//! daemons cannot add CPU, so this reports what the database does:
//!
//! - claims/s: refreshes (one won claim each, the `refreshes` table) over
//!   the span from the first refresh's start to the last one's end;
//! - commits/s: `pg_stat_database.xact_commit` of the bench's database,
//!   from before the daemons start to after they stopped (flushed at
//!   backend exit), over the daemons' lifetime;
//! - claim latency: the server-side execute time of every claim
//!   (`UPDATE source_schedule SET lease_owner …`, won or lost), from the
//!   cluster's log with `log_min_duration_statement = 0` (median, p99);
//! - DB CPU: user + system time of every `postgres` process, read before
//!   the daemons stop (their backends still alive), per refresh.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

use crate::child::cpu_ticks;

/// How long the daemons get to refresh every source once.
const LIMIT: Duration = Duration::from_secs(600);

/// What one fleet run measured.
pub struct Fleet {
    /// Daemons run.
    pub instances: usize,
    /// Sources refreshed (at least once), and refreshes in all.
    pub sources: i64,
    pub refreshes: i64,
    /// First refresh start to last refresh end.
    pub span: Duration,
    /// Daemons' start to their stop.
    pub lifetime: Duration,
    /// Transactions committed in the bench's database.
    pub commits: i64,
    /// Claim executions logged (won and lost), in ms, sorted.
    pub claims_ms: Vec<f64>,
    /// CPU seconds of the `postgres` processes.
    pub db_cpu: f64,
}

/// Runs `instances` daemons on a new database of the cluster with the
/// sources of `config` (whose `[storage]` line is written here), twice:
/// pass 1 on an empty database, pass 2 restarted with nothing changed (a
/// start makes every source due once: all conditional GETs, `304`).
pub async fn run(
    bin: &Path,
    instances: usize,
    config: impl Fn(&str) -> String,
    log: &str,
) -> Result<Vec<Fleet>, String> {
    let url = crate::test_postgres::database_url()
        .await
        .ok_or("no PostgreSQL cluster (see above)")?;
    let mut db = PgConnection::connect(&url).await.map_err(text)?;
    let pg_log = start_logging(&mut db).await?;
    let dir = tempfile::Builder::new()
        .prefix("bench-fleet-")
        .tempdir()
        .map_err(text)?;
    let file = dir.path().join("refeed.toml");
    std::fs::write(&file, config(&format!("url = {url:?}"))).map_err(text)?;
    let sources = config("").matches("[[source]]").count() as i64;
    let mut passes = Vec::new();
    for pass in 1..=2 {
        let cwd = |n: usize| dir.path().join(format!("pass{pass}-i{n}"));
        let spawn_all = || {
            (0..instances)
                .map(|n| spawn(bin, &file, &cwd(n), log))
                .collect()
        };
        passes.push(one_pass(&mut db, &pg_log, sources, spawn_all).await?);
    }
    for fleet in &mut passes {
        fleet.instances = instances;
    }
    Ok(passes)
}

/// Starts the daemons, waits until each of `sources` has been refreshed
/// once more, stops them, and reads what the database did meanwhile.
async fn one_pass(
    db: &mut PgConnection,
    pg_log: &Path,
    sources: i64,
    spawn_all: impl FnOnce() -> Result<Vec<Child>, String>,
) -> Result<Fleet, String> {
    let log_from = std::fs::metadata(pg_log).map_or(0, |m| m.len());
    let commits = xact_commit(db).await?;
    let after: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM refreshes")
        .fetch_one(&mut *db)
        .await
        .unwrap_or(0);
    let cpu = postgres_cpu();
    let started = Instant::now();
    let mut daemons = spawn_all()?;
    let waited = wait_all_refreshed(db, sources, after, &mut daemons).await;
    let db_cpu = postgres_cpu() - cpu;
    for daemon in &mut daemons {
        stop(daemon);
    }
    let lifetime = started.elapsed();
    waited?;
    // Stats of exited backends are flushed at exit; give the stats a moment.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let (sources, refreshes, span) = refreshes(db, after).await?;
    Ok(Fleet {
        instances: 0,
        sources,
        refreshes,
        span,
        lifetime,
        commits: xact_commit(db).await? - commits,
        claims_ms: claim_durations(pg_log, log_from),
        db_cpu,
    })
}

fn text(err: impl std::fmt::Display) -> String {
    err.to_string()
}

/// Logs every statement's duration in the bench's database (new
/// connections: the daemons'); answers the cluster's log file (beside its
/// data folder, as the harness starts it).
async fn start_logging(db: &mut PgConnection) -> Result<PathBuf, String> {
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(&mut *db)
        .await
        .map_err(text)?;
    let set = format!("ALTER DATABASE {name} SET log_min_duration_statement = 0");
    sqlx::raw_sql(sqlx::AssertSqlSafe(set))
        .execute(&mut *db)
        .await
        .map_err(text)?;
    let data: String = sqlx::query_scalar("SHOW data_directory")
        .fetch_one(&mut *db)
        .await
        .map_err(text)?;
    Ok(Path::new(&data).with_file_name("log"))
}

async fn xact_commit(db: &mut PgConnection) -> Result<i64, String> {
    sqlx::query_scalar(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(&mut *db)
    .await
    .map_err(text)
}

/// Starts `refeed run` in `cwd` (its control socket's folder).
fn spawn(bin: &Path, config: &Path, cwd: &Path, log: &str) -> Result<Child, String> {
    std::fs::create_dir_all(cwd).map_err(text)?;
    Command::new(bin)
        .args(["run", "--config"])
        .arg(config)
        .current_dir(cwd)
        .env("REFEED_LOG", log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(cwd.join("run.log")).map_err(text)?)
        .spawn()
        .map_err(text)
}

/// SIGTERM, then waits for the exit.
fn stop(daemon: &mut Child) {
    let pid = rustix::process::Pid::from_child(daemon);
    let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    let _ = daemon.wait();
}

/// Polls until each of `sources` has a refresh after id `after` (the table
/// appears when the first daemon has migrated the database).
async fn wait_all_refreshed(
    db: &mut PgConnection,
    sources: i64,
    after: i64,
    daemons: &mut [Child],
) -> Result<(), String> {
    let deadline = Instant::now() + LIMIT;
    loop {
        let done: Result<i64, _> =
            sqlx::query_scalar("SELECT count(DISTINCT source_id) FROM refreshes WHERE id > $1")
                .bind(after)
                .fetch_one(&mut *db)
                .await;
        if *done.as_ref().unwrap_or(&0) >= sources {
            return Ok(());
        }
        if let Some(exited) = daemons.iter_mut().find_map(|d| d.try_wait().ok().flatten()) {
            return Err(format!("a daemon exited ({exited}); see its run.log"));
        }
        if Instant::now() > deadline {
            return Err(format!("not every source refreshed in {LIMIT:?}: {done:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sources refreshed, refreshes, and the span they took, after id `after`.
async fn refreshes(db: &mut PgConnection, after: i64) -> Result<(i64, i64, Duration), String> {
    let (sources, count, first, last): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(DISTINCT source_id), count(*), min(started), max(finished)
         FROM refreshes WHERE id > $1",
    )
    .bind(after)
    .fetch_one(&mut *db)
    .await
    .map_err(text)?;
    let span = Duration::from_millis((last - first).max(1) as u64);
    Ok((sources, count, span))
}

/// CPU seconds used so far by the live `postgres` processes.
fn postgres_cpu() -> f64 {
    let ticks: u64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .map(|stat| cpu_ticks(&stat))
        .sum();
    ticks as f64 / 100.0
}

/// Durations of the claim `UPDATE`s' execute phase logged after byte `from`.
fn claim_durations(log: &Path, from: u64) -> Vec<f64> {
    let bytes = std::fs::read(log).unwrap_or_default();
    let tail = String::from_utf8_lossy(bytes.get(from as usize..).unwrap_or_default());
    let mut durations: Vec<f64> = tail
        .lines()
        .filter(|l| l.contains("execute") && l.contains("SET lease_owner = $2"))
        .filter_map(|l| {
            let rest = l.split_once("duration: ")?.1;
            rest.split_once(" ms")?.0.parse().ok()
        })
        .collect();
    durations.sort_by(f64::total_cmp);
    durations
}

/// The `q`-quantile of sorted `values` (0 when empty).
fn quantile(values: &[f64], q: f64) -> f64 {
    let Some(last) = values.len().checked_sub(1) else {
        return 0.0;
    };
    values[((last as f64) * q).round() as usize]
}

/// One row per instance count, then the saturation estimate.
pub fn table(runs: &[Fleet]) {
    println!(
        "{:>4} {:>9} {:>7} {:>8} {:>9} {:>11} {:>12} {:>12} {:>10} {:>13}",
        "pass",
        "instances",
        "span s",
        "claims/s",
        "commits/s",
        "commits/src",
        "claim p50 ms",
        "claim p99 ms",
        "claims run",
        "DB CPU ms/src"
    );
    for (i, f) in runs.iter().enumerate() {
        println!(
            "{:>4} {:>9} {:>7.2} {:>8.1} {:>9.1} {:>11.1} {:>12.3} {:>12.3} {:>10} {:>13.2}",
            i % 2 + 1,
            f.instances,
            f.span.as_secs_f64(),
            f.claims_per_s(),
            f.commits as f64 / f.lifetime.as_secs_f64(),
            f.commits as f64 / f.refreshes.max(1) as f64,
            quantile(&f.claims_ms, 0.5),
            quantile(&f.claims_ms, 0.99),
            f.claims_ms.len(),
            f.db_cpu_per_refresh() * 1e3,
        );
        if f.sources != f.refreshes {
            println!("  {} refreshes of {} sources", f.refreshes, f.sources);
        }
    }
    for (pass, what) in [(0, "pass 1 (all new)"), (1, "pass 2 (all 304)")] {
        if let Some(one) = runs.iter().skip(pass).step_by(2).find(|f| f.instances == 1) {
            print!("{what}: ");
            saturation(one);
        }
    }
}

/// On paper: one PostgreSQL core serves 1 / (DB CPU per refresh)
/// refreshes a second; one instance asks for its claims/s.
fn saturation(one: &Fleet) {
    let per_core = 1.0 / one.db_cpu_per_refresh().max(1e-6);
    println!(
        "on paper: one PostgreSQL core serves {per_core:.0} refreshes/s at {:.2} ms CPU each; \
         one instance claims {:.1}/s here, so one core saturates at ~{:.1} instances \
         (× the cores PostgreSQL gets)",
        one.db_cpu_per_refresh() * 1e3,
        one.claims_per_s(),
        per_core / one.claims_per_s().max(1e-6)
    );
}

impl Fleet {
    /// Won claims (refreshes) per second of the refresh span.
    fn claims_per_s(&self) -> f64 {
        self.refreshes as f64 / self.span.as_secs_f64()
    }

    /// PostgreSQL's CPU seconds per refresh.
    fn db_cpu_per_refresh(&self) -> f64 {
        self.db_cpu / self.refreshes.max(1) as f64
    }
}
