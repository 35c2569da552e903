//! The fixture outlet: a copy of `tests/fixtures/outlet/` served on
//! 127.0.0.1 port 0, plus endpoints that misbehave on purpose.
//!
//! The fixtures spell the outlet's own origin as [`PLACEHOLDER_ORIGIN`]
//! (absolute links, JSON-LD, the feed); the copy gets the real
//! `http://127.0.0.1:PORT` instead, so absolute and relative links point at the
//! same server. Tests edit pages of the copy with [`Outlet::write`].
//!
//! Routes: a directory path serves its `index.html` or `index.xml` (WordPress
//! permalinks end in `/`); `/robots.txt` is a 404 unless the fixture tree has
//! one; `/broken/500` answers HTTP 500; `/broken/slow/{secs}` answers only
//! after `secs` seconds (longer than the test's fetch timeout).
//!
//! Files are served like a static web server does (nginx, Apache), so refeed's
//! conditional GET meets what real outlets send: a strong `ETag` (a hash of the
//! bytes) and `Last-Modified` (the file's mtime) on every 200, and a bodiless
//! 304 when the request's `If-None-Match` names that ETag or, without
//! `If-None-Match`, its `If-Modified-Since` is not older than the file.
//! Every request is counted per path and per status, with the body bytes sent,
//! so tests can tell what a refresh cost.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use tempfile::TempDir;
use tokio::task::JoinHandle;

use self::answer::respond;

mod answer;

/// How the fixture files write the outlet's origin.
pub const PLACEHOLDER_ORIGIN: &str = "http://outlet.example";

/// A fixture tree in the repository (`outlet`, `learned`, ...).
fn fixture_root(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A running fixture outlet; stops when dropped.
pub struct Outlet {
    root: TempDir,
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
    server: JoinHandle<()>,
}

/// What the outlet has answered so far.
#[derive(Debug, Default)]
struct Log {
    /// Requests per path (query strings ignored), counted on arrival, so a
    /// request the client gave up on still counts.
    hits: HashMap<String, usize>,
    /// Answers per (path, status), counted once the answer is ready.
    statuses: HashMap<(String, u16), usize>,
    /// Body bytes of every answer.
    bytes: u64,
    /// Paths starting with the prefix are answered this much later.
    latency: Vec<(String, Duration)>,
    /// When each request arrived, per path.
    arrivals: HashMap<String, Vec<Instant>>,
    /// Requests being answered now.
    in_flight: usize,
    /// The most requests ever answered at once.
    peak_in_flight: usize,
}

#[derive(Clone)]
struct Served {
    root: PathBuf,
    log: Arc<Mutex<Log>>,
}

impl Outlet {
    /// Copies the fixtures to a temporary folder and serves them.
    pub async fn start() -> Outlet {
        Self::start_with("outlet").await
    }

    /// Serves a copy of another fixture tree, `tests/fixtures/<name>/`.
    pub async fn start_with(name: &str) -> Outlet {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fixture outlet");
        let addr = listener.local_addr().expect("local address");
        let root = tempfile::tempdir().expect("temporary folder");
        copy_tree(&fixture_root(name), root.path(), &format!("http://{addr}"));
        let log = Arc::new(Mutex::new(Log::default()));
        let served = Served {
            root: root.path().to_owned(),
            log: log.clone(),
        };
        let router = Router::new().fallback(respond).with_state(served);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("fixture outlet");
        });
        Outlet {
            root,
            addr,
            log,
            server,
        }
    }

    /// Absolute URL of `path` (which starts with `/`) on this outlet.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The served file behind a URL path (`/tag/bolivia/` → its `index.html`).
    /// A new path ending in `/` is a directory's `index.html`; any other
    /// (`/robots.txt`) is a file of that name.
    fn file(&self, path: &str) -> PathBuf {
        resolve(self.root.path(), path).unwrap_or_else(|| {
            let file = self.root.path().join(path.trim_matches('/'));
            if path.ends_with('/') {
                file.join("index.html")
            } else {
                file
            }
        })
    }

    /// The current text of a served page.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.file(path)).expect("read fixture page")
    }

    /// Replaces (or creates) the page served at `path`; the placeholder origin
    /// is rewritten as for the fixtures. New content gets a new `ETag` (the
    /// `Last-Modified` second may stay the same, as on a real server). Safe
    /// while refeed fetches the page.
    pub fn write(&self, path: &str, content: &str) {
        let file = self.file(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("create folders");
        let content = content.replace(PLACEHOLDER_ORIGIN, &self.origin());
        // Written aside and renamed into place, so a request during the
        // write gets the old page or the new one, never half of one (a
        // torn listing would look like an outlet that lost its items).
        let mut partial = file.clone().into_os_string();
        partial.push(".partial");
        std::fs::write(&partial, content).expect("write fixture page");
        std::fs::rename(&partial, file).expect("replace fixture page");
    }

    /// Deletes the page served at `path`: it answers 404 until written again.
    pub fn remove(&self, path: &str) {
        std::fs::remove_file(self.file(path)).expect("remove fixture page");
    }

    /// From now on, answers every path starting with `prefix` only after
    /// `delay`, as a busy outlet does (the request is counted on arrival);
    /// replaces an earlier delay of the same prefix.
    pub fn slow_down(&self, prefix: &str, delay: Duration) {
        let mut log = self.log();
        log.latency.retain(|(other, _)| other != prefix);
        log.latency.push((prefix.to_owned(), delay));
    }

    /// How many requests reached `path` (query strings ignored).
    pub fn hits(&self, path: &str) -> usize {
        self.log().hits.get(path).copied().unwrap_or(0)
    }

    /// How many answers to `path` had `status` (304: "not modified").
    pub fn hits_with_status(&self, path: &str, status: u16) -> usize {
        let key = (path.to_owned(), status);
        self.log().statuses.get(&key).copied().unwrap_or(0)
    }

    /// When each request to `path` arrived, in order.
    pub fn arrivals(&self, path: &str) -> Vec<Instant> {
        self.log().arrivals.get(path).cloned().unwrap_or_default()
    }

    /// The most requests this outlet was answering at once.
    pub fn peak_in_flight(&self) -> usize {
        self.log().peak_in_flight
    }

    /// Forgets the peak of [`Outlet::peak_in_flight`] so far.
    pub fn reset_peak(&self) {
        let mut log = self.log();
        log.peak_in_flight = log.in_flight;
    }

    /// Requests to every path together.
    pub fn total_hits(&self) -> usize {
        self.log().hits.values().sum()
    }

    /// Body bytes of every answer so far (headers not counted; the outlet
    /// never compresses, so this is what crossed the wire as bodies).
    pub fn bytes_sent(&self) -> u64 {
        self.log().bytes
    }

    fn log(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap()
    }
}

impl Drop for Outlet {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Copies the fixture tree, rewriting the placeholder origin in text files.
fn copy_tree(from: &Path, to: &Path, origin: &str) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read fixture folder") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target, origin);
        } else {
            let text = std::fs::read_to_string(entry.path()).expect("fixture is UTF-8 text");
            std::fs::write(target, text.replace(PLACEHOLDER_ORIGIN, origin)).expect("copy fixture");
        }
    }
}

/// The file a URL path names: itself, or the index of a directory.
/// `None` for paths leaving the root or naming nothing.
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let full = root.join(relative);
    if full.is_file() {
        return Some(full);
    }
    ["index.html", "index.xml"]
        .iter()
        .map(|index| full.join(index))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{NEW_POST, POSTS};
    use crate::support::{http_get, parse_rss};

    /// The JSON-LD `datePublished` of an article page, if it has one.
    fn json_ld_date(page: &str) -> Option<String> {
        let start = page.find("application/ld+json")?;
        let json = &page[start..];
        let json = &json[json.find('>')? + 1..json.find("</script>")?];
        let value: serde_json::Value = serde_json::from_str(json).expect("JSON-LD parses");
        value["@graph"]
            .as_array()?
            .iter()
            .find(|node| node["@type"] == "Article")
            .map(|node| node["datePublished"].as_str().unwrap().to_owned())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serves_the_listing_and_feed_with_the_real_origin() {
        let outlet = Outlet::start().await;
        let listing = http_get(&outlet.url("/tag/bolivia/")).await;
        assert_eq!(listing.status, 200);
        assert_eq!(listing.content_type, "text/html; charset=UTF-8");
        assert_eq!(
            listing.body.matches("<article class=\"post-").count(),
            POSTS.len()
        );
        assert!(!listing.body.contains(PLACEHOLDER_ORIGIN));
        assert!(listing.body.contains(&outlet.origin()));
        for post in &POSTS {
            assert!(listing.body.contains(post.title), "{}", post.title);
            if let Some(date) = post.listing_date {
                assert!(
                    listing.body.contains(&format!("datetime=\"{date}\"")),
                    "{date}"
                );
            }
        }
        assert_eq!(
            listing
                .body
                .matches("Urgent End Of Year Fundraising Campaign")
                .count(),
            2
        );

        let feed = http_get(&outlet.url("/feed/")).await;
        assert_eq!(feed.content_type, "application/rss+xml; charset=UTF-8");
        let channel = parse_rss(&feed.body);
        assert_eq!(channel.items().len(), crate::fixture::FEED_ITEMS);
        for (item, post) in channel.items().iter().zip(&POSTS) {
            assert_eq!(item.title(), Some(post.title));
            assert!(
                item.link()
                    .unwrap()
                    .contains("?utm_source=rss&utm_medium=rss")
            );
            assert!(item.description().unwrap().contains("appeared first on"));
            let date = crate::checks::rfc2822(item.pub_date().unwrap());
            assert_eq!(Some(date), post.expected_date());
        }
        assert_eq!(outlet.hits("/tag/bolivia/"), 1);
        assert_eq!(outlet.hits("/feed/"), 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn article_pages_match_the_fixture_table() {
        let outlet = Outlet::start().await;
        for post in POSTS.iter().chain([&NEW_POST]) {
            let page = http_get(&outlet.url(post.path)).await;
            assert_eq!(page.status, 200, "{}", post.path);
            assert!(page.body.contains(post.body), "{}", post.path);
            assert!(page.body.contains(post.summary), "{}", post.path);
            assert_eq!(
                json_ld_date(&page.body).as_deref(),
                post.meta_date,
                "{}",
                post.path
            );
            // The visible date fields are empty: the date is metadata only.
            assert!(
                page.body
                    .contains("Published: <span class=\"posted-on\"></span>")
            );
            assert!(!page.body.contains("<time"), "{}", post.path);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn misbehaving_endpoints_and_edits() {
        let outlet = Outlet::start().await;
        assert_eq!(http_get(&outlet.url("/broken/500")).await.status, 500);
        assert_eq!(http_get(&outlet.url("/no/such/page/")).await.status, 404);
        assert_eq!(http_get(&outlet.url("/../Cargo.toml")).await.status, 404);
        let started = std::time::Instant::now();
        assert_eq!(http_get(&outlet.url("/broken/slow/1")).await.status, 200);
        assert!(started.elapsed() >= Duration::from_secs(1));

        outlet.write("/new/page/", "<a href=\"http://outlet.example/x\">x</a>");
        let page = http_get(&outlet.url("/new/page/")).await;
        assert_eq!(
            page.body,
            format!("<a href=\"{}/x\">x</a>", outlet.origin())
        );
        assert_eq!(outlet.read("/new/page/"), page.body);
    }
}
