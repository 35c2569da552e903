//! Tests of the parent module.

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
