//! Lenient parsing of the dates outlets print: RFC 3339 / ISO 8601 (with or
//! without time or zone), RFC 2822 (RSS), and common human forms such as
//! "October 20, 2020". Pure; shared by `scrape` and `extract`.
//!
//! It does not guess: a text that is not clearly one date (no month, two
//! years, stray numbers) gives `None`, so a wrong date never beats "first seen".

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

mod months;
mod words;

use words::parse_words;

/// Parses a date as found in a page, a feed, JSON-LD or a meta tag.
/// Dates without a zone are taken as UTC; dates without a time as midnight.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    // Every form read here has a numeric day or year: a text without an
    // ASCII digit is no date, and the formats below need not be tried.
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    parse_iso(text)
        .or_else(|| DateTime::parse_from_rfc2822(text).ok())
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| parse_words(text))
}

/// ISO 8601 with a zone, in the shapes outlets use: RFC 3339, a space instead
/// of `T` (WordPress `post_date`), `+0000` without colon (some Drupal themes),
/// or minutes without seconds.
const ZONED_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%.f%#z",
    "%Y-%m-%dT%H:%M%#z",
    "%Y-%m-%d %H:%M%#z",
];

/// ISO 8601 without a zone; taken as UTC.
const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

fn parse_iso(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(d);
    }
    // `Z` is not accepted by `%z`; spell it as an offset.
    let text = match text.strip_suffix(['Z', 'z']) {
        Some(rest) => format!("{rest}+00:00"),
        None => text.to_owned(),
    };
    let utc = FixedOffset::east_opt(0)?;
    ZONED_FORMATS
        .iter()
        .find_map(|f| DateTime::parse_from_str(&text, f).ok())
        .or_else(|| {
            NAIVE_FORMATS
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(&text, f).ok())
                .or_else(|| date_only(&text))
                .map(|naive| utc.from_utc_datetime(&naive))
        })
}

fn date_only(text: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%d", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(text, f).ok())
        .map(|d| d.and_time(NaiveTime::MIN))
}

#[cfg(test)]
mod tests;
