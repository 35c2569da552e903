//! Removing learned boilerplate blocks from sanitized article HTML, with
//! the short heading or label that belongs to them, and writing the rest
//! back out byte for byte.

use std::collections::HashSet;

use scraper::{Html, Node};

use super::*;

/// Removes every block whose fingerprint is in `boilerplate` from the
/// article, and lists what went (reason [`RemovalReason::Learned`]).
///
/// A box's short heading or call to action (< [`MIN_BLOCK_CHARS`], so never
/// learned itself, like "Urgent End Of Year Fundraising Campaign" or
/// "Donate") goes with it when it is a sibling directly beside a removed
/// block (only whitespace between) and:
/// - sits between two removed blocks; or
/// - comes right before them and is a heading (`h1`–`h6`) or a label (its
///   text does not end like a sentence: `.`, `?`, `:`, `;`, `,`, `…`); or
/// - comes right after them, is not a heading (a heading there starts the
///   article's next section) and is a label (a line ending in `:` leads
///   into what follows, so it stays).
///
/// Wrappers left without text or media (a list whose items all went) are
/// dropped. Idempotent: stripping the result again changes nothing. An
/// article with nothing to remove is returned unchanged, byte for byte.
pub fn strip(article_html: &str, boilerplate: &HashSet<Fingerprint>) -> (String, Vec<Removal>) {
    let mut html = article_html.to_owned();
    let mut removals = Vec::new();
    if boilerplate.is_empty() {
        return (html, removals);
    }
    for _ in 0..MAX_PASSES {
        let Some((stripped, removed)) = strip_once(&html, boilerplate) else {
            break;
        };
        html = stripped;
        removals.extend(removed);
    }
    (html, removals)
}

/// Node identity within one parsed fragment: the address of its value
/// (the tree is not mutated while keys are in use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key(usize);

fn key(node: NodeRef<'_>) -> Key {
    Key(std::ptr::from_ref(node.value()) as usize)
}

/// Nodes removed by one pass.
type Removed = HashSet<Key>;

/// One pass of [`strip`]; `None` when it removes nothing.
fn strip_once(html: &str, boilerplate: &HashSet<Fingerprint>) -> Option<(String, Vec<Removal>)> {
    let parsed = Html::parse_fragment(html);
    let blocks = blocks(&parsed);
    let mut removed = Removed::new();
    let mut removals = Vec::new();
    for block in &blocks {
        if let Some(fingerprint) = block.fingerprint.filter(|f| boilerplate.contains(f)) {
            removed.insert(key(block.node));
            removals.push(removal(
                block,
                format!("{} #{fingerprint:016x}", tag_of(block)),
            ));
        }
    }
    if removals.is_empty() {
        return None;
    }
    drop_empty_wrappers(&blocks, &mut removed);
    let labels: Vec<&Block<'_>> = blocks
        .iter()
        .filter(|b| b.fingerprint.is_none() && is_label_of_removed(b, &removed))
        .collect();
    for label in labels {
        removed.insert(key(label.node));
        removals.push(removal(
            label,
            format!("{} beside learned blocks", tag_of(label)),
        ));
    }
    drop_empty_wrappers(&blocks, &mut removed);
    let mut out = String::with_capacity(html.len());
    let root = parsed.root_element();
    let paths = ancestors_of_removed(&parsed, &removed);
    for child in root.children() {
        write_node(&mut out, child, &removed, &paths, 0);
    }
    Some((out, removals))
}

fn tag_of<'a>(block: &Block<'a>) -> &'a str {
    tag(block.node).unwrap_or_default()
}

fn removal(block: &Block<'_>, what: String) -> Removal {
    let bytes = ElementRef::wrap(block.node).map_or(0, |e| e.html().len());
    Removal {
        reason: RemovalReason::Learned,
        what,
        bytes,
        excerpt: block.text.chars().take(EXCERPT_CHARS).collect(),
    }
}

/// Whether a short block is the heading or label of a removed run (the
/// rule documented on [`strip`]).
fn is_label_of_removed(block: &Block<'_>, removed: &Removed) -> bool {
    if block.normalized.is_empty() || removed.contains(&key(block.node)) {
        return false;
    }
    let gone = |n: Option<NodeRef<'_>>| n.is_some_and(|n| removed.contains(&key(n)));
    // A removed block right before this one: this one follows the run.
    let follows_run = gone(adjacent(block.node, |n| n.prev_sibling()));
    let precedes_run = gone(adjacent(block.node, |n| n.next_sibling()));
    let heading =
        tag(block.node).is_some_and(|t| matches!(t, "h1" | "h2" | "h3" | "h4" | "h5" | "h6"));
    let label = is_label(&block.text);
    match (precedes_run, follows_run) {
        (true, true) => true,
        (true, false) => heading || label,
        (false, true) => !heading && label,
        (false, false) => false,
    }
}

/// The nearest element sibling in one direction, if only whitespace lies
/// between.
fn adjacent<'a>(
    node: NodeRef<'a>,
    step: impl Fn(NodeRef<'a>) -> Option<NodeRef<'a>>,
) -> Option<NodeRef<'a>> {
    let mut current = step(node)?;
    loop {
        match current.value() {
            Node::Element(_) => return Some(current),
            Node::Text(text) if text.trim().is_empty() => current = step(current)?,
            Node::Comment(_) => current = step(current)?,
            _ => return None,
        }
    }
}

/// A line that does not end like a sentence or lead into what follows.
fn is_label(text: &str) -> bool {
    let end = text.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '”' | '’' | ')' | '»')
    });
    !end.ends_with(['.', '?', ':', ';', ',', '…'])
}

/// Marks as removed every ancestor of a removed node that holds no live
/// text or media any more (up to, not including, the fragment's root).
fn drop_empty_wrappers(blocks: &[Block<'_>], removed: &mut Removed) {
    let starts: Vec<NodeRef<'_>> = blocks
        .iter()
        .filter(|b| removed.contains(&key(b.node)))
        .map(|b| b.node)
        .collect();
    for start in starts {
        for ancestor in start.ancestors() {
            let is_wrapper = ancestor.parent().is_some_and(|p| p.value().is_element())
                && ancestor.value().is_element();
            if !is_wrapper || has_live_content(ancestor, removed) {
                break;
            }
            removed.insert(key(ancestor));
        }
    }
}

/// Whether any text or media under `node` is outside removed subtrees.
fn has_live_content(node: NodeRef<'_>, removed: &Removed) -> bool {
    let mut stack: Vec<NodeRef<'_>> = node.children().collect();
    while let Some(next) = stack.pop() {
        if removed.contains(&key(next)) {
            continue;
        }
        match next.value() {
            Node::Text(text) if !text.trim().is_empty() => return true,
            Node::Element(e) if MEDIA.contains(&e.name()) => return true,
            _ => stack.extend(next.children()),
        }
    }
    false
}

/// Every node on a path from the root to a removed node: those must be
/// written piece by piece; any other subtree is copied whole.
fn ancestors_of_removed(parsed: &Html, removed: &Removed) -> HashSet<Key> {
    parsed
        .tree
        .root()
        .descendants()
        .filter(|n| removed.contains(&key(*n)))
        .flat_map(|n| n.ancestors())
        .map(key)
        .collect()
}

/// Serializes `node` without its removed parts, escaping as html5ever (and
/// so ammonia) does, so kept markup is unchanged byte for byte.
fn write_node(
    out: &mut String,
    node: NodeRef<'_>,
    removed: &Removed,
    paths: &HashSet<Key>,
    depth: usize,
) {
    let key = key(node);
    if removed.contains(&key) {
        return;
    }
    match node.value() {
        Node::Text(text) => escape_into(out, text, false),
        Node::Element(element) if paths.contains(&key) && depth < MAX_DEPTH => {
            out.push('<');
            out.push_str(element.name());
            for (name, value) in element.attrs() {
                out.push(' ');
                out.push_str(name);
                out.push_str("=\"");
                escape_into(out, value, true);
                out.push('"');
            }
            out.push('>');
            for child in node.children() {
                write_node(out, child, removed, paths, depth + 1);
            }
            out.push_str("</");
            out.push_str(element.name());
            out.push('>');
        }
        Node::Element(_) => {
            if let Some(element) = ElementRef::wrap(node) {
                out.push_str(&element.html());
            }
        }
        _ => {}
    }
}

/// html5ever's escaping: `&` and no-break space always, `<`/`>` in text,
/// `"` in attribute values.
fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            '"' if attribute => out.push_str("&quot;"),
            '<' if !attribute => out.push_str("&lt;"),
            '>' if !attribute => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}
