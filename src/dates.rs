//! Lenient parsing of the dates outlets print: RFC 3339 / ISO 8601 (with or
//! without time or zone), RFC 2822 (RSS), and common human forms such as
//! "October 20, 2020". Pure; shared by `scrape` and `extract`.
//!
//! It does not guess: a text that is not clearly one date (no month, two
//! years, stray numbers) gives `None`, so a wrong date never beats "first seen".

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// Parses a date as found in a page, a feed, JSON-LD or a meta tag.
/// Dates without a zone are taken as UTC; dates without a time as midnight.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
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

/// Month names; a word matches when it is a prefix of at least three letters
/// ("Oct", "Sept", "October").
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Zone abbreviations seen in bylines and in RSS dates beyond the few that
/// RFC 2822 defines (chrono rejects "UTC", "CEST", "BST"), in hours east.
const ZONES: &[(&str, i32)] = &[
    ("utc", 0),
    ("gmt", 0),
    ("ut", 0),
    ("z", 0),
    ("est", -5),
    ("edt", -4),
    ("cst", -6),
    ("cdt", -5),
    ("mst", -7),
    ("mdt", -6),
    ("pst", -8),
    ("pdt", -7),
    ("bst", 1),
    ("cet", 1),
    ("cest", 2),
    ("eet", 2),
    ("eest", 3),
];

/// The pieces of a date found in free text.
#[derive(Debug, Default)]
struct Parts {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    time: Option<NaiveTime>,
    /// `Some(true)` for pm, `Some(false)` for am.
    pm: Option<bool>,
    /// Seconds east of UTC.
    offset: Option<i32>,
}

/// Human forms ("October 20, 2020 at 3:05 pm", "20 Oct 2020", "Tuesday,
/// October 20th, 2020") and RFC 2822 dates chrono refuses (a wrong weekday,
/// a one-digit hour, a "UTC" or "CEST" zone). Words it does not know, such as
/// "Posted on", are ignored; numbers it cannot place make the whole text fail.
fn parse_words(text: &str) -> Option<DateTime<Utc>> {
    let mut parts = Parts::default();
    let lower = text.to_lowercase().replace([',', '|'], " ");
    for token in lower.split_whitespace() {
        read_token(&mut parts, token)?;
    }
    parts.build()
}

fn read_token(parts: &mut Parts, token: &str) -> Option<()> {
    // "Oct." and "p.m." lose their dots.
    let token = if token.chars().all(|c| c.is_alphabetic() || c == '.') {
        token.replace('.', "")
    } else {
        token.trim_end_matches('.').to_owned()
    };
    let token = token.as_str();
    if let Some(month) = month_number(token) {
        return set_once(&mut parts.month, month);
    }
    match token {
        "am" | "pm" => return set_once(&mut parts.pm, token == "pm"),
        _ => {}
    }
    if let Some(hours) = zone_hours(token) {
        return set_once(&mut parts.offset, hours * 3600);
    }
    if let Some(seconds) = numeric_offset(token) {
        return set_once(&mut parts.offset, seconds);
    }
    if token.contains(':') {
        return read_time(parts, token);
    }
    if let Some((y, m, d)) = slashed_date(token) {
        set_once(&mut parts.year, y)?;
        set_once(&mut parts.month, m)?;
        return set_once(&mut parts.day, d);
    }
    read_number(parts, token)
}

/// Stores a value unless the text already gave one: two years or two months
/// mean the text is not one date.
fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value);
    Some(())
}

fn month_number(word: &str) -> Option<u32> {
    if word.len() < 3 {
        return None;
    }
    let index = MONTHS.iter().position(|m| m.starts_with(word))?;
    u32::try_from(index + 1).ok()
}

fn zone_hours(word: &str) -> Option<i32> {
    ZONES.iter().find(|(name, _)| *name == word).map(|z| z.1)
}

/// `+0000`, `-04:00`, `+02`.
fn numeric_offset(token: &str) -> Option<i32> {
    let sign = match token.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = token[1..].chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Some(0), |m| m.parse().ok())?;
    (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// "3:05", "15:05:30", "3:05pm".
fn read_time(parts: &mut Parts, token: &str) -> Option<()> {
    let (clock, suffix) = match token.find(|c: char| c.is_alphabetic()) {
        Some(i) => token.split_at(i),
        None => (token, ""),
    };
    match suffix {
        "" => {}
        "am" | "pm" => set_once(&mut parts.pm, suffix == "pm")?,
        _ => return None,
    }
    let time = NaiveTime::parse_from_str(clock, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(clock, "%H:%M"))
        .ok()?;
    set_once(&mut parts.time, time)
}

/// "2020/10/20" (year first, as in URLs and some bylines).
fn slashed_date(token: &str) -> Option<(i32, u32, u32)> {
    let mut fields = token.split('/');
    let (y, m, d) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || y.len() != 4 {
        return None;
    }
    Some((y.parse().ok()?, m.parse().ok()?, d.parse().ok()?))
}

/// A year (four digits) or a day of the month (one or two, maybe "20th").
fn read_number(parts: &mut Parts, token: &str) -> Option<()> {
    let digits = token.trim_end_matches(|c: char| c.is_alphabetic());
    let suffix = &token[digits.len()..];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        // A word such as "posted", "on", "at" or a weekday, or a separator
        // such as "-" or "|": not part of the date.
        let is_word = token.chars().all(char::is_alphabetic);
        let is_separator = !token.chars().any(char::is_alphanumeric);
        return (is_word || is_separator).then_some(());
    }
    let ordinal = matches!(suffix, "" | "st" | "nd" | "rd" | "th");
    match digits.len() {
        1 | 2 if ordinal => set_once(&mut parts.day, digits.parse().ok()?),
        4 if suffix.is_empty() => set_once(&mut parts.year, digits.parse().ok()?),
        _ => None,
    }
}

impl Parts {
    fn build(self) -> Option<DateTime<Utc>> {
        let date = NaiveDate::from_ymd_opt(self.year?, self.month?, self.day?)?;
        let time = match (self.time, self.pm) {
            (Some(t), Some(pm)) => twelve_hour(t, pm)?,
            (Some(t), None) => t,
            (None, None) => NaiveTime::MIN,
            (None, Some(_)) => return None,
        };
        let offset = FixedOffset::east_opt(self.offset.unwrap_or(0))?;
        let local = offset.from_local_datetime(&date.and_time(time)).single()?;
        Some(local.with_timezone(&Utc))
    }
}

/// "12:30 am" is half past midnight; "12:30 pm" half past noon.
fn twelve_hour(time: NaiveTime, pm: bool) -> Option<NaiveTime> {
    use chrono::Timelike;
    let hour = time.hour();
    if !(1..=12).contains(&hour) {
        return None;
    }
    let hour = match (hour, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, true) => h + 12,
        (h, false) => h,
    };
    time.with_hour(hour)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn check(input: &str, expected: &str) {
        assert_eq!(parse(input), Some(utc(expected)), "input: {input:?}");
    }

    #[test]
    fn rfc3339_with_fraction_and_zone() {
        check("2020-10-20T14:03:00Z", "2020-10-20T14:03:00Z");
        check("2020-10-20T14:03:00.123456Z", "2020-10-20T14:03:00.123456Z");
        check("2020-10-20T10:03:00-04:00", "2020-10-20T14:03:00Z");
        check("  2020-10-23T09:00:00+02:00\n", "2020-10-23T07:00:00Z");
    }

    #[test]
    fn iso_without_zone_is_utc() {
        check("2020-10-20T14:03:00", "2020-10-20T14:03:00Z");
        check("2020-10-20 14:03:00", "2020-10-20T14:03:00Z");
        check("2020-10-20T14:03", "2020-10-20T14:03:00Z");
        check("2020-10-20T14:03:00.5", "2020-10-20T14:03:00.5Z");
    }

    #[test]
    fn iso_offset_without_colon_and_without_seconds() {
        check("2020-10-20T14:03:00+0000", "2020-10-20T14:03:00Z");
        check("2020-10-20T09:03:00-0500", "2020-10-20T14:03:00Z");
        check("2020-10-20 16:03:00+0200", "2020-10-20T14:03:00Z");
        check("2020-10-20T14:03Z", "2020-10-20T14:03:00Z");
    }

    #[test]
    fn date_only_is_midnight_utc() {
        check("2020-10-20", "2020-10-20T00:00:00Z");
        check("2020/10/20", "2020-10-20T00:00:00Z");
    }

    #[test]
    fn rfc2822_pub_dates() {
        check("Tue, 20 Oct 2020 14:03:00 +0000", "2020-10-20T14:03:00Z");
        check("Tue, 20 Oct 2020 14:03:00 GMT", "2020-10-20T14:03:00Z");
        check("Tue, 20 Oct 2020 10:03:00 EDT", "2020-10-20T14:03:00Z");
        check("Tue, 20 Oct 2020 09:03:00 EST", "2020-10-20T14:03:00Z");
        check("20 Oct 2020 14:03:00 +0000", "2020-10-20T14:03:00Z");
        check("Tue, 20 Oct 2020 14:03 +0000", "2020-10-20T14:03:00Z");
    }

    #[test]
    fn rfc2822_as_broken_feeds_print_it() {
        // Wrong weekday (20 Oct 2020 was a Tuesday): chrono refuses, readers don't.
        check("Wed, 20 Oct 2020 14:03:00 +0000", "2020-10-20T14:03:00Z");
        check("Tue, 20 Oct 2020 14:03:00 UTC", "2020-10-20T14:03:00Z");
        check("Tue, 20 Oct 2020 16:03:00 CEST", "2020-10-20T14:03:00Z");
        check("Tue, 20 Oct 2020 9:03:00 +0000", "2020-10-20T09:03:00Z");
    }

    #[test]
    fn human_month_day_year() {
        check("October 20, 2020", "2020-10-20T00:00:00Z");
        check("Oct 20, 2020", "2020-10-20T00:00:00Z");
        check("Oct. 20, 2020", "2020-10-20T00:00:00Z");
        check("Sept. 3, 2020", "2020-09-03T00:00:00Z");
        check("Tuesday, October 20th, 2020", "2020-10-20T00:00:00Z");
        check("Posted on October 20, 2020", "2020-10-20T00:00:00Z");
    }

    #[test]
    fn human_day_month_year() {
        check("20 October 2020", "2020-10-20T00:00:00Z");
        check("1 May 2021", "2021-05-01T00:00:00Z");
    }

    #[test]
    fn human_with_time() {
        check("October 20, 2020 at 3:05 pm", "2020-10-20T15:05:00Z");
        check("October 20, 2020 at 3:05 p.m.", "2020-10-20T15:05:00Z");
        check("Oct 20, 2020 3:05PM EDT", "2020-10-20T19:05:00Z");
        check("October 20, 2020 12:10 am", "2020-10-20T00:10:00Z");
        check("October 20, 2020 12:10 pm", "2020-10-20T12:10:00Z");
        check("2020/10/20 14:03", "2020-10-20T14:03:00Z");
        check("October 20, 2020 - 3:05 pm", "2020-10-20T15:05:00Z");
    }

    #[test]
    fn garbage_and_empty_are_none() {
        for text in [
            "",
            "   ",
            "not a date",
            "Last Updated on",
            "2020-13-45",
            "February 30, 2020",
            "October 2020",
            "October 20, 2020 and November 3, 2020",
            "12 34 56",
            "October 20, 2020 at 15:05 pm",
            "123456",
        ] {
            assert_eq!(parse(text), None, "input: {text:?}");
        }
    }
}
