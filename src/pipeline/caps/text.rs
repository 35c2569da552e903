//! What is stored of an item's text, bounded (issue 9): titles, authors
//! and summaries cut to a length no outlet needs, and the bidi controls
//! that make a title read in another order than it is taken out of titles
//! and authors. Applied before an item is compared with the stored one,
//! and deterministic, so an unchanged item still compares equal.

use url::Url;

use crate::extract::{self, CleanRules};
use crate::model::NewItem;

/// Longest stored title, in characters: a headline is under 200; a longer
/// one is a page's text scraped as a title. Cut with an ellipsis.
pub const MAX_TITLE_CHARS: usize = 1_000;

/// Longest stored author, in characters: names, or a few of them, fit;
/// a byline selector that caught a paragraph does not.
pub const MAX_AUTHOR_CHARS: usize = 200;

/// Longest stored summary, in characters of sanitized HTML. Teasers are a
/// few hundred; feeds that carry the whole article in their description
/// (Blogger, older blogs) stay whole up to a long read of some 7,000
/// words. Past this the HTML is cut outside any tag or entity, an ellipsis
/// is added and it is sanitized again, which closes the elements left
/// open: it stays well-formed and safe (a few closing tags over the bound).
pub const MAX_SUMMARY_CHARS: usize = 50_000;

/// The characters that override or isolate the direction of the text
/// around them (U+202A–U+202E, U+2066–U+2069). In a title or an author
/// they make a reader's item list show text in another order than it is
/// (`exe.txt` as `txt.exe`, a reversed price), so they are removed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Bounds what is stored of an item as read from the page: title, author
/// and summary (see the `MAX_*` constants), bidi controls removed from the
/// title and author. Deterministic, so an unchanged item compares equal
/// to what the last refresh stored.
pub(in crate::pipeline) fn bound_item(item: &mut NewItem) {
    item.title = plain(&item.title, MAX_TITLE_CHARS);
    bound_author(item);
    if let Some(summary) = item.summary.take() {
        item.summary = Some(bound_html(summary, &item.link, MAX_SUMMARY_CHARS));
    }
}

/// Bounds the author alone: what an article page may add to an item.
pub(in crate::pipeline) fn bound_author(item: &mut NewItem) {
    item.author = item
        .author
        .take()
        .map(|author| plain(&author, MAX_AUTHOR_CHARS))
        .filter(|author| !author.is_empty());
}

/// A page's or feed's own title, bounded like an item title.
pub(in crate::pipeline) fn bound_title(title: Option<String>) -> Option<String> {
    title
        .map(|t| plain(&t, MAX_TITLE_CHARS))
        .filter(|t| !t.is_empty())
}

/// Plain text without bidi controls (whitespace collapsed again where one
/// stood between spaces), at most `max` characters, the last of which is
/// an ellipsis when it was cut.
fn plain(text: &str, max: usize) -> String {
    let text: String = if text.contains(is_bidi_control) {
        let kept: String = text.chars().filter(|&c| !is_bidi_control(c)).collect();
        kept.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        text.to_owned()
    };
    match cut_point(&text, max) {
        Some(end) => format!("{}…", text[..end].trim_end()),
        None => text,
    }
}

/// Where to cut `text` to keep `max - 1` characters and add an ellipsis,
/// when it is longer than `max` characters.
fn cut_point(text: &str, max: usize) -> Option<usize> {
    let (end, _) = text.char_indices().nth(max.saturating_sub(1))?;
    text[end..].chars().nth(1).map(|_| end)
}

/// Sanitized HTML of at most `max` characters (plus closing tags): cut
/// outside any tag or entity, an ellipsis added, sanitized again against
/// `link` (its links are absolute already).
fn bound_html(html: String, link: &str, max: usize) -> String {
    let Some(end) = cut_point(&html, max) else {
        return html;
    };
    let mut cut = &html[..end];
    // Inside a tag (`<a hr`): back to where it opens.
    if let Some(open) = cut.rfind('<')
        && !cut[open..].contains('>')
    {
        cut = &cut[..open];
    }
    // Inside an entity (`&am`): back to its `&`.
    if let Some(amp) = cut.rfind('&')
        && !cut[amp..].contains([';', '<', '>'])
    {
        cut = &cut[..amp];
    }
    let Ok(base) = Url::parse(link) else {
        return String::new();
    };
    // A prefix of HTML that passed the markup limits passes them too; were
    // it refused anyway, no summary beats an unbounded one.
    extract::clean_fragment(&format!("{cut}…"), &base, &CleanRules::default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::test_support;

    fn new_item(title: &str) -> NewItem {
        NewItem {
            url: "https://example.org/a/".into(),
            link: "https://example.org/a/".into(),
            ..test_support::item(title, None)
        }
    }

    #[test]
    fn bidi_controls_leave_titles_authors_and_page_titles() {
        let mut item = new_item("Invoice \u{202E}fdp.exe\u{202C} ready");
        item.author = Some("\u{2067}Mallory\u{2069}".into());
        bound_item(&mut item);
        assert_eq!(item.title, "Invoice fdp.exe ready");
        assert_eq!(item.author.as_deref(), Some("Mallory"));
        for c in ['\u{202A}', '\u{202B}', '\u{202D}', '\u{2066}', '\u{2068}'] {
            assert_eq!(
                bound_title(Some(format!("A {c} B"))).as_deref(),
                Some("A B")
            );
        }
        // Other marks (LRM, Arabic letters) are text, not controls.
        assert_eq!(plain("\u{200E}سلام", 10), "\u{200E}سلام");
        assert_eq!(bound_title(Some("\u{202E}".into())), None);
    }

    #[test]
    fn long_titles_and_authors_are_cut_with_an_ellipsis() {
        let mut item = new_item(&"é".repeat(5_000));
        item.author = Some("x".repeat(MAX_AUTHOR_CHARS + 1));
        bound_item(&mut item);
        assert_eq!(item.title.chars().count(), MAX_TITLE_CHARS);
        assert!(item.title.ends_with("é…"));
        let author = item.author.unwrap();
        assert_eq!(author.chars().count(), MAX_AUTHOR_CHARS);
        let exact = "y".repeat(MAX_AUTHOR_CHARS);
        assert_eq!(plain(&exact, MAX_AUTHOR_CHARS), exact);
    }

    #[test]
    fn long_summaries_are_cut_outside_tags_and_stay_well_formed() {
        let base = Url::parse("https://example.org/a/").unwrap();
        let paragraph = "<p>Fish &amp; <a href=\"https://example.org/x\">chips</a></p>";
        let clean =
            |html: &str| extract::clean_fragment(html, &base, &CleanRules::default()).unwrap();
        let html = clean(&paragraph.repeat(50));
        let one = html.find("</p>").unwrap() + 4;
        for max in 1..=one + 5 {
            let cut = bound_html(html.clone(), base.as_str(), max);
            assert!(
                cut.chars().count() <= max + "</a></p>".len(),
                "{max}: {cut}"
            );
            assert!(cut.contains('…'), "{max}: {cut}");
            assert!(
                !cut.contains("&am…") && !cut.contains("<a…"),
                "{max}: {cut}"
            );
            assert_eq!(cut.matches("<p>").count(), cut.matches("</p>").count());
            assert_eq!(cut.matches("<a ").count(), cut.matches("</a>").count());
            assert_eq!(clean(&cut), cut, "not stable when cleaned again");
        }
        let short = "<p>short</p>".to_owned();
        assert_eq!(
            bound_html(short.clone(), "https://example.org/", 100),
            short
        );
        let mut item = new_item("T");
        item.summary = Some(format!("<p>{}</p>", "z".repeat(MAX_SUMMARY_CHARS)));
        bound_item(&mut item);
        let summary = item.summary.unwrap();
        assert!(
            summary.chars().count() <= MAX_SUMMARY_CHARS + 4,
            "{}",
            summary.len()
        );
    }
}
