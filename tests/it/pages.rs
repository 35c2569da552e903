//! Every page refeed serves to people, in a real browser: `refeed run` on
//! the fixture outlet, then headless Chromium loads `/`, `/status`, each
//! `/status/{id}` and the RSS and Atom feeds (which a browser shows through
//! `/feed.xsl`). Each page must render (its expected text is in the DOM
//! Chromium built, a screenshot is written), log nothing to the console
//! (the one message allowed is Chromium's own notice that XSLT is
//! deprecated), and every link on it must answer 200.
//!
//! Chromium comes from outside Cargo (Debian package `chromium`, installed
//! by `.ci/run`). Without it the test prints `skipped: install chromium`
//! and passes, unless `REFEED_REQUIRE_CHROMIUM=1` (set in CI), where a
//! missing browser fails it. `REFEED_SCREENSHOTS=DIR` keeps the
//! screenshots (`page-N.png`, in the order of the test's list).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use scraper::{Html, Selector};
use url::Url;

use crate::outlet::Outlet;
use crate::support::{BASE_URL, Daemon, SourceToml, TestEnv, http_get};

/// Set to `1` to fail, not skip, when Chromium is missing.
const REQUIRE: &str = "REFEED_REQUIRE_CHROMIUM";

/// A folder to copy the screenshots to, to look at them (optional).
const KEEP: &str = "REFEED_SCREENSHOTS";

/// The browser (Debian's package name and binary).
const CHROMIUM: &str = "chromium";

/// One browser run may take this long (a loaded CI machine); a hang fails.
const LOAD_LIMIT: Duration = Duration::from_secs(90);

/// A title with markup, quotes and an ampersand: must show as text.
const EVIL_TITLE: &str = "Bolivia <script>alert(\"x\")</script> & 'friends'";

/// What a page must show, as it appears in the serialized DOM.
const EVIL_IN_DOM: &str = "Bolivia &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'friends'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_renders_in_chromium_without_console_errors_or_dead_links() {
    let Some(browser) = Browser::find().await else {
        return;
    };
    let outlet = Outlet::start().await;
    let env = TestEnv::new(
        &[
            SourceToml::listing("bolivia", &outlet.url("/tag/bolivia/")).title(EVIL_TITLE),
            SourceToml::feed("pr-feed", &outlet.url("/feed/")),
        ],
        "10s",
    );
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "refeed once failed:\n{once}");
    let daemon = env.daemon().await;
    let titles = item_titles(&daemon, "bolivia").await;
    let checks: [(&str, Vec<&str>); 7] = [
        (
            "/",
            vec![
                EVIL_IN_DOM,
                "Which format?",
                "items, latest:",
                titles[0].as_str(),
            ],
        ),
        (
            "/status",
            vec!["Source health", "pr-feed</a>", "bolivia</a>", "Next run"],
        ),
        (
            "/status/bolivia",
            vec![EVIL_IN_DOM, "Recent refreshes", "new, 0 updated"],
        ),
        ("/status/pr-feed", vec!["Recent refreshes", "Next run"]),
        (
            "/feeds/bolivia.rss",
            vec![
                "RSS feed",
                EVIL_IN_DOM,
                titles[0].as_str(),
                titles[1].as_str(),
            ],
        ),
        (
            "/feeds/bolivia.atom",
            vec!["Atom feed", EVIL_IN_DOM, titles[0].as_str()],
        ),
        ("/feeds/all.atom", vec!["Atom feed", titles[0].as_str()]),
    ];
    let work = env.dir().join("chromium");
    for (n, (path, expected)) in checks.iter().enumerate() {
        let url = daemon.url(path);
        let dom = browser
            .load(&url, &work.join(format!("page-{n}.png")))
            .await;
        for text in expected {
            assert!(
                dom.contains(text),
                "{path}: {text:?} not in the DOM:\n{dom}"
            );
        }
        assert!(!dom.contains("<script"), "{path}: a script element:\n{dom}");
        if path.starts_with("/feeds/") {
            assert!(
                dom.contains("<h1>"),
                "{path}: not shown through the XSLT:\n{dom}"
            );
        }
        let links = links(&dom, &url, &daemon);
        assert!(!links.is_empty(), "{path}: no links");
        for link in links {
            let answer = http_get(&link).await;
            assert_eq!(
                answer.status, 200,
                "{path}: link {link} answered {}",
                answer.status
            );
        }
    }
}

/// The first two item titles of a source's feed (as text, as the DOM
/// shows them after escaping `&`, `<` and `>`).
async fn item_titles(daemon: &Daemon, id: &str) -> Vec<String> {
    let body = http_get(&daemon.url(&format!("/feeds/{id}.json")))
        .await
        .body;
    let feed: serde_json::Value = serde_json::from_str(&body).expect("JSON Feed");
    let items = feed["items"].as_array().expect("items");
    assert!(items.len() >= 2, "{id}: too few items to check: {body}");
    items[..2]
        .iter()
        .map(|item| {
            let title = item["title"].as_str().expect("title");
            title
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        })
        .collect()
}

/// Every `href` of a `<a>` or `<link>` in `dom`, absolute, without its
/// fragment; refeed's own links (under the configured `base_url`) pointed
/// at the running daemon.
fn links(dom: &str, page: &str, daemon: &Daemon) -> BTreeSet<String> {
    let page = Url::parse(page).expect("page URL");
    let selector = Selector::parse("a[href], link[href]").expect("selector");
    Html::parse_document(dom)
        .select(&selector)
        .filter_map(|element| element.value().attr("href"))
        .filter_map(|href| page.join(href).ok())
        .map(|mut url| {
            url.set_fragment(None);
            let url = url.to_string();
            match url.strip_prefix(BASE_URL) {
                Some(path) => daemon.url(path),
                None => url,
            }
        })
        .collect()
}

/// Headless Chromium.
struct Browser;

impl Browser {
    /// The browser when installed; `None` (after saying why) when it is not
    /// and [`REQUIRE`] is unset.
    async fn find() -> Option<Browser> {
        let version = Command::new(CHROMIUM)
            .arg("--version")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .output();
        match version {
            Ok(out) if out.status.success() => Some(Browser),
            _ if std::env::var(REQUIRE).is_ok_and(|v| v == "1") => {
                panic!("{CHROMIUM} is missing and {REQUIRE}=1: install the Debian package chromium")
            }
            _ => {
                eprintln!("skipped: install {CHROMIUM} (Debian package) to check the pages");
                None
            }
        }
    }

    /// The DOM Chromium built for `url`, after writing a screenshot of it
    /// to `png` (checked to be a PNG); fails on any console message other
    /// than Chromium's XSLT deprecation notice.
    async fn load(&self, url: &str, png: &Path) -> String {
        let screenshot = format!("--screenshot={}", png.display());
        let args = [
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1024,900",
            &screenshot,
            "--dump-dom",
        ];
        let out = run(&args, url, &png.with_extension("profile")).await;
        let console: Vec<&str> = out
            .stderr
            .lines()
            .filter(|line| line.contains(":CONSOLE"))
            .filter(|line| !(line.contains("XSLT") && line.contains("deprecated")))
            .collect();
        assert!(
            console.is_empty(),
            "{url}: console messages:\n{}",
            console.join("\n")
        );
        if let Some(keep) = std::env::var_os(KEEP) {
            let name = png.file_name().expect("file name");
            std::fs::copy(png, Path::new(&keep).join(name)).expect("keep the screenshot");
        }
        let image = std::fs::read(png).unwrap_or_else(|e| panic!("{url}: no screenshot: {e}"));
        assert!(image.starts_with(b"\x89PNG\r\n\x1a\n"), "{url}: not a PNG");
        assert!(
            image.len() > 2_000,
            "{url}: a {}-byte screenshot",
            image.len()
        );
        out.stdout
    }
}

/// What one Chromium run printed.
struct Run {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `url` with `args`, a fresh profile under
/// `work`, no network beyond what the page loads, within [`LOAD_LIMIT`].
async fn run(args: &[&str], url: &str, work: &Path) -> Run {
    let profile: PathBuf = work.join(format!("profile-{}", fastrand::u64(..)));
    std::fs::create_dir_all(&profile).expect("profile folder");
    // `timeout` (coreutils) bounds the run and kills a hung browser.
    let mut command = Command::new("timeout");
    command
        .args([
            "--kill-after=5",
            &LOAD_LIMIT.as_secs().to_string(),
            CHROMIUM,
        ])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--no-proxy-server",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .env("HOME", work)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join the browser's thread")
        .unwrap_or_else(|e| panic!("run {CHROMIUM}: {e}"));
    assert_ne!(
        out.status.code(),
        Some(124),
        "{CHROMIUM} took over {LOAD_LIMIT:?} on {url}"
    );
    let run = Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        out.status.success(),
        "{CHROMIUM} failed on {url}:\n{}",
        run.stderr
    );
    run
}
