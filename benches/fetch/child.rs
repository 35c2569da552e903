//! Runs `refeed once` as a child process and measures it: wall time from
//! spawn to exit, and peak resident memory from `/proc/<pid>/status`
//! `VmHWM` (the kernel's high-water mark of RSS, so polling every few
//! milliseconds loses nothing but what happens in the last interval before
//! exit). CPU time (user + system, all threads) and the thread count come
//! from `/proc/<pid>/stat` and `status` the same way. Reads the
//! one-line-per-source summary `once` prints.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How often the child's `VmHWM` is read.
const POLL: Duration = Duration::from_millis(5);

/// What one `refeed once` run did.
#[derive(Debug)]
pub struct Run {
    /// Spawn to exit.
    pub wall: Duration,
    /// Highest `VmHWM` read, in KiB.
    pub peak_rss_kib: u64,
    /// User + system CPU time of every thread, last read before exit.
    pub cpu: Duration,
    /// Most threads seen at once.
    pub peak_threads: u64,
    /// Most open descriptors seen at once (`/proc/<pid>/fd`).
    pub peak_fds: u64,
    /// Whether the process exited with status 0.
    pub success: bool,
    /// Sources reported `ok` (refreshed with a 200).
    pub sources_ok: usize,
    /// Sources reported `not modified` (their listing answered 304).
    pub not_modified: usize,
    /// The lines of sources reported as errors.
    pub errors: Vec<String>,
    /// Sum of the `N seen` of every source.
    pub seen: u64,
    /// Sum of the `N new` of every source.
    pub new: u64,
}

/// Runs `bin once --config config` with `REFEED_LOG=log`; stdout and stderr
/// go to `stem.out` and `stem.log`.
pub fn run_once(bin: &Path, config: &Path, log: &str, stem: &Path) -> std::io::Result<Run> {
    let out_path = stem.with_extension("out");
    let mut child = Command::new(bin)
        .args(["once", "--config"])
        .arg(config)
        .env("REFEED_LOG", log)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path)?)
        .stderr(File::create(stem.with_extension("log"))?)
        .spawn()?;
    let started = Instant::now();
    let proc_dir = format!("/proc/{}", child.id());
    let mut sample = Sample::default();
    let status = loop {
        sample.read(&proc_dir);
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(POLL);
    };
    let wall = started.elapsed();
    let mut run = read_summary(&out_path)?;
    run.wall = wall;
    run.peak_rss_kib = sample.peak_rss_kib;
    run.cpu = Duration::from_secs_f64(sample.cpu_ticks as f64 / CLOCK_TICKS);
    run.peak_threads = sample.peak_threads;
    run.peak_fds = sample.peak_fds;
    run.success = status.success();
    Ok(run)
}

/// The summary of a run from the stdout it left in `out` (its figures
/// other than the counts stay zero).
pub fn read_summary(out: &Path) -> std::io::Result<Run> {
    let mut run = Run {
        wall: Duration::ZERO,
        peak_rss_kib: 0,
        cpu: Duration::ZERO,
        peak_threads: 0,
        peak_fds: 0,
        success: true,
        sources_ok: 0,
        not_modified: 0,
        errors: Vec::new(),
        seen: 0,
        new: 0,
    };
    summarize(&std::fs::read_to_string(out)?, &mut run);
    Ok(run)
}

/// `USER_HZ`, the unit of `/proc/<pid>/stat` times: 100 on every Linux
/// architecture refeed targets.
const CLOCK_TICKS: f64 = 100.0;

/// The highest figures read from `/proc/<pid>` so far.
#[derive(Debug, Default)]
struct Sample {
    peak_rss_kib: u64,
    peak_threads: u64,
    peak_fds: u64,
    cpu_ticks: u64,
}

impl Sample {
    /// Reads the process's figures; a process that is gone (a zombie has no
    /// memory lines and stops counting CPU) leaves the last ones.
    fn read(&mut self, proc_dir: &str) {
        if let Ok(status) = std::fs::read_to_string(format!("{proc_dir}/status")) {
            self.peak_rss_kib = self.peak_rss_kib.max(field(&status, "VmHWM:"));
            self.peak_threads = self.peak_threads.max(field(&status, "Threads:"));
        }
        if let Ok(fds) = std::fs::read_dir(format!("{proc_dir}/fd"))
            && fds.count() as u64 > self.peak_fds
        {
            self.peak_fds = self.peak_fds.max(own_descriptors(proc_dir));
        }
        if let Ok(stat) = std::fs::read_to_string(format!("{proc_dir}/stat")) {
            self.cpu_ticks = self.cpu_ticks.max(cpu_ticks(&stat));
        }
    }
}

/// The child's descriptors but for sockets of this process. Read in the
/// instant after `spawn` returned and before the kernel closed the
/// close-on-exec descriptors the child inherited (a vfork-style spawn
/// resumes the parent once the child's exec replaced its memory, a step
/// before that), its table still holds the bench's: the outlet's
/// listeners, counted as refeed's (issue 13: pass 2's "1,014 descriptors"
/// at 1,000 hosts). refeed is given no socket of ours, so none is its own;
/// descriptors closed while they are read are not counted either.
fn own_descriptors(proc_dir: &str) -> u64 {
    let theirs = links(proc_dir);
    let ours = links("/proc/self");
    theirs
        .iter()
        .filter(|link| !(link.starts_with("socket:") && ours.contains(*link)))
        .count() as u64
}

/// Where a process's descriptors lead (`socket:[N]`, a path, …).
fn links(proc_dir: &str) -> std::collections::HashSet<String> {
    let Ok(dir) = std::fs::read_dir(format!("{proc_dir}/fd")) else {
        return Default::default();
    };
    dir.filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.to_string_lossy().into_owned())
        .collect()
}

/// `VmHWM:   12345 kB` → 12345 (0 when missing).
fn field(status: &str, name: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// utime + stime (fields 14 and 15) of a `/proc/<pid>/stat` line; the
/// command name in field 2 may hold spaces, so count after its `)`.
pub fn cpu_ticks(stat: &str) -> u64 {
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // `rest` starts at field 3 (state), so field n is at index n - 3.
    get(11) + get(12)
}

/// CPU time this process (the outlet server) has used so far.
pub fn own_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    Duration::from_secs_f64(cpu_ticks(&stat) as f64 / CLOCK_TICKS)
}

/// Reads `id: ok, 20 seen, 20 new, 0 updated`, `id: not modified` and
/// `id: error: …` lines.
fn summarize(stdout: &str, run: &mut Run) {
    for line in stdout.lines() {
        let Some((_, rest)) = line.split_once(": ") else {
            continue;
        };
        if rest.starts_with("error") {
            run.errors.push(line.to_owned());
        } else if rest == "not modified" {
            run.not_modified += 1;
        } else if let Some(counts) = rest.strip_prefix("ok, ") {
            run.sources_ok += 1;
            for part in counts.split(", ") {
                match part.split_once(' ') {
                    Some((n, "seen")) => run.seen += n.parse().unwrap_or(0),
                    Some((n, "new")) => run.new += n.parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
    }
}
