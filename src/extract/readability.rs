//! Finds the article body of a page without a selector: readability's
//! candidate scoring, in a first version (issue 3 measures and raises it).
//!
//! Paragraphs score by length and commas; the score flows to their
//! enclosing `article`/`main`/`div`/`section`/`td` (full to the parent, half
//! to the grandparent, a sixth above); a candidate's tag and class/id
//! vocabulary add or subtract, and its link density scales the total down.
//! An `itemprop="articleBody"` block wins outright.

use std::collections::HashMap;

use super::dom::{Doc, Key, NodeRef, attr, contains, element, tag, visible_chars};
use super::marked;
use super::vocab;

/// Paragraphs shorter than this (non-whitespace characters) are captions,
/// buttons or bylines and do not vote.
const MIN_PARAGRAPH_CHARS: usize = 25;

/// An `itemprop="articleBody"` block shorter than this is a teaser, not the body.
const MIN_ARTICLE_BODY_CHARS: usize = 140;

/// Text (non-whitespace characters) a candidate needs for its full tag and
/// class bonus.
const FULL_BONUS_CHARS: f64 = 250.0;

/// A block scoring this share of the winner's score is an alternative
/// winner (readability's 0.75).
const ALTERNATIVE_SHARE: f64 = 0.75;

/// The share for a block with the winner's own class: another part of the
/// same article body.
const SAME_CLASS_SHARE: f64 = 0.3;

/// The share of a boilerplate-named winner's score another block needs to
/// win instead (see `unnamed_winner`).
const NAMED_WINNER_SHARE: f64 = 0.5;

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

/// A schema.org `articleBody` block long enough to be the article. Pages
/// that mark each paragraph, or each part of a body split around an inline
/// box, as `articleBody` get the nearest block holding all of them.
fn article_body<'a>(doc: &Doc<'a>) -> Option<NodeRef<'a>> {
    let marked = marked::parts(doc, doc.body());
    let chars: usize = marked.iter().map(|n| doc.text_stats(*n).chars).sum();
    if chars < MIN_ARTICLE_BODY_CHARS {
        return None;
    }
    let (first, rest) = marked.split_first()?;
    let body = doc.body();
    let mut root = *first;
    for node in rest {
        if contains(root, *node) {
            continue;
        }
        let Some(common) = root.ancestors().find(|a| contains(*a, *node)) else {
            continue;
        };
        if common == body || contains(common, body) {
            // Parts with nothing below the body in common: the longest part.
            return marked
                .iter()
                .copied()
                .max_by_key(|n| doc.text_stats(*n).chars);
        }
        root = common;
    }
    Some(root)
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
    let scores = candidate_scores(doc);
    let mut best: Option<(NodeRef<'a>, f64)> = None;
    for (node, score) in &scores {
        if best.is_none_or(|(_, top)| *score > top) {
            best = Some((*node, *score));
        }
    }
    let best = best?;
    let (top, top_score) = unnamed_winner(best, &scores);
    let passed_over = (top != best.0).then_some(best.0);
    Some(common_root(doc, (top, top_score), passed_over, &scores))
}

/// A block named as boilerplate beyond doubt (a blog's "About me"
/// `profile-container`, a comment thread) wins only when no other block,
/// outside it, scores at least [`NAMED_WINNER_SHARE`] of its score: a long
/// sidebar bio outvotes a short post, yet is never the post.
fn unnamed_winner<'a>(
    best: (NodeRef<'a>, f64),
    scores: &[(NodeRef<'a>, f64)],
) -> (NodeRef<'a>, f64) {
    if !named_strongly(best.0) {
        return best;
    }
    scores
        .iter()
        .filter(|(n, s)| {
            !named_strongly(*n)
                && !contains(*n, best.0)
                && !contains(best.0, *n)
                && *s >= best.1 * NAMED_WINNER_SHARE
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .copied()
        .unwrap_or(best)
}

/// Readability's rule for articles split into sections (Quanta puts each
/// part between figures in its own `post__content__section`): when other
/// blocks, unrelated to the winner, score nearly as well (or well, and
/// carry the winner's class and at least [`SAME_CLASS_SHARE`] of its text:
/// another part of it), the article is their nearest common ancestor
/// (below the body). A side column
/// sharing the story column's class (`left content` beside `right content`)
/// with a few words under its `content` bonus is no such part. A block
/// named as boilerplate (a sidebar's text widget scoring as well as a short
/// blog post) is not part of the article and does not move the root.
fn common_root<'a>(
    doc: &Doc<'a>,
    (top, top_score): (NodeRef<'a>, f64),
    passed_over: Option<NodeRef<'a>>,
    scores: &[(NodeRef<'a>, f64)],
) -> NodeRef<'a> {
    let body = doc.body();
    let mut root = top;
    let top_class = attr(top, "class").filter(|c| !c.trim().is_empty());
    let part_chars = doc.text_stats(top).chars as f64 * SAME_CLASS_SHARE;
    for (node, score) in scores {
        let same_class_part = top_class.is_some()
            && attr(*node, "class") == top_class
            && doc.text_stats(*node).chars as f64 >= part_chars;
        let share = if same_class_part {
            SAME_CLASS_SHARE
        } else {
            ALTERNATIVE_SHARE
        };
        if *score < top_score * share || contains(root, *node) || contains(*node, root) {
            continue;
        }
        // The named block the winner was preferred to (see `unnamed_winner`).
        if Some(*node) == passed_over {
            continue;
        }
        let Some(common) = root.ancestors().find(|a| contains(*a, *node)) else {
            continue;
        };
        if common == body || contains(common, body) || named_boilerplate(*node, common) {
            continue;
        }
        root = common;
    }
    root
}

/// Whether an ancestor of `node` below `scope` is named as boilerplate
/// beyond doubt (`sidebar`, `widget`, `comment`...). The block's own name
/// does not count: its paragraphs outvoted that already.
fn named_boilerplate(node: NodeRef<'_>, scope: NodeRef<'_>) -> bool {
    node.ancestors()
        .take_while(|n| *n != scope)
        .any(named_strongly)
}

/// Whether a block's own class or id names it as boilerplate beyond doubt.
fn named_strongly(node: NodeRef<'_>) -> bool {
    element(node).and_then(vocab::boilerplate) == Some(vocab::Boilerplate::Strong)
}

/// Every candidate block with its final score, in the order first reached
/// (computed once per state of the page: see `Doc::scores`).
pub(crate) fn candidate_scores<'a>(doc: &Doc<'a>) -> Vec<(NodeRef<'a>, f64)> {
    doc.scores(|| compute_scores(doc))
}

fn compute_scores<'a>(doc: &Doc<'a>) -> Vec<(NodeRef<'a>, f64)> {
    score_paragraphs(doc)
        .candidates
        .into_iter()
        .map(|candidate| {
            let stats = doc.text_stats(candidate.node);
            // A name alone does not make an article: the tag and class bonus
            // counts in full only for a block holding a paragraph's worth of
            // text (The Hill's byline box is `content-wrapper`).
            let fill = (stats.chars as f64 / FULL_BONUS_CHARS).min(1.0);
            let score = (base_score(candidate.node) * fill + candidate.votes)
                * (1.0 - stats.link_density());
            (candidate.node, score)
        })
        .collect()
}

/// Lets every paragraph vote for the blocks around it.
fn score_paragraphs<'a>(doc: &Doc<'a>) -> Scores<'a> {
    let mut scores = Scores::default();
    for node in doc.elements(doc.body()) {
        if is_paragraph(doc, node) {
            let text = doc.raw_text(node);
            let ancestors = node.ancestors().filter(|a| a.value().is_element());
            vote(&mut scores, &text, ancestors);
        } else if matches!(tag(node), Some("div" | "section" | "article" | "td")) {
            // Blogger and old themes write paragraphs as loose text between
            // `<br>`s beside a block child (an image `div`): each run of
            // that text is a paragraph of this element.
            for run in loose_runs(doc, node) {
                vote(
                    &mut scores,
                    &run,
                    std::iter::once(node).chain(node.ancestors()),
                );
            }
        }
    }
    scores
}

/// Lets one paragraph's text vote for the candidates among `ancestors`
/// (nearest first).
fn vote<'a>(scores: &mut Scores<'a>, text: &str, ancestors: impl Iterator<Item = NodeRef<'a>>) {
    let chars = visible_chars(text);
    if chars < MIN_PARAGRAPH_CHARS {
        return;
    }
    let points = paragraph_score(text, chars);
    let ancestors = ancestors.filter(|a| a.value().is_element());
    for (level, ancestor) in ancestors.take(LEVELS).enumerate() {
        if candidate_bonus(ancestor).is_some() {
            scores.add(ancestor, points / divider(level));
        }
    }
}

/// The runs of loose text (text nodes and inline elements) of an element
/// that also has block children, split at blocks and `<br>`.
fn loose_runs<'a>(doc: &Doc<'a>, node: NodeRef<'a>) -> Vec<String> {
    let mut runs = vec![String::new()];
    for child in node.children() {
        if doc.is_removed(child) {
            continue;
        }
        match tag(child) {
            Some("br") => runs.push(String::new()),
            Some(t) if BLOCK_TAGS.contains(&t) => runs.push(String::new()),
            Some(_) => runs
                .last_mut()
                .expect("never empty")
                .push_str(&doc.raw_text(child)),
            None => {
                if let Some(text) = child.value().as_text() {
                    runs.last_mut().expect("never empty").push_str(text);
                }
            }
        }
    }
    runs
}

/// A paragraph: `p`, `pre`, or a `div`/`section`/`td` holding only inline
/// content (div-soup themes write paragraphs as divs).
pub(crate) fn is_paragraph(doc: &Doc<'_>, node: NodeRef<'_>) -> bool {
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
mod tests;
