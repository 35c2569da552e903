//! One cron field (`*`, `5`, `1-5`, `*/15`, `mon-fri/2`, lists of these)
//! expanded into the explicit set of values it names, with a specific reason
//! when it cannot be.

use std::collections::BTreeSet;

/// One field of an expression: its name in messages, its range, and the
/// names it accepts (the value of `names[i]` is `first_name + i`).
pub(super) struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    /// Upper end of `*` and of an open step like `3/2`. Below `max` only for
    /// day-of-week, where 7 is an alias of Sunday rather than an eighth day.
    star_max: u32,
    names: &'static [&'static str],
    first_name: u32,
}

impl Field {
    const fn numeric(name: &'static str, min: u32, max: u32) -> Self {
        Field {
            name,
            min,
            max,
            star_max: max,
            names: &[],
            first_name: 0,
        }
    }
}

pub(super) const SECOND: Field = Field::numeric("second", 0, 59);
pub(super) const MINUTE: Field = Field::numeric("minute", 0, 59);
pub(super) const HOUR: Field = Field::numeric("hour", 0, 23);
pub(super) const DAY_OF_MONTH: Field = Field::numeric("day-of-month", 1, 31);
pub(super) const MONTH: Field = Field {
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
    first_name: 1,
    ..Field::numeric("month", 1, 12)
};
pub(super) const DAY_OF_WEEK: Field = Field {
    star_max: 6,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
    first_name: 0,
    ..Field::numeric("day-of-week", 0, 7)
};

/// Expands one field (`*`, `5`, `1-5`, `*/15`, `mon-fri/2`, lists of these)
/// into the set of values it names. Day-of-week 7 becomes 0 (Sunday).
pub(super) fn expand(text: &str, field: &Field) -> Result<BTreeSet<u32>, String> {
    let mut set = BTreeSet::new();
    for part in text.split(',') {
        if part.is_empty() {
            return Err(format!("{}: empty entry in list {text:?}", field.name));
        }
        let (lo, hi, step) = expand_part(part, field)?;
        set.extend((lo..=hi).step_by(step as usize));
    }
    if field.star_max < field.max && set.remove(&field.max) {
        // Only day-of-week has an alias: 7 is Sunday, like 0.
        set.insert(field.min);
    }
    Ok(set)
}

/// One list entry as an inclusive range and a step.
fn expand_part(part: &str, field: &Field) -> Result<(u32, u32, u32), String> {
    let (base, step) = match part.split_once('/') {
        Some((base, step)) => (base, Some(parse_step(step, field)?)),
        None => (part, None),
    };
    let (lo, hi) = match base {
        "*" => (field.min, field.star_max),
        "?" if field.name.starts_with("day-of") => (field.min, field.star_max),
        _ => match base.split_once('-') {
            Some((a, b)) => range(value(a, field)?, value(b, field)?, field)?,
            // `3/2` runs from 3 to the end of the range, as in cronie.
            None if step.is_some() => (value(base, field)?, field.star_max),
            None => {
                let v = value(base, field)?;
                (v, v)
            }
        },
    };
    Ok((lo, hi, step.unwrap_or(1)))
}

fn range(lo: u32, hi: u32, field: &Field) -> Result<(u32, u32), String> {
    if lo > hi {
        return Err(format!("{}: range {lo}-{hi} runs backwards", field.name));
    }
    Ok((lo, hi))
}

fn parse_step(text: &str, field: &Field) -> Result<u32, String> {
    let step: u32 = text
        .parse()
        .map_err(|_| format!("{}: step {text:?} is not a number", field.name))?;
    if step == 0 || step > field.max {
        return Err(format!(
            "{}: step {step} must be between 1 and {}",
            field.name, field.max
        ));
    }
    Ok(step)
}

/// A number or (for months and weekdays) a three-letter name, any case.
fn value(text: &str, field: &Field) -> Result<u32, String> {
    if let Ok(n) = text.parse::<u32>() {
        if n < field.min || n > field.max {
            return Err(format!(
                "{}: {n} is out of range {}-{}",
                field.name, field.min, field.max
            ));
        }
        return Ok(n);
    }
    let lower = text.to_ascii_lowercase();
    if let Some(i) = field.names.iter().position(|name| *name == lower) {
        return Ok(field.first_name + i as u32);
    }
    Err(match field.names {
        [] => format!("{}: {text:?} is not a number", field.name),
        names => format!(
            "{}: {text:?} is neither a number nor a name ({}..{})",
            field.name,
            names[0],
            names[names.len() - 1]
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str, field: &Field) -> String {
        expand(text, field).expect_err(text)
    }

    fn values(text: &str, field: &Field) -> Vec<u32> {
        expand(text, field).unwrap().into_iter().collect()
    }

    #[test]
    fn weekday_seven_is_sunday_and_star_stops_at_saturday() {
        assert_eq!(values("7", &DAY_OF_WEEK), vec![0]);
        assert_eq!(values("5-7", &DAY_OF_WEEK), vec![0, 5, 6]);
        assert_eq!(values("*", &DAY_OF_WEEK), vec![0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(values("Sat,sun", &DAY_OF_WEEK), vec![0, 6]);
    }

    #[test]
    fn steps_ranges_and_lists() {
        assert_eq!(values("*/20", &MINUTE), vec![0, 20, 40]);
        assert_eq!(values("10-20/5,59", &MINUTE), vec![10, 15, 20, 59]);
        assert_eq!(values("50/5", &MINUTE), vec![50, 55]);
        assert_eq!(values("jun-aug", &MONTH), vec![6, 7, 8]);
    }

    #[test]
    fn out_of_range_values_are_rejected_with_the_field_name() {
        assert_eq!(reason("60", &MINUTE), "minute: 60 is out of range 0-59");
        assert_eq!(reason("24", &HOUR), "hour: 24 is out of range 0-23");
        assert_eq!(
            reason("0", &DAY_OF_MONTH),
            "day-of-month: 0 is out of range 1-31"
        );
        assert_eq!(reason("13", &MONTH), "month: 13 is out of range 1-12");
        assert_eq!(
            reason("8", &DAY_OF_WEEK),
            "day-of-week: 8 is out of range 0-7"
        );
        assert_eq!(reason("60", &SECOND), "second: 60 is out of range 0-59");
    }

    #[test]
    fn garbage_is_rejected() {
        assert_eq!(reason("*/x", &MINUTE), "minute: step \"x\" is not a number");
        assert_eq!(
            reason("*/0", &MINUTE),
            "minute: step 0 must be between 1 and 59"
        );
        assert_eq!(reason("abc", &MINUTE), "minute: \"abc\" is not a number");
        assert_eq!(
            reason("funday", &DAY_OF_WEEK),
            "day-of-week: \"funday\" is neither a number nor a name (sun..sat)"
        );
        assert!(reason("foo", &MONTH).contains("(jan..dec)"));
        assert_eq!(reason("5-1", &MINUTE), "minute: range 5-1 runs backwards");
        assert_eq!(
            reason("1,,2", &MINUTE),
            "minute: empty entry in list \"1,,2\""
        );
        assert!(reason("?", &MINUTE).contains("not a number"));
        assert_eq!(values("?", &DAY_OF_MONTH).len(), 31);
    }
}
