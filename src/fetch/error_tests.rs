//! Tests of `error.rs`: each message as people read it.

use super::*;

fn url() -> Url {
    Url::parse("http://news.test/a").unwrap()
}

#[test]
fn each_timeout_stage_says_which_limit_ran_out() {
    let message = |stage| {
        let limit = Duration::from_millis(300);
        FetchError::Timeout {
            url: url(),
            limit,
            stage,
        }
        .to_string()
    };
    let cases = [
        (
            TimeoutStage::Connect,
            "connection timed out after 300ms (http://news.test/a)",
        ),
        (
            TimeoutStage::FirstByte,
            "http://news.test/a sent no response within 300ms",
        ),
        (
            TimeoutStage::Stalled,
            "http://news.test/a stopped sending for 300ms",
        ),
        (
            TimeoutStage::Total,
            "http://news.test/a did not finish within 300ms",
        ),
    ];
    for (stage, expected) in cases {
        assert_eq!(message(stage), expected);
    }
}

#[test]
fn status_message_counts_the_seconds_to_wait() {
    let retry_at = Some(Utc::now() + chrono::Duration::seconds(120));
    let err = FetchError::Status {
        url: url(),
        status: 429,
        retry_at,
    };
    assert_eq!(
        err.to_string(),
        "http://news.test/a answered HTTP 429, retry after 120s"
    );
    assert_eq!(err.retry_at(), retry_at);
    let err = FetchError::Status {
        url: url(),
        status: 500,
        retry_at: None,
    };
    assert_eq!(err.to_string(), "http://news.test/a answered HTTP 500");
    assert_eq!(err.retry_at(), None);
}

#[test]
fn a_request_failure_leads_with_its_cause() {
    let err = |cause| FetchError::Request { url: url(), cause };
    let resolve = Cause::Resolve(Box::new(crate::fetch::Unresolved {
        host: "news.test".into(),
        detail: "Name or service not known".into(),
    }));
    assert_eq!(
        err(resolve).to_string(),
        "cannot resolve news.test: Name or service not known (http://news.test/a)"
    );
    assert_eq!(
        err(Cause::Refused).to_string(),
        "connection refused (http://news.test/a)"
    );
    let tls = err(Cause::Tls("invalid peer certificate: UnknownIssuer".into()));
    assert_eq!(
        tls.to_string(),
        "TLS handshake failed: invalid peer certificate: UnknownIssuer (http://news.test/a)"
    );
    let other = err(Cause::Other("invalid HTTP version parsed".into()));
    assert_eq!(
        other.to_string(),
        "request to http://news.test/a failed: invalid HTTP version parsed"
    );
    assert!(!other.is_timeout());
    assert!(err(Cause::ConnectTimeout(None)).is_timeout());
}

#[test]
fn a_silent_robots_txt_is_named_after_the_cause() {
    let err = FetchError::RobotsUnanswered {
        url: url(),
        cause: Cause::NoResponse(Duration::from_secs(2)),
    };
    assert_eq!(
        err.to_string(),
        "no response within 2s (http://news.test/robots.txt, asked before http://news.test/a)"
    );
    assert!(err.is_timeout());
    assert_eq!(err.url(), Some(&url()));
    assert_eq!(err.cause(), Some(Cause::NoResponse(Duration::from_secs(2))));
}

#[test]
fn redirect_loop_names_the_chain() {
    let a = url();
    let b = Url::parse("http://news.test/b").unwrap();
    let err = FetchError::RedirectLoop {
        url: a.clone(),
        chain: vec![a.clone(), b, a],
    };
    assert_eq!(
        err.to_string(),
        "http://news.test/a redirects in a loop: \
         http://news.test/a -> http://news.test/b -> http://news.test/a"
    );
}

#[test]
fn a_refusal_says_what_where_from_and_how_to_allow_it() {
    let admin = Url::parse("http://10.0.0.1/admin").unwrap();
    let reason = Refusal::Address {
        ip: "10.0.0.1".parse().unwrap(),
        kind: crate::fetch::AddressKind::Private,
    };
    let err = FetchError::Refused(Box::new(Refused {
        url: admin.clone(),
        refused: admin.clone(),
        linked_from: Some("city-news".into()),
        reason: reason.clone(),
    }));
    assert_eq!(
        err.to_string(),
        "refusing to fetch http://10.0.0.1/admin (linked from city-news): \
         10.0.0.1 is a private address; allow it with [fetch] allow_hosts"
    );
    let err = FetchError::Refused(Box::new(Refused {
        url: url(),
        refused: admin,
        linked_from: None,
        reason,
    }));
    assert_eq!(
        err.to_string(),
        "refusing to fetch http://10.0.0.1/admin (redirected from http://news.test/a): \
         10.0.0.1 is a private address; allow it with [fetch] allow_hosts"
    );
    assert_eq!(err.url(), Some(&url()));
}

#[test]
fn deferred_names_the_time_and_is_a_retry_time() {
    let until = DateTime::parse_from_rfc3339("2026-11-24T07:00:00Z")
        .unwrap()
        .to_utc();
    let err = FetchError::Deferred { url: url(), until };
    assert_eq!(
        err.to_string(),
        "http://news.test/a not fetched: its host asked to wait until 2026-11-24 07:00:00 UTC"
    );
    assert_eq!(err.retry_at(), Some(until));
    assert!(!err.is_timeout());
}
