//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>) through `serde_json`.
//!
//! The spec's `summary` is plain text while refeed stores summary HTML, so
//! the summary goes out with its tags stripped; the HTML itself becomes
//! `content_html` when there is no article, because every item needs
//! `content_html` or `content_text`. Strings pass through the same
//! [`clean`](super::clean) as the XML formats, so an item reads the same in
//! every format.

use chrono::{DateTime, SecondsFormat, Utc};
use scraper::{Html, Node};
use serde::Serialize;

use super::{FeedInfo, clean, item_id, item_image, item_link};
use crate::model::StoredItem;

/// The `version` every document declares.
const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// Elements after which a line of plain text ends (a space is kept there).
const BLOCKS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "figure",
    "figcaption",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "hr",
];

#[derive(Serialize)]
struct Document {
    version: &'static str,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<String>,
    feed_url: String,
    description: String,
    authors: Vec<Author>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub>,
    items: Vec<Item>,
}

#[derive(Serialize)]
struct Hub {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Author {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Item {
    id: String,
    url: String,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    /// The item's main image (JSON Feed 1.1 `image`).
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<String>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author>,
}

/// Renders the document; items keep the order given.
pub(super) fn render(info: &FeedInfo, items: &[StoredItem]) -> String {
    let home_page_url = Some(clean(&info.link)).filter(|link| !link.is_empty());
    let document = Document {
        version: VERSION,
        title: clean(&info.title),
        // Like Atom's feed author: outlets rarely name one for a whole page.
        authors: vec![Author {
            name: clean(&info.title),
            url: home_page_url.clone(),
        }],
        home_page_url,
        feed_url: clean(&info.self_url),
        description: clean(&info.description),
        language: info.language.as_deref().map(clean),
        hubs: info
            .hub
            .as_deref()
            .map(|url| Hub {
                kind: "WebSub",
                url: clean(url),
            })
            .into_iter()
            .collect(),
        items: items.iter().map(|i| item(info, i)).collect(),
    };
    // Only strings and vectors of them: serialization cannot fail.
    serde_json::to_string(&document).expect("a JSON Feed serializes")
}

fn item(info: &FeedInfo, item: &StoredItem) -> Item {
    let summary_html = item.summary.as_deref().map(clean);
    let content_html = item.content.as_deref().map(clean).or(summary_html.clone());
    Item {
        id: clean(item_id(item)),
        url: item_link(info, item),
        title: clean(&item.title),
        // The spec wants `content_html` or `content_text`: an item with
        // neither article nor summary gets an empty text.
        content_text: content_html.is_none().then(String::new),
        content_html,
        summary: summary_html
            .as_deref()
            .map(plain_text)
            .filter(|s| !s.is_empty()),
        image: item_image(item).map(|image| image.url),
        date_published: rfc3339(item.published),
        date_modified: rfc3339(item.updated),
        authors: item
            .author
            .as_deref()
            .map(|name| Author {
                name: clean(name),
                url: None,
            })
            .into_iter()
            .collect(),
    }
}

/// `2024-05-01T10:00:00Z`.
fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The text of an HTML fragment, entities decoded, whitespace collapsed to
/// single spaces, a space kept between blocks (`<p>a</p><p>b</p>` → `a b`).
fn plain_text(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let mut text = String::new();
    for node in fragment.root_element().descendants() {
        match node.value() {
            Node::Text(t) => text.push_str(t),
            Node::Element(e) if BLOCKS.contains(&e.name()) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::feed::test_support::{
        bare_item, imaged_item, info, item, nasty_item, relative_item, rtl_item,
    };

    fn parse(json: &str) -> Value {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    fn date(value: &Value) -> DateTime<Utc> {
        let text = value.as_str().expect("date string");
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn an_image_is_the_item_image_only_when_absolute() {
        let mut relative = item(3);
        relative.image = Some("/a.jpg".into());
        let doc = parse(&render(&info(), &[imaged_item(), item(1), relative]));
        assert_eq!(
            doc["items"][0]["image"],
            imaged_item().image.unwrap().as_str()
        );
        assert!(doc["items"][1].get("image").is_none());
        assert!(doc["items"][2].get("image").is_none());
    }

    #[test]
    fn feed_fields_round_trip() {
        let doc = parse(&render(&info(), &[item(1)]));
        assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(doc["title"], "Outlet: Bolivia");
        assert_eq!(doc["home_page_url"], "https://outlet.example/tag/bolivia/");
        assert_eq!(doc["feed_url"], info().self_url);
        assert_eq!(doc["description"], "Items of Outlet");
        assert_eq!(doc["language"], "es-BO");
        assert_eq!(doc["authors"][0]["name"], "Outlet: Bolivia");
        assert_eq!(doc["authors"][0]["url"], info().link);
        assert_eq!(doc["items"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn item_fields_round_trip_in_the_given_order() {
        let (newer, older) = (item(2), item(1));
        let doc = parse(&render(&info(), &[newer.clone(), older.clone()]));
        let items = doc["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        for (got, want) in items.iter().zip([&newer, &older]) {
            assert_eq!(got["id"], want.url.as_str());
            assert_eq!(got["url"], want.link.as_str());
            assert_eq!(got["title"], want.title.as_str());
            assert_eq!(got["content_html"], want.content.as_deref().unwrap());
            assert!(got.get("content_text").is_none());
            let n = &want.title["Title ".len()..];
            assert_eq!(got["summary"], format!("Summary {n}"));
            assert_eq!(date(&got["date_published"]), want.published);
            assert_eq!(date(&got["date_modified"]), want.updated);
            assert_eq!(got["authors"][0]["name"], want.author.as_deref().unwrap());
            assert_eq!(got["authors"].as_array().unwrap().len(), 1);
        }
    }

    #[test]
    fn dates_are_rfc_3339_in_utc() {
        let doc = parse(&render(&info(), &[item(1)]));
        assert_eq!(doc["items"][0]["date_published"], "2024-05-01T10:00:00Z");
        assert_eq!(doc["items"][0]["date_modified"], "2024-05-01T12:30:00Z");
    }

    #[test]
    fn without_article_the_summary_html_is_the_content() {
        let mut it = item(1);
        it.content = None;
        let doc = parse(&render(&info(), &[it]));
        assert_eq!(doc["items"][0]["content_html"], "<p>Summary 1</p>");
        assert_eq!(doc["items"][0]["summary"], "Summary 1");
    }

    #[test]
    fn item_without_author_summary_or_content_still_has_content() {
        let doc = parse(&render(&info(), &[bare_item()]));
        let got = doc["items"][0].as_object().unwrap();
        assert_eq!(got["content_text"], "");
        for absent in ["content_html", "summary", "authors"] {
            assert!(!got.contains_key(absent), "{absent}: {got:?}");
        }
        assert_eq!(got["id"], "https://outlet.example/post-1/");
    }

    #[test]
    fn empty_item_list_gives_a_valid_feed_and_unknowns_are_omitted() {
        let info = FeedInfo {
            language: None,
            link: String::new(),
            ..info()
        };
        let doc = parse(&render(&info, &[]));
        assert_eq!(doc["items"], Value::Array(vec![]));
        assert!(doc.get("language").is_none() && doc.get("home_page_url").is_none());
        assert!(doc["authors"][0].get("url").is_none());
    }

    #[test]
    fn control_characters_are_removed_and_markup_survives_as_text() {
        let json = render(&info(), &[nasty_item()]);
        let got = &parse(&json)["items"][0];
        assert_eq!(got["title"], "<b>x</b> & y");
        assert_eq!(got["content_html"], "<p>]]>]]&gt; &lt;tag&gt; & end</p>");
        assert_eq!(
            got["summary"], "a ]]> b & c",
            "plain text, entities decoded"
        );
        assert_eq!(got["authors"][0]["name"], "Ann & <Bob>");
        assert!(!json.contains("\\u0000") && !json.contains('\u{FFFF}'));
    }

    #[test]
    fn right_to_left_and_non_latin_text_is_kept_exactly() {
        let want = rtl_item();
        let json = render(&info(), std::slice::from_ref(&want));
        assert!(json.contains(&want.title), "written as UTF-8, not escapes");
        let got = &parse(&json)["items"][0];
        assert_eq!(got["title"], want.title.as_str());
        assert_eq!(got["content_html"], want.content.as_deref().unwrap());
        assert_eq!(got["summary"], "ملخص & 要約");
        assert_eq!(got["authors"][0]["name"], "דוד כהן");
    }

    #[test]
    fn relative_item_url_is_made_absolute_against_the_site() {
        let doc = parse(&render(&info(), &[relative_item()]));
        assert_eq!(
            doc["items"][0]["url"],
            "https://outlet.example/2020/10/post-5/"
        );
    }

    #[test]
    fn plain_text_strips_tags_decodes_entities_and_separates_blocks() {
        let html = "<p>One &amp; <b>two</b></p><p>three<br>four</p>\n <ul><li>five</li></ul>";
        assert_eq!(plain_text(html), "One & two three four five");
        assert_eq!(plain_text("no markup"), "no markup");
        assert_eq!(plain_text("<img src=\"x\">"), "");
    }
}
