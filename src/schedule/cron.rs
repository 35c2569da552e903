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
mod tests;
