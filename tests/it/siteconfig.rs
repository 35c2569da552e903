//! Site config files (`[extract] site_config_dir`) over loopback: a feed
//! item's article chosen and stripped by the config of its host
//! (`127.0.0.1.txt`), the source's own `[source.article]` and
//! `[source.clean]` rules winning, `refeed explain` naming the rule, a
//! story whose next pages only the site's `next_page_link` finds, one
//! whose print version only its `single_page_link` finds, and `refeed
//! check --site-configs` (offline, and with `--fetch-test-urls` against
//! the fixture outlet).

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, assert_in_order, item_content};

const ARTICLE: &str = "/2024/05/01/harbour-budget/";

/// The site's rules: both story parts make the body, the crossword panel
/// goes.
const RULES: &str = "# The Harbour Gazette, served on 127.0.0.1 in tests
body: //div[contains(concat(' ', normalize-space(@class), ' '), ' story-part ')]
strip_id_or_class: xq-panel
http_header(user-agent): Mozilla/5.0
";

/// A config with `sources`, reading site configs from `sites/` in the
/// test's folder, which gets `files`.
fn env(sources: &[SourceToml], files: &[(&str, &str)]) -> TestEnv {
    let settings = "[fetch]\ntimeout = \"10s\"\nper_host_delay = \"0s\"\n\n\
                    [extract]\nsite_config_dir = \"sites\"\n";
    let env = TestEnv::with_settings(sources, settings);
    let folder = env.dir().join("sites");
    std::fs::create_dir_all(&folder).unwrap();
    for (name, text) in files {
        std::fs::write(folder.join(name), text).unwrap();
    }
    env
}

fn source(outlet: &Outlet) -> SourceToml {
    SourceToml::feed("gazette", &outlet.url("/feed/")).full_text()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_item_article_comes_from_the_host_site_config() {
    let outlet = Outlet::start_with("siteconfig").await;
    let env = env(&[source(&outlet)], &[("127.0.0.1.txt", RULES)]);
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");
    let feed = env.feed("gazette", "rss").await;
    assert!(
        feed.contains("eleven votes to four"),
        "first part missing:\n{feed}"
    );
    assert!(
        feed.contains("lifeboat station"),
        "second part missing:\n{feed}"
    );
    assert!(
        !feed.contains("crossword"),
        "strip_id_or_class not applied:\n{feed}"
    );
    assert!(
        !feed.contains("seaside holiday"),
        "text between the parts kept:\n{feed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_own_content_selector_wins_over_the_site_body() {
    let outlet = Outlet::start_with("siteconfig").await;
    let env = env(
        &[source(&outlet).content("#part-2")],
        &[("127.0.0.1.txt", RULES)],
    );
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");
    let feed = env.feed("gazette", "rss").await;
    assert!(feed.contains("lifeboat station"), "{feed}");
    assert!(
        !feed.contains("eleven votes to four"),
        "site body beat the source's:\n{feed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_source_clean_rules_win_over_the_site_body() {
    let outlet = Outlet::start_with("siteconfig").await;
    let env = env(
        &[source(&outlet).remove_text("Members agreed to fund the repairs")],
        &[("127.0.0.1.txt", RULES)],
    );
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");
    let feed = env.feed("gazette", "rss").await;
    // The site's body takes both story parts; the second part's box,
    // which the source's `remove_text` removes, stays out.
    assert!(feed.contains("eleven votes to four"), "{feed}");
    assert!(
        !feed.contains("old pier"),
        "the site body brought back what the source removed:\n{feed}"
    );

    let out = env
        .refeed(&["explain", "gazette", &outlet.url(ARTICLE)])
        .await;
    assert!(out.success(), "{out}");
    let pier = out
        .stdout
        .lines()
        .find(|l| l.contains("old pier"))
        .unwrap_or_else(|| panic!("the paragraph is not reported:\n{out}"));
    assert!(pier.starts_with("rule "), "{pier}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_the_site_config_rule() {
    let outlet = Outlet::start_with("siteconfig").await;
    let env = env(&[source(&outlet)], &[("127.0.0.1.txt", RULES)]);
    let out = env
        .refeed(&["explain", "gazette", &outlet.url(ARTICLE)])
        .await;
    assert!(out.success(), "{out}");
    let report = out.stdout.as_str();
    let strip = report
        .lines()
        .find(|l| l.contains("crossword"))
        .unwrap_or_else(|| panic!("the panel is not reported:\n{report}"));
    assert!(strip.starts_with("site-config "), "{strip}");
    assert!(
        strip.contains("div.xq-panel (by 127.0.0.1.txt:3 strip_id_or_class)"),
        "{strip}"
    );
    let between = report
        .lines()
        .find(|l| l.contains("seaside holiday"))
        .unwrap();
    assert!(between.starts_with("outside-article "), "{between}");
    assert!(
        between.contains("not in the body chosen by 127.0.0.1.txt:2 body"),
        "{between}"
    );
    assert!(
        report.contains("site config rules used:\nbody: 127.0.0.1.txt:2 body\n"),
        "{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_site_configs_lists_errors_and_skipped_directives_by_line() {
    let broken = "body: //div[@id='story'\nstrip: //p[lower-case(.)='x']\nlogin_uri: https://x.example/\ntitle: //h1\n";
    let env = env(
        &[],
        &[("127.0.0.1.txt", RULES), (".example.org.txt", broken)],
    );
    let out = env.refeed(&["check", "--site-configs"]).await;
    assert!(!out.success(), "errors must fail the check:\n{out}");
    let report = out.stdout.as_str();
    assert!(
        report.contains(".example.org.txt:1: error: body: invalid XPath"),
        "{report}"
    );
    assert!(
        report.contains(".example.org.txt:2: error: strip: invalid XPath"),
        "{report}"
    );
    assert!(
        report.contains("unsupported function lower-case()"),
        "{report}"
    );
    assert!(
        report.contains(".example.org.txt:3: skipped: login_uri: not applied by refeed"),
        "{report}"
    );
    assert!(
        report.contains("127.0.0.1.txt:4: skipped: http_header(user-agent): not applied by refeed"),
        "{report}"
    );
    assert!(report.contains("site configs: 2 file(s)"), "{report}");
    assert!(
        report.contains("2 error(s), 2 skipped directive(s)"),
        "{report}"
    );

    let fine = self::env(&[], &[("127.0.0.1.txt", RULES)]);
    let out = fine.refeed(&["check", "--site-configs"]).await;
    assert!(out.success(), "skipped directives alone pass:\n{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_fetches_test_urls_only_when_asked() {
    let outlet = Outlet::start_with("siteconfig").await;
    let url = outlet.url(ARTICLE);
    let rules = format!(
        "{RULES}test_url: {url}\ntest_contains: passed by eleven   votes\ntest_url: {url}\ntest_contains: crossword answers\n"
    );
    let env = env(&[source(&outlet)], &[("127.0.0.1.txt", &rules)]);
    let offline = env.refeed(&["check", "--site-configs"]).await;
    assert!(offline.success(), "{offline}");
    assert!(
        !offline.stdout.contains("test_url "),
        "fetched without being asked:\n{offline}"
    );
    assert_eq!(
        outlet.hits(ARTICLE),
        0,
        "the offline check fetched a test URL"
    );

    let out = env
        .refeed(&["check", "--site-configs", "--fetch-test-urls"])
        .await;
    assert!(!out.success(), "a failing test must fail the check:\n{out}");
    let report = out.stdout.as_str();
    assert!(
        report.contains(&format!("127.0.0.1.txt:5: test_url {url}: ok (body by 127.0.0.1.txt:2 body, 1 test_contains found)")),
        "{report}"
    );
    assert!(
        report.contains(&format!("127.0.0.1.txt:7: test_url {url}: FAILED: test_contains \"crossword answers\" not in the article")),
        "{report}"
    );
    assert!(report.contains("test URLs: 1 of 2 passed"), "{report}");
}

/// The Estuary Courier's rules: its "Read on" box leads to the next page
/// (under a URL no detection takes for page 2) and is stripped from the
/// article; its "Print edition" link is the whole story.
const PAGING_RULES: &str = "body: //div[@class='copy']
next_page_link: //div[@class='xq-more']/a
strip: //div[@class='xq-more']
single_page_link: //a[@class='xq-whole']/@href
";

const TIDES: [&str; 6] = [
    "reached the steps of the harbour church",
    "twenty minutes earlier than the almanac",
    "knee deep in the fish market",
    "eleven centimetres above the previous",
    "raise the sea wall along the front street",
    "collect them from the fire station",
];

/// `refeed once` over the paging outlet with `rules` as its site config,
/// and the content of the item titled `title`.
async fn paged_item(outlet: &Outlet, rules: &str, title: &str) -> String {
    let source = SourceToml::feed("courier", &outlet.url("/feed/")).full_text();
    let env = env(&[source], &[("127.0.0.1.txt", rules)]);
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");
    item_content(&env.feed("courier", "rss").await, title)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_page_link_joins_pages_detection_does_not_find() {
    let outlet = Outlet::start_with("sitepages").await;
    let tides = paged_item(&outlet, PAGING_RULES, "The highest tides in forty years").await;
    assert_in_order(&tides, &TIDES);
    assert!(!tides.contains("Read on"), "the pager was kept:\n{tides}");
    for page in [
        "/2024/06/tides/",
        "/2024/06/tides-continued/",
        "/2024/06/tides-end/",
    ] {
        assert_eq!(outlet.hits(page), 1, "{page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_page_link_reads_the_whole_story_instead_of_the_pages() {
    let outlet = Outlet::start_with("sitepages").await;
    let lanterns = paged_item(&outlet, PAGING_RULES, "A night of paper lanterns").await;
    for text in [
        "two thousand paper lanterns",
        "a heron with a wingspan",
        "hung along the railings",
    ] {
        assert!(lanterns.contains(text), "{text:?} missing:\n{lanterns}");
    }
    assert_eq!(outlet.hits("/print/lanterns.html"), 1);
    assert_eq!(
        outlet.hits("/2024/06/lanterns/2/"),
        0,
        "the detected next page was followed instead"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detection_follows_the_pages_where_the_site_rules_find_none() {
    let outlet = Outlet::start_with("sitepages").await;
    let rules = "body: //div[@class='copy']\nsingle_page_link: //a[@class='no-such-link']\n";
    let lanterns = paged_item(&outlet, rules, "A night of paper lanterns").await;
    assert!(lanterns.contains("a heron with a wingspan"), "{lanterns}");
    assert_eq!(outlet.hits("/2024/06/lanterns/2/"), 1);
    assert_eq!(outlet.hits("/print/lanterns.html"), 0);

    let off = format!("{rules}autodetect_next_page: no\n");
    let outlet = Outlet::start_with("sitepages").await;
    let lanterns = paged_item(&outlet, &off, "A night of paper lanterns").await;
    assert!(!lanterns.contains("a heron with a wingspan"), "{lanterns}");
    assert_eq!(outlet.hits("/2024/06/lanterns/2/"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_names_the_page_link_rules() {
    let outlet = Outlet::start_with("sitepages").await;
    let source = SourceToml::feed("courier", &outlet.url("/feed/")).full_text();
    let env = env(&[source], &[("127.0.0.1.txt", PAGING_RULES)]);
    let out = env
        .refeed(&["explain", "courier", &outlet.url("/2024/06/tides/")])
        .await;
    assert!(out.success(), "{out}");
    let next = outlet.url("/2024/06/tides-continued/");
    assert!(
        out.stdout.contains(&format!(
            "next page: {next} (by 127.0.0.1.txt:2 next_page_link)"
        )),
        "{out}"
    );
    let pager = out
        .stdout
        .lines()
        .find(|l| l.contains("Read on"))
        .unwrap_or_else(|| panic!("the pager is not reported:\n{out}"));
    assert!(pager.contains("(by 127.0.0.1.txt:3 strip)"), "{pager}");
}
