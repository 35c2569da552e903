//! Multi-page articles (issue 11) over loopback: an outlet whose feed links
//! a story split over three WordPress-style pages, a feature that offers a
//! single-page version, a report of fifteen pages, and a story whose third
//! page redirects back to its first. After `refeed once` the served feed
//! has one item per story with every page's text in order, the headline
//! and byline once, the source's `[source.clean]` rules applied to page 2
//! too, and an appeal box found only on later pages learned as the
//! source's boilerplate and stripped; the outlet's log shows each page fetched once, never more than ten
//! pages of one story, no "next post" or archive page; and a page that
//! fails (HTTP 500) leaves the pages before it stored.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::task::JoinHandle;

use crate::support::{SourceToml, TestEnv, assert_in_order, item_content, parse_rss};

const HEADLINE: &str = "Council Votes To Close The Old Bridge";
const BYLINE: &str = "By Maria Okafor";
const BRIDGE: [&str; 3] = [
    "The city council voted six to three on Tuesday night to close the old iron bridge over the river to cars, ending a debate that ran through four budget cycles.",
    "The mayor, who voted with the majority, said the city would apply for a state grant to pay for a footbridge that could open within two years of the vote.",
    "Opponents argued that closing the bridge before a replacement exists would add twenty minutes to the trip of thousands of workers who cross it each morning.",
];
const NIGHT: [&str; 3] = [
    "At two in the morning the container yard is lit like a stadium, and the crane operators sit forty meters above the ground in glass cabins.",
    "Most of them have worked nights for more than ten years, and they talk about the day shift the way sailors talk about people who live inland.",
    "The work is slow and precise, one box every ninety seconds, and a mistake can drop twenty tonnes of cargo onto the deck of a ship below.",
];
const LOOP: [&str; 2] = [
    "The ferry will run four times a day instead of nine from November, the transport authority said on Monday, citing a shortage of licensed crew.",
    "Islanders who commute to the mainland for work say the new timetable leaves no boat between the morning rush and the late afternoon hours.",
];
/// An appeal box under a class no rule names, on a later page of every
/// story: learned as boilerplate from those pages, and stripped.
const APPEAL: &str =
    "Our reporters cover the harbor, the courts and city hall every day. Chip in today.";

fn appeal() -> String {
    format!("<div class=\"k3z-wrap\"><p>{APPEAL}</p></div>")
}

/// Pages of the report: more than the ten read.
const REPORT_PAGES: u32 = 15;

/// The outlet: fixed pages, a request log, and one path that answers 500.
struct PagedOutlet {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    server: JoinHandle<()>,
}

#[derive(Clone)]
struct Served {
    origin: String,
    log: Arc<Mutex<Vec<String>>>,
    failing: Option<&'static str>,
}

impl PagedOutlet {
    async fn start(failing: Option<&'static str>) -> PagedOutlet {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let served = Served {
            origin: format!("http://{addr}"),
            log: log.clone(),
            failing,
        };
        let router = Router::new().fallback(answer).with_state(served);
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        PagedOutlet { addr, log, server }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests for `path_and_query`.
    fn hits(&self, path_and_query: &str) -> usize {
        let log = self.log.lock().unwrap();
        log.iter().filter(|p| *p == path_and_query).count()
    }

    /// Requests whose path starts with `prefix`.
    fn hits_under(&self, prefix: &str) -> usize {
        let log = self.log.lock().unwrap();
        log.iter().filter(|p| p.starts_with(prefix)).count()
    }
}

impl Drop for PagedOutlet {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(State(served): State<Served>, uri: Uri) -> Response {
    let target = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    served.log.lock().unwrap().push(target.clone());
    if served.failing == Some(target.as_str()) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response();
    }
    if target == "/2024/05/loop/3/" {
        return (StatusCode::FOUND, [(header::LOCATION, "/2024/05/loop/")]).into_response();
    }
    let Some((kind, body)) = page(&target, &served.origin) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

const HTML: &str = "text/html; charset=utf-8";

fn page(target: &str, origin: &str) -> Option<(&'static str, String)> {
    let bridge = "/2024/05/bridge/";
    let html = match target {
        "/feed.xml" => return Some(("application/rss+xml", feed(origin))),
        "/2024/05/bridge/" => bridge_page(1, bridge),
        "/2024/05/bridge/2/" => bridge_page(2, bridge),
        "/2024/05/bridge/3/" => bridge_page(3, bridge),
        "/features/night-shift/" => article(
            "Inside the port's night shift",
            &format!(
                "<p><a href=\"/features/night-shift/?single=1\">View as one page</a></p><p>{}</p>\
                 <div class=\"pager\"><a href=\"/features/night-shift/2/\">Next page ›</a></div>",
                NIGHT[0]
            ),
            "",
        ),
        "/features/night-shift/?single=1" => article(
            "Inside the port's night shift",
            &(NIGHT.map(|p| format!("<p>{p}</p>")).concat() + &appeal()),
            "",
        ),
        "/features/night-shift/2/" => article("Inside the port's night shift", &p(NIGHT[1]), ""),
        "/2024/05/loop/" => article(
            "Ferry schedule cut for the winter",
            &format!(
                "{}<p class=\"pager\"><a href=\"/2024/05/loop/2/\">Next page ›</a></p>",
                p(LOOP[0])
            ),
            "",
        ),
        "/2024/05/loop/2/" => article(
            "Ferry schedule cut for the winter",
            &format!(
                "{}{}<p class=\"pager\"><a href=\"/2024/05/loop/3/\">Next page ›</a></p>",
                p(LOOP[1]),
                appeal()
            ),
            "",
        ),
        _ => report_page(target)?,
    };
    Some((HTML, html))
}

fn p(text: &str) -> String {
    format!("<p>{text}</p>")
}

/// A page of the report: `/reports/drought/` and `/reports/drought/page/N/`.
fn report_page(target: &str) -> Option<String> {
    let n: u32 = match target.strip_prefix("/reports/drought/")? {
        "" => 1,
        rest => rest
            .strip_prefix("page/")?
            .strip_suffix('/')?
            .parse()
            .ok()?,
    };
    if !(1..=REPORT_PAGES).contains(&n) {
        return None;
    }
    let next = if n < REPORT_PAGES {
        format!(
            "<div class=\"pagination\"><a href=\"/reports/drought/page/{}/\">Next page ›</a></div>",
            n + 1
        )
    } else {
        String::new()
    };
    let body = format!(
        "<p>Part {n} of the drought report follows the water from the reservoirs to the orchards, \
         the suburbs and the river towns that depend on its flow in summer.</p>{}{next}",
        if n == 2 { appeal() } else { String::new() }
    );
    Some(article("The long drought", &body, ""))
}

/// One page of the bridge story, WordPress-style: headline and byline on
/// every page, "Pages: 1 2 3", the next post in `<head>` and in the post
/// navigation, the category archive's pagination in the sidebar, and on
/// page 2 a share bar and a newsletter box the source's clean rules remove.
fn bridge_page(n: usize, path: &str) -> String {
    let numbers: String = (1..=3)
        .map(|i| match (i, i == n) {
            (_, true) => format!("<span class=\"current\">{i}</span> "),
            (1, false) => format!("<a href=\"{path}\">1</a> "),
            (i, false) => format!("<a href=\"{path}{i}/\">{i}</a> "),
        })
        .collect();
    let extra = if n == 2 {
        appeal()
            + "<div class=\"sharedaddy\"><h3>Share this:</h3><a href=\"https://twitter.example/\">Twitter</a></div>\
         <div class=\"box\"><h4>Sign Up To Our Daily Digest</h4><p>Every morning in your inbox.</p></div>"
    } else {
        String::new()
    };
    let body = format!(
        "<header class=\"entry-header\"><h1 class=\"entry-title\">{HEADLINE}</h1>\
         <div class=\"entry-meta\">{BYLINE}</div></header>\
         <div class=\"entry-content\"><p>{}</p>{extra}<div class=\"page-links\">Pages: {numbers}</div></div>",
        BRIDGE[n - 1]
    );
    let aside = "<nav class=\"post-navigation\"><a href=\"/2024/05/ferry/\" rel=\"next\">Ferry schedule cut</a></nav>\
                 <aside class=\"widget-area\"><div class=\"pagination\"><a href=\"/category/city/page/2/\">Next ›</a></div></aside>";
    let head = "<link rel=\"next\" href=\"/2024/05/ferry/\">";
    article(
        HEADLINE,
        &format!("<article class=\"post\">{body}</article>{aside}"),
        head,
    )
}

fn article(title: &str, body: &str, head: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head>\
         <body><main>{body}</main></body></html>"
    )
}

fn feed(origin: &str) -> String {
    let items: String = [
        (HEADLINE, "/2024/05/bridge/"),
        ("Inside the port's night shift", "/features/night-shift/"),
        ("The long drought", "/reports/drought/"),
        ("Ferry schedule cut for the winter", "/2024/05/loop/"),
    ]
    .iter()
    .map(|(title, path)| {
        format!("<item><title>{title}</title><link>{origin}{path}</link><guid>{origin}{path}</guid></item>")
    })
    .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Ledger</title>\
         <link>{origin}/</link><description>d</description>{items}</channel></rss>"
    )
}

fn config(outlet: &PagedOutlet) -> TestEnv {
    TestEnv::new(
        &[SourceToml::feed("ledger", &outlet.url("/feed.xml")).full_text()],
        "10s",
    )
}

/// The `content:encoded` of the feed item titled `title`.
async fn content(env: &TestEnv, title: &str) -> String {
    item_content(&env.feed("ledger", "rss").await, title)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_over_three_pages_becomes_one_item_with_every_page_once() {
    let outlet = PagedOutlet::start(None).await;
    let env = config(&outlet);
    let out = env.refeed(&["once"]).await;
    assert!(out.success(), "refeed once failed:\n{out}");

    let channel = parse_rss(&env.feed("ledger", "rss").await);
    assert_eq!(channel.items().len(), 4, "one item per story");

    let bridge = content(&env, HEADLINE).await;
    assert_in_order(&bridge, &BRIDGE);
    assert!(bridge.matches(HEADLINE).count() <= 1, "{bridge}");
    assert!(bridge.matches(BYLINE).count() <= 1, "{bridge}");
    // `[source.clean]` applies to page 2: its share bar (`remove`) and
    // newsletter box (`remove_text`) are gone.
    for gone in [
        "Share this",
        "Daily Digest",
        "Every morning",
        "Pages:",
        APPEAL,
    ] {
        assert!(!bridge.contains(gone), "{gone:?} kept:\n{bridge}");
    }
    for path in [
        "/2024/05/bridge/",
        "/2024/05/bridge/2/",
        "/2024/05/bridge/3/",
    ] {
        assert_eq!(outlet.hits(path), 1, "{path}");
    }
    // Neither the next post nor the category archive is a page of it.
    assert_eq!(outlet.hits("/2024/05/ferry/"), 0);
    assert_eq!(outlet.hits_under("/category/"), 0);

    // The single-page version is read instead of the pages.
    let night = content(&env, "Inside the port's night shift").await;
    assert_in_order(&night, &NIGHT);
    assert!(!night.contains("View as one page"), "{night}");
    assert!(!night.contains(APPEAL), "{night}");
    assert_eq!(outlet.hits("/features/night-shift/?single=1"), 1);
    assert_eq!(outlet.hits("/features/night-shift/2/"), 0);

    // Ten pages of the fifteen, each once.
    let report = content(&env, "The long drought").await;
    assert!(report.contains("Part 10 of"), "{report}");
    assert!(!report.contains("Part 11 of"), "{report}");
    assert!(!report.contains(APPEAL), "{report}");
    assert_eq!(outlet.hits_under("/reports/drought/"), 10);
    assert_eq!(outlet.hits("/reports/drought/page/11/"), 0);

    // A page redirecting back to the first ends the story there.
    let ferry = content(&env, "Ferry schedule cut for the winter").await;
    assert_in_order(&ferry, &LOOP);
    assert_eq!(ferry.matches(LOOP[0]).count(), 1, "{ferry}");
    assert!(!ferry.contains(APPEAL), "{ferry}");
    assert_eq!(outlet.hits("/2024/05/loop/3/"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_page_keeps_the_pages_before_it() {
    let outlet = PagedOutlet::start(Some("/2024/05/bridge/3/")).await;
    let env = config(&outlet);
    let out = env.refeed(&["once"]).await;
    assert!(out.success(), "refeed once failed:\n{out}");
    assert!(out.line("ledger").contains("4 new"), "{out}");

    let bridge = content(&env, HEADLINE).await;
    assert_in_order(&bridge, &BRIDGE[..2]);
    assert!(!bridge.contains(BRIDGE[2]), "{bridge}");
    assert_eq!(outlet.hits("/2024/05/bridge/3/"), 1);
    assert!(
        out.stderr.contains("cannot fetch the article's next page"),
        "{out}"
    );
}
