//! `refeed explain SOURCE_ID URL` and `refeed extract FILE --explain`: what
//! the extractor removed from a page and why (hidden, junk, rule,
//! vocabulary, outside-article, learned), with byte counts, so a user can
//! see why a paragraph is missing from a feed, or which box still slips
//! through and needs a `[source.clean]` rule.
//!
//! `explain` fetches the page with the source's rules through the one HTTP
//! client and applies the boilerplate the store has learned for the source,
//! exactly as a refresh would; `extract --explain` works on a local file,
//! without config or learned boilerplate.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use url::Url;

use super::extract::{file_url, read_page};
use crate::config::Config;
use crate::extract::learned;
use crate::extract::{self, ArticleRules, Explanation, Removal, RemovalReason};
use crate::fetch::Fetcher;
use crate::model::Article;
use crate::store::StoreError;

/// `refeed explain`: fetches `url` as the source `source_id` would, extracts
/// it with the source's rules and learned boilerplate, and reports every
/// removal.
pub async fn explain_source(config: &Config, source_id: &str, url: &Url) -> anyhow::Result<String> {
    let source = super::commands::select_sources(config, &[source_id.to_owned()])?[0];
    // The operator typed this URL: fetch it wherever it points, as a
    // source's own origin would be.
    let mut fetch = config.fetch.clone();
    fetch.access.allow_origin(url);
    let fetcher = Fetcher::new(&fetch)?;
    let page = fetcher
        .get(url)
        .await
        .with_context(|| format!("cannot fetch {url}"))?;
    let boilerplate = learned_boilerplate(config, &source.id).await?;
    let rules = source.article.clone();
    let report = tokio::task::spawn_blocking(move || {
        let mut done = extract::explain(&page.body, &page.url, &rules)
            .with_context(|| format!("cannot extract {}", page.url))?;
        done.article = strip_learned(done.article, &boilerplate, &mut done.removals);
        anyhow::Ok(render(page.url.as_str(), &done))
    })
    .await
    .context("extraction failed unexpectedly")??;
    Ok(report)
}

/// The boilerplate learned for `source`, from the database if one
/// exists: `explain` only reads, so it never creates a database (before
/// the daemon's first run nothing has been learned).
async fn learned_boilerplate(config: &Config, source: &str) -> anyhow::Result<HashSet<u64>> {
    let store = match super::database::open_existing(&config.storage).await {
        Ok(store) => store,
        Err(StoreError::Missing { .. }) => return Ok(HashSet::new()),
        Err(err) => return Err(err.into()),
    };
    let boilerplate = store.learned_boilerplate(source).await;
    store.close().await;
    Ok(boilerplate?)
}

/// `refeed extract FILE --explain`: the same report for a local page
/// (`.html`, `.html.gz`, or `-` for standard input), with no source rules
/// and no learned boilerplate. `url` resolves relative links.
pub fn explain_file(input: &Path, url: Option<Url>) -> anyhow::Result<String> {
    let html = read_page(input)?;
    let url = url.unwrap_or_else(|| file_url(input));
    let done = extract::explain(&html, &url, &ArticleRules::default())
        .with_context(|| format!("cannot extract {}", input.display()))?;
    Ok(render(url.as_str(), &done))
}

/// Strips the learned boilerplate from an extracted article, recomputing its
/// text, and appends those removals to the extractor's.
fn strip_learned(
    mut article: Article,
    boilerplate: &std::collections::HashSet<learned::Fingerprint>,
    removals: &mut Vec<Removal>,
) -> Article {
    let (html, learned_removals) = learned::strip(&article.html, boilerplate);
    if !learned_removals.is_empty() {
        article.text = learned::plain_text(&html);
        article.html = html;
        removals.extend(learned_removals);
    }
    article
}

/// The name a reason is printed with.
pub fn reason_name(reason: RemovalReason) -> &'static str {
    match reason {
        RemovalReason::Hidden => "hidden",
        RemovalReason::Junk => "junk",
        RemovalReason::Rule => "rule",
        RemovalReason::Vocabulary => "vocabulary",
        RemovalReason::OutsideArticle => "outside-article",
        RemovalReason::Learned => "learned",
        RemovalReason::SiteConfig => "site-config",
    }
}

/// The report: one line per removal (reason, bytes, what, excerpt), totals
/// per reason, the site config rules that chose parts of the article, and
/// the size of what was kept.
fn render(url: &str, done: &Explanation) -> String {
    let Explanation {
        article,
        removals,
        chosen,
    } = done;
    let mut out = format!("{url}: {} removal(s)\n", removals.len());
    for removal in removals {
        let _ = writeln!(
            out,
            "{:<15} {:>8} B  {}  {:?}",
            reason_name(removal.reason),
            removal.bytes,
            removal.what,
            removal.excerpt
        );
    }
    out.push_str("\ntotals:\n");
    let mut totals: BTreeMap<RemovalReason, (usize, usize)> = BTreeMap::new();
    for removal in removals {
        let total = totals.entry(removal.reason).or_default();
        total.0 += 1;
        total.1 += removal.bytes;
    }
    for (reason, (count, bytes)) in totals {
        let _ = writeln!(
            out,
            "{:<15} {count:>4} removal(s) {bytes:>9} B",
            reason_name(reason)
        );
    }
    if !chosen.is_empty() {
        out.push_str("\nsite config rules used:\n");
        for rule in chosen {
            let _ = writeln!(out, "{rule}");
        }
    }
    let _ = writeln!(
        out,
        "kept: {} B of article HTML, {} characters of text",
        article.html.len(),
        article.text.chars().count()
    );
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn removal(reason: RemovalReason, bytes: usize, what: &str, excerpt: &str) -> Removal {
        Removal {
            reason,
            what: what.to_owned(),
            bytes,
            excerpt: excerpt.to_owned(),
        }
    }

    #[test]
    fn the_report_lists_each_removal_then_totals_and_kept_size() {
        let article = Article {
            html: "<p>Kept.</p>".to_owned(),
            text: "Kept.".to_owned(),
            ..Article::default()
        };
        let removals = vec![
            removal(RemovalReason::Learned, 120, "p #00ff", "Online donations"),
            removal(RemovalReason::Hidden, 78, "div", "assetto corsa mods"),
            removal(
                RemovalReason::Learned,
                30,
                "h3 beside learned blocks",
                "Appeal",
            ),
        ];
        let done = Explanation {
            article,
            removals,
            chosen: vec!["body: o.txt:2 body".to_owned()],
        };
        let report = render("http://x.example/a/", &done);
        let expected = "http://x.example/a/: 3 removal(s)\n\
            learned              120 B  p #00ff  \"Online donations\"\n\
            hidden                78 B  div  \"assetto corsa mods\"\n\
            learned               30 B  h3 beside learned blocks  \"Appeal\"\n\
            \n\
            totals:\n\
            hidden             1 removal(s)        78 B\n\
            learned            2 removal(s)       150 B\n\
            \n\
            site config rules used:\n\
            body: o.txt:2 body\n\
            kept: 12 B of article HTML, 5 characters of text\n";
        assert_eq!(report, expected);
    }

    #[test]
    fn learned_boilerplate_is_stripped_and_the_text_recomputed() {
        let appeal = "Online donations are back! Keep independent media alive.";
        let html = format!("<p>The story, told in full.</p><p>{appeal}</p>");
        let article = Article {
            text: format!("The story, told in full.\n\n{appeal}"),
            html,
            ..Article::default()
        };
        let set: HashSet<_> = learned::fingerprint_text(appeal).into_iter().collect();
        let mut removals = vec![removal(RemovalReason::Junk, 10, "script", "")];
        let stripped = strip_learned(article, &set, &mut removals);
        assert_eq!(stripped.html, "<p>The story, told in full.</p>");
        assert_eq!(stripped.text, "The story, told in full.");
        assert_eq!(removals.len(), 2);
        assert_eq!(removals[1].reason, RemovalReason::Learned);
        assert_eq!(removals[1].excerpt, appeal);
    }

    #[test]
    fn every_reason_has_a_distinct_name() {
        let reasons = [
            RemovalReason::Hidden,
            RemovalReason::Junk,
            RemovalReason::Rule,
            RemovalReason::Vocabulary,
            RemovalReason::OutsideArticle,
            RemovalReason::Learned,
            RemovalReason::SiteConfig,
        ];
        let names: HashSet<_> = reasons.into_iter().map(reason_name).collect();
        assert_eq!(names.len(), reasons.len());
    }
}
