//! Dates written in words ("October 20, 2020 at 3:05 pm", "20. Oktober 2020").

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

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
pub(super) fn parse_words(text: &str) -> Option<DateTime<Utc>> {
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
    if let Some((y, m, d)) = slashed_date(token).or_else(|| dotted_date(token)) {
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
    super::months::number(word)
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

/// "20.10.2020" (day first, as German, Dutch and most of Europe write it).
fn dotted_date(token: &str) -> Option<(i32, u32, u32)> {
    let mut fields = token.split('.');
    let (d, m, y) = (fields.next()?, fields.next()?, fields.next()?);
    let short = |f: &str| (1..=2).contains(&f.len());
    if fields.next().is_some() || y.len() != 4 || !short(d) || !short(m) {
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
    let ordinal = matches!(suffix, "" | "st" | "nd" | "rd" | "th" | "er" | "º" | "o");
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
