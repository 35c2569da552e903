//! `Retry-After` (RFC 9110 §10.2.3): how long a 429 or 503 asks refeed to
//! stay away. Pure: the header value and the current time in, an absolute
//! time out.

use chrono::{DateTime, TimeDelta, Utc};

/// The longest wait honoured: a host asking for more (or a typo'd date
/// years ahead) is retried after a day anyway, like any failing source.
const MAX_RETRY_AFTER: TimeDelta = TimeDelta::days(1);

/// When to come back, from a `Retry-After` value: delta-seconds ("120") or
/// an HTTP-date ("Tue, 24 Nov 2026 07:00:00 GMT", IMF-fixdate or the
/// obsolete RFC 850 and asctime forms). A date in the past means now;
/// anything unparseable means no advice.
pub(super) fn retry_at(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let value = value.trim();
    let at = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Delta-seconds; a number too large for any integer type still asks
        // for a long wait, so it gets the longest, like "9999999999".
        // Capped before adding, so no value can overflow the date.
        let seconds = value.parse::<i64>().unwrap_or(i64::MAX);
        now + TimeDelta::seconds(seconds.min(MAX_RETRY_AFTER.num_seconds()))
    } else {
        http_date(value)?
    };
    Some(at.clamp(now, now + MAX_RETRY_AFTER))
}

fn http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_rfc2822(value) {
        return Some(date.to_utc());
    }
    // RFC 850 ("Tuesday, 24-Nov-26 07:00:00 GMT") and asctime
    // ("Tue Nov 24 07:00:00 2026"), which RFC 9110 still asks recipients
    // to accept.
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(value, format).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-24T06:00:00Z")
            .unwrap()
            .to_utc()
    }

    #[test]
    fn delta_seconds() {
        assert_eq!(
            retry_at("120", now()),
            Some(now() + TimeDelta::seconds(120))
        );
        assert_eq!(retry_at(" 0 ", now()), Some(now()));
    }

    #[test]
    fn imf_fixdate() {
        let at = retry_at("Tue, 24 Nov 2026 07:30:00 GMT", now()).unwrap();
        assert_eq!(at, now() + TimeDelta::minutes(90));
    }

    #[test]
    fn obsolete_date_forms() {
        let expected = Some(now() + TimeDelta::hours(1));
        assert_eq!(retry_at("Tuesday, 24-Nov-26 07:00:00 GMT", now()), expected);
        assert_eq!(retry_at("Tue Nov 24 07:00:00 2026", now()), expected);
    }

    #[test]
    fn past_dates_mean_now_and_far_ones_a_day() {
        assert_eq!(
            retry_at("Mon, 23 Nov 2026 07:00:00 GMT", now()),
            Some(now())
        );
        let day = Some(now() + TimeDelta::days(1));
        assert_eq!(retry_at("Wed, 24 Nov 2027 07:00:00 GMT", now()), day);
        assert_eq!(retry_at("99999999999999999999", now()), day);
        assert_eq!(retry_at("9999999999", now()), day);
        // Past what a date can hold once added: still a day, no overflow.
        assert_eq!(retry_at("9000000000000", now()), day);
    }

    #[test]
    fn garbage_is_no_advice() {
        assert_eq!(retry_at("soon", now()), None);
        assert_eq!(retry_at("-5", now()), None);
        assert_eq!(retry_at("", now()), None);
    }
}
