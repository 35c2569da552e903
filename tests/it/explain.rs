//! `refeed explain SOURCE_ID URL`: what was removed from a page and why,
//! learned boilerplate included, and `refeed extract FILE --explain`.

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, run_refeed};

const PAGE: &str = "/2021/03/04/new-report-tracks-rise-in-rent-evictions/";

fn config(outlet: &Outlet) -> TestEnv {
    TestEnv::new(
        &[SourceToml::listing("ledger", &outlet.url("/tag/local/")).full_text()],
        "10s",
    )
}

/// The report lines of one reason: `REASON  BYTES B  WHAT  "EXCERPT"`.
fn lines<'a>(report: &'a str, reason: &str) -> Vec<&'a str> {
    report
        .lines()
        .filter(|line| line.split_whitespace().next() == Some(reason))
        .filter(|line| !line.contains("removal(s)"))
        .collect()
}

/// The byte count of a report line.
fn bytes(line: &str) -> usize {
    let count = line.split_whitespace().nth(1).unwrap_or_default();
    count
        .parse()
        .unwrap_or_else(|_| panic!("no byte count in {line:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_lists_learned_and_hidden_removals_with_bytes() {
    let outlet = Outlet::start_with("learned").await;
    let env = config(&outlet);
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");

    let out = env.refeed(&["explain", "ledger", &outlet.url(PAGE)]).await;
    assert!(out.success(), "refeed explain failed:\n{out}");
    let report = out.stdout.as_str();
    let learned = lines(report, "learned");
    let appeal = learned
        .iter()
        .find(|line| line.contains("Our reporters cover city hall"))
        .unwrap_or_else(|| panic!("no learned removal of the appeal:\n{report}"));
    assert!(
        bytes(appeal) > "Our reporters cover city hall".len(),
        "{appeal}"
    );
    // The box's heading goes with it (as learned, unless the extractor
    // already dropped it for a reason of its own).
    assert!(
        report
            .lines()
            .any(|line| line.contains("Keep The Lights On This Winter")),
        "the box's heading is kept:\n{report}"
    );
    let hidden = lines(report, "hidden");
    assert!(
        hidden
            .iter()
            .any(|line| line.contains("cheap replica watches")),
        "hidden spam link not reported:\n{report}"
    );
    assert!(hidden.iter().all(|line| bytes(line) > 0), "{report}");
    assert!(report.contains("\ntotals:\n"), "{report}");
    assert!(report.contains("kept: "), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_before_the_first_run_reports_and_creates_no_database() {
    let outlet = Outlet::start_with("learned").await;
    let env = config(&outlet);
    let out = env.refeed(&["explain", "ledger", &outlet.url(PAGE)]).await;
    assert!(out.success(), "refeed explain failed:\n{out}");
    assert!(out.stdout.contains("kept: "), "{out}");
    assert!(lines(&out.stdout, "learned").is_empty(), "{out}");
    let db = env.dir().join("data/refeed.db");
    assert!(!db.exists(), "explain created {}", db.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_an_unknown_source() {
    let outlet = Outlet::start_with("learned").await;
    let env = config(&outlet);
    let out = env.refeed(&["explain", "nope", &outlet.url(PAGE)]).await;
    assert!(!out.success());
    assert!(out.stderr.contains("no source \"nope\""), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_explain_reports_a_local_file_without_learned_boilerplate() {
    let dir = tempfile::tempdir().unwrap();
    let page = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/learned/2021/03/04/new-report-tracks-rise-in-rent-evictions/index.html"
    );
    let out = run_refeed(
        dir.path(),
        &["extract".into(), page.into(), "--explain".into()],
    )
    .await;
    assert!(out.success(), "{out}");
    assert!(lines(&out.stdout, "learned").is_empty(), "{out}");
    let hidden = lines(&out.stdout, "hidden");
    assert!(
        hidden
            .iter()
            .any(|line| line.contains("cheap replica watches")),
        "{out}"
    );
}
