//! Tests of `polite.rs`: robots.txt, the per-host gate, Retry-After.

use std::time::Duration;

use super::*;
use crate::fetch::test_server::{
    Log, Step, fetch_page, fetcher_with, head_only, path, response, serve, serve_steps,
    test_config, test_fetcher,
};
use crate::fetch::{FetchConfig, FetchOptions, Fetched};

/// An outlet whose robots.txt is `robots`, answering every other path
/// with a small page; requests are logged.
async fn outlet(robots: &'static str) -> (Url, Log) {
    let log = Log::default();
    let seen = log.clone();
    let base = serve(move |head| {
        seen.record(head);
        match path(head) {
            "/robots.txt" => response("200 OK", &["Content-Type: text/plain"], robots.as_bytes()),
            "/busy" => response("429 Too Many Requests", &["Retry-After: 120"], b""),
            _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
        }
    })
    .await;
    (base, log)
}

#[tokio::test]
async fn robots_disallow_is_an_error_and_ignore_robots_bypasses_it() {
    let (base, log) = outlet("User-agent: *\nDisallow: /private\n").await;
    let fetcher = test_fetcher();
    let private = base.join("/private/a?x=1").unwrap();
    let err = fetcher.get(&private).await.unwrap_err();
    assert!(matches!(err, FetchError::Disallowed { .. }), "{err:?}");
    let origin = base.as_str().trim_end_matches('/');
    assert_eq!(
        err.to_string(),
        format!(
            "{private} not fetched: robots.txt of {origin} disallows /private/a?x=1; \
             refeed asks for it again in 24h; with the outlet's permission, \
             set respect_robots = false on the source to skip robots.txt"
        )
    );
    let page = fetcher.get(&base.join("/public").unwrap()).await.unwrap();
    assert_eq!(page.body, "<p>page</p>");
    let page = fetch_page(&fetcher, &private).await.unwrap();
    assert_eq!(page.body, "<p>page</p>");
    // robots.txt once (cached), the disallowed page only when bypassed.
    assert_eq!(log.paths(), ["/robots.txt", "/public", "/private/a?x=1"]);
}

#[tokio::test]
async fn a_host_deferred_by_an_earlier_run_is_not_contacted_until_then() {
    let (base, log) = outlet("User-agent: *\nAllow: /\n").await;
    let fetcher = test_fetcher();
    let until = Utc::now() + chrono::TimeDelta::minutes(10);
    fetcher.defer_host(&base, until);
    let page = base.join("/news/").unwrap();
    let err = fetcher.get(&page).await.unwrap_err();
    let FetchError::Deferred { until: said, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        (*said - until).abs() < chrono::TimeDelta::seconds(1),
        "{err}"
    );
    assert!(log.paths().is_empty(), "contacted: {:?}", log.paths());

    // A time already past defers nothing.
    let fresh = test_fetcher();
    fresh.defer_host(&base, Utc::now() - chrono::TimeDelta::minutes(1));
    assert!(fresh.get(&page).await.is_ok());
}

#[tokio::test]
async fn robots_group_for_refeed_is_matched_by_its_product_token() {
    let (base, _) = outlet("User-agent: refeed\nDisallow: /\n\nUser-agent: *\nAllow: /\n").await;
    let err = test_fetcher()
        .get(&base.join("/a").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Disallowed { .. }), "{err:?}");
}

#[tokio::test]
async fn robots_txt_is_read_up_to_512_kib_whatever_the_page_cap() {
    // The test cap for pages is 1 KiB; a long robots.txt is still read.
    let mut robots = "User-agent: *\nDisallow: /private\n".to_owned();
    robots.push_str(&"# padding\n".repeat(60_000));
    let (base, _) = outlet(robots.leak()).await;
    let fetcher = test_fetcher();
    let err = fetcher
        .get(&base.join("/private").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Disallowed { .. }), "{err:?}");
    assert!(fetcher.get(&base.join("/public").unwrap()).await.is_ok());
}

#[tokio::test]
async fn robots_txt_answering_503_disallows_and_404_allows() {
    let down = serve(|head| match path(head) {
        "/robots.txt" => response("503 Service Unavailable", &[], b""),
        _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
    })
    .await;
    let err = test_fetcher().get(&down).await.unwrap_err();
    assert!(matches!(err, FetchError::Disallowed { .. }), "{err:?}");
    assert!(err.to_string().contains("answered HTTP 503"), "{err}");
    // A 5xx is kept 10 minutes, not the day a file is kept.
    assert!(
        err.to_string()
            .contains("again in 10m; with the outlet's permission, set respect_robots = false"),
        "{err}"
    );

    let missing = serve(|head| match path(head) {
        "/robots.txt" => response("404 Not Found", &[], b""),
        _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
    })
    .await;
    assert!(test_fetcher().get(&missing).await.is_ok());
}

#[tokio::test]
async fn robots_txt_in_a_redirect_loop_counts_as_missing() {
    let base = serve(|head| match path(head) {
        "/robots.txt" => response("302 Found", &["Location: /robots2.txt"], b""),
        "/robots2.txt" => response("302 Found", &["Location: /robots.txt"], b""),
        _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
    })
    .await;
    let page = test_fetcher().get(&base.join("/a").unwrap()).await.unwrap();
    assert_eq!(page.body, "<p>page</p>");
}

#[tokio::test]
async fn requests_to_one_host_are_spaced_by_the_delay() {
    let (base, log) = outlet("").await;
    let delay = Duration::from_millis(300);
    let fetcher = Fetcher::new(&FetchConfig {
        per_host_delay: delay,
        ..test_config()
    })
    .unwrap();
    let (a, b) = (base.join("/a").unwrap(), base.join("/b").unwrap());
    let (first, second) = tokio::join!(fetch_page(&fetcher, &a), fetch_page(&fetcher, &b));
    assert!(first.is_ok() && second.is_ok());
    let (ta, tb) = (log.times("/a")[0], log.times("/b")[0]);
    let gap = if ta < tb { tb - ta } else { ta - tb };
    assert!(gap >= delay - Duration::from_millis(20), "{gap:?}");
}

#[tokio::test]
async fn robots_crawl_delay_spaces_the_requests() {
    let (base, log) = outlet("User-agent: *\nCrawl-delay: 0.5\n").await;
    let fetcher = test_fetcher();
    fetcher.get(&base.join("/a").unwrap()).await.unwrap();
    fetcher.get(&base.join("/b").unwrap()).await.unwrap();
    let gap = log.times("/b")[0] - log.times("/a")[0];
    assert!(gap >= Duration::from_millis(480), "{gap:?}");
}

#[tokio::test]
async fn retry_after_holds_every_request_to_the_host() {
    let (base, log) = outlet("").await;
    let fetcher = test_fetcher();
    let busy = fetch_page(&fetcher, &base.join("/busy").unwrap())
        .await
        .unwrap_err();
    let retry_at = busy.retry_at().unwrap();

    // Another source on the same host: not sent at all.
    let other = base.join("/other").unwrap();
    let err = fetch_page(&fetcher, &other).await.unwrap_err();
    let FetchError::Deferred { until, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(
        (*until - retry_at).num_seconds().abs() <= 1,
        "{until} vs {retry_at}"
    );
    assert_eq!(err.retry_at(), Some(*until));
    assert!(err.to_string().starts_with(&format!(
        "{other} not fetched: its host asked to wait until "
    )));

    // With robots.txt to fetch first, the answer is the same, not a
    // robots.txt failure.
    let err = fetcher.get(&other).await.unwrap_err();
    assert!(matches!(err, FetchError::Deferred { .. }), "{err:?}");
    assert_eq!(log.paths(), ["/busy"]);

    // A clone shares the gates.
    let err = fetch_page(&fetcher.clone(), &other).await.unwrap_err();
    assert!(matches!(err, FetchError::Deferred { .. }), "{err:?}");
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out() {
    let log = Log::default();
    let seen = log.clone();
    let base = serve(move |head| {
        seen.record(head);
        match path(head) {
            "/busy" => response("503 Service Unavailable", &["Retry-After: 1"], b""),
            _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
        }
    })
    .await;
    let fetcher = test_fetcher();
    let options = FetchOptions {
        ignore_robots: true,
        ..FetchOptions::default()
    };
    assert!(
        fetcher
            .fetch(&base.join("/busy").unwrap(), &options)
            .await
            .is_err()
    );
    let page = fetcher
        .fetch(&base.join("/a").unwrap(), &options)
        .await
        .unwrap();
    assert!(matches!(page, Fetched::Page(_)));
    let gap = log.times("/a")[0] - log.times("/busy")[0];
    assert!(gap >= Duration::from_millis(900), "{gap:?}");
}

#[tokio::test]
async fn a_robots_txt_asking_to_wait_is_waited_for_not_cached() {
    // robots.txt answers 503 with Retry-After once, then the file.
    let log = Log::default();
    let seen = log.clone();
    let base = serve(move |head| {
        seen.record(head);
        match path(head) {
            "/robots.txt" if seen.paths().len() == 1 => {
                response("503 Service Unavailable", &["Retry-After: 1"], b"")
            }
            "/robots.txt" => response("200 OK", &["Content-Type: text/plain"], b""),
            _ => response("200 OK", &["Content-Type: text/html"], b"<p>page</p>"),
        }
    })
    .await;
    let fetcher = test_fetcher();
    let page = base.join("/news/").unwrap();
    let err = fetcher.get(&page).await.unwrap_err();
    assert!(matches!(err, FetchError::Deferred { .. }), "{err:?}");
    // Not a "disallow all" for ten minutes: once the second is over,
    // robots.txt is asked again and the page fetched.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(fetcher.get(&page).await.is_ok());
    assert_eq!(log.paths(), ["/robots.txt", "/robots.txt", "/news/"]);
}

#[tokio::test]
async fn retry_after_behind_a_redirect_holds_the_host_first_asked() {
    let limited = serve(|_| response("429 Too Many Requests", &["Retry-After: 120"], b"")).await;
    let log = Log::default();
    let seen = log.clone();
    let location = format!("Location: {}", limited.join("/news/").unwrap());
    let moved = serve(move |head| {
        seen.record(head);
        response("301 Moved Permanently", &[location.as_str()], b"")
    })
    .await;
    let fetcher = test_fetcher();
    let page = moved.join("/news/").unwrap();
    let options = FetchOptions {
        ignore_robots: true,
        ..FetchOptions::default()
    };
    let err = fetcher.fetch(&page, &options).await.unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 429, .. }),
        "{err:?}"
    );
    // The next request would go through the redirect to the same
    // server: it is not made.
    let err = fetcher.fetch(&page, &options).await.unwrap_err();
    assert!(matches!(err, FetchError::Deferred { .. }), "{err:?}");
    assert_eq!(log.paths(), ["/news/"]);
}

#[test]
fn wall_clock_and_monotonic_times_convert_both_ways() {
    let at = Utc::now() + chrono::Duration::seconds(60);
    let back = wall_clock(monotonic(at));
    assert!((back - at).num_milliseconds().abs() < 50, "{back} vs {at}");
    assert!(monotonic(Utc::now() - chrono::Duration::seconds(60)) <= Instant::now());
}

#[tokio::test]
async fn a_refused_robots_txt_is_reported_as_the_refused_page_twice() {
    // Nothing listens: the robots.txt request finds out first, and the
    // cached answer serves the next page of the same refresh.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let fetcher = test_fetcher();
    for path in ["/feed", "/news/1"] {
        let page = base.join(path).unwrap();
        let err = fetcher.get(&page).await.unwrap_err();
        assert_eq!(err.to_string(), format!("connection refused ({page})"));
        assert!(!err.to_string().contains("robots"), "{err}");
        assert_eq!(err.cause(), Some(crate::fetch::Cause::Refused));
    }
}

#[tokio::test]
async fn a_silent_robots_txt_is_named_with_its_cause_first() {
    // Answers pages, but never the robots.txt.
    let base = serve_steps(|head| match path(head) {
        "/robots.txt" => vec![Step::Hang],
        _ => vec![Step::Send(head_only(
            "200 OK",
            &["Content-Type: text/html"],
        ))],
    })
    .await;
    let fetcher = fetcher_with(|c| c.first_byte_timeout = Duration::from_millis(300));
    let page = base.join("/feed").unwrap();
    let err = fetcher.get(&page).await.unwrap_err();
    assert!(
        matches!(err, FetchError::RobotsUnanswered { .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("no response within 300ms ({base}robots.txt, asked before {page})")
    );
    assert!(err.is_timeout());
}
