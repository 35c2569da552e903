//! `refeed try --full-text`: the first item's article, fetched and
//! extracted as a refresh with `full_text = true` would (generic
//! extraction, no source rules), to show what the feed would carry.

use std::fmt::Write as _;

use url::Url;

use crate::extract::{self, ArticleRules};
use crate::fetch::Fetcher;
use crate::model::Article;

/// What `--full-text` says on a saved page.
pub const OFFLINE_NOTE: &str =
    "\nfull text: not fetched (it needs the network: give the page's URL instead of a file)\n";

/// How many paragraphs of the article are shown.
const SHOWN_PARAGRAPHS: usize = 3;

/// The most characters shown of one paragraph.
const SHOWN_CHARS: usize = 300;

/// The first article's section of the report; a failure to fetch or
/// extract it is reported there, not as the command's failure.
pub async fn first_article(fetcher: &Fetcher, link: &Url) -> String {
    let mut out = format!("\nfull text of the first item: {link}\n");
    let page = match fetcher.get(link).await {
        Ok(page) => page,
        Err(err) => {
            let _ = writeln!(out, "  cannot fetch it: {:#}", anyhow::Error::new(err));
            return out;
        }
    };
    let extracted = tokio::task::spawn_blocking(move || {
        extract::article(&page.body, &page.url, &ArticleRules::default())
    })
    .await;
    match extracted {
        Ok(Ok(article)) => out.push_str(&summary(&article)),
        Ok(Err(err)) => {
            let _ = writeln!(out, "  cannot extract it: {err}");
        }
        Err(err) => {
            let _ = writeln!(out, "  extraction failed unexpectedly: {err}");
        }
    }
    out
}

/// Title, date, author, length and the opening paragraphs.
fn summary(article: &Article) -> String {
    let mut out = String::new();
    let missing = || "(none found)".to_owned();
    let _ = writeln!(
        out,
        "  title: {}",
        article.title.clone().unwrap_or_else(missing)
    );
    let date = article.published.map(|d| d.to_rfc3339());
    let _ = writeln!(out, "  date: {}", date.unwrap_or_else(missing));
    let _ = writeln!(
        out,
        "  author: {}",
        article.author.clone().unwrap_or_else(missing)
    );
    let paragraphs: Vec<&str> = article
        .text
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let _ = writeln!(
        out,
        "  text: {} paragraph(s), {} characters; it opens:",
        paragraphs.len(),
        article.text.chars().count()
    );
    for paragraph in paragraphs.iter().take(SHOWN_PARAGRAPHS) {
        let _ = writeln!(out, "    {}", shorten(paragraph));
    }
    out
}

/// At most [`SHOWN_CHARS`] characters, whitespace collapsed, `…` when cut.
fn shorten(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= SHOWN_CHARS {
        return collapsed;
    }
    let mut cut: String = collapsed.chars().take(SHOWN_CHARS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_shows_metadata_and_the_opening_paragraphs_shortened() {
        let article = Article {
            title: Some("Headline".into()),
            text: format!("One.\n\nTwo {}\n\nThree.\n\nFour.", "x".repeat(400)),
            ..Article::default()
        };
        let out = summary(&article);
        assert!(out.starts_with("  title: Headline\n  date: (none found)\n"));
        assert!(out.contains("text: 4 paragraph(s)"));
        assert!(out.contains("    One.\n"));
        assert!(out.contains(&format!("    Two {}…\n", "x".repeat(SHOWN_CHARS - 4))));
        assert!(out.contains("    Three.\n"));
        assert!(!out.contains("Four."));
    }
}
