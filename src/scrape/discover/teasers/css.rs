//! CSS selectors for teaser patterns, written to last: tag names and the
//! classes a theme gives every teaser, never `nth-child` indices, per-item
//! classes (`post-123`), or generated ones (`css-1x2y3z`, `sc-abc123`).

use std::collections::HashMap;

use scraper::{ElementRef, Selector};

use crate::scrape::listing::first_match;

/// The most classes written into one compound selector.
const MAX_CLASSES: usize = 2;

/// How many ancestors of a group's common container are tried as context.
const MAX_CONTEXTS: usize = 5;

/// Whether a class looks hand-written and shared by a kind of element:
/// selector-safe characters, no part that is only digits (`post-123`,
/// per-item) or mixes letters and digits like a hash (`1x2y3z`), and not a
/// CSS-in-JS prefix (`css-`, `sc-`, `jsx-`, `svelte-`, `emotion-`).
pub(super) fn stable_class(class: &str) -> bool {
    let safe = class
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let starts_ok = class
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !safe || !starts_ok || class.len() > 40 {
        return false;
    }
    !class.split(['-', '_']).any(|part| {
        let digits = part.chars().filter(char::is_ascii_digit).count();
        let generated = matches!(part, "css" | "sc" | "jsx" | "svelte" | "emotion");
        let all_digits = !part.is_empty() && digits == part.len();
        let hashy = part.len() >= 5 && digits >= 2 && digits < part.len();
        generated || all_digits || hashy || mixed_case_hash(part)
    })
}

/// `bdVaJa`, `gjQpdd`: short parts with case changes inside, as
/// styled-components writes its class names.
fn mixed_case_hash(part: &str) -> bool {
    let bytes = part.as_bytes();
    let changes = bytes
        .windows(2)
        .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        .count();
    part.len() <= 8 && changes >= 2
}

/// The stable classes of an element, those naming a kind of element first
/// (`post`, `hentry`), then those naming a taxonomy value or state
/// (`category-news`, `tag-bolivia`, `has-post-thumbnail`, `is-active`),
/// which differ from one teaser to the next.
pub(super) fn classes(el: ElementRef<'_>) -> Vec<&str> {
    let mut all: Vec<&str> = el.value().classes().filter(|c| stable_class(c)).collect();
    all.sort_by_key(|c| value_class(c));
    all
}

/// Classes WordPress and other CMSs derive from a post's taxonomy, format
/// or state.
fn value_class(class: &str) -> bool {
    const PREFIXES: [&str; 9] = [
        "category-",
        "tag-",
        "format-",
        "status-",
        "type-",
        "author-",
        "has-",
        "no-",
        "is-",
    ];
    PREFIXES.iter().any(|p| class.starts_with(p))
        || matches!(
            class,
            "active" | "current" | "first" | "last" | "odd" | "even"
        )
}

/// `tag.class1.class2`: the element's tag and first stable classes.
pub(super) fn describe(el: ElementRef<'_>) -> String {
    compound(el.value().name(), &classes(el))
}

/// `tag.class1.class2` from a tag and classes (at most [`MAX_CLASSES`]).
pub(super) fn compound(tag: &str, classes: &[&str]) -> String {
    let mut out = tag.to_owned();
    for class in classes.iter().take(MAX_CLASSES) {
        out.push('.');
        out.push_str(class);
    }
    out
}

/// The stable classes every one of `els` has, in the first one's order.
pub(super) fn common_classes<'a>(els: &[ElementRef<'a>]) -> Vec<&'a str> {
    let Some(first) = els.first() else {
        return Vec::new();
    };
    classes(*first)
        .into_iter()
        .filter(|c| els.iter().all(|e| e.value().has_class(c, case_sensitive())))
        .collect()
}

fn case_sensitive() -> scraper::CaseSensitivity {
    scraper::CaseSensitivity::CaseSensitive
}

/// The compound selector shared by `els`: their tag (when they share it)
/// and their common stable classes.
pub(super) fn shared(els: &[ElementRef<'_>]) -> Option<String> {
    let tag = els.first()?.value().name();
    els.iter()
        .all(|e| e.value().name() == tag)
        .then(|| compound(tag, &common_classes(els)))
}

/// Whether an element's classes name it a title or headline (`entry-title`,
/// `card__headline`, `story-hed`).
pub(super) fn title_classed(el: ElementRef<'_>) -> bool {
    el.value().attr("itemprop") == Some("headline")
        || el.value().classes().any(|c| {
            let c = c.to_ascii_lowercase();
            c.split(['-', '_']).any(|w| {
                matches!(
                    w,
                    "title" | "headline" | "heading" | "hed" | "titulo" | "titel" | "titre"
                )
            })
        })
}

/// The page's elements by tag name, in document order, so a selector's
/// matches are counted among the elements of its tag only.
pub(super) struct TagIndex<'a> {
    by_tag: HashMap<&'a str, Vec<ElementRef<'a>>>,
}

impl<'a> TagIndex<'a> {
    /// Indexes the elements under `root`.
    pub(super) fn new(root: ElementRef<'a>) -> Self {
        let mut by_tag: HashMap<&'a str, Vec<ElementRef<'a>>> = HashMap::new();
        for el in root.descendants().filter_map(ElementRef::wrap) {
            by_tag.entry(el.value().name()).or_default().push(el);
        }
        TagIndex { by_tag }
    }

    /// The elements of `tag` that match `selector`, in document order.
    fn matching(&self, tag: &str, selector: &Selector) -> Vec<ElementRef<'a>> {
        self.by_tag.get(tag).map_or_else(Vec::new, |els| {
            els.iter()
                .filter(|e| selector.matches(e))
                .copied()
                .collect()
        })
    }
}

/// A page-wide selector for `items` (all of one tag): their compound
/// selector, prefixed by the nearest context (an ancestor of all of them
/// with a stable class, id or landmark tag) that makes it match exactly
/// them, else the context that matches the fewest other elements.
///
/// The elements `own` matches are found once; a context only narrows them
/// (`context own` matches a subset of `own`), so each context is tried on
/// those alone rather than on every element of the tag.
pub(super) fn item_selector(items: &[ElementRef<'_>], index: &TagIndex<'_>) -> Option<String> {
    let own = shared(items)?;
    let tag = items.first()?.value().name();
    let matching = index.matching(tag, &Selector::parse(&own).ok()?);
    let mut best = (matching.len(), own.clone());
    if best.0 == items.len() {
        return Some(own);
    }
    for context in contexts(items).into_iter().take(MAX_CONTEXTS) {
        let css = format!("{context} {own}");
        let Ok(sel) = Selector::parse(&css) else {
            continue;
        };
        let n = matching.iter().filter(|e| sel.matches(e)).count();
        if n >= items.len() && n < best.0 {
            best = (n, css);
        }
        if best.0 == items.len() {
            break;
        }
    }
    Some(best.1)
}

/// Descriptions of the ancestors common to all `items`, nearest first:
/// `tag.class`, `tag#id` (a stable-looking id), or a landmark tag.
fn contexts(items: &[ElementRef<'_>]) -> Vec<String> {
    let Some(first) = items.first() else {
        return Vec::new();
    };
    let common = first
        .ancestors()
        .filter_map(ElementRef::wrap)
        .filter(|anc| {
            items
                .iter()
                .all(|i| i.ancestors().any(|a| a.id() == anc.id()))
        });
    common
        .take_while(|a| !matches!(a.value().name(), "body" | "html"))
        .filter_map(context)
        .collect()
}

fn context(el: ElementRef<'_>) -> Option<String> {
    let tag = el.value().name();
    let classes = classes(el);
    if !classes.is_empty() {
        return Some(compound(tag, &classes));
    }
    if let Some(id) = el.value().id().filter(|id| stable_class(id)) {
        return Some(format!("{tag}#{id}"));
    }
    matches!(tag, "main" | "section" | "article" | "ul" | "ol" | "table").then(|| tag.to_owned())
}

/// Among candidate relative selectors, the one whose first match inside
/// the most items passes `hit`; `None` when none passes in any.
pub(super) fn best_relative<'a, F>(
    candidates: &[String],
    items: &[ElementRef<'a>],
    mut hit: F,
) -> Option<(String, usize)>
where
    F: FnMut(usize, ElementRef<'a>) -> bool,
{
    let mut best: Option<(String, usize)> = None;
    for css in candidates {
        let Ok(sel) = Selector::parse(css) else {
            continue;
        };
        let hits = items
            .iter()
            .enumerate()
            .filter(|(i, item)| first_match(**item, &sel).is_some_and(|el| hit(*i, el)))
            .count();
        if hits > 0 && best.as_ref().is_none_or(|b| hits > b.1) {
            best = Some((css.clone(), hits));
        }
    }
    best
}

/// Selectors that may find `els` (one per item) inside their items,
/// simplest first: their shared classes, their shared compound, the bare
/// tag, and the compound under their parents' shared compound.
pub(super) fn relative_candidates(els: &[ElementRef<'_>]) -> Vec<String> {
    let mut out = Vec::new();
    let Some(own) = shared(els) else {
        return out;
    };
    let tag = els[0].value().name().to_owned();
    if let Some(classless) = own.strip_prefix(&tag).filter(|c| !c.is_empty()) {
        // Themes change a headline's level (a lead story's h2, the rest's h3).
        out.push(classless.to_owned());
    }
    out.push(own.clone());
    out.push(tag);
    let parents: Option<Vec<ElementRef<'_>>> = els
        .iter()
        .map(|e| e.parent().and_then(ElementRef::wrap))
        .collect();
    if let Some(parent) = parents.as_deref().and_then(shared) {
        out.push(format!("{parent} {own}"));
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_and_per_item_classes_are_not_stable() {
        for class in [
            "css-1x2y3z",
            "sc-bdVaJa",
            "post-123",
            "jsx-2345",
            "md:flex",
            "1col",
            "Card_title__3xYz1",
        ] {
            assert!(!stable_class(class), "{class}");
        }
        for class in [
            "entry-title",
            "mt1",
            "views-row",
            "wp-block-post-title",
            "h2",
        ] {
            assert!(stable_class(class), "{class}");
        }
    }
}
