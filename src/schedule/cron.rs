//! Standard 5-field cron expressions (and 6 fields with seconds first),
//! translated for the `cron` crate, which wants seconds first and counts
//! weekdays Quartz-style (1 = Sunday).
//!
//! Every field is expanded here into the explicit set of values it names, so
//! errors are specific ("day-of-week: 8 is out of range 0-7") and the crate
//! only ever sees plain lists. Two points of standard cron the crate does not
//! share are handled here too: weekday 0 and 7 both mean Sunday, and when
//! both day-of-month and day-of-week are restricted, a day matching *either*
//! one fires (the crate would require both).

mod field;

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use crate::model::FALLBACK_REFRESH_INTERVAL;

use self::field::{DAY_OF_MONTH, DAY_OF_WEEK, HOUR, MINUTE, MONTH, SECOND, expand};

/// A parsed, validated schedule.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    expr: String,
    /// One schedule, or two when both day fields are restricted: standard
    /// cron fires when either day matches, the crate only when both do, so
    /// the two halves are kept apart and their run times merged.
    inner: Vec<cron::Schedule>,
}

/// Why an expression was rejected.
#[derive(Debug, thiserror::Error)]
#[error("invalid cron expression {expr:?}: {reason}")]
pub struct CronError {
    /// The expression as written.
    pub expr: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The shortcuts of Vixie cron and what they stand for.
const SHORTCUTS: &[(&str, &str)] = &[
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// Days in each month, February counted as in a leap year: a day-of-month
/// that fits here occurs at least every four years.
const DAYS_IN_MONTH: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

impl CronSchedule {
    /// Parses a user's expression: 5 fields (minute hour day-of-month month
    /// day-of-week), 6 with seconds first, or a shortcut such as `@hourly`.
    pub fn parse(expr: &str) -> Result<Self, CronError> {
        let error = |reason: String| CronError {
            expr: expr.to_owned(),
            reason,
        };
        let fields = expand_shortcut(expr.trim()).map_err(error)?;
        let inner = translate(&fields).map_err(error)?;
        Ok(CronSchedule {
            expr: expr.to_owned(),
            inner,
        })
    }

    /// The expression as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.expr
    }

    /// The first run time strictly after `after`.
    pub fn next_after<Tz: TimeZone>(&self, after: &DateTime<Tz>) -> Option<DateTime<Tz>> {
        self.inner
            .iter()
            .filter_map(|schedule| schedule.after(after).next())
            .min()
    }

    /// The next `n` run times strictly after `after`, in order (fewer if the
    /// schedule stops firing). `refeed check` prints these.
    pub fn upcoming<Tz: TimeZone>(&self, after: &DateTime<Tz>, n: usize) -> Vec<DateTime<Tz>> {
        let mut times = Vec::with_capacity(n);
        let mut cursor = after.clone();
        while times.len() < n {
            let Some(next) = self.next_after(&cursor) else {
                break;
            };
            cursor = next.clone();
            times.push(next);
        }
        times
    }

    /// The shortest gap between the next few runs after `now`: how long a
    /// served feed stays fresh (runs of `"0 8,20 * * *"` are 12 h apart; of
    /// `"*/15 * * * *"`, 15 min). [`FALLBACK_REFRESH_INTERVAL`] for a
    /// schedule that stops firing.
    pub fn refresh_interval(&self, now: DateTime<Utc>) -> Duration {
        let runs = self.upcoming(&now, 4);
        runs.windows(2)
            .filter_map(|pair| (pair[1] - pair[0]).to_std().ok())
            .min()
            .unwrap_or(FALLBACK_REFRESH_INTERVAL)
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}

/// Splits an expression into its six fields, seconds first, expanding a
/// shortcut and adding `0` seconds to the 5-field form.
fn expand_shortcut(expr: &str) -> Result<Vec<String>, String> {
    let expr = if expr.starts_with('@') {
        shortcut(expr)?
    } else {
        expr
    };
    let mut fields: Vec<String> = expr.split_whitespace().map(str::to_owned).collect();
    match fields.len() {
        0 => return Err("the expression is empty".into()),
        5 => fields.insert(0, "0".into()),
        6 => {}
        n => {
            return Err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week) \
                 or 6 with seconds first, found {n}"
            ));
        }
    }
    Ok(fields)
}

fn shortcut(word: &str) -> Result<&'static str, String> {
    let lower = word.to_ascii_lowercase();
    if lower == "@reboot" {
        return Err(
            "@reboot is not supported: refeed refreshes every source when it starts".into(),
        );
    }
    SHORTCUTS
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, fields)| *fields)
        .ok_or_else(|| {
            let names: Vec<&str> = SHORTCUTS.iter().map(|(name, _)| *name).collect();
            format!(
                "unknown shortcut {word} (expected one of {})",
                names.join(", ")
            )
        })
}

/// Expands the six fields and builds the crate's schedule(s).
fn translate(fields: &[String]) -> Result<Vec<cron::Schedule>, String> {
    let specs = [&SECOND, &MINUTE, &HOUR, &DAY_OF_MONTH, &MONTH, &DAY_OF_WEEK];
    let mut sets = Vec::with_capacity(specs.len());
    for (text, spec) in fields.iter().zip(specs) {
        sets.push(expand(text, spec)?);
    }
    let [sec, min, hour, dom, month, dow]: [BTreeSet<u32>; 6] =
        sets.try_into().expect("one set per field");
    // Vixie cron: a day field "restricts" unless it starts with `*`; only
    // when both restrict does a match of either one suffice.
    let either_day = !starts_with_star(&fields[3]) && !starts_with_star(&fields[5]);
    if !either_day {
        check_day_exists(&dom, &month, fields)?;
    }
    let quartz_dow: BTreeSet<u32> = dow.iter().map(|day| day + 1).collect();
    let head = format!("{} {} {}", list(&sec), list(&min), list(&hour));
    let (dom, month, dow) = (list(&dom), list(&month), list(&quartz_dow));
    let exprs = if either_day {
        vec![
            format!("{head} {dom} {month} *"),
            format!("{head} * {month} {dow}"),
        ]
    } else {
        vec![format!("{head} {dom} {month} {dow}")]
    };
    exprs.iter().map(|e| build(e)).collect()
}

fn starts_with_star(field: &str) -> bool {
    field.starts_with('*') || field.starts_with('?')
}

fn list(values: &BTreeSet<u32>) -> String {
    let parts: Vec<String> = values.iter().map(u32::to_string).collect();
    parts.join(",")
}

fn build(expr: &str) -> Result<cron::Schedule, String> {
    expr.parse::<cron::Schedule>().map_err(|e| {
        // The crate's message repeats the expression with a caret; the last
        // line is the reason. Reaching this means the expansion above let
        // something through that the crate refuses.
        let text = e.to_string();
        text.lines().last().unwrap_or_default().to_owned()
    })
}

/// Rejects a day-of-month that no listed month has (`0 0 30 2 *`): the
/// schedule would silently never fire.
fn check_day_exists(
    dom: &BTreeSet<u32>,
    months: &BTreeSet<u32>,
    fields: &[String],
) -> Result<(), String> {
    let fits = months
        .iter()
        .any(|m| dom.iter().any(|d| *d <= DAYS_IN_MONTH[*m as usize - 1]));
    if fits {
        return Ok(());
    }
    Err(format!(
        "never fires: day-of-month {} does not occur in month {}",
        fields[3], fields[4]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike, Utc, Weekday};

    /// 2024-01-01 was a Monday.
    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn weekdays(expr: &str, n: usize) -> Vec<Weekday> {
        let schedule = CronSchedule::parse(expr).unwrap();
        let times = schedule.upcoming(&at(2024, 1, 1, 12, 0), n);
        assert_eq!(times.len(), n, "{expr}");
        times.iter().map(|t| t.weekday()).collect()
    }

    fn reason(expr: &str) -> String {
        let err = CronSchedule::parse(expr).expect_err(expr);
        assert_eq!(err.expr, expr);
        err.reason
    }

    #[test]
    fn five_fields_run_on_the_minute() {
        let schedule = CronSchedule::parse("*/15 * * * *").unwrap();
        let times = schedule.upcoming(&at(2024, 1, 1, 10, 7), 4);
        assert_eq!(
            times,
            vec![
                at(2024, 1, 1, 10, 15),
                at(2024, 1, 1, 10, 30),
                at(2024, 1, 1, 10, 45),
                at(2024, 1, 1, 11, 0)
            ]
        );
        assert_eq!(schedule.as_str(), "*/15 * * * *");
    }

    #[test]
    fn weekday_zero_and_seven_are_both_sunday() {
        for expr in ["0 9 * * 0", "0 9 * * 7", "0 9 * * sun", "0 9 * * SUN"] {
            let next = CronSchedule::parse(expr)
                .unwrap()
                .next_after(&at(2024, 1, 1, 0, 0));
            assert_eq!(next, Some(at(2024, 1, 7, 9, 0)), "{expr}");
        }
    }

    #[test]
    fn weekday_range_one_to_five_is_monday_to_friday() {
        use Weekday::*;
        let days = weekdays("0 9 * * 1-5", 7);
        assert_eq!(days, vec![Tue, Wed, Thu, Fri, Mon, Tue, Wed]);
        assert_eq!(weekdays("0 9 * * mon-fri", 7), days);
    }

    #[test]
    fn weekday_ranges_and_lists_including_seven() {
        use Weekday::*;
        assert_eq!(weekdays("0 9 * * 5-7", 4), vec![Fri, Sat, Sun, Fri]);
        assert_eq!(weekdays("0 9 * * 0,6", 3), vec![Sat, Sun, Sat]);
        assert_eq!(weekdays("0 9 * * Mon,wed,FRI", 3), vec![Wed, Fri, Mon]);
    }

    #[test]
    fn weekday_steps_count_from_sunday_zero() {
        use Weekday::*;
        assert_eq!(weekdays("0 9 * * */2", 4), vec![Tue, Thu, Sat, Sun]);
        assert_eq!(weekdays("0 9 * * 1-5/2", 4), vec![Wed, Fri, Mon, Wed]);
        assert_eq!(weekdays("0 9 * * 2/2", 3), vec![Tue, Thu, Sat]);
    }

    #[test]
    fn month_names_and_numbers() {
        let next = |expr: &str| {
            CronSchedule::parse(expr)
                .unwrap()
                .next_after(&at(2024, 1, 2, 0, 0))
        };
        assert_eq!(next("0 0 1 jul,Dec *"), Some(at(2024, 7, 1, 0, 0)));
        assert_eq!(next("0 0 1 7,12 *"), Some(at(2024, 7, 1, 0, 0)));
        assert_eq!(next("0 0 29 feb *"), Some(at(2024, 2, 29, 0, 0)));
    }

    #[test]
    fn both_day_fields_restricted_fire_on_either() {
        // Standard cron: the 13th of any month OR any Friday.
        let schedule = CronSchedule::parse("0 0 13 * 5").unwrap();
        let days: Vec<u32> = schedule
            .upcoming(&at(2024, 1, 1, 0, 0), 4)
            .iter()
            .map(|t| t.day())
            .collect();
        assert_eq!(days, vec![5, 12, 13, 19]);
    }

    #[test]
    fn a_starred_day_field_keeps_both_conditions() {
        // `*/2` starts with `*`, so only odd days that are Mondays fire.
        let schedule = CronSchedule::parse("0 0 */2 * 1").unwrap();
        let times = schedule.upcoming(&at(2024, 1, 1, 0, 0), 3);
        assert_eq!(
            times,
            vec![
                at(2024, 1, 15, 0, 0),
                at(2024, 1, 29, 0, 0),
                at(2024, 2, 5, 0, 0)
            ]
        );
    }

    #[test]
    fn six_fields_take_seconds_first() {
        let schedule = CronSchedule::parse("30 */10 * * * *").unwrap();
        let times = schedule.upcoming(&at(2024, 1, 1, 10, 0), 2);
        assert_eq!(times[0].minute(), 0);
        assert_eq!(times[0].second(), 30);
        assert_eq!(times[1].minute(), 10);
        let every_second = CronSchedule::parse("* * * * * *").unwrap();
        let next = every_second.next_after(&at(2024, 1, 1, 10, 0)).unwrap();
        assert_eq!(next, at(2024, 1, 1, 10, 0) + chrono::Duration::seconds(1));
    }

    #[test]
    fn shortcuts_expand_to_their_standard_meaning() {
        let cases = [
            ("@hourly", at(2024, 1, 1, 13, 0)),
            ("@daily", at(2024, 1, 2, 0, 0)),
            ("@midnight", at(2024, 1, 2, 0, 0)),
            ("@weekly", at(2024, 1, 7, 0, 0)),
            ("@monthly", at(2024, 2, 1, 0, 0)),
            ("@yearly", at(2025, 1, 1, 0, 0)),
            ("@annually", at(2025, 1, 1, 0, 0)),
            ("@Daily", at(2024, 1, 2, 0, 0)),
        ];
        for (expr, expected) in cases {
            let schedule = CronSchedule::parse(expr).unwrap();
            assert_eq!(
                schedule.next_after(&at(2024, 1, 1, 12, 0)),
                Some(expected),
                "{expr}"
            );
        }
    }

    #[test]
    fn upcoming_returns_n_ascending_times() {
        let times = CronSchedule::parse("@hourly")
            .unwrap()
            .upcoming(&at(2024, 1, 1, 23, 30), 3);
        assert_eq!(
            times,
            vec![
                at(2024, 1, 2, 0, 0),
                at(2024, 1, 2, 1, 0),
                at(2024, 1, 2, 2, 0)
            ]
        );
    }

    #[test]
    fn wrong_field_count_is_rejected() {
        assert!(reason("* * * *").contains("found 4"));
        assert!(reason("0 0 0 * * * 2030").contains("found 7"));
        assert!(reason("").contains("empty"));
    }

    #[test]
    fn schedules_that_never_fire_are_rejected() {
        assert!(reason("0 0 30 feb *").starts_with("never fires"));
        assert!(reason("0 0 31 4,6 *").starts_with("never fires"));
    }

    #[test]
    fn unknown_shortcuts_are_rejected() {
        assert!(reason("@reboot").contains("not supported"));
        assert!(reason("@often").starts_with("unknown shortcut @often"));
    }

    #[test]
    fn field_errors_reach_the_user_with_the_field_name() {
        assert_eq!(reason("0 0 * * 8"), "day-of-week: 8 is out of range 0-7");
        assert_eq!(reason("0 0 * * 1-8"), "day-of-week: 8 is out of range 0-7");
        assert!(reason("0 0 * * funday").contains("(sun..sat)"));
        assert_eq!(reason("0 60 * * * *"), "minute: 60 is out of range 0-59");
    }

    #[test]
    fn error_message_names_the_expression() {
        let err = CronSchedule::parse("*/x * * * *").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid cron expression \"*/x * * * *\": minute: step \"x\" is not a number"
        );
    }
}
