//! `refeed check` on broken configs: each error names the file, the line, the
//! source id and the key, and exits non-zero; `refeed run` refuses to start;
//! the shipped `config/refeed.toml` validates.

use std::path::Path;
use std::time::Duration;

use crate::support::{run_refeed, run_refeed_within};

/// A valid config; each case breaks one line of it.
const VALID: &str = r#"[server]
listen = "127.0.0.1:0"
base_url = "http://refeed.test"

[storage]
path = "data/refeed.db"

[[source]]
id = "bolivia"
url = "http://127.0.0.1:9/tag/bolivia/"
schedule = "*/30 * * * *"
full_text = true

[source.items]
item = "article"
title = "h2.entry-title a"
link = "h2.entry-title a"
summary = ".entry-summary"
date = "time"
author = ".author"

[source.article]
content = ".entry-content"

[[source]]
id = "pr-feed"
url = "http://127.0.0.1:9/feed/"
schedule = "0 */2 * * *"
"#;

/// 1-based number of the first line equal to `line` (after `skip` matches).
fn line_of(text: &str, line: &str, skip: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| *l == line)
        .nth(skip)
        .map(|(n, _)| n + 1)
        .unwrap_or_else(|| panic!("{line:?} not in the config"))
}

/// One broken config and what its message must name.
struct Case {
    file: &'static str,
    text: String,
    /// Acceptable line numbers (a missing key may be reported at its table's
    /// header or at the source's id).
    lines: Vec<usize>,
    source: Option<&'static str>,
    key: &'static str,
}

fn replaced(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "{from:?} not in the config");
    VALID.replacen(from, to, 1)
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let text = replaced("full_text = true", "full_txt = true");
    cases.push(Case {
        file: "unknown-key.toml",
        lines: vec![line_of(&text, "full_txt = true", 0)],
        text,
        source: Some("bolivia"),
        key: "full_txt",
    });
    let text = replaced("summary = \".entry-summary\"", "summary = \"p[[\"");
    cases.push(Case {
        file: "bad-selector.toml",
        lines: vec![line_of(&text, "summary = \"p[[\"", 0)],
        text,
        source: Some("bolivia"),
        key: "summary",
    });
    let text = replaced("schedule = \"*/30 * * * *\"", "schedule = \"*/30 * * *\"");
    cases.push(Case {
        file: "bad-cron.toml",
        lines: vec![line_of(&text, "schedule = \"*/30 * * *\"", 0)],
        text,
        source: Some("bolivia"),
        key: "schedule",
    });
    let text = replaced("id = \"pr-feed\"", "id = \"bolivia\"");
    cases.push(Case {
        file: "duplicate-id.toml",
        lines: vec![line_of(&text, "id = \"bolivia\"", 1)],
        text,
        source: Some("bolivia"),
        key: "id",
    });
    let text = replaced("id = \"bolivia\"", "id = \"Bolivia News\"");
    cases.push(Case {
        file: "malformed-id.toml",
        lines: vec![line_of(&text, "id = \"Bolivia News\"", 0)],
        text,
        source: Some("Bolivia News"),
        key: "id",
    });
    let text = replaced("url = \"http://127.0.0.1:9/tag/bolivia/\"\n", "");
    cases.push(Case {
        file: "missing-url.toml",
        lines: vec![
            line_of(&text, "[[source]]", 0),
            line_of(&text, "id = \"bolivia\"", 0),
        ],
        text,
        source: Some("bolivia"),
        key: "url",
    });
    let text = replaced(
        "http://127.0.0.1:9/tag/bolivia/",
        "ftp://127.0.0.1/tag/bolivia/",
    );
    cases.push(Case {
        file: "ftp-url.toml",
        lines: vec![line_of(&text, "url = \"ftp://127.0.0.1/tag/bolivia/\"", 0)],
        text,
        source: Some("bolivia"),
        key: "url",
    });
    let text = replaced(
        "schedule = \"0 */2 * * *\"",
        "schedule = \"0 */2 * * *\"\nmethod = \"scrape\"",
    );
    cases.push(Case {
        file: "unknown-method.toml",
        lines: vec![line_of(&text, "method = \"scrape\"", 0)],
        text,
        source: Some("pr-feed"),
        key: "method",
    });
    let text = replaced("full_text = true\n", "");
    cases.push(Case {
        file: "article-without-full-text.toml",
        lines: vec![line_of(&text, "[source.article]", 0)],
        text,
        source: Some("bolivia"),
        key: "full_text = true",
    });
    let text = replaced("listen = \"127.0.0.1:0\"", "listen = \"localhost\"");
    cases.push(Case {
        file: "bad-listen.toml",
        lines: vec![line_of(&text, "listen = \"localhost\"", 0)],
        text,
        source: None,
        key: "listen",
    });
    cases
}

fn names_line(message: &str, file: &str, lines: &[usize]) -> bool {
    lines.iter().any(|n| {
        message.contains(&format!("line {n}"))
            || message.contains(&format!("{file}:{n}:"))
            || message.contains(&format!("{file}:{n}\n"))
            || message.contains(&format!("{file}:{n} "))
    })
}

async fn check(dir: &Path, file: &str) -> crate::support::Output {
    let path = dir.join(file).display().to_string();
    run_refeed(dir, &["check".into(), "--config".into(), path]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_names_file_line_source_and_key_of_each_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("valid.toml"), VALID).unwrap();
    let valid = check(dir.path(), "valid.toml").await;
    assert!(valid.success(), "the base config must be valid:\n{valid}");

    let mut failures = Vec::new();
    for case in cases() {
        std::fs::write(dir.path().join(case.file), &case.text).unwrap();
        let out = check(dir.path(), case.file).await;
        let message = &out.stderr;
        let mut missing = Vec::new();
        if out.success() {
            missing.push("a non-zero exit".to_owned());
        }
        if !message.contains(case.file) {
            missing.push("the file name".to_owned());
        }
        if !names_line(message, case.file, &case.lines) {
            missing.push(format!("line {:?}", case.lines));
        }
        if let Some(source) = case.source
            && !message.contains(source)
        {
            missing.push(format!("source {source:?}"));
        }
        if !message.contains(case.key) {
            missing.push(format!("key {:?}", case.key));
        }
        if !missing.is_empty() {
            failures.push(format!(
                "{}: lacks {}\n{out}",
                case.file,
                missing.join(", ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_refuses_an_invalid_config() {
    let dir = tempfile::tempdir().unwrap();
    let case = cases()
        .into_iter()
        .find(|c| c.file == "bad-cron.toml")
        .unwrap();
    std::fs::write(dir.path().join(case.file), &case.text).unwrap();
    let path = dir.path().join(case.file).display().to_string();
    let args = ["run".to_owned(), "--config".to_owned(), path];
    // Should `run` start anyway, it is killed and the test fails.
    let out = run_refeed_within(dir.path(), &args, Duration::from_secs(10)).await;
    assert!(!out.success(), "run started on an invalid config:\n{out}");
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    assert!(out.stderr.contains("schedule"), "{out}");
    assert!(!out.stderr.contains("listening"), "{out}");
    assert!(
        !dir.path().join("data").exists(),
        "created the database anyway"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_config_validates_and_shows_next_runs() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/refeed.toml");
    let text = std::fs::read_to_string(&shipped).expect("config/refeed.toml exists");
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "check".to_owned(),
        "--config".to_owned(),
        shipped.display().to_string(),
    ];
    let out = run_refeed(dir.path(), &args).await;
    assert!(out.success(), "{out}");

    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("id = "))
        .map(|v| v.split('#').next().unwrap().trim().trim_matches('"'))
        .collect();
    assert!(
        ids.len() >= 2,
        "the shipped config has the two seed outlets: {ids:?}"
    );
    for (n, id) in ids.iter().enumerate() {
        let start = out
            .stdout
            .find(id)
            .unwrap_or_else(|| panic!("{id} not listed:\n{out}"));
        let end = ids
            .get(n + 1)
            .and_then(|next| out.stdout[start..].find(next).map(|i| start + i))
            .unwrap_or(out.stdout.len());
        let runs = out.stdout[start..end].matches(" 20").count();
        assert!(
            runs >= 3,
            "{id}: expected three next run times:\n{}",
            &out.stdout[start..end]
        );
    }
}
