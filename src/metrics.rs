//! The daemon's Prometheus metrics (issue 12, point 4): one global recorder
//! (`metrics` facade + `metrics-exporter-prometheus`, without its HTTP
//! listener) that `http` renders at `GET /metrics`, and one function per
//! event, so every metric's name, type and labels are written here once and
//! instrumentation elsewhere is one line.
//!
//! Label values are bounded: a source id comes from the config (never a URL
//! or host from the wild), a format from [`FeedFormat`](crate::http::FeedFormat)'s
//! three plus `other`, a status code from the few refeed answers with, an
//! HTTP status class from `1xx`..`5xx` plus `error`. A process that never
//! calls [`install`] (the one-shot commands) records nothing: the facade's
//! calls are no-ops without a recorder.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;

/// Refreshes by source and outcome (`ok`, `not_modified`, `failed`).
pub const REFRESHES: &str = "refeed_refreshes_total";
/// Refresh duration by source (histogram, seconds).
pub const REFRESH_SECONDS: &str = "refeed_refresh_duration_seconds";
/// Items stored by source and change (`new`, `updated`).
pub const ITEMS: &str = "refeed_items_total";
/// Requests made (pages, feeds, articles, robots.txt) by HTTP status class
/// of the answer (`2xx`..., `error`).
pub const FETCHES: &str = "refeed_fetches_total";
/// Body bytes read (after content decoding).
pub const FETCH_BYTES: &str = "refeed_fetch_bytes_total";
/// Conditional requests answered 304 Not Modified.
pub const NOT_MODIFIED: &str = "refeed_fetch_not_modified_total";
/// Fetches refused by the site's robots.txt (never sent). An unreachable
/// or failing robots.txt, which RFC 9309 also reads as "disallow all",
/// counts as that request's failure instead.
pub const ROBOTS_REFUSALS: &str = "refeed_robots_refusals_total";
/// Configured sources (gauge).
pub const SOURCES: &str = "refeed_sources";
/// Sources whose last refresh failed, so the scheduler backs them off.
pub const BACKING_OFF: &str = "refeed_sources_backing_off";
/// Sources with a stale-source warning standing.
pub const STALE: &str = "refeed_sources_stale";
/// Feed requests by format and HTTP status answered.
pub const FEED_REQUESTS: &str = "refeed_feed_requests_total";
/// Whole-feed requests served from the rendered-feed cache.
pub const CACHE_HITS: &str = "refeed_feed_cache_hits_total";
/// Whole-feed requests that had to render.
pub const CACHE_MISSES: &str = "refeed_feed_cache_misses_total";
/// Bytes the rendered-feed cache holds (gauge), at most [`CACHE_BUDGET`].
pub const CACHE_BYTES: &str = "refeed_feed_cache_bytes";
/// The rendered-feed cache's bound, `[server] cache_bytes` (gauge).
pub const CACHE_BUDGET: &str = "refeed_feed_cache_budget_bytes";
/// Entries the rendered-feed cache holds (gauge).
pub const CACHE_ENTRIES: &str = "refeed_feed_cache_entries";
/// Entries dropped from the rendered-feed cache to make room.
pub const CACHE_EVICTIONS: &str = "refeed_feed_cache_evictions_total";
/// Time spent extracting one article (histogram, seconds; parsing only,
/// not the wait for a core).
pub const EXTRACT_SECONDS: &str = "refeed_extraction_duration_seconds";

/// Refresh claims tried on the fleet's shared schedule (PostgreSQL,
/// issue 13), by result (`won`: this instance runs the refresh; `lost`:
/// another instance held it or it was no longer due).
pub const FLEET_CLAIMS: &str = "refeed_fleet_claims_total";

/// Buckets of [`REFRESH_SECONDS`]: a 304 takes well under a second, a
/// full-text refresh of a busy outlet minutes (politeness delays included).
const REFRESH_BUCKETS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// Buckets of [`EXTRACT_SECONDS`]: a typical article parses in a few
/// milliseconds; the parse caps bound the worst near a second.
const EXTRACT_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// How often histogram samples are folded into their buckets when nobody
/// scrapes (they are buffered until then: this bounds the buffer).
const UPKEEP_PERIOD: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the global recorder (once per process; later calls return the
/// same handle) and describes every metric.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        // Fails only for an empty bucket list, and these are constants.
        let builder = builder().unwrap_or_else(|err| {
            tracing::warn!(error = %err, "histogram buckets refused; using summaries");
            PrometheusBuilder::new()
        });
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if let Err(err) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %err, "cannot install the metrics recorder");
        }
        describe();
        handle
    })
}

/// The recorder's settings: the two histograms get explicit buckets (the
/// exporter would otherwise render summaries, which cannot be aggregated).
fn builder() -> Result<PrometheusBuilder, BuildError> {
    let buckets = [
        (REFRESH_SECONDS, REFRESH_BUCKETS),
        (EXTRACT_SECONDS, EXTRACT_BUCKETS),
    ];
    let mut builder = PrometheusBuilder::new();
    for (name, values) in buckets {
        builder = builder.set_buckets_for_metric(Matcher::Full(name.to_owned()), values)?;
    }
    Ok(builder)
}

/// `# HELP` lines, and the unlabelled counters at zero so a scrape shows
/// them before the first event (absent and zero differ in queries).
fn describe() {
    describe_counter!(
        REFRESHES,
        "Source refreshes by outcome (ok, not_modified, failed)."
    );
    describe_histogram!(
        REFRESH_SECONDS,
        Unit::Seconds,
        "Duration of a source refresh."
    );
    describe_counter!(
        ITEMS,
        "Items stored by refreshes, by change (new, updated)."
    );
    describe_counter!(
        FETCHES,
        "HTTP requests to outlets (pages, feeds, articles, robots.txt) by status class of the answer (error: none)."
    );
    describe_counter!(
        FETCH_BYTES,
        Unit::Bytes,
        "Response body bytes read from outlets (decoded)."
    );
    describe_counter!(
        NOT_MODIFIED,
        "Conditional requests answered 304 Not Modified."
    );
    describe_counter!(
        ROBOTS_REFUSALS,
        "Fetches not sent because the site's robots.txt disallows them."
    );
    describe_gauge!(SOURCES, "Configured sources.");
    describe_gauge!(
        BACKING_OFF,
        "Sources whose last refresh failed (backing off)."
    );
    describe_gauge!(STALE, "Sources with a stale-source warning standing.");
    describe_counter!(FEED_REQUESTS, "Feed requests by format and HTTP status.");
    describe_counter!(
        CACHE_HITS,
        "Whole-feed requests served from the rendered-feed cache."
    );
    describe_counter!(CACHE_MISSES, "Whole-feed requests that rendered the feed.");
    describe_gauge!(
        CACHE_BYTES,
        Unit::Bytes,
        "Bytes the rendered-feed cache holds (bodies, headers, items, keys)."
    );
    describe_gauge!(
        CACHE_BUDGET,
        Unit::Bytes,
        "The rendered-feed cache's bound ([server] cache_bytes)."
    );
    describe_gauge!(CACHE_ENTRIES, "Entries the rendered-feed cache holds.");
    describe_counter!(
        CACHE_EVICTIONS,
        "Rendered feeds dropped from the cache to make room."
    );
    describe_histogram!(
        EXTRACT_SECONDS,
        Unit::Seconds,
        "Time to extract one article."
    );
    describe_counter!(
        FLEET_CLAIMS,
        "Refresh claims tried on the fleet's shared schedule (PostgreSQL), by result (won, lost)."
    );
    for name in [
        FETCH_BYTES,
        NOT_MODIFIED,
        ROBOTS_REFUSALS,
        CACHE_HITS,
        CACHE_MISSES,
    ] {
        counter!(name).absolute(0);
    }
}

/// The metrics in the Prometheus text format; `None` when no recorder is
/// installed in this process.
pub fn render() -> Option<String> {
    let handle = HANDLE.get()?;
    handle.run_upkeep();
    Some(handle.render())
}

/// Folds histogram samples into buckets every few seconds until `shutdown`.
pub fn spawn_upkeep(shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(UPKEEP_PERIOD);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {
                    if let Some(handle) = HANDLE.get() {
                        handle.run_upkeep();
                    }
                }
            }
        }
    })
}

/// How a refresh ended, as [`REFRESHES`] labels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshOutcome {
    /// Parsed and stored.
    Ok,
    /// The listing or feed answered 304.
    NotModified,
    /// Failed (recorded in the source's health).
    Failed,
}

impl RefreshOutcome {
    fn label(self) -> &'static str {
        match self {
            RefreshOutcome::Ok => "ok",
            RefreshOutcome::NotModified => "not_modified",
            RefreshOutcome::Failed => "failed",
        }
    }
}

/// A refresh of `source` (a configured id) ended after `elapsed`.
pub fn refresh_finished(source: &str, outcome: RefreshOutcome, elapsed: Duration) {
    let source = source.to_owned();
    counter!(REFRESHES, "source" => source.clone(), "outcome" => outcome.label()).increment(1);
    histogram!(REFRESH_SECONDS, "source" => source).record(elapsed.as_secs_f64());
}

/// A refresh of `source` stored `new` new and `updated` changed items.
pub fn items_stored(source: &str, new: usize, updated: usize) {
    let source = source.to_owned();
    counter!(ITEMS, "source" => source.clone(), "change" => "new").increment(new as u64);
    counter!(ITEMS, "source" => source, "change" => "updated").increment(updated as u64);
}

/// A request was answered with `status`, or failed without an answer
/// (`None`: connection error, timeout).
pub fn fetched(status: Option<u16>) {
    let class = match status {
        Some(100..=199) => "1xx",
        Some(200..=299) => "2xx",
        Some(300..=399) => "3xx",
        Some(400..=499) => "4xx",
        Some(500..=599) => "5xx",
        _ => "error",
    };
    counter!(FETCHES, "class" => class).increment(1);
    if status == Some(304) {
        counter!(NOT_MODIFIED).increment(1);
    }
}

/// A response body of `bytes` bytes was read.
pub fn bytes_read(bytes: usize) {
    counter!(FETCH_BYTES).increment(bytes as u64);
}

/// This instance tried to claim a refresh on the fleet's schedule; `won`
/// when it got it.
pub fn fleet_claim(won: bool) {
    let result = if won { "won" } else { "lost" };
    counter!(FLEET_CLAIMS, "result" => result).increment(1);
}

/// robots.txt refused a fetch (no request sent).
pub fn robots_refused() {
    counter!(ROBOTS_REFUSALS).increment(1);
}

/// The sources' state as the store holds it, set at each scrape.
pub fn sources(total: usize, backing_off: usize, stale: usize) {
    gauge!(SOURCES).set(total as f64);
    gauge!(BACKING_OFF).set(backing_off as f64);
    gauge!(STALE).set(stale as f64);
}

/// A feed request in `format` (`rss`, `atom`, `json` or `other`) was
/// answered with `status`.
pub fn feed_request(format: &'static str, status: u16) {
    counter!(FEED_REQUESTS, "format" => format, "status" => status_label(status)).increment(1);
}

/// The statuses the feed route answers with; anything else is `other`
/// (and a static string costs no allocation on the hot path).
fn status_label(status: u16) -> &'static str {
    match status {
        200 => "200",
        304 => "304",
        400 => "400",
        404 => "404",
        405 => "405",
        410 => "410",
        500 => "500",
        503 => "503",
        _ => "other",
    }
}

/// A whole-feed request found its feed rendered (`true`) or rendered it.
pub fn feed_cache(hit: bool) {
    counter!(if hit { CACHE_HITS } else { CACHE_MISSES }).increment(1);
}

/// The rendered-feed cache's state, set at each scrape.
pub fn feed_cache_state(bytes: usize, budget: usize, entries: usize, evictions: u64) {
    gauge!(CACHE_BYTES).set(bytes as f64);
    gauge!(CACHE_BUDGET).set(budget as f64);
    gauge!(CACHE_ENTRIES).set(entries as f64);
    counter!(CACHE_EVICTIONS).absolute(evictions);
}

/// Runs an extraction and records how long it took.
pub fn time_extraction<T>(extract: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = extract();
    histogram!(EXTRACT_SECONDS).record(started.elapsed().as_secs_f64());
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_described_metrics_once_installed() {
        install();
        feed_cache(true);
        fetched(Some(304));
        time_extraction(|| ());
        let text = render().unwrap();
        assert!(
            text.contains("# TYPE refeed_feed_cache_hits_total counter"),
            "{text}"
        );
        assert!(
            text.contains("refeed_fetches_total{class=\"3xx\"}"),
            "{text}"
        );
        assert!(
            text.contains("refeed_extraction_duration_seconds_bucket{le=\"0.001\"}"),
            "{text}"
        );
        assert!(
            text.contains("# HELP refeed_robots_refusals_total"),
            "{text}"
        );
    }

    #[test]
    fn install_is_idempotent() {
        let first: *const PrometheusHandle = install();
        let second: *const PrometheusHandle = install();
        assert_eq!(first, second);
    }
}
