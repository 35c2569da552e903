//! `refeed check --site-configs`: every file of `[extract] site_config_dir`
//! parsed, each error and skipped directive listed with its file and line.
//! Offline by default; `--fetch-test-urls` also fetches each file's
//! `test_url` pages through the one HTTP client (politely, one at a time)
//! and checks that a `body` rule matches and every `test_contains` text is
//! in the extracted article.

use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::{Context, bail};
use scraper::Html;
use url::Url;

use crate::config::Config;
use crate::extract::siteconfig::{Severity, SiteConfigs, TestUrl};
use crate::extract::{self, ArticleRules};
use crate::fetch::Fetcher;

/// The folder's files and the problems in them; whether there is no error
/// (skipped directives are reported but do not fail the check).
pub fn check(config: &Config) -> anyhow::Result<(String, bool)> {
    let (dir, configs) = site_configs(config)?;
    let mut out = String::new();
    let (mut errors, mut skipped, mut tests) = (0, 0, 0);
    for file in configs.files() {
        tests += file.tests.len();
        for problem in &file.problems {
            let label = match problem.severity {
                Severity::Error => {
                    errors += 1;
                    "error"
                }
                Severity::Skipped => {
                    skipped += 1;
                    "skipped"
                }
            };
            let _ = writeln!(
                out,
                "{}:{}: {label}: {}",
                file.file, problem.line, problem.message
            );
        }
    }
    let _ = writeln!(
        out,
        "site configs: {} file(s) in {dir}, {errors} error(s), {skipped} skipped directive(s), {tests} test URL(s)",
        configs.len()
    );
    Ok((out, errors == 0))
}

/// Fetches every `test_url` and checks it; whether all passed.
pub async fn fetch_test_urls(config: &Config) -> anyhow::Result<(String, bool)> {
    let (_, configs) = site_configs(config)?;
    let tests: Vec<(String, TestUrl)> = configs
        .files()
        .into_iter()
        .flat_map(|f| f.tests.iter().map(|t| (f.file.to_string(), t.clone())))
        .collect();
    let mut fetch = config.fetch.clone();
    for (_, test) in &tests {
        if let Ok(url) = Url::parse(&test.url) {
            // The operator's own files name these pages.
            fetch.access.allow_origin(&url);
        }
    }
    let fetcher = Fetcher::new(&fetch)?;
    let mut out = String::new();
    let mut passed = 0;
    for (file, test) in &tests {
        let verdict = run_test(&fetcher, configs, test).await;
        if verdict.is_ok() {
            passed += 1;
        }
        let verdict = verdict.unwrap_or_else(|why| format!("FAILED: {why}"));
        let _ = writeln!(
            out,
            "{file}:{}: test_url {}: {verdict}",
            test.line, test.url
        );
    }
    let _ = writeln!(out, "test URLs: {passed} of {} passed", tests.len());
    Ok((out, passed == tests.len()))
}

fn site_configs(config: &Config) -> anyhow::Result<(String, &Arc<SiteConfigs>)> {
    match (
        &config.extract.site_config_dir,
        &config.extract.site_configs,
    ) {
        (Some(dir), Some(configs)) => Ok((dir.display().to_string(), configs)),
        _ => bail!(
            "{} sets no [extract] site_config_dir: there are no site configs to check",
            config.path.display()
        ),
    }
}

/// One test: the page fetched, a `body` rule matching it, its article
/// holding every `test_contains` text (whitespace and case ignored).
async fn run_test(
    fetcher: &Fetcher,
    configs: &Arc<SiteConfigs>,
    test: &TestUrl,
) -> Result<String, String> {
    let url = Url::parse(&test.url).map_err(|e| format!("not a URL: {e}"))?;
    let page = fetcher
        .get(&url)
        .await
        .map_err(|e| format!("cannot fetch: {:#}", anyhow::Error::from(e)))?;
    let configs = Arc::clone(configs);
    let contains = test.contains.clone();
    tokio::task::spawn_blocking(move || judge(&configs, &page.body, &page.url, &contains))
        .await
        .context("the check failed unexpectedly")
        .map_err(|e| e.to_string())?
}

fn judge(
    configs: &Arc<SiteConfigs>,
    html: &str,
    url: &Url,
    contains: &[String],
) -> Result<String, String> {
    let has_body_rules = configs
        .for_url(url)
        .is_some_and(|r| r.rules(|c| &c.body).next().is_some());
    let body = configs.matching_body(&Html::parse_document(html), url);
    if has_body_rules && body.is_none() {
        return Err("no body rule matches the page".to_owned());
    }
    let rules = ArticleRules {
        site_configs: Some(Arc::clone(configs)),
        ..ArticleRules::default()
    };
    let article = extract::article(html, url, &rules).map_err(|e| e.to_string())?;
    let text = extract::normalize_text(&article.text);
    for wanted in contains {
        if !text.contains(&extract::normalize_text(wanted)) {
            return Err(format!("test_contains {wanted:?} not in the article"));
        }
    }
    Ok(match body {
        Some(rule) => format!(
            "ok (body by {rule}, {} test_contains found)",
            contains.len()
        ),
        None => format!("ok (no body rule; {} test_contains found)", contains.len()),
    })
}
