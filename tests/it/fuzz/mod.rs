//! Fuzz tests of every parser and writer (issue 9): thousands of generated
//! hostile documents (see `hostile_gen`) go through the same chain as an outlet's
//! page does in a refresh (scrape or extract, clean, store as an item,
//! write RSS, Atom and JSON Feed), and every output is checked the way a
//! reader would meet it: the XML well-formed (parsed by roxmltree, a strict
//! XML 1.0 parser), the JSON valid, and no `<script>`, no `on*=` handler and
//! no `javascript:` (or `vbscript:`, `data:text/html`) URL anywhere in the
//! HTML a reader renders or in a link it follows. Each document must also be
//! handled in bounded time.
//!
//! `cargo test` runs 1,000 documents per parser. A longer run, with another
//! seed range:
//!
//! ```sh
//! REFEED_FUZZ_CASES=100000 REFEED_FUZZ_SEED=7 cargo test --release --test it fuzz -- --nocapture
//! ```

mod hostile_gen;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use refeed::extract::{self, ArticleRules, CleanRules};
use refeed::feed::{self, FeedInfo};
use refeed::model::{ScrapedItem, StoredItem, canonical_url};
use refeed::scrape::{self, ListingRules};
use scraper::{Html, Selector};
use url::Url;

use hostile_gen::Gen;

/// Documents per parser in a default `cargo test`.
const DEFAULT_CASES: u64 = 1000;

/// The most CPU time one document may take through its whole chain,
/// counted on its own thread so that other work on a loaded machine does
/// not count. Generous, as debug builds are slow: the point is that no
/// document makes the work unbounded (a parse bomb takes minutes).
const CASE_BOUND: Duration = Duration::from_secs(10);

/// Attributes whose value a browser or reader dereferences as a URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "data",
    "cite",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "codebase",
];

fn cases() -> u64 {
    std::env::var("REFEED_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

fn first_seed() -> u64 {
    std::env::var("REFEED_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0u64)
        .wrapping_mul(1_000_000_007)
}

/// Runs `case` for every seed, failing with the seed and document of the
/// first case that panics or overruns [`CASE_BOUND`]. `case` returns
/// whether the document was read (`false`: refused as malformed or beyond
/// the markup limits, which is fine); most must be, or the run proved
/// nothing.
fn run(name: &str, make: fn(&mut Gen) -> String, case: fn(&str) -> bool) {
    let start = first_seed();
    let began = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut read = 0;
    for seed in start..start + cases() {
        let doc = make(&mut Gen::new(seed));
        let t = thread_cpu_time();
        let outcome = std::panic::catch_unwind(|| case(&doc));
        let took = thread_cpu_time().saturating_sub(t);
        slowest = slowest.max(took);
        if let Ok(true) = outcome {
            read += 1;
        }
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{name}: seed {seed} failed: {message}\n--- document ---\n{doc}");
        }
        assert!(
            took < CASE_BOUND,
            "{name}: seed {seed} took {took:?} of CPU time\n--- document ---\n{doc}"
        );
    }
    eprintln!(
        "fuzz {name}: {} documents ({read} read, the rest refused) in {:?}, slowest {slowest:?}",
        cases(),
        began.elapsed()
    );
    assert!(
        read * 2 >= cases(),
        "{name}: only {read} of {} documents read",
        cases()
    );
}

/// The CPU time the calling thread has used so far.
fn thread_cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u32::try_from(t.tv_nsec).unwrap_or(0);
    Duration::new(secs, nanos)
}

fn base() -> Url {
    Url::parse("https://outlet.example/tag/bolivia/").expect("valid URL")
}

fn listing_rules() -> ListingRules {
    let s = |css: &str| Selector::parse(css).expect("valid selector");
    ListingRules {
        item: s("article.post"),
        title: s("h2.entry-title a"),
        link: s("h2.entry-title a"),
        summary: Some(s(".entry-summary")),
        date: Some(s("time")),
        author: Some(s(".author")),
        image: None,
    }
}

fn clean_rules() -> CleanRules {
    CleanRules {
        remove: vec![Selector::parse(".sharedaddy").expect("valid selector")],
        remove_text: vec![extract::normalize_text("Subscribe newsletter")],
    }
}

#[test]
fn scraped_listings_publish_only_safe_well_formed_feeds() {
    run("listing", Gen::listing, |doc| {
        let Ok(page) = scrape::listing(doc, &base(), &listing_rules()) else {
            return false;
        };
        publish_and_check(page.items);
        true
    });
}

#[test]
fn read_feeds_publish_only_safe_well_formed_feeds() {
    run(
        "feed",
        |g| {
            if g.text(1).len() % 2 == 0 {
                g.rss()
            } else {
                g.atom()
            }
        },
        |doc| {
            // A document the reader refuses is fine; one it reads must be
            // republished safely.
            let Ok(page) = scrape::feed(doc, &base()) else {
                return false;
            };
            publish_and_check(page.items);
            true
        },
    );
}

#[test]
fn extracted_articles_publish_only_safe_well_formed_feeds() {
    run("article", Gen::article, |doc| {
        let url = Url::parse("https://outlet.example/2024/05/01/a-post/").expect("valid URL");
        let rules = ArticleRules {
            content: None,
            clean: clean_rules(),
            ..ArticleRules::default()
        };
        let Ok(article) = extract::article(doc, &url, &rules) else {
            return false;
        };
        check_html(&article.html, "article html");
        let mut item = stored(0, "https://outlet.example/2024/05/01/a-post/");
        item.title = article.title.unwrap_or_default();
        item.author = article.author;
        item.content = Some(article.html);
        check_feeds(&[item]);
        true
    });
}

#[test]
fn feed_writers_keep_hostile_text_well_formed_and_inert() {
    run(
        "writer",
        |g| g.text(40),
        |text| {
            // Plain-text fields straight from hostile text; HTML fields as the
            // pipeline stores them (cleaned).
            let mut g = Gen::new(text.len() as u64);
            let items: Vec<StoredItem> = (0..4)
                .map(|n| {
                    let mut item = stored(n, "https://outlet.example/p/");
                    item.title = g.text(12);
                    item.author = Some(g.text(3));
                    item.summary = clean(text);
                    item.content = clean(&g.fragment(0));
                    item
                })
                .collect();
            check_feeds(&items);
            true
        },
    );
}

/// A fragment cleaned as the pipeline cleans summaries; `None` when refused
/// (beyond the markup limits), as the pipeline then drops it.
fn clean(html: &str) -> Option<String> {
    extract::clean_fragment(html, &base(), &clean_rules()).ok()
}

/// Cleans scraped items as the pipeline does, then writes and checks every
/// feed format.
fn publish_and_check(items: Vec<ScrapedItem>) {
    let stored: Vec<StoredItem> = items
        .into_iter()
        .enumerate()
        .map(|(n, scraped)| {
            assert!(
                matches!(scraped.link.scheme(), "http" | "https"),
                "scraped link {}",
                scraped.link
            );
            let mut item = stored(n, scraped.link.as_str());
            item.url = canonical_url(&scraped.link);
            item.title = scraped.title;
            item.author = scraped.author;
            item.summary = scraped.summary.as_deref().and_then(clean);
            item.content = scraped.content.as_deref().and_then(clean);
            item
        })
        .collect();
    for item in &stored {
        for html in [&item.summary, &item.content].into_iter().flatten() {
            check_html(html, "cleaned fragment");
        }
    }
    check_feeds(&stored);
}

fn stored(n: usize, link: &str) -> StoredItem {
    let at = Utc
        .with_ymd_and_hms(2024, 5, 1, 0, 0, 0)
        .single()
        .expect("valid date")
        + chrono::Duration::minutes(n as i64);
    StoredItem {
        source_id: "fuzz".into(),
        url: link.into(),
        link: link.into(),
        title: format!("item {n}"),
        summary: None,
        content: None,
        author: None,
        published: at,
        updated: at,
        image: None,
    }
}

fn info() -> FeedInfo {
    FeedInfo {
        title: "fuzz".into(),
        description: "generated".into(),
        link: "https://outlet.example/".into(),
        self_url: "http://127.0.0.1:8080/feeds/fuzz.rss".into(),
        updated: Utc
            .with_ymd_and_hms(2024, 5, 1, 0, 0, 0)
            .single()
            .expect("valid date"),
        language: None,
        hub: None,
        stylesheet: Some("../feed.xsl?a=1&b=\"2\"".into()),
    }
}

/// Writes the items in every format and checks each document.
fn check_feeds(items: &[StoredItem]) {
    check_xml(&feed::rss(&info(), items), "rss");
    check_xml(&feed::atom(&info(), items), "atom");
    check_json(&feed::json_feed(&info(), items));
}

/// The document parses as XML 1.0, holds no script element, links only to
/// http(s), and every HTML payload in it is safe.
fn check_xml(doc: &str, format: &str) {
    assert!(
        !doc.to_ascii_lowercase().contains("<script"),
        "{format}: raw <script in the document"
    );
    let parsed = roxmltree::Document::parse(doc)
        .unwrap_or_else(|err| panic!("{format} is not well-formed XML: {err}"));
    for node in parsed.descendants().filter(roxmltree::Node::is_element) {
        let name = node.tag_name().name();
        assert!(!name.eq_ignore_ascii_case("script"), "{format}: <script>");
        if let Some(href) = node.attribute("href") {
            assert_web_url(href, format);
        }
        match name {
            "link" | "guid" | "comments" if node.attribute("href").is_none() => {
                assert_web_url(node.text().unwrap_or_default(), format);
            }
            "description" | "encoded" | "content" | "summary" => {
                check_html(&node_text(node), format);
            }
            _ => {}
        }
    }
}

/// All text inside `node` (text may be split around CDATA sections).
fn node_text(node: roxmltree::Node<'_, '_>) -> String {
    node.descendants()
        .filter(roxmltree::Node::is_text)
        .filter_map(|n| n.text())
        .collect()
}

fn check_json(doc: &str) {
    let value: serde_json::Value =
        serde_json::from_str(doc).unwrap_or_else(|err| panic!("json feed does not parse: {err}"));
    for item in value["items"].as_array().into_iter().flatten() {
        for key in ["url", "external_url"] {
            if let Some(url) = item[key].as_str() {
                assert_web_url(url, "json");
            }
        }
        if let Some(html) = item["content_html"].as_str() {
            check_html(html, "json content_html");
        }
    }
}

fn assert_web_url(url: &str, format: &str) {
    let parsed = Url::parse(url.trim())
        .unwrap_or_else(|err| panic!("{format}: link {url:?} is not an absolute URL: {err}"));
    assert!(
        matches!(parsed.scheme(), "http" | "https"),
        "{format}: link {url:?} is not http(s)"
    );
}

/// HTML a reader renders: no script (or frame, object, embed), no event
/// handler attribute, no script URL in any URL attribute.
fn check_html(html: &str, what: &str) {
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "{what}: <script in {html}");
    let parsed = Html::parse_fragment(html);
    for element in parsed.root_element().descendent_elements() {
        let name = element.value().name();
        assert!(
            !matches!(
                name,
                "script" | "iframe" | "object" | "embed" | "frame" | "base"
            ),
            "{what}: <{name}> in {html}"
        );
        for (attr, value) in element.value().attrs() {
            assert!(
                !attr.to_ascii_lowercase().starts_with("on"),
                "{what}: handler {attr}= in {html}"
            );
            if URL_ATTRIBUTES.contains(&attr) {
                assert_inert_url(value, what, html);
            }
        }
    }
}

/// A URL a browser would not run: after removing what browsers ignore
/// (whitespace and control characters), no script scheme at its start, nor
/// in any `srcset` candidate.
fn assert_inert_url(value: &str, what: &str, html: &str) {
    for candidate in value.split(',') {
        let squeezed: String = candidate
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_ascii_lowercase();
        for scheme in ["javascript:", "vbscript:", "data:text/html"] {
            assert!(
                !squeezed.starts_with(scheme),
                "{what}: script URL {value:?} in {html}"
            );
        }
    }
}

/// The checks themselves catch each thing they look for (a check that
/// cannot fail would make every fuzz run pass).
#[test]
fn the_checks_catch_scripts_handlers_and_script_urls() {
    let fails = |f: &dyn Fn()| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err();
    for html in [
        "<p>a<script>x</script></p>",
        "<p onclick=\"x\">a</p>",
        "<a href=\" java\tscript:alert(1)\">a</a>",
        "<img srcset=\"/a.jpg 1x, javascript:alert(1) 2x\">",
        "<iframe src=\"https://outlet.example/\"></iframe>",
    ] {
        assert!(fails(&|| check_html(html, "test")), "{html}");
    }
    check_html(
        "<p><a href=\"https://outlet.example/\">fine</a> javascript: is text</p>",
        "ok",
    );
    let rss = "<rss><channel><item><link>javascript:alert(1)</link></item></channel></rss>";
    assert!(fails(&|| check_xml(rss, "rss")));
    assert!(fails(&|| check_xml("<rss><channel>", "rss")));
    assert!(fails(&|| check_xml("<rss>\u{1}</rss>", "rss")));
    let escaped = "<rss><channel><item><description>&lt;img src=x onerror=alert(1)&gt;\
                   </description></item></channel></rss>";
    assert!(fails(&|| check_xml(escaped, "rss")));
    let json = r#"{"items":[{"url":"javascript:alert(1)"}]}"#;
    assert!(fails(&|| check_json(json)));
}
