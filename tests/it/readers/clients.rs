//! The reader programs, each run to completion off the async workers:
//! xmllint, feedparser (through `tests/readers/feedparse.py`), newsboat
//! (its cache read back through `tests/readers/newsboat_items.py`) and, for
//! JSON Feed, which neither of those reads, the Node library
//! @extractus/feed-extractor (through `tests/readers/jsonfeed.mjs`). Each
//! asserts what its reader saw against what refeed serves.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Reference, Served};
use crate::support::parse_atom;

/// Runs a program to completion off the async workers; its stdout.
pub async fn run(mut command: Command) -> String {
    // A reader talks to 127.0.0.1: a proxy from the environment would
    // intercept it.
    for proxy in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        command.env_remove(proxy);
    }
    command.env("NO_PROXY", "*").stdin(Stdio::null());
    let shown = format!("{command:?}");
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .unwrap_or_else(|e| panic!("{shown}: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{shown} failed:\n{stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// A helper script in `tests/readers/`.
fn script(name: &str) -> Command {
    let mut command = Command::new("python3");
    command.arg(readers_dir().join(name));
    command
}

/// `xmllint --noout`: the document is well-formed XML.
pub async fn xmllint(work: &Path, name: &str, body: &str) {
    std::fs::create_dir_all(work).expect("reader folder");
    let file = work.join(format!("{name}.xml"));
    std::fs::write(&file, body).expect("write feed");
    let mut command = Command::new("xmllint");
    command.arg("--noout").arg(&file);
    run(command).await;
}

/// feedparser: `bozo == 0`, and every entry equal to the reference item.
pub async fn feedparser(name: &str, url: &str, body: &str, served: &Served) {
    let mut command = script("feedparse.py");
    command.arg(url);
    let parsed: Value = serde_json::from_str(&run(command).await).expect("feedparser JSON");
    assert_eq!(
        parsed["bozo"], 0,
        "{name}: feedparser bozo: {}",
        parsed["bozo_exception"]
    );
    // A reader shows the title as text: markup in it is escaped, not parsed.
    assert_eq!(parsed["title"], served.title.as_str(), "{name}: feed title");
    let reference = &served.items;
    let entries = parsed["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), reference.len(), "{name}: entry count");
    let atom_updated = name.ends_with(".atom").then(|| atom_updated(body));
    for (entry, want) in entries.iter().zip(reference) {
        let at = format!("{name}: feedparser entry {}", want.id);
        assert_eq!(entry["id"], want.id.as_str(), "{at}: id (order kept)");
        assert_eq!(entry["title"], want.title.as_str(), "{at}: title");
        assert_eq!(entry["link"], want.link.as_str(), "{at}: link");
        assert_eq!(entry["published"], want.published.timestamp(), "{at}: date");
        if let Some(updated) = &atom_updated {
            let want_updated = updated[&want.id].timestamp();
            assert_eq!(entry["updated"], want_updated, "{at}: updated");
        }
        assert_eq!(
            entry["author"].as_str(),
            want.author.as_deref(),
            "{at}: author"
        );
        let summary = entry["summary"].as_str().map(html);
        assert_eq!(summary, want.summary.as_deref().map(html), "{at}: summary");
        let content: Vec<String> = entry["content"]
            .as_array()
            .expect("content list")
            .iter()
            .filter_map(Value::as_str)
            .map(html)
            .collect();
        let want_content: Vec<String> = want.content.as_deref().map(html).into_iter().collect();
        assert_eq!(content, want_content, "{at}: content");
        feedparser_image(name, entry, want, &at);
    }
}

/// The item's image as feedparser lists it: the one enclosure (RSS
/// `enclosure`, Atom `link rel="enclosure"`) with an image type, and in RSS
/// the Media RSS thumbnail too.
fn feedparser_image(name: &str, entry: &Value, want: &Reference, at: &str) {
    let strings = |list: &Value, key: Option<&str>| -> Vec<String> {
        let items = list.as_array().expect("a list");
        let values = items.iter().map(|v| key.map_or(v, |k| &v[k]));
        values
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let want_image: Vec<String> = want.image.iter().cloned().collect();
    let enclosures = strings(&entry["enclosures"], Some("href"));
    assert_eq!(enclosures, want_image, "{at}: enclosure");
    for kind in strings(&entry["enclosures"], Some("type")) {
        assert!(kind.starts_with("image/"), "{at}: enclosure type {kind}");
    }
    if name.ends_with(".rss") {
        let thumbnails = strings(&entry["media_thumbnail"], None);
        assert_eq!(thumbnails, want_image, "{at}: media:thumbnail");
    }
}

/// An HTML fragment re-serialized by html5ever, so markup that only differs
/// in spelling compares equal: feedparser's sanitizer writes void elements
/// XHTML-style (`<img … />`).
fn html(fragment: &str) -> String {
    scraper::Html::parse_fragment(fragment)
        .root_element()
        .inner_html()
}

/// Each Atom entry's `updated`, by id.
fn atom_updated(body: &str) -> HashMap<String, DateTime<Utc>> {
    parse_atom(body)
        .entries()
        .iter()
        .map(|e| (e.id().to_owned(), e.updated().with_timezone(&Utc)))
        .collect()
}

/// newsboat, subscribed to `url` alone with its own cache: every item is
/// stored with the right title, link, author and date. newsboat exits 0 even
/// when a feed fails, so only its cache counts.
pub async fn newsboat(dir: &Path, url: &str, reference: &[Reference]) {
    std::fs::create_dir_all(dir).expect("newsboat folder");
    std::fs::write(dir.join("urls"), format!("{url}\n")).expect("urls");
    std::fs::write(dir.join("config"), "").expect("config");
    let mut command = Command::new("newsboat");
    command.current_dir(dir).env("HOME", dir).args([
        "-u", "urls", "-c", "cache.db", "-C", "config", "-x", "reload",
    ]);
    run(command).await;
    let mut command = script("newsboat_items.py");
    command.arg(dir.join("cache.db"));
    let rows: Vec<Value> = serde_json::from_str(&run(command).await).expect("cache JSON");
    let name = dir.display();
    assert_eq!(
        rows.len(),
        reference.len(),
        "{name}: newsboat stored {rows:#?}"
    );
    for want in reference {
        let row = rows
            .iter()
            .find(|row| row["guid"] == want.id.as_str())
            .unwrap_or_else(|| panic!("{name}: newsboat lacks {}: {rows:#?}", want.id));
        assert_eq!(
            row["title"],
            want.title.as_str(),
            "{name}: title of {}",
            want.id
        );
        assert_eq!(
            row["url"],
            want.link.as_str(),
            "{name}: link of {}",
            want.id
        );
        assert_eq!(row["feedurl"], url, "{name}: feed of {}", want.id);
        assert_eq!(
            row["pubDate"],
            want.published.timestamp(),
            "{name}: date of {}",
            want.id
        );
        // newsboat keeps one enclosure, for podcasts: before 2.30 it skips
        // image enclosures on purpose (newsboat issue 1615), later ones
        // keep one when there is no audio (newsboat PR 2218). Whatever it
        // keeps must be the item's image.
        if let Some(enclosure) = row["enclosure_url"].as_str().filter(|url| !url.is_empty()) {
            assert_eq!(
                Some(enclosure),
                want.image.as_deref(),
                "{name}: enclosure of {}",
                want.id
            );
        }
        if let Some(author) = &want.author {
            assert_eq!(
                row["author"],
                author.as_str(),
                "{name}: author of {}",
                want.id
            );
        }
    }
}

/// The JSON Feed as @extractus/feed-extractor, a Node feed-reading library,
/// fetches and understands it: title, and every entry's id, title, link and
/// date equal to what refeed serves.
pub async fn json_reader(name: &str, url: &str, served: &Served) {
    let mut command = Command::new("node");
    command.arg(readers_dir().join("jsonfeed.mjs")).arg(url);
    let feed: Value = serde_json::from_str(&run(command).await).expect("reader output");
    assert_eq!(
        feed["title"],
        served.title.as_str(),
        "{name}: title (node reader)"
    );
    let entries = feed["entries"].as_array().expect("entries");
    assert_eq!(
        entries.len(),
        served.items.len(),
        "{name}: entries (node reader)"
    );
    for (entry, want) in entries.iter().zip(&served.items) {
        let at = format!("{name}: entry {} (node reader)", want.id);
        assert_eq!(entry["id"], want.id.as_str(), "{at}: id");
        assert_eq!(entry["title"], want.title.as_str(), "{at}: title");
        // The library drops utm_* parameters from links on its own, which
        // leaves exactly refeed's canonical URL (the id).
        let link = entry["link"].as_str().expect("link");
        assert!(link == want.link || link == want.id, "{at}: link {link}");
        let published = entry["published"].as_str().expect("published");
        let published = DateTime::parse_from_rfc3339(published).expect("ISO date");
        assert_eq!(published, want.published, "{at}: date");
    }
}

/// `tests/readers/`, where the helper scripts and the Node reader live.
pub fn readers_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readers")
}
