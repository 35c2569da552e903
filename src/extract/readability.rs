//! Finds the article body of a page without a selector: readability's
//! candidate scoring, in a first version (issue 3 measures and raises it).
//!
//! Paragraphs score by length and commas; the score flows to their
//! enclosing `article`/`main`/`div`/`section`/`td` (full to the parent, half
//! to the grandparent, a sixth above); a candidate's tag and class/id
//! vocabulary add or subtract, and its link density scales the total down.
//! An `itemprop="articleBody"` block wins outright.

use std::collections::HashMap;

use super::dom::{Doc, Key, NodeRef, attr, element, tag};
use super::vocab;

/// Paragraphs shorter than this (non-whitespace characters) are captions,
/// buttons or bylines and do not vote.
const MIN_PARAGRAPH_CHARS: usize = 25;

/// An `itemprop="articleBody"` block shorter than this is a teaser, not the body.
const MIN_ARTICLE_BODY_CHARS: usize = 140;

/// Text (non-whitespace characters) a candidate needs for its full tag and
/// class bonus.
const FULL_BONUS_CHARS: f64 = 250.0;

/// How many enclosing elements a paragraph's score reaches.
const LEVELS: usize = 3;

/// Tags that may hold an article, with readability's bonus for each
/// (`article` gets more: it is the element made for this).
const CANDIDATE_TAGS: &[(&str, f64)] = &[
    ("article", 10.0),
    ("main", 5.0),
    ("div", 5.0),
    ("section", 3.0),
    ("td", 3.0),
    ("body", 0.0),
];

/// Elements that break a block into separate paragraphs.
pub(crate) const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
];

/// The element most likely to hold the article (the body if nothing scores).
pub(crate) fn find_root<'a>(doc: &Doc<'a>) -> NodeRef<'a> {
    article_body(doc)
        .or_else(|| best_candidate(doc))
        .unwrap_or_else(|| doc.body())
}

/// A schema.org `articleBody` block long enough to be the article.
fn article_body<'a>(doc: &Doc<'a>) -> Option<NodeRef<'a>> {
    doc.elements(doc.body()).into_iter().find(|n| {
        attr(*n, "itemprop").is_some_and(|v| {
            v.split_whitespace()
                .any(|p| p.eq_ignore_ascii_case("articleBody"))
        }) && doc.text_stats(*n).chars >= MIN_ARTICLE_BODY_CHARS
    })
}

/// A block that may hold the article, and the votes of its paragraphs.
struct Candidate<'a> {
    node: NodeRef<'a>,
    votes: f64,
}

/// Candidates in the order first reached, so ties go to the earlier block.
#[derive(Default)]
struct Scores<'a> {
    candidates: Vec<Candidate<'a>>,
    index: HashMap<Key, usize>,
}

impl<'a> Scores<'a> {
    fn add(&mut self, node: NodeRef<'a>, points: f64) {
        let key = Key::of(node);
        let i = *self.index.entry(key).or_insert_with(|| {
            self.candidates.push(Candidate { node, votes: 0.0 });
            self.candidates.len() - 1
        });
        self.candidates[i].votes += points;
    }
}

fn best_candidate<'a>(doc: &Doc<'a>) -> Option<NodeRef<'a>> {
    let scores = score_paragraphs(doc);
    let mut best: Option<(NodeRef<'a>, f64)> = None;
    for candidate in scores.candidates {
        let stats = doc.text_stats(candidate.node);
        // A name alone does not make an article: the tag and class bonus
        // counts in full only for a block holding a paragraph's worth of
        // text (The Hill's byline box is `content-wrapper`).
        let fill = (stats.chars as f64 / FULL_BONUS_CHARS).min(1.0);
        let score =
            (base_score(candidate.node) * fill + candidate.votes) * (1.0 - stats.link_density());
        if best.is_none_or(|(_, top)| score > top) {
            best = Some((candidate.node, score));
        }
    }
    best.map(|(node, _)| node)
}

/// Lets every paragraph vote for the blocks around it.
fn score_paragraphs<'a>(doc: &Doc<'a>) -> Scores<'a> {
    let mut scores = Scores::default();
    for node in doc.elements(doc.body()) {
        if !is_paragraph(doc, node) {
            continue;
        }
        let text = doc.raw_text(node);
        let chars = text.chars().filter(|c| !c.is_whitespace()).count();
        if chars < MIN_PARAGRAPH_CHARS {
            continue;
        }
        let points = paragraph_score(&text, chars);
        let ancestors = node.ancestors().filter(|a| a.value().is_element());
        for (level, ancestor) in ancestors.take(LEVELS).enumerate() {
            if candidate_bonus(ancestor).is_some() {
                scores.add(ancestor, points / divider(level));
            }
        }
    }
    scores
}

/// A paragraph: `p`, `pre`, or a `div`/`section`/`td` holding only inline
/// content (div-soup themes write paragraphs as divs).
fn is_paragraph(doc: &Doc<'_>, node: NodeRef<'_>) -> bool {
    match tag(node) {
        Some("p" | "pre") => true,
        Some("div" | "section" | "td") => !node
            .children()
            .any(|c| !doc.is_removed(c) && tag(c).is_some_and(|t| BLOCK_TAGS.contains(&t))),
        _ => false,
    }
}

/// Readability's paragraph score: one point, one per comma, one per 100
/// characters up to three.
fn paragraph_score(text: &str, chars: usize) -> f64 {
    let commas = text.matches([',', '，', '、']).count();
    1.0 + commas as f64 + (chars / 100).min(3) as f64
}

fn divider(level: usize) -> f64 {
    match level {
        0 => 1.0,
        1 => 2.0,
        n => n as f64 * 3.0,
    }
}

fn candidate_bonus(node: NodeRef<'_>) -> Option<f64> {
    let name = tag(node)?;
    CANDIDATE_TAGS
        .iter()
        .find(|(t, _)| *t == name)
        .map(|(_, bonus)| *bonus)
}

fn base_score(node: NodeRef<'_>) -> f64 {
    let vocabulary = element(node).map_or(0.0, vocab::class_weight);
    candidate_bonus(node).unwrap_or(0.0) + vocabulary
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn root_of(html: &str) -> String {
        let parsed = Html::parse_document(html);
        let doc = Doc::new(&parsed);
        let root = find_root(&doc);
        let el = element(root).unwrap();
        format!("{}.{}", el.name(), el.attr("class").unwrap_or(""))
    }

    const PARAGRAPH: &str = "<p>Bolivia's Movement to Socialism, the party of Evo Morales, won the \
        election outright, with a lead of more than twenty points over its nearest rival.</p>";

    #[test]
    fn picks_the_block_with_the_paragraphs() {
        let html = format!(
            r#"<body><div class="wrap"><div class="entry-content">{p}{p}{p}</div>
            <div class="sidebar"><p>Sign up to our daily digest, before it's too late, today.</p></div>
            </div></body>"#,
            p = PARAGRAPH
        );
        assert_eq!(root_of(&html), "div.entry-content");
    }

    #[test]
    fn link_lists_lose_to_prose() {
        let links = r#"<p><a href="/a">A long related story title about Bolivia, again</a></p>"#;
        let html = format!(
            r#"<body><div class="x">{l}{l}{l}{l}{l}{l}</div><div class="y">{p}{p}</div></body>"#,
            l = links,
            p = PARAGRAPH
        );
        assert_eq!(root_of(&html), "div.y");
    }

    #[test]
    fn item_prop_article_body_wins() {
        let html = format!(
            r#"<body><div class="a">{p}{p}{p}{p}{p}</div><div class="b" itemprop="articleBody">{p}{p}</div></body>"#,
            p = PARAGRAPH
        );
        assert_eq!(root_of(&html), "div.b");
    }

    #[test]
    fn div_soup_paragraphs_count() {
        let html = format!(
            r#"<body><div class="story">{d}{d}</div><div class="other"><p>short</p></div></body>"#,
            d = "<div>Text written in divs, as some themes do, long enough to be a paragraph of the story.</div>"
        );
        assert_eq!(root_of(&html), "div.story");
    }

    #[test]
    fn a_content_named_byline_box_does_not_beat_the_paragraphs() {
        // The Hill: the byline sits in `div.content-wrapper`, the article in
        // unnamed `div.field-item`s.
        let html = format!(
            r#"<body><div class="content-wrapper title"><div class="submitted">By Justine
            Coleman - 11/18/19 11:04 PM EST</div></div><div class="field-item">{p}{p}</div></body>"#,
            p = PARAGRAPH
        );
        assert_eq!(root_of(&html), "div.field-item");
    }

    #[test]
    fn nothing_to_score_falls_back_to_the_body() {
        assert_eq!(root_of("<body><span>hi</span></body>"), "body.");
    }
}
