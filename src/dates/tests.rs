//! Tests of lenient date parsing, English and other languages.

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

#[test]
fn spanish_dates() {
    check("20 de octubre de 2020", "2020-10-20T00:00:00Z");
    check("Publicado el 3 de sept. de 2021", "2021-09-03T00:00:00Z");
    check("1º de mayo de 2019, 14:30", "2019-05-01T14:30:00Z");
    check("martes, 5 dic 2023", "2023-12-05T00:00:00Z");
}

#[test]
fn french_dates() {
    check("20 octobre 2020", "2020-10-20T00:00:00Z");
    check("le 1er février 2022", "2022-02-01T00:00:00Z");
    check("12 févr. 2021 à 18:05", "2021-02-12T18:05:00Z");
    check("3 août 2020", "2020-08-03T00:00:00Z");
    check("15 juil. 2020", "2020-07-15T00:00:00Z");
}

#[test]
fn german_dates() {
    check("20. Oktober 2020", "2020-10-20T00:00:00Z");
    check("Dienstag, 3. März 2020, 18:00 Uhr", "2020-03-03T18:00:00Z");
    check("7. Jänner 2021", "2021-01-07T00:00:00Z");
    check("20.10.2020", "2020-10-20T00:00:00Z");
    check("1.2.2021 09:15", "2021-02-01T09:15:00Z");
}

#[test]
fn portuguese_dates() {
    check("20 de outubro de 2020", "2020-10-20T00:00:00Z");
    check("5 de março de 2021", "2021-03-05T00:00:00Z");
    check("12 out. 2022", "2022-10-12T00:00:00Z");
}

#[test]
fn italian_and_dutch_dates() {
    check("4 maggio 2020", "2020-05-04T00:00:00Z");
    check("20 maart 2021", "2021-03-20T00:00:00Z");
}

#[test]
fn foreign_texts_that_are_not_one_date() {
    for text in [
        "heute, 18:00 Uhr",
        "hace 3 horas",
        "juillet 2020",
        "20 jui 2020",
        "20.10.20",
        "3 de mayo y 4 de junio de 2020",
    ] {
        assert_eq!(parse(text), None, "input: {text:?}");
    }
}
