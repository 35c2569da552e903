//! Runs the pipeline's CPU work (scraping, extraction, boilerplate
//! learning) on tokio's blocking pool, at most one job per core at a time.
//!
//! Without the bound, every refresh in flight parses at once: with
//! `[scheduler] workers = 32` and four article fetches per source, up to 128
//! HTML trees were alive together on a 2-core machine, each on its own
//! blocking thread (and glibc arena), and peak memory grew with the worker
//! count (40 MB at 4 workers, 61 MB at 32 in `scripts/bench-fetch`) while
//! the work itself could not go faster than the cores. Fetches still overlap
//! freely; only the parsing waits its turn.
//!
//! Parses are also bounded by the bytes they parse together (issue 9): a
//! parse's memory grows with its page (up to about 250 times the page's
//! size for a page of bare `<p>` tags, and at most what `markup`'s element
//! cap allows, about 100 MB), so two 10 MB pages parsed at once could take twice what
//! one does. Jobs take a share of [`PARSE_BUDGET_BYTES`] by their page
//! size; a page larger than the whole budget runs alone.

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinError;

/// Page bytes parsed at once, across all jobs. The densest markup within
/// `markup`'s limits (unclosed `<p>x`: 150,000 in 600 KB peaked at 150 MB
/// to parse and extract) costs some 250 bytes per page byte, so the jobs
/// within this budget stay under about 260 MB together; a larger page (up
/// to `max_body_bytes`) runs alone, bounded to about 100 MB by the
/// element cap. Real article pages average 180 KB: several still run at
/// once.
pub(super) const PARSE_BUDGET_BYTES: usize = 1024 * 1024;

/// The budget is counted in KiB (a semaphore counts in `u32`).
const BUDGET_UNIT: usize = 1024;

/// A bound on concurrent CPU jobs; cheap to clone (two `Arc`s).
#[derive(Debug, Clone)]
pub(super) struct Cpu {
    slots: Arc<Semaphore>,
    /// The parse budget, in [`BUDGET_UNIT`]s.
    budget: Arc<Semaphore>,
    budget_units: u32,
}

impl Cpu {
    /// One slot per core the process may use (at least one), and the
    /// default parse budget.
    pub(super) fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_slots(cores, PARSE_BUDGET_BYTES)
    }

    /// At most `slots` jobs at once (at least one), parsing at most
    /// `budget_bytes` together (a larger job runs alone).
    pub(super) fn with_slots(slots: usize, budget_bytes: usize) -> Self {
        let budget_units = u32::try_from(budget_bytes / BUDGET_UNIT)
            .unwrap_or(u32::MAX)
            .max(1);
        Cpu {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            budget: Arc::new(Semaphore::new(budget_units as usize)),
            budget_units,
        }
    }

    /// Runs `job` on the blocking pool once a slot is free. The error is the
    /// job's panic (or the runtime shutting down under it).
    pub(super) async fn run<T, F>(&self, job: F) -> Result<T, JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.run_sized(0, job).await
    }

    /// Runs `job`, which parses `bytes` of markup, once a slot and its share
    /// of the parse budget are free.
    pub(super) async fn run_sized<T, F>(&self, bytes: usize, job: F) -> Result<T, JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let units = u32::try_from(bytes.div_ceil(BUDGET_UNIT))
            .unwrap_or(u32::MAX)
            .clamp(1, self.budget_units);
        // The semaphores are never closed, so acquiring cannot fail; the
        // permits move into the job and are released when the job ends,
        // even if the awaiting refresh was cancelled meanwhile. The budget
        // comes first, always in this order, and tokio's semaphores are
        // fair: a large job waiting is not overtaken by small ones forever.
        let share = self.budget.clone().acquire_many_owned(units).await.ok();
        let permit = self.slots.clone().acquire_owned().await.ok();
        tokio::task::spawn_blocking(move || {
            let _permits = (share, permit);
            job()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_jobs_run_at_once_than_there_are_slots() {
        let cpu = Cpu::with_slots(2, PARSE_BUDGET_BYTES);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs = (0..8).map(|n| {
            let (cpu, running, most) = (cpu.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                cpu.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    n * 10
                })
                .await
            })
        });
        let mut results = Vec::new();
        for job in jobs.collect::<Vec<_>>() {
            results.push(job.await.unwrap().unwrap());
        }
        assert_eq!(results, (0..8).map(|n| n * 10).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), 2, "two slots, two at once");
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_frees_its_slot() {
        let cpu = Cpu::with_slots(1, PARSE_BUDGET_BYTES);
        let panicked = cpu.run(|| panic!("bad page")).await;
        assert!(panicked.unwrap_err().is_panic());
        assert_eq!(cpu.run(|| 7).await.unwrap(), 7, "the slot was freed");
    }

    /// Runs `sizes` jobs at once on `cpu`; returns the most that ran together.
    async fn most_at_once(cpu: Cpu, sizes: &[usize]) -> usize {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = sizes
            .iter()
            .map(|&size| {
                let (cpu, running, most) = (cpu.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    cpu.run_sized(size, move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(30));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        most.load(Ordering::SeqCst)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn large_pages_share_the_parse_budget() {
        const MIB: usize = 1024 * 1024;
        // Two free slots, but two 3 MiB pages exceed a 4 MiB budget.
        let cpu = Cpu::with_slots(2, 4 * MIB);
        assert_eq!(most_at_once(cpu.clone(), &[3 * MIB, 3 * MIB]).await, 1);
        // Small pages still use both slots.
        assert_eq!(most_at_once(cpu.clone(), &[MIB, MIB, MIB, MIB]).await, 2);
        // A page over the whole budget runs, alone, rather than never.
        assert_eq!(most_at_once(cpu, &[10 * MIB, MIB]).await, 1);
    }
}
