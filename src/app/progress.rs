//! `refeed once`'s progress (issue 12): on a terminal, a bar of sources
//! done with the items and article pages fetched so far, redrawn while a
//! long refresh runs, each source's line printed above it; when stdout is
//! not a terminal (a pipe, a file, cron's mail) only the plain lines.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::pipeline::Tally;

/// How often the bar's counts are redrawn.
const REDRAW: Duration = Duration::from_millis(200);

/// The bar and the task that keeps its counts current, or plain lines.
pub(super) struct Progress {
    bar: Option<(indicatif::ProgressBar, JoinHandle<()>)>,
}

impl Progress {
    /// A bar over `len` sources counting from `tally`, when stdout is a
    /// terminal (the bar itself draws on stderr, and only on a terminal).
    pub(super) fn new(len: usize, tally: Arc<Tally>) -> Self {
        if !std::io::stdout().is_terminal() {
            return Self { bar: None };
        }
        let bar = indicatif::ProgressBar::new(len as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} [{bar:30}] {pos}/{len} sources, {msg} {elapsed}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(counts(&tally));
        bar.enable_steady_tick(Duration::from_millis(120));
        let redraw = bar.clone();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(REDRAW);
            loop {
                ticks.tick().await;
                redraw.set_message(counts(&tally));
            }
        });
        Self {
            bar: Some((bar, task)),
        }
    }

    /// Prints a source's line (above the bar) and counts it done.
    pub(super) fn report(&self, line: &str) {
        match &self.bar {
            Some((bar, _)) => {
                bar.println(line);
                bar.inc(1);
            }
            None => println!("{line}"),
        }
    }

    /// Removes the bar.
    pub(super) fn finish(&self) {
        if let Some((bar, task)) = &self.bar {
            task.abort();
            bar.finish_and_clear();
        }
    }
}

/// `12 items, 3 articles fetched`.
fn counts(tally: &Tally) -> String {
    format!(
        "{} items, {} articles fetched",
        tally.items(),
        tally.articles()
    )
}
