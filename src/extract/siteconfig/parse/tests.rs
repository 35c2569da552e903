use super::*;

const FILE: &str = "# An outlet's rules
title: //h1[@class='headline']
body: //div[@id='story']
body: //article

strip: //div[contains(@class, 'share')]
strip_id_or_class: 'promo'
strip_image_src: /pixel.gif
  author: //span[@class=\"byline\"]
date: //time/@datetime
find_string: <br><br>
replace_string: </p><p>
replace_string(<span class=\"x:y\">): <span>
next_page_link: //a[@rel='next']/@href
single_page_link: //a[contains(., 'View as one page')]
prune: no
tidy: no
autodetect_on_failure: no
autodetect_next_page: no
http_header(user-agent): Mozilla/5.0
login_uri: https://outlet.example/login
parser: html5php
wrap_in(blockquote): //p
frobnicate: yes
test https://outlet.example/no-colon
test_url: https://outlet.example/story
test_contains: a sentence of the story
test_contains: another one
";

#[test]
fn directives_are_read_with_their_lines() {
    let config = parse("outlet.example.txt", FILE);
    assert_eq!(config.title.len(), 1);
    assert_eq!(config.title[0].origin.line, 2);
    assert_eq!(config.body.len(), 2);
    assert_eq!(config.body[1].value.source(), "//article");
    assert_eq!(config.body[1].origin.line, 4);
    assert_eq!(
        config.strip[0].origin.to_string(),
        "outlet.example.txt:6 strip"
    );
    assert_eq!(config.strip_id_or_class[0].value, "promo");
    assert_eq!(config.strip_image_src[0].value, "/pixel.gif");
    assert_eq!(config.author[0].origin.line, 9, "indented lines count");
    assert_eq!(config.date.len(), 1);
    assert_eq!(config.next_page_link.len(), 1);
    assert_eq!(config.single_page_link.len(), 1);
    assert_eq!(config.prune.as_ref().map(|r| r.value), Some(false));
    assert_eq!(config.tidy.as_ref().map(|r| r.value), Some(false));
    assert_eq!(
        config
            .autodetect_on_failure
            .as_ref()
            .map(|r| (r.value, r.origin.line)),
        Some((false, 18))
    );
    assert_eq!(
        config.autodetect_next_page.as_ref().map(|r| r.value),
        Some(false)
    );
    assert_eq!(
        config.tests,
        [TestUrl {
            url: "https://outlet.example/story".into(),
            contains: vec!["a sentence of the story".into(), "another one".into()],
            line: 26,
        }]
    );
}

#[test]
fn find_and_replace_pairs_and_the_one_line_form() {
    let config = parse("o.txt", FILE);
    let pairs: Vec<_> = config
        .replace
        .iter()
        .map(|r| (r.value.find.as_str(), r.value.with.as_str(), r.origin.line))
        .collect();
    assert_eq!(
        pairs,
        [
            ("<br><br>", "</p><p>", 11),
            ("<span class=\"x:y\">", "<span>", 13)
        ]
    );
    assert_eq!(
        config.replace[1].origin.directive,
        "replace_string(<span class=\"x:y\">)"
    );
}

#[test]
fn unsupported_and_unknown_directives_are_skipped_not_fatal() {
    let config = parse("o.txt", FILE);
    let skipped: Vec<_> = config
        .problems
        .iter()
        .map(|p| (p.line, p.severity, p.message.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                20,
                Severity::Skipped,
                "http_header(user-agent): not applied by refeed"
            ),
            (21, Severity::Skipped, "login_uri: not applied by refeed"),
            (22, Severity::Skipped, "parser: not applied by refeed"),
            (
                23,
                Severity::Skipped,
                "wrap_in(blockquote): not applied by refeed"
            ),
            (24, Severity::Skipped, "frobnicate: unknown directive"),
            (
                25,
                Severity::Skipped,
                "not a directive: \"test https://outlet.example/no-colon\""
            ),
        ]
    );
    assert_eq!(config.errors().count(), 0);
}

#[test]
fn errors_name_the_line_and_the_rest_still_applies() {
    let text = "body: //div[@id='a'\nstrip: //p[lower-case(.)='x']\nstrip: //img/@srcset\nfind_string: a\nfind_string: b\nreplace_string: c\nprune: maybe\ntest_contains: x\nstrip_id_or_class: ''\ntitle: //h1\n";
    let config = parse("bad.txt", text);
    let problems: Vec<_> = config
        .problems
        .iter()
        .map(|p| (p.line, p.severity))
        .collect();
    assert_eq!(
        problems,
        [
            (1, Severity::Error),
            (2, Severity::Error),
            (3, Severity::Skipped),
            (7, Severity::Error),
            (8, Severity::Error),
            (9, Severity::Error),
            (5, Severity::Error),
        ]
    );
    assert!(
        config.problems[0]
            .message
            .starts_with("body: invalid XPath \"//div[@id='a'\": expected"),
        "{:?}",
        config.problems[0]
    );
    assert!(config.problems[1].message.contains("lower-case()"));
    assert!(
        config.problems[6]
            .message
            .starts_with("find_string without a replace_string")
    );
    assert_eq!(config.replace.len(), 1);
    assert_eq!(config.title.len(), 1);
    assert!(config.body.is_empty());
}

#[test]
fn windows_line_endings_and_empty_files() {
    let config = parse("crlf.txt", "body: //article\r\n\r\nstrip: //aside\r\n");
    assert_eq!(config.strip[0].origin.line, 3);
    assert_eq!(config.body.len(), 1);
    let empty = parse("empty.txt", "");
    assert!(empty.body.is_empty() && empty.problems.is_empty());
}
