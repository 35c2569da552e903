//! One bad outlet never costs the others: a source answering 500, one that
//! times out, one whose host refuses connections and one given a page with
//! no list of articles fail on their own, are reported, and the good source's items
//! are stored and served; `run` stays up.

use std::time::Duration;

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, http_get, parse_rss};

/// The slow endpoint answers after 5 s; the config's fetch timeout is 2 s.
const SLOW: &str = "/broken/slow/5";

/// A loopback port nobody listens on: connections to it are refused.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A page of the outlet without a list of articles: navigation, one text,
/// and one "related posts" box.
const NO_LIST: &str = r#"<!DOCTYPE html><html><head><title>About</title></head><body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/about/">About</a></li>
<li><a href="/donate/">Donate</a></li></ul></nav></header>
<main><h1>About us</h1><p>A small team of volunteers reporting on movements for social
justice. This page tells our story and how to reach us.</p></main>
<aside class="related"><h3>Related posts</h3><ul>
<li><a href="/2020/10/20/one-related-story/">One related story</a></li></ul></aside>
</body></html>"#;

fn env(outlet: &Outlet) -> TestEnv {
    outlet.write("/about/", NO_LIST);
    let down = format!("http://127.0.0.1:{}/news/", closed_port());
    TestEnv::new(
        &[
            SourceToml::listing("down", &down),
            SourceToml::listing("broken", &outlet.url("/broken/500")),
            SourceToml::listing("slow", &outlet.url(SLOW)),
            SourceToml::feed("no-list", &outlet.url("/about/")),
            SourceToml::listing("good", &outlet.url("/tag/bolivia/")),
        ],
        "2s",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_sources_do_not_stop_the_good_one() {
    let outlet = Outlet::start().await;
    let env = env(&outlet);

    let once = env.refeed(&["once"]).await;
    assert!(
        !once.success(),
        "once must fail when a source fails:\n{once}"
    );
    assert!(
        once.elapsed < Duration::from_secs(15),
        "the timeout was not applied: {:?}",
        once.elapsed
    );
    assert_eq!(once.line("good"), "good: ok, 12 seen, 12 new, 0 updated");
    let broken = once.line("broken");
    assert!(
        broken.starts_with("broken: error: ") && broken.contains("500"),
        "{broken}"
    );
    // The message says it was the time limit ("timed out", "within 2s", ...).
    let slow = once.line("slow").to_lowercase();
    assert!(
        slow.starts_with("slow: error: ") && (slow.contains("time") || slow.contains("2s")),
        "{slow}"
    );
    // A host that refuses connections says so, even though the first
    // request that found out was for its robots.txt.
    let down = once.line("down");
    assert!(
        down.starts_with("down: error: connection refused (http://127.0.0.1:"),
        "{down}"
    );
    let no_list = once.line("no-list");
    assert!(
        no_list.starts_with("no-list: error: found no list of articles on http://")
            && no_list.contains("/about/: add [source.items] selectors"),
        "{no_list}"
    );

    let good = parse_rss(&env.feed("good", "rss").await);
    assert_eq!(good.items().len(), 12);

    let mut daemon = env.daemon().await;
    let feed = http_get(&daemon.url("/feeds/good.rss")).await;
    assert_eq!(feed.status, 200);
    assert_eq!(parse_rss(&feed.body).items().len(), 12);
    let index = http_get(&daemon.url("/")).await;
    assert_eq!(index.status, 200);
    assert!(index.body.contains("broken"), "{}", index.body);
    assert!(
        index.body.contains("500"),
        "the index shows the error:\n{}",
        index.body
    );

    // The failures recorded by `once` put those sources in backoff, and a
    // restart keeps it: the daemon's start-up refresh leaves them alone
    // instead of hammering an outlet that just failed.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(daemon.is_running(), "run died:\n{}", daemon.logs());
    let health = http_get(&daemon.url("/healthz")).await;
    assert_eq!(health.status, 200);
    assert_eq!(
        outlet.hits(SLOW),
        1,
        "the daemon retried the slow source within its backoff"
    );
    assert_eq!(outlet.hits("/broken/500"), 1, "retried within the backoff");
}
