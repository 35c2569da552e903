//! Lists of articles in a page's JSON-LD.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use super::fields::{self, Ids, Keys, SCHEMA};
use super::{List, scripts_json, selector, walk};
use crate::model::ScrapedItem;

static LD_JSON: LazyLock<Selector> = LazyLock::new(|| selector(r#"script[type*="ld+json" i]"#));

/// Properties of a collection (`CollectionPage`, `Blog`, `WebPage`,
/// `ItemList`'s own element list aside) that hold its articles.
const PART_KEYS: [&str; 4] = ["mainEntity", "hasPart", "blogPost", "blogPosts"];

/// A `ListItem` holding its link itself: `url` or `item` as a string.
const LIST_ITEM: Keys = Keys {
    title: &["name"],
    link: &["url", "item", "@id"],
    ..SCHEMA
};

/// Every JSON-LD list of the page, in document order: `ItemList`s, the
/// article arrays of collections, and the page's loose article nodes
/// (its top level and `@graph`) taken together.
pub(super) fn lists(doc: &Html, base: &Url) -> Vec<List> {
    let roots = scripts_json(doc, &LD_JSON);
    let top: Vec<&Value> = roots.iter().flat_map(top_nodes).collect();
    let ids: Ids<'_> = top
        .iter()
        .filter_map(|n| Some((n.get("@id")?.as_str()?, *n)))
        .collect();
    let mut lists = Vec::new();
    for root in &roots {
        for node in walk::values(root).into_iter().filter(|v| v.is_object()) {
            if fields::types(node).contains(&"ItemList") {
                lists.push(item_list(node, base, &ids));
            }
            for key in PART_KEYS {
                if let Some(Value::Array(parts)) = node.get(key) {
                    lists.push(articles(parts.iter(), key, base, &ids));
                }
            }
        }
    }
    lists.push(articles(top.iter().copied(), "top level", base, &ids));
    lists
}

/// The nodes of one script: the value itself, the elements of an array,
/// the members of an `@graph`.
fn top_nodes(root: &Value) -> Vec<&Value> {
    let nodes: Vec<&Value> = match root {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    nodes
        .into_iter()
        .flat_map(|n| match n.get("@graph") {
            Some(Value::Array(graph)) => graph.iter().collect(),
            _ => vec![n],
        })
        .collect()
}

/// The article nodes among `nodes` (following `@id` references).
fn articles<'a>(
    nodes: impl Iterator<Item = &'a Value>,
    from: &str,
    base: &Url,
    ids: &Ids<'_>,
) -> List {
    let nodes: Vec<&Value> = nodes
        .map(|n| resolve(n, ids))
        .filter(|n| fields::is_article(n))
        .collect();
    let kind = nodes
        .first()
        .and_then(|n| fields::types(n).first().copied())
        .unwrap_or("Article");
    List {
        items: nodes
            .iter()
            .filter_map(|n| fields::item(n, &SCHEMA, None, base, ids))
            .collect(),
        what: format!("JSON-LD {kind} objects ({from})"),
    }
}

/// An `ItemList`'s elements, by `position` when every element has one.
fn item_list(list: &Value, base: &Url, ids: &Ids<'_>) -> List {
    let elements: Vec<&Value> = match list.get("itemListElement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    let mut positioned: Vec<(Option<f64>, Option<ScrapedItem>)> = elements
        .iter()
        .map(|el| {
            let position = el.get("position").and_then(|p| {
                p.as_f64()
                    .or_else(|| p.as_str().and_then(|s| s.trim().parse().ok()))
            });
            (position, list_item(el, base, ids))
        })
        .collect();
    if positioned.iter().all(|(p, _)| p.is_some()) {
        positioned.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    }
    List {
        items: positioned.into_iter().filter_map(|(_, i)| i).collect(),
        what: "JSON-LD ItemList".to_owned(),
    }
}

/// One element: an article node, a `ListItem` wrapping one (`item`, perhaps
/// an `@id` reference), or a `ListItem` with its own `url` and `name`.
fn list_item(element: &Value, base: &Url, ids: &Ids<'_>) -> Option<ScrapedItem> {
    let element = resolve(element, ids);
    let name = fields::first_text(element, &["name"]);
    match element.get("item").map(|i| resolve(i, ids)) {
        Some(inner) if inner.is_object() => fields::item(inner, &SCHEMA, None, base, ids)
            .or_else(|| fields::item(inner, &SCHEMA, name.as_deref(), base, ids)),
        _ => fields::item(element, &LIST_ITEM, None, base, ids),
    }
}

/// The node an `{"@id": ...}` reference names, else the value itself.
fn resolve<'a>(value: &'a Value, ids: &Ids<'a>) -> &'a Value {
    let is_reference = value.as_object().is_some_and(|o| o.len() == 1);
    value
        .get("@id")
        .and_then(Value::as_str)
        .filter(|_| is_reference)
        .and_then(|id| ids.get(id).copied())
        .unwrap_or(value)
}
