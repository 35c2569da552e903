//! Summaries as clean as articles (issue 10): WordPress's automatic excerpt
//! is the post's first 55 words with the tags stripped, so an appeal or a
//! newsletter box pasted after the lead paragraph ends up in it, although
//! the article's cleaning removed it. Such an excerpt is rebuilt from the
//! opening of the cleaned article. A hand-written excerpt (one that does
//! not start like the article) is left alone.

use scraper::Html;

/// Words of an excerpt's opening that must match the article's for the
/// excerpt to count as automatic.
const OPENING_WORDS: usize = 6;

/// The longest rebuilt summary, in words (WordPress's own excerpt length).
const MAX_WORDS: usize = 55;

/// Markers an automatic excerpt ends with (WordPress's `[&hellip;]`,
/// themes' "Read more").
const TRAILERS: [&str; 6] = ["[…]", "[...]", "…", "...", "read more", "continue reading"];

/// The summary to keep for an item whose cleaned article is `article_text`
/// (paragraphs separated by blank lines): `summary` itself, unless it is an
/// automatic excerpt carrying words the article no longer has, in which
/// case the opening of the article, as one paragraph.
pub(super) fn rebuilt(summary: Option<String>, article_text: &str) -> Option<String> {
    let html = summary?;
    let excerpt = words(
        &Html::parse_fragment(&html)
            .root_element()
            .text()
            .collect::<String>(),
    );
    let excerpt = without_trailer(excerpt);
    let article = words(article_text);
    let opening = OPENING_WORDS.min(excerpt.len());
    let automatic =
        opening > 0 && article.len() >= opening && excerpt[..opening] == article[..opening];
    if !automatic || is_prefix(&excerpt, &article) {
        return Some(html);
    }
    Some(opening_of(article_text, excerpt.len()))
}

/// Lower-cased words without the punctuation around them.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn without_trailer(mut words: Vec<String>) -> Vec<String> {
    let joined = words.join(" ");
    for trailer in TRAILERS {
        let trailer_words = self::words(trailer);
        if !trailer_words.is_empty() && joined.ends_with(&trailer_words.join(" ")) {
            words.truncate(words.len() - trailer_words.len());
            break;
        }
    }
    words
}

/// Whether `excerpt` is the article's opening (its last word may be cut).
fn is_prefix(excerpt: &[String], article: &[String]) -> bool {
    let Some((last, whole)) = excerpt.split_last() else {
        return true;
    };
    article.len() >= excerpt.len()
        && article[..whole.len()] == *whole
        && article[whole.len()].starts_with(last.as_str())
}

/// The article's first paragraphs, as many as reach `wanted` words (at
/// most [`MAX_WORDS`], cut with an ellipsis), HTML-escaped in one `<p>`.
fn opening_of(article_text: &str, wanted: usize) -> String {
    let wanted = wanted.clamp(1, MAX_WORDS);
    let mut taken: Vec<&str> = Vec::new();
    for paragraph in article_text.split("\n\n") {
        taken.extend(paragraph.split_whitespace());
        if taken.len() >= wanted {
            break;
        }
    }
    let cut = taken.len() > MAX_WORDS;
    taken.truncate(MAX_WORDS);
    let mut text = taken.join(" ");
    if cut {
        text.push_str(" …");
    }
    maud::html! { p { (text) } }.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "After 11 months of a coup regime, Bolivians have recovered democracy.\n\n\
                           The vote was counted in a single night.";

    #[test]
    fn an_automatic_excerpt_with_a_removed_appeal_is_rebuilt_from_the_article() {
        let excerpt = "<p>After 11 months of a coup regime, Bolivians have recovered democracy. \
                       Urgent End Of Year Fundraising Campaign: donate now! The vote [&hellip;]</p>";
        let summary = rebuilt(Some(excerpt.into()), ARTICLE).unwrap();
        assert_eq!(
            summary,
            "<p>After 11 months of a coup regime, Bolivians have recovered democracy. \
             The vote was counted in a single night.</p>"
        );
    }

    #[test]
    fn an_excerpt_that_is_the_article_opening_is_kept() {
        let excerpt = "<p>After 11 months of a coup regime, Bolivians have recov&hellip;</p>";
        assert_eq!(
            rebuilt(Some(excerpt.into()), ARTICLE).as_deref(),
            Some(excerpt)
        );
        let whole = "<p>After 11 months of a coup regime, Bolivians have recovered democracy. [&hellip;]</p>";
        assert_eq!(rebuilt(Some(whole.into()), ARTICLE).as_deref(), Some(whole));
    }

    #[test]
    fn a_hand_written_excerpt_is_kept() {
        let excerpt = "<p>Our correspondent on the night the coup regime fell. Donate now!</p>";
        assert_eq!(
            rebuilt(Some(excerpt.into()), ARTICLE).as_deref(),
            Some(excerpt)
        );
        assert_eq!(rebuilt(None, ARTICLE), None);
    }

    #[test]
    fn a_rebuilt_summary_is_bounded_and_escaped() {
        let long = format!("Tom & Jerry <3 {}", "word ".repeat(100));
        let excerpt = format!(
            "<p>Tom &amp; Jerry &lt;3 word word word appeal {}</p>",
            "x ".repeat(60)
        );
        let summary = rebuilt(Some(excerpt), &long).unwrap();
        assert!(
            summary.starts_with("<p>Tom &amp; Jerry &lt;3 word"),
            "{summary}"
        );
        assert!(summary.ends_with(" …</p>"), "{summary}");
        assert_eq!(summary.split_whitespace().count(), MAX_WORDS + 1);
    }
}
