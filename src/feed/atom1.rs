//! Atom 1.0 (RFC 4287) through `atom_syndication`.
//!
//! RFC 4287 §4.1.1 wants an `author` on the feed or on every entry. Outlets
//! often give none, so the feed itself carries one (the feed's title) and an
//! entry names an author only when the outlet gave one.
//!
//! An item's image is its `link rel="enclosure"` with the type guessed
//! from the file name.
//!
//! Every link refeed writes is absolute, so the feed element carries no
//! `xml:base`: one equal to the site link made the alternate link a
//! "same-document reference" for the W3C feed validator (issue 12). An
//! entry's `summary` and `content` carry `xml:base` = the entry's link, the
//! right base for any relative reference left in the article's HTML; no
//! URI-valued element lies within their scope. The feed element carries
//! `xml:lang` when the language is known.

use atom_syndication::{Content, Entry, Feed, Generator, Link, Person, Text};
use chrono::{DateTime, FixedOffset, Utc};

use super::{FeedInfo, GENERATOR_NAME, GENERATOR_VERSION, clean, item_id, item_image, item_link};
use crate::model::StoredItem;

/// The media type of the document, for the self link.
const MEDIA_TYPE: &str = "application/atom+xml";

/// Renders the feed; entries keep the order given.
pub(super) fn render(info: &FeedInfo, items: &[StoredItem]) -> String {
    let feed = Feed {
        id: clean(&info.self_url),
        title: Text::plain(clean(&info.title)),
        subtitle: Some(Text::plain(clean(&info.description))),
        updated: fixed(info.updated),
        authors: vec![person(&info.title)],
        links: [
            Some(link("self", &info.self_url, Some(MEDIA_TYPE))),
            Some(link("alternate", &info.link, None)),
            info.hub.as_deref().map(|hub| link("hub", hub, None)),
        ]
        .into_iter()
        .flatten()
        .collect(),
        generator: Some(Generator {
            value: GENERATOR_NAME.into(),
            uri: Some(env!("CARGO_PKG_REPOSITORY").into()),
            version: Some(GENERATOR_VERSION.into()),
        }),
        entries: items.iter().map(|item| entry(info, item)).collect(),
        lang: info.language.as_deref().map(clean),
        ..Feed::default()
    };
    super::with_stylesheet(feed.to_string(), info.stylesheet.as_deref())
}

fn entry(info: &FeedInfo, item: &StoredItem) -> Entry {
    let base = Some(item_link(info, item)).filter(|link| !link.is_empty());
    Entry {
        id: clean(item_id(item)),
        title: Text::plain(clean(&item.title)),
        links: std::iter::once(link("alternate", &item_link(info, item), None))
            .chain(item_image(item).map(|image| {
                // RFC 4287 §4.2.7.2: "a related resource that is potentially
                // large in size"; feedparser lists it in `enclosures`.
                link("enclosure", &image.url, Some(image.mime_type))
            }))
            .collect(),
        published: Some(fixed(item.published)),
        updated: fixed(item.updated),
        authors: item.author.as_deref().map(person).into_iter().collect(),
        summary: item.summary.as_deref().map(|s| Text {
            base: base.clone(),
            ..Text::html(clean(s))
        }),
        content: item.content.as_deref().map(|html| Content {
            value: Some(clean(html)),
            base,
            content_type: Some("html".into()),
            ..Content::default()
        }),
        ..Entry::default()
    }
}

fn link(rel: &str, href: &str, mime_type: Option<&str>) -> Link {
    Link {
        href: clean(href),
        rel: rel.into(),
        mime_type: mime_type.map(Into::into),
        ..Link::default()
    }
}

fn person(name: &str) -> Person {
    Person {
        name: clean(name),
        ..Person::default()
    }
}

fn fixed(time: DateTime<Utc>) -> DateTime<FixedOffset> {
    time.fixed_offset()
}

#[cfg(test)]
mod tests {
    use atom_syndication::TextType;

    use super::*;
    use crate::feed::test_support::{
        bare_item, imaged_item, info, item, nasty_item, relative_item, rtl_item,
    };

    fn parse(xml: &str) -> Feed {
        Feed::read_from(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"))
    }

    fn rel<'a>(links: &'a [Link], rel: &str) -> &'a Link {
        links.iter().find(|l| l.rel == rel).expect(rel)
    }

    #[test]
    fn feed_fields_round_trip() {
        let feed = parse(&render(&info(), &[item(1)]));
        assert_eq!(feed.id, info().self_url);
        assert_eq!(feed.title.value, "Outlet: Bolivia");
        assert_eq!(feed.title.r#type, TextType::Text);
        assert_eq!(feed.subtitle.unwrap().value, "Items of Outlet");
        assert_eq!(feed.updated, info().updated);
        assert_eq!(feed.base, None, "all links are absolute");
        assert_eq!(feed.lang.as_deref(), Some("es-BO"));
        assert_eq!(feed.authors.len(), 1);
        assert_eq!(feed.authors[0].name, "Outlet: Bolivia");
        let me = rel(&feed.links, "self");
        assert_eq!(me.href, info().self_url);
        assert_eq!(me.mime_type.as_deref(), Some("application/atom+xml"));
        assert_eq!(rel(&feed.links, "alternate").href, info().link);
        let generator = feed.generator.expect("generator");
        assert_eq!(generator.value, "refeed");
        assert_eq!(
            generator.version.as_deref(),
            Some(env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn entry_fields_round_trip_in_the_given_order() {
        let (newer, older) = (item(2), item(1));
        let feed = parse(&render(&info(), &[newer.clone(), older.clone()]));
        assert_eq!(feed.entries.len(), 2);
        for (got, want) in feed.entries.iter().zip([&newer, &older]) {
            assert_eq!(got.id, want.url);
            assert_eq!(got.title.value, want.title);
            assert_eq!(got.title.r#type, TextType::Text);
            assert_eq!(rel(&got.links, "alternate").href, want.link);
            assert_eq!(got.published, Some(want.published.fixed_offset()));
            assert_eq!(got.updated, want.updated);
            assert_eq!(got.authors.len(), 1);
            assert_eq!(Some(&got.authors[0].name), want.author.as_ref());
            let summary = got.summary.as_ref().expect("summary");
            assert_eq!(summary.r#type, TextType::Html);
            assert_eq!(Some(&summary.value), want.summary.as_ref());
            let content = got.content.as_ref().expect("content");
            assert_eq!(content.content_type.as_deref(), Some("html"));
            assert_eq!(content.value, want.content);
        }
    }

    #[test]
    fn control_characters_are_removed_and_markup_survives_as_text() {
        let xml = render(&info(), &[nasty_item()]);
        assert!(!xml.chars().any(|c| c < ' ' && !"\t\n\r".contains(c)));
        assert!(!xml.contains(['\u{FFFE}', '\u{FFFF}']));
        let entry = &parse(&xml).entries[0];
        assert_eq!(entry.title.value, "<b>x</b> & y");
        assert_eq!(
            entry.summary.as_ref().unwrap().value,
            "<p>a ]]> b &amp; c</p>"
        );
        assert_eq!(
            entry.content.as_ref().unwrap().value.as_deref(),
            Some("<p>]]>]]&gt; &lt;tag&gt; & end</p>")
        );
        assert_eq!(entry.authors[0].name, "Ann & <Bob>");
    }

    #[test]
    fn control_characters_in_feed_fields_are_removed() {
        let mut info = info();
        info.title = "Out\u{C}let <i>&</i>".into();
        info.self_url = "http://host/feeds/a.atom\u{1}".into();
        let feed = parse(&render(&info, &[]));
        assert_eq!(feed.title.value, "Outlet <i>&</i>");
        assert_eq!(feed.id, "http://host/feeds/a.atom");
        assert_eq!(feed.authors[0].name, "Outlet <i>&</i>");
    }

    #[test]
    fn empty_item_list_gives_a_valid_feed() {
        let feed = parse(&render(&info(), &[]));
        assert!(feed.entries.is_empty());
        assert_eq!(feed.id, info().self_url);
        assert_eq!(feed.authors.len(), 1, "the feed author keeps it valid");
    }

    #[test]
    fn entry_without_author_summary_or_content_omits_those_elements() {
        let xml = render(&info(), &[bare_item()]);
        let entry_xml = &xml[xml.find("<entry").unwrap()..];
        assert!(!entry_xml.contains("<author"), "{entry_xml}");
        assert!(!entry_xml.contains("<summary") && !entry_xml.contains("<content"));
        let entry = &parse(&xml).entries[0];
        assert!(entry.authors.is_empty());
        assert!(entry.summary.is_none() && entry.content.is_none());
        assert_eq!(entry.id, "https://outlet.example/post-1/");
    }

    #[test]
    fn no_xml_base_makes_a_link_a_same_document_reference() {
        let xml = render(&info(), &[item(1), bare_item()]);
        let root = &xml[xml.find("<feed").unwrap()..];
        let feed_tag = &root[..root.find('>').unwrap()];
        assert!(!feed_tag.contains("xml:base"), "{feed_tag}");
        let feed = parse(&xml);
        let content = feed.entries[0].content.as_ref().unwrap();
        assert_eq!(content.base.as_deref(), Some(item(1).link.as_str()));
        assert_eq!(
            feed.entries[0].summary.as_ref().unwrap().base.as_deref(),
            Some(item(1).link.as_str())
        );
    }

    #[test]
    fn unknown_language_and_site_omit_xml_lang_and_xml_base() {
        let info = FeedInfo {
            language: None,
            link: String::new(),
            ..info()
        };
        let xml = render(&info, &[]);
        assert!(
            !xml.contains("xml:lang") && !xml.contains("xml:base"),
            "{xml}"
        );
    }

    #[test]
    fn cdata_end_and_ampersands_in_content_survive_a_round_trip() {
        let mut it = item(1);
        it.content = Some("<p>x ]]> y ]]]]>> &amp; &lt; & z</p>".into());
        let got = &parse(&render(&info(), &[it.clone()])).entries[0];
        assert_eq!(got.content.as_ref().unwrap().value, it.content);
    }

    #[test]
    fn markup_in_titles_is_escaped_text_not_elements() {
        let xml = render(&info(), &[nasty_item()]);
        assert!(xml.contains("&lt;b&gt;x&lt;/b&gt; &amp; y"), "{xml}");
        assert!(!xml.contains("<b>x</b>"));
    }

    #[test]
    fn right_to_left_and_non_latin_text_is_kept_exactly() {
        let want = rtl_item();
        let xml = render(&info(), std::slice::from_ref(&want));
        assert!(xml.contains(&want.title), "written as text, not entities");
        let got = &parse(&xml).entries[0];
        assert_eq!(got.title.value, want.title);
        assert_eq!(
            Some(&got.summary.as_ref().unwrap().value),
            want.summary.as_ref()
        );
        assert_eq!(got.content.as_ref().unwrap().value, want.content);
        assert_eq!(Some(&got.authors[0].name), want.author.as_ref());
    }

    #[test]
    fn an_image_is_an_enclosure_link_with_its_type() {
        let xml = render(&info(), &[imaged_item(), item(1)]);
        assert!(
            xml.contains("href=\"https://cdn.example/2024/05/photo.png?w=300&amp;h=200\""),
            "escaped: {xml}"
        );
        let feed = parse(&xml);
        let enclosure = rel(&feed.entries[0].links, "enclosure");
        assert_eq!(enclosure.href, imaged_item().image.unwrap());
        assert_eq!(enclosure.mime_type.as_deref(), Some("image/png"));
        assert_eq!(feed.entries[0].links.len(), 2);
        assert_eq!(feed.entries[1].links.len(), 1, "no image, no enclosure");
        let mut relative = item(3);
        relative.image = Some("/wp-content/a.jpg".into());
        let xml = render(&info(), &[relative]);
        assert!(!xml.contains("enclosure"), "{xml}");
    }

    #[test]
    fn relative_entry_link_is_made_absolute_against_the_site() {
        let feed = parse(&render(&info(), &[relative_item()]));
        let href = &rel(&feed.entries[0].links, "alternate").href;
        assert_eq!(href, "https://outlet.example/2020/10/post-5/");
    }
}
