//! The two durations of a source's timing that come from its id: the fixed
//! offset that spreads sources sharing a schedule, and the jittered
//! exponential backoff of a failing one (issue 5). Both hash the id with a
//! hash that stays the same across Rust releases, so the daemon and
//! `refeed status` (another process, maybe another build) agree.

use std::time::Duration;

use crate::model::fnv1a;

/// The source's fixed offset within `[0, max)`, derived from its id (so it
/// survives restarts and `refeed status` can compute it too).
pub fn jitter_offset(id: &str, max: Duration) -> Duration {
    fraction_of(max, stable_hash(id.as_bytes()))
}

/// The pause after `failures` consecutive failures of a source whose
/// schedule runs every `interval`: `interval × 2^(failures−1)`, capped at
/// `cap`, shortened by up to a quarter (jitter derived from the id and the
/// count, so sources failing together spread out).
pub fn backoff(id: &str, interval: Duration, failures: u32, cap: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let full = doubled(interval.min(cap), failures - 1, cap);
    let mut key = id.as_bytes().to_vec();
    key.extend_from_slice(&failures.to_le_bytes());
    full - fraction_of(full / 4, stable_hash(&key))
}

/// `base × 2^times`, saturating at `cap`. At most ~100 doublings take any
/// non-zero duration past `Duration::MAX`, so a huge `times` costs nothing.
fn doubled(base: Duration, times: u32, cap: Duration) -> Duration {
    let mut value = base;
    for _ in 0..times.min(128) {
        if value >= cap || value.is_zero() {
            break;
        }
        value = value.saturating_mul(2).min(cap);
    }
    value
}

/// `span × hash / 2^64`: a point in `[0, span)` (zero when `span` is),
/// spread evenly by the hash.
fn fraction_of(span: Duration, hash: u64) -> Duration {
    // The top 32 bits suffice for spreading and keep the product within u128
    // (span < 2^94 ns).
    let nanos = (span.as_nanos() * u128::from(hash >> 32)) >> 32;
    let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
    Duration::new(secs, (nanos % 1_000_000_000) as u32)
}

/// A hash that stays the same across Rust releases and platforms, so a
/// source keeps its offset through upgrades and `refeed status` (another
/// process) computes the daemon's times. std's `DefaultHasher` promises no
/// such stability. FNV-1a (64-bit) followed by the MurmurHash3 finalizer:
/// FNV alone mixes its last bytes only into the higher bits, and ids that
/// differ in a final digit (`news-1`, `news-2`) must still spread out.
fn stable_hash(bytes: &[u8]) -> u64 {
    fmix64(fnv1a(bytes))
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);
    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn the_offset_is_stable_in_range_and_spreads_sources() {
        let max = 10 * MIN;
        assert_eq!(jitter_offset("news", max), jitter_offset("news", max));
        assert_eq!(jitter_offset("news", Duration::ZERO), Duration::ZERO);
        let offsets: Vec<Duration> = (0..200)
            .map(|i| jitter_offset(&format!("news-{i}"), max))
            .collect();
        assert!(offsets.iter().all(|o| *o < max));
        // Ids differing only in a final digit land all over the range.
        let early = offsets.iter().filter(|o| **o < max / 2).count();
        assert!(
            (60..=140).contains(&early),
            "{early} of 200 in the first half"
        );
    }

    #[test]
    fn backoff_doubles_per_failure_until_capped_at_six_hours() {
        let cap = 6 * HOUR;
        assert_eq!(backoff("news", 30 * MIN, 0, cap), Duration::ZERO);
        let expected_full = [30, 60, 120, 240, 360, 360, 360];
        for (i, full) in expected_full.into_iter().enumerate() {
            let failures = i as u32 + 1;
            let full = full * MIN;
            let got = backoff("news", 30 * MIN, failures, cap);
            assert!(
                got <= full && got >= full * 3 / 4,
                "{failures} failures: {got:?} not within 75-100% of {full:?}"
            );
        }
        // An interval longer than the cap starts at the cap.
        assert!(backoff("news", 24 * HOUR, 1, cap) <= cap);
    }

    #[test]
    fn backoff_jitter_stays_within_a_quarter_and_spreads_sources() {
        let full = 2 * HOUR;
        let pauses: Vec<Duration> = (0..200)
            .map(|i| backoff(&format!("src-{i}"), HOUR, 2, 6 * HOUR))
            .collect();
        assert!(pauses.iter().all(|p| *p <= full && *p >= full * 3 / 4));
        let distinct: std::collections::HashSet<_> = pauses.iter().collect();
        assert!(
            distinct.len() > 150,
            "only {} distinct pauses",
            distinct.len()
        );
        // The same source draws a new jitter at each count.
        let a = backoff("news", HOUR, 7, 6 * HOUR);
        let b = backoff("news", HOUR, 8, 6 * HOUR);
        assert_ne!(a, b);
    }

    #[test]
    fn huge_failure_counts_do_not_overflow() {
        let cap = 6 * HOUR;
        let pause = backoff("news", HOUR, u32::MAX, cap);
        assert!(pause <= cap && pause >= cap * 3 / 4);
        let pause = backoff("news", Duration::MAX, u32::MAX, Duration::MAX);
        assert!(pause >= Duration::MAX / 4 * 3);
        assert_eq!(
            backoff("news", Duration::ZERO, u32::MAX, cap),
            Duration::ZERO
        );
    }
}
