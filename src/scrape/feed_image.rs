//! The image of an RSS item or an Atom entry: an image enclosure, or Media
//! RSS's `media:content` / `media:thumbnail` (<https://www.rssboard.org/media-rss>),
//! which news outlets and YouTube use for an item's picture.

use atom_syndication::Entry;
use rss::extension::{Extension, ExtensionMap};
use rss::{Channel, Item};
use url::Url;

use super::text::resolve_http;

/// The Media RSS namespace (written with and without the final slash).
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss";

/// The prefix the channel declares for Media RSS, else the usual `media`.
pub(super) fn media_prefix(channel: &Channel) -> String {
    channel
        .namespaces()
        .iter()
        .find(|(_, uri)| uri.trim_end_matches('/') == MEDIA_RSS)
        .map_or_else(|| "media".to_owned(), |(prefix, _)| prefix.clone())
}

/// An item's image, absolute and http(s): an `<enclosure>` of an image
/// type, else `media:content` that is an image, else `media:thumbnail`,
/// looking inside `media:group` too.
pub(super) fn rss_image(item: &Item, media_prefix: &str, base: &Url) -> Option<Url> {
    let enclosure = item
        .enclosure()
        .filter(|e| is_image_type(e.mime_type()))
        .and_then(|e| resolve_http(base, e.url()));
    enclosure.or_else(|| media_image(item.extensions(), media_prefix, base))
}

fn media_image(extensions: &ExtensionMap, prefix: &str, base: &Url) -> Option<Url> {
    let media = extensions.get(prefix)?;
    let top = |name: &str| media.get(name).into_iter().flatten();
    let grouped = |name: &'static str| {
        top("group")
            .flat_map(move |g| g.children().get(name))
            .flatten()
    };
    let contents = top("content").chain(grouped("content"));
    let thumbnails = top("thumbnail").chain(grouped("thumbnail"));
    contents
        .filter(|c| is_image_content(c))
        .chain(thumbnails)
        .find_map(|e| e.attrs().get("url").and_then(|u| resolve_http(base, u)))
}

/// `media:content` is an image when its `medium` says so, or its `type`.
fn is_image_content(content: &Extension) -> bool {
    let attr = |name: &str| content.attrs().get(name).map(String::as_str);
    attr("medium").is_some_and(|m| m.trim().eq_ignore_ascii_case("image"))
        || attr("type").is_some_and(is_image_type)
}

fn is_image_type(mime: &str) -> bool {
    mime.trim().to_ascii_lowercase().starts_with("image/")
}

/// An entry's image: its first `<link rel="enclosure">` of an image type.
pub(super) fn atom_image(entry: &Entry, base: &Url) -> Option<Url> {
    entry
        .links()
        .iter()
        .filter(|l| l.rel() == "enclosure" && l.mime_type().is_some_and(is_image_type))
        .find_map(|l| resolve_http(base, l.href()))
}

#[cfg(test)]
mod tests {
    use crate::scrape::feed;
    use url::Url;

    fn base() -> Url {
        Url::parse("https://news.example/feed/").unwrap()
    }

    fn images(body: &str) -> Vec<Option<String>> {
        feed(body, &base())
            .unwrap()
            .items
            .into_iter()
            .map(|i| i.image.map(String::from))
            .collect()
    }

    #[test]
    fn rss_enclosure_and_media_rss_images() {
        let body = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:m="http://search.yahoo.com/mrss/">
<channel><title>News</title>
  <item><title>Enclosure</title><link>/a</link>
    <enclosure url="/img/a.jpg" length="1234" type="image/jpeg"/></item>
  <item><title>Podcast</title><link>/b</link>
    <enclosure url="https://news.example/b.mp3" length="1" type="audio/mpeg"/></item>
  <item><title>Media content</title><link>/c</link>
    <m:content url="https://cdn.example/c.mp4" type="video/mp4"/>
    <m:content url="https://cdn.example/c.jpg" medium="image" width="800"/></item>
  <item><title>Thumbnail</title><link>/d</link>
    <m:thumbnail url="https://cdn.example/d-small.jpg" width="150"/></item>
  <item><title>Group</title><link>/e</link>
    <m:group><m:content url="https://cdn.example/e.png" type="image/png"/></m:group></item>
  <item><title>Not http</title><link>/f</link>
    <m:thumbnail url="data:image/png;base64,AAAA"/></item>
</channel></rss>"#;
        assert_eq!(
            images(body),
            [
                Some("https://news.example/img/a.jpg".to_owned()),
                None,
                Some("https://cdn.example/c.jpg".to_owned()),
                Some("https://cdn.example/d-small.jpg".to_owned()),
                Some("https://cdn.example/e.png".to_owned()),
                None,
            ]
        );
    }

    #[test]
    fn atom_image_enclosure() {
        let body = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>t</id>
            <entry><title>E</title><id>e</id><link href="/e"/>
              <link rel="enclosure" type="audio/mpeg" href="/e.mp3"/>
              <link rel="enclosure" type="image/webp" href="/e.webp"/></entry>
            <entry><title>F</title><id>f</id><link href="/f"/></entry></feed>"#;
        assert_eq!(
            images(body),
            [Some("https://news.example/e.webp".to_owned()), None]
        );
    }
}
