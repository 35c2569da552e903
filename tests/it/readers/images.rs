//! Item images (issue 10) as real readers see them: RSS and Atom documents
//! written by refeed's feed writers for items with and without an image,
//! served by the fixture outlet and read by xmllint, feedparser and
//! newsboat. The listing fixtures carry no thumbnails, so the documents are
//! rendered here rather than through a refresh; what the writers produce
//! from stored items is exactly what `/feeds/` serves.

use chrono::{TimeZone, Utc};
use refeed::feed::{FeedInfo, atom, rss};
use refeed::model::StoredItem;

use super::{clients, readers_present, rules, served_rss};
use crate::outlet::Outlet;

/// Three items: a PNG whose address needs escaping, none, and a CDN
/// address without a file extension (served as JPEG).
fn items() -> Vec<StoredItem> {
    let item = |n: u32, image: Option<&str>| StoredItem {
        source_id: "images".into(),
        url: format!("http://news.example/images/{n}/"),
        link: format!("http://news.example/images/{n}/"),
        title: format!("Item {n} & its picture"),
        summary: Some(format!("<p>Summary {n}</p>")),
        content: None,
        author: Some("A. Writer".into()),
        published: Utc.with_ymd_and_hms(2024, 5, n, 10, 0, 0).unwrap(),
        updated: Utc.with_ymd_and_hms(2024, 5, n, 10, 0, 0).unwrap(),
        image: image.map(str::to_owned),
    };
    vec![
        item(3, Some("http://cdn.example/2024/05/photo.png?w=300&h=200")),
        item(2, None),
        item(1, Some("https://cdn.example/img/12345")),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_readers_see_item_images_as_enclosures() {
    if !readers_present() {
        return;
    }
    let outlet = Outlet::start().await;
    let work = tempfile::tempdir().expect("reader folder");
    for (name, path) in [
        ("images.rss", "/images/rss.xml"),
        ("images.atom", "/images/atom.xml"),
    ] {
        let url = outlet.url(path);
        let info = FeedInfo {
            title: "Images".into(),
            description: "Items with images".into(),
            link: "http://news.example/images/".into(),
            self_url: url.clone(),
            updated: Utc.with_ymd_and_hms(2024, 5, 3, 10, 0, 0).unwrap(),
            language: None,
            hub: None,
            stylesheet: None,
        };
        let items = items();
        // The reference is the RSS document, as for the served feeds.
        let served = served_rss(&rss(&info, &items));
        let images: Vec<Option<&str>> = served.items.iter().map(|i| i.image.as_deref()).collect();
        assert_eq!(
            images,
            [
                Some("http://cdn.example/2024/05/photo.png?w=300&h=200"),
                None,
                Some("https://cdn.example/img/12345"),
            ]
        );
        let body = if name.ends_with(".rss") {
            rss(&info, &items)
        } else {
            atom(&info, &items)
        };
        if name.ends_with(".rss") {
            rules::rss(name, &body);
        } else {
            rules::atom(name, &body);
        }
        outlet.write(path, &body);
        clients::xmllint(work.path(), name, &body).await;
        clients::feedparser(name, &url, &body, &served).await;
        clients::newsboat(&work.path().join(name), &url, &served.items).await;
    }
}
