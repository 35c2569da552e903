//! The JSON-LD fallback: paywalled and script-rendered pages show a
//! one-sentence teaser (or a placeholder) while the whole article sits in
//! their JSON-LD `articleBody`. When that text is clearly longer than what
//! the page showed, it is the article.

use scraper::Html;
use url::Url;

use super::dom::{Doc, visible_chars};
use super::{sanitize, text};

/// `articleBody` wins when it has this many times the extracted text.
const BODY_FACTOR: usize = 2;

/// The article text and HTML from `articleBody` (paragraphs split on line
/// breaks), when it is at least [`BODY_FACTOR`] times longer than `text`.
/// Some CMSs put HTML in it: that is parsed and sanitized like a page body,
/// unless it is beyond the `markup` limits (it sits in a script, which the
/// page's own check does not look into): then there is no fallback.
pub(crate) fn json_ld_body(body: Option<&str>, text: &str, url: &Url) -> Option<(String, String)> {
    let body = body?;
    let count = visible_chars;
    if count(body) < count(text) * BODY_FACTOR || count(body) == 0 {
        return None;
    }
    if looks_like_html(body) {
        crate::markup::check(body).ok()?;
        let parsed = Html::parse_fragment(body);
        let doc = Doc::new(&parsed);
        let text = text::plain_text(&doc, doc.root);
        return Some((text, sanitize::safe_html(&doc, doc.root, url)));
    }
    let paragraphs: Vec<String> = body
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|line| !line.is_empty())
        .collect();
    let html = paragraphs
        .iter()
        .map(|text| maud::html! { p { (text) } }.into_string())
        .collect();
    Some((paragraphs.join("\n\n"), html))
}

fn looks_like_html(body: &str) -> bool {
    ["<p>", "<p ", "<br", "<div", "</p>"]
        .iter()
        .any(|tag| body.contains(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_teaser_gives_way_to_the_json_ld_body() {
        let body = "First paragraph of the whole story, long.\n\nSecond <one> & last.";
        let (text, html) = json_ld_body(Some(body), "First paragraph", &url()).unwrap();
        assert_eq!(
            text,
            "First paragraph of the whole story, long.\n\nSecond <one> & last."
        );
        assert_eq!(
            html,
            "<p>First paragraph of the whole story, long.</p><p>Second &lt;one&gt; &amp; last.</p>"
        );
    }

    #[test]
    fn a_full_visible_article_is_kept() {
        let text = "A visible article as long as its JSON-LD summary, or longer.";
        assert_eq!(json_ld_body(Some("A visible article."), text, &url()), None);
        assert_eq!(json_ld_body(None, "", &url()), None);
    }

    #[test]
    fn an_html_body_is_parsed_and_sanitized() {
        let body = r#"<p>First paragraph of the story.</p><p onclick="x()">Second, <a href="/x">linked</a>.</p>"#;
        let (text, html) = json_ld_body(Some(body), "", &url()).unwrap();
        assert_eq!(text, "First paragraph of the story.\n\nSecond, linked.");
        assert!(html.contains(r#"href="https://o.example/x""#), "{html}");
        assert!(!html.contains("onclick"));
    }

    fn url() -> Url {
        Url::parse("https://o.example/a/").unwrap()
    }
}
