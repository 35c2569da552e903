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

use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinError;

/// A bound on concurrent CPU jobs; cheap to clone (one `Arc`).
#[derive(Debug, Clone)]
pub(super) struct Cpu {
    slots: Arc<Semaphore>,
}

impl Cpu {
    /// One slot per core the process may use (at least one).
    pub(super) fn per_core() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::with_slots(cores)
    }

    /// At most `slots` jobs at once (at least one).
    pub(super) fn with_slots(slots: usize) -> Self {
        Cpu {
            slots: Arc::new(Semaphore::new(slots.max(1))),
        }
    }

    /// Runs `job` on the blocking pool once a slot is free. The error is the
    /// job's panic (or the runtime shutting down under it).
    pub(super) async fn run<T, F>(&self, job: F) -> Result<T, JoinError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // The semaphore is never closed, so acquiring cannot fail; the permit
        // moves into the job and is released when the job ends, even if
        // the awaiting refresh was cancelled meanwhile.
        let permit = self.slots.clone().acquire_owned().await.ok();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
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
        let cpu = Cpu::with_slots(2);
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
        let cpu = Cpu::with_slots(1);
        let panicked = cpu.run(|| panic!("bad page")).await;
        assert!(panicked.unwrap_err().is_panic());
        assert_eq!(cpu.run(|| 7).await.unwrap(), 7, "the slot was freed");
    }
}
