//! SSRF (issue 9, point 1): a `full_text` source whose listing, served on
//! 127.0.0.1:A, links to a second loopback server (127.0.0.1:B) that plays
//! a cloud metadata endpoint answering `text/plain` credentials. Every way
//! of spelling that link (another port, `127.0.0.2`, the decimal form, a
//! scheme-relative link, a 302 from the source's own origin, `localhost`,
//! a redirect to `169.254.169.254`) must be refused: B gets no request, the
//! secret is in no served format, and the refusal is logged naming the
//! source. With B allowed by `[fetch] allow_hosts`, the same links are
//! fetched (the allowance works). A link's `user:password@` is never sent.
//! A listing redirected to a refused address fails that source only, and a
//! URL typed for `refeed explain` is fetched wherever it points.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use crate::support::{SourceToml, TestEnv};

const SECRET: &str = "SECRET-CREDENTIALS";

/// What a server saw: path and `Authorization` header of each request.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// Serves `answer` on 127.0.0.1 port 0, recording every request; returns
/// the port.
async fn serve(answer: impl Fn(&str) -> Response + Clone + Send + Sync + 'static) -> (u16, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(move |headers: HeaderMap, request: Request| {
        let answer = answer.clone();
        let record = record.clone();
        async move {
            let path = request.uri().path().to_owned();
            let auth = headers
                .get(header::AUTHORIZATION)
                .map(|v| v.to_str().unwrap_or("?").to_owned());
            record.lock().unwrap().push((path.clone(), auth));
            answer(&path)
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, seen)
}

/// The metadata endpoint: the secret for every path, as IMDS-style
/// `text/plain` credentials at `/latest/a` and as an HTML page (which the
/// extractor keeps, so the allowed run shows it published) elsewhere.
async fn metadata() -> (u16, Seen) {
    serve(|path| {
        if path == "/latest/a" {
            let body = format!("{{\"AccessKeyId\": \"AKIA\", \"Token\": \"{SECRET}\"}}\n");
            return ([(header::CONTENT_TYPE, "text/plain")], body).into_response();
        }
        let body = format!(
            "<html><body><article><p>The router admin page says {SECRET}, \
             and a paragraph long enough to be kept as an article.</p></article></body></html>"
        );
        ([(header::CONTENT_TYPE, "text/html")], body).into_response()
    })
    .await
}

/// The links of the outlet's listing, by item title; `a` and `b` are the
/// two ports.
fn links(a: u16, b: u16) -> Vec<(&'static str, String)> {
    vec![
        ("Other port", format!("http://127.0.0.1:{b}/latest/a")),
        ("Other loopback", format!("http://127.0.0.2:{b}/latest/b")),
        ("Decimal", format!("http://2130706433:{b}/latest/c")),
        ("Scheme relative", format!("//127.0.0.1:{b}/latest/d")),
        ("Redirected", format!("http://127.0.0.1:{a}/redirect/e")),
        ("Localhost", format!("http://localhost:{b}/latest/f")),
        ("Metadata redirect", format!("http://127.0.0.1:{a}/imds")),
        (
            "With credentials",
            format!("http://user:pw@127.0.0.1:{a}/creds"),
        ),
    ]
}

fn listing(links: &[(&str, String)]) -> String {
    let items: String = links
        .iter()
        .map(|(title, href)| {
            format!(
                "<article><h2 class=\"entry-title\"><a href=\"{href}\">{title}</a></h2></article>\n"
            )
        })
        .collect();
    format!("<!doctype html><html><head><title>Outlet</title></head><body>{items}</body></html>")
}

/// The outlet on 127.0.0.1:A: the listing, the redirects, a normal article.
async fn outlet(b: u16) -> (u16, Seen) {
    // The port of A is known only once bound: the listing is built from a
    // cell filled right after.
    let page: Arc<Mutex<String>> = Arc::default();
    let listing_page = page.clone();
    let (a, seen) = serve(move |path| {
        let found = |to: String| (StatusCode::FOUND, [(header::LOCATION, to)]).into_response();
        let html = |body: String| ([(header::CONTENT_TYPE, "text/html")], body).into_response();
        match path {
            "/" => html(listing_page.lock().unwrap().clone()),
            "/redirect/e" => found(format!("http://127.0.0.1:{b}/latest/e")),
            "/imds" => found("http://169.254.169.254/latest/meta-data/".into()),
            "/robots.txt" => StatusCode::NOT_FOUND.into_response(),
            _ => html(
                "<html><body><article><p>An ordinary article about the town \
                 council and its new park, long enough to be kept.</p></article></body></html>"
                    .into(),
            ),
        }
    })
    .await;
    *page.lock().unwrap() = listing(&links(a, b));
    (a, seen)
}

fn paths(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|(p, _)| p.clone())
        .collect()
}

/// Every served format of source `ssrf` and of `all`, concatenated.
async fn all_formats(env: &TestEnv) -> String {
    let mut out = String::new();
    for format in ["rss", "atom", "json"] {
        out.push_str(&env.feed("ssrf", format).await);
        let all = env.refeed(&["feed", "all", "--format", format]).await;
        out.push_str(&all.stdout);
    }
    out
}

fn env(a: u16, fetch: &str) -> TestEnv {
    let source = SourceToml::listing("ssrf", &format!("http://127.0.0.1:{a}/")).full_text();
    TestEnv::with_settings(
        &[source],
        &format!("[fetch]\ntimeout = \"5s\"\nper_host_delay = \"0s\"\n{fetch}\n"),
    )
}

#[tokio::test]
async fn links_to_private_addresses_are_refused_and_never_published() {
    let (b, secret_seen) = metadata().await;
    let (a, outlet_seen) = outlet(b).await;
    let env = env(a, "");
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");

    assert_eq!(paths(&secret_seen), Vec::<String>::new(), "{once}");
    let served = all_formats(&env).await;
    assert!(!served.contains(SECRET), "{served}");
    // The listing and the article on its own origin are fetched.
    assert!(served.contains("town council"), "{served}");

    let log = &once.stderr;
    let refusal = |url: &str, why: &str| {
        format!(
            "refusing to fetch {url} (linked from ssrf): {why}; allow it with [fetch] allow_hosts"
        )
    };
    let loopback = "127.0.0.1 is a loopback address";
    for expected in [
        refusal(&format!("http://127.0.0.1:{b}/latest/a"), loopback),
        refusal(
            &format!("http://127.0.0.2:{b}/latest/b"),
            "127.0.0.2 is a loopback address",
        ),
        refusal(&format!("http://127.0.0.1:{b}/latest/c"), loopback),
        refusal(&format!("http://127.0.0.1:{b}/latest/d"), loopback),
        format!(
            "refusing to fetch http://127.0.0.1:{b}/latest/e (redirected from \
             http://127.0.0.1:{a}/redirect/e, linked from ssrf): {loopback}"
        ),
        format!(
            "refusing to fetch http://localhost:{b}/latest/f (linked from ssrf): localhost resolves to"
        ),
        format!(
            "refusing to fetch http://169.254.169.254/latest/meta-data/ (redirected from \
             http://127.0.0.1:{a}/imds, linked from ssrf): 169.254.169.254 is a link-local address"
        ),
    ] {
        assert!(log.contains(&expected), "missing {expected:?} in:\n{log}");
    }

    // The credentials of a link to the source's own origin are not sent.
    let creds: Vec<_> = outlet_seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(path, _)| path == "/creds")
        .cloned()
        .collect();
    assert_eq!(creds, [("/creds".to_string(), None)]);
}

#[tokio::test]
async fn allow_hosts_lets_the_same_links_through() {
    let (b, secret_seen) = metadata().await;
    let (a, _) = outlet(b).await;
    let env = env(a, "allow_hosts = [\"127.0.0.1\", \"localhost\"]");
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");

    let mut fetched = paths(&secret_seen);
    fetched.retain(|p| p != "/robots.txt");
    fetched.sort();
    assert_eq!(
        fetched,
        [
            "/latest/a",
            "/latest/c",
            "/latest/d",
            "/latest/e",
            "/latest/f"
        ],
        "{once}"
    );
    let served = all_formats(&env).await;
    assert!(served.contains(SECRET), "{once}\n{served}");
    // 127.0.0.2 is not allowed by "127.0.0.1".
    assert!(
        once.stderr.contains("127.0.0.2 is a loopback address"),
        "{once}"
    );
}

#[tokio::test]
async fn a_url_typed_for_explain_is_fetched_wherever_it_points() {
    let (b, secret_seen) = metadata().await;
    let (a, _) = outlet(b).await;
    let env = env(a, "");
    let typed = format!("http://127.0.0.1:{b}/latest/typed");
    let out = env.refeed(&["explain", "ssrf", &typed]).await;
    assert!(out.success(), "{out}");
    assert!(out.stdout.contains(&typed), "{out}");
    assert!(paths(&secret_seen).contains(&"/latest/typed".to_string()));
}

#[tokio::test]
async fn a_listing_redirected_to_a_refused_address_fails_that_source_only() {
    let (b, secret_seen) = metadata().await;
    let (a, _) = outlet(b).await;
    let good = SourceToml::listing("ssrf", &format!("http://127.0.0.1:{a}/"));
    let bad = SourceToml::listing("moved", &format!("http://127.0.0.1:{a}/redirect/e"));
    let env = TestEnv::with_settings(&[good, bad], "[fetch]\nper_host_delay = \"0s\"\n");
    let once = env.refeed(&["once"]).await;
    assert!(once.line("ssrf").starts_with("ssrf: ok"), "{once}");
    let expected = format!(
        "moved: error: refusing to fetch http://127.0.0.1:{b}/latest/e (redirected from \
         http://127.0.0.1:{a}/redirect/e, linked from moved): 127.0.0.1 is a loopback address"
    );
    assert!(once.line("moved").starts_with(&expected), "{once}");
    assert!(paths(&secret_seen).is_empty());
}
