//! Reads schema.org JSON-LD: the page's Article (or WebPage) node and its
//! headline, author and dates.
//!
//! Pages ship JSON-LD as one object, an array of objects, or a Yoast-style
//! `@graph` whose Article refers to its author by `@id`; all three are
//! flattened into one list of nodes.

use serde_json::Value;

#[cfg(test)]
use super::dom::Doc;
use super::dom::{NodeRef, attr, tag};

/// The JSON-LD nodes of a page.
#[derive(Debug, Default)]
pub(crate) struct JsonLd {
    nodes: Vec<Value>,
}

impl JsonLd {
    /// Collects every `<script type="application/ld+json">`, removed or not
    /// (junk removal drops scripts before metadata is read). Scripts that do
    /// not parse are skipped.
    #[cfg(test)]
    pub(crate) fn from_doc(doc: &Doc<'_>) -> JsonLd {
        JsonLd::from_scripts(&super::landmarks::Landmarks::of(doc).scripts)
    }

    /// [`JsonLd::from_doc`] from the page's `<script>` elements.
    pub(crate) fn from_scripts(scripts: &[NodeRef<'_>]) -> JsonLd {
        let mut nodes = Vec::new();
        for &node in scripts {
            let is_ld = tag(node) == Some("script")
                && attr(node, "type").is_some_and(|t| {
                    t.trim()
                        .to_ascii_lowercase()
                        .starts_with("application/ld+json")
                });
            if !is_ld {
                continue;
            }
            let text: String = node
                .children()
                .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                .collect();
            if let Ok(value) = serde_json::from_str::<Value>(strip_cdata(&text)) {
                flatten(value, &mut nodes);
            }
        }
        JsonLd { nodes }
    }

    /// The node describing the article: an Article/BlogPosting type first,
    /// else a WebPage, else any node with a publication date.
    fn main_node(&self) -> Option<&Value> {
        self.nodes
            .iter()
            .find(|n| has_type(n, is_article_type))
            .or_else(|| {
                self.nodes
                    .iter()
                    .find(|n| has_type(n, |t| t.ends_with("Page")))
            })
            .or_else(|| self.nodes.iter().find(|n| n.get("datePublished").is_some()))
    }

    fn field(&self, name: &str) -> Option<&str> {
        let value = self.main_node()?.get(name)?;
        first_string(value).map(str::trim).filter(|s| !s.is_empty())
    }

    /// `headline` of the article node.
    pub(crate) fn headline(&self) -> Option<&str> {
        self.field("headline")
    }

    /// `articleBody` of the article node: paywalled pages often show a
    /// teaser while the whole text sits here.
    pub(crate) fn article_body(&self) -> Option<&str> {
        self.field("articleBody")
    }

    /// `datePublished` of the article node, as written.
    pub(crate) fn date_published(&self) -> Option<&str> {
        self.field("datePublished")
    }

    /// `dateModified` of the article node, as written.
    pub(crate) fn date_modified(&self) -> Option<&str> {
        self.field("dateModified")
    }

    /// `inLanguage` of the article node (a string or `{"name": …}`).
    pub(crate) fn in_language(&self) -> Option<&str> {
        let value = self.main_node()?.get("inLanguage")?;
        first_string(value)
            .or_else(|| value.get("alternateName").and_then(first_string))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The URL of the article's `image`: a string, an `ImageObject` with a
    /// `url`, or a list of either (the first wins).
    pub(crate) fn image(&self) -> Option<&str> {
        let mut value = self.main_node()?.get("image")?;
        if let Value::Array(items) = value {
            value = items.first()?;
        }
        match value {
            Value::String(url) => Some(url.as_str()),
            Value::Object(map) => map
                .get("url")
                .or_else(|| map.get("@id"))
                .and_then(first_string),
            _ => None,
        }
        .map(str::trim)
        .filter(|s| !s.is_empty())
    }

    /// `publisher.name` of the article node, following an `@id` reference
    /// (Yoast graphs), else the name of a `WebSite` or `Organization` node.
    pub(crate) fn publisher_name(&self) -> Option<String> {
        self.main_node()
            .and_then(|n| n.get("publisher"))
            .and_then(|p| self.person_name(p))
            .or_else(|| {
                self.nodes
                    .iter()
                    .find(|n| has_type(n, |t| t == "WebSite" || t == "NewsMediaOrganization"))
                    .and_then(|n| n.get("name"))
                    .and_then(first_string)
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
            })
    }

    /// Author names of the article node, joined with ", ".
    pub(crate) fn author(&self) -> Option<String> {
        let author = self.main_node()?.get("author")?;
        let names: Vec<String> = match author {
            Value::Array(items) => items.iter().filter_map(|a| self.person_name(a)).collect(),
            single => self.person_name(single).into_iter().collect(),
        };
        (!names.is_empty()).then(|| names.join(", "))
    }

    /// The name of a person given as a string, an object with a `name`, or
    /// an `{"@id": …}` reference to a node elsewhere in the graph.
    fn person_name(&self, person: &Value) -> Option<String> {
        let name = match person {
            Value::String(name) => Some(name.as_str()),
            Value::Object(map) => map.get("name").and_then(first_string).or_else(|| {
                let id = map.get("@id")?.as_str()?;
                let node = self
                    .nodes
                    .iter()
                    .find(|n| n.get("@id").and_then(Value::as_str) == Some(id))?;
                node.get("name").and_then(first_string)
            }),
            _ => None,
        }?;
        let name = name.trim();
        let is_url = name.starts_with("http://") || name.starts_with("https://");
        (!name.is_empty() && !is_url).then(|| name.to_owned())
    }
}

/// Some CMSs wrap the JSON in `/*<![CDATA[*/ … /*]]>*/` or `<!-- … -->`.
fn strip_cdata(text: &str) -> &str {
    let text = text.trim();
    let text = text
        .strip_prefix("/*<![CDATA[*/")
        .or_else(|| text.strip_prefix("<!--"))
        .unwrap_or(text);
    text.strip_suffix("/*]]>*/")
        .or_else(|| text.strip_suffix("-->"))
        .unwrap_or(text)
        .trim()
}

fn flatten(value: Value, out: &mut Vec<Value>) {
    match value {
        Value::Array(items) => items.into_iter().for_each(|v| flatten(v, out)),
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten(graph, out);
            }
            if !map.is_empty() {
                out.push(Value::Object(map));
            }
        }
        _ => {}
    }
}

fn is_article_type(t: &str) -> bool {
    t.ends_with("Article") || t.ends_with("Posting") || t == "Report"
}

/// Whether `@type` (a string or an array of strings) satisfies `pred`.
fn has_type(node: &Value, pred: impl Fn(&str) -> bool) -> bool {
    match node.get("@type") {
        Some(Value::String(t)) => pred(t),
        Some(Value::Array(types)) => types.iter().filter_map(Value::as_str).any(pred),
        _ => false,
    }
}

/// A string, or the first string of an array.
fn first_string(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Array(items) => items.iter().find_map(Value::as_str),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn ld(json: &str) -> JsonLd {
        let html = Html::parse_document(&format!(
            r#"<html><head><script type="application/ld+json">{json}</script></head><body></body></html>"#
        ));
        JsonLd::from_doc(&Doc::new(&html))
    }

    #[test]
    fn single_object_with_author_object() {
        let ld = ld(
            r#"{"@context":"https://schema.org","@type":"NewsArticle","headline":"H",
            "datePublished":"2020-11-02T10:00:00+00:00","author":{"@type":"Person","name":"Vins"}}"#,
        );
        assert_eq!(ld.headline(), Some("H"));
        assert_eq!(ld.date_published(), Some("2020-11-02T10:00:00+00:00"));
        assert_eq!(ld.author().as_deref(), Some("Vins"));
    }

    #[test]
    fn array_of_nodes_and_author_array() {
        let ld = ld(r#"[{"@type":"Organization","name":"Org"},
            {"@type":["BlogPosting"],"datePublished":"2020-11-02","author":[{"name":"A"},"B"]}]"#);
        assert_eq!(ld.date_published(), Some("2020-11-02"));
        assert_eq!(ld.author().as_deref(), Some("A, B"));
    }

    #[test]
    fn yoast_graph_with_author_reference() {
        let ld = ld(r##"{"@context":"https://schema.org","@graph":[
            {"@type":"WebPage","@id":"https://x/#webpage","datePublished":"2020-01-01T00:00:00+00:00"},
            {"@type":"Article","@id":"https://x/#article","author":{"@id":"https://x/#/schema/person/1"},
             "datePublished":"2020-11-02T10:00:00+00:00","dateModified":"2020-11-03T08:00:00+00:00"},
            {"@type":"Person","@id":"https://x/#/schema/person/1","name":"Vins"}]}"##);
        assert_eq!(ld.date_published(), Some("2020-11-02T10:00:00+00:00"));
        assert_eq!(ld.date_modified(), Some("2020-11-03T08:00:00+00:00"));
        assert_eq!(ld.author().as_deref(), Some("Vins"));
    }

    #[test]
    fn webpage_is_used_when_there_is_no_article() {
        let ld = ld(r#"{"@type":"WebPage","datePublished":"2020-01-01"}"#);
        assert_eq!(ld.date_published(), Some("2020-01-01"));
    }

    #[test]
    fn image_publisher_and_language() {
        let graph = ld(r##"{"@graph": [
            {"@type": "Organization", "@id": "#org", "name": "Project Censored"},
            {"@type": "NewsArticle", "publisher": {"@id": "#org"}, "inLanguage": "en-US",
             "image": [{"@type": "ImageObject", "url": "https://x.example/a.jpg"}]}]}"##);
        assert_eq!(graph.publisher_name().as_deref(), Some("Project Censored"));
        assert_eq!(graph.image(), Some("https://x.example/a.jpg"));
        assert_eq!(graph.in_language(), Some("en-US"));
        let plain =
            ld(r#"{"@type": "Article", "image": "/b.jpg", "publisher": {"name": "Outlet"}}"#);
        assert_eq!(plain.image(), Some("/b.jpg"));
        assert_eq!(plain.publisher_name().as_deref(), Some("Outlet"));
    }

    #[test]
    fn broken_json_is_ignored() {
        let ld = ld(r#"{"@type":"Article", "datePublished": }"#);
        assert_eq!(ld.date_published(), None);
    }
}
