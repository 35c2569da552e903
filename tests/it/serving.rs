//! Feeds served like static files (issue 4), against the real binary over
//! real HTTP: JSON Feed and OPML routes and commands, conditional GET,
//! `HEAD`, precompressed gzip and brotli, and WebSub publish pings to a hub
//! stand-in on 127.0.0.1.

use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, ETAG, IF_NONE_MATCH,
};

use crate::outlet::Outlet;
use crate::support::{BASE_URL, SourceToml, TestEnv, http_get, raw_client};

fn config(outlet: &Outlet) -> TestEnv {
    TestEnv::new(
        &[SourceToml::listing("bolivia", &outlet.url("/tag/bolivia/")).title("Bolivia")],
        "10s",
    )
}

fn decode(encoding: &str, body: &[u8]) -> String {
    let mut out = String::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(body).read_to_string(&mut out),
        "br" => brotli::Decompressor::new(body, 4096).read_to_string(&mut out),
        other => panic!("unexpected encoding {other:?}"),
    }
    .expect("decodes");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_feed_and_opml_are_printed_and_served() {
    let outlet = Outlet::start().await;
    let env = config(&outlet);
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "refeed once failed:\n{once}");

    let printed = env.feed("bolivia", "json").await;
    let feed: serde_json::Value = serde_json::from_str(&printed).expect("JSON Feed");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["feed_url"], format!("{BASE_URL}/feeds/bolivia.json"));
    assert!(!feed["items"].as_array().unwrap().is_empty());

    let opml = env.refeed(&["opml"]).await;
    assert!(opml.success(), "refeed opml failed:\n{opml}");
    // Each feed once, in Atom (issue 12); `?format=` picks another.
    for id in ["all", "bolivia"] {
        let url = format!("{BASE_URL}/feeds/{id}.atom");
        assert!(
            opml.stdout.contains(&format!("xmlUrl=\"{url}\"")),
            "{url}:\n{opml}"
        );
    }

    let daemon = env.daemon().await;
    let served = http_get(&daemon.url("/feeds/bolivia.json")).await;
    assert_eq!(served.content_type, "application/feed+json; charset=utf-8");
    assert_eq!(served.body.trim(), printed.trim());
    let all = http_get(&daemon.url("/feeds/all.json")).await;
    assert_eq!(all.status, 200);
    let list = http_get(&daemon.url("/feeds.opml?format=json")).await;
    assert_eq!(list.content_type, "text/x-opml; charset=utf-8");
    assert!(
        list.body
            .contains(&format!("{BASE_URL}/feeds/bolivia.json"))
    );
    let index = http_get(&daemon.url("/")).await.body;
    let json_link = format!(
        "type=\"application/feed+json\" title=\"Bolivia (JSON Feed)\" href=\"{BASE_URL}/feeds/bolivia.json\""
    );
    assert!(index.contains(&json_link), "{index}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_get_head_and_encodings_over_http() {
    let outlet = Outlet::start().await;
    let env = config(&outlet);
    assert!(env.refeed(&["once"]).await.success());
    let daemon = env.daemon().await;
    let url = daemon.url("/feeds/all.atom");
    let client = raw_client();

    let plain = client.get(&url).send().await.unwrap();
    let etag = plain.headers()[ETAG].to_str().unwrap().to_string();
    assert!(
        plain.headers()[CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public, max-age=")
    );
    let body = plain.text().await.unwrap();

    let again = client
        .get(&url)
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert!(again.bytes().await.unwrap().is_empty());

    let head = client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()[CONTENT_LENGTH],
        body.len().to_string().as_str()
    );
    assert_eq!(head.headers()[ETAG], etag.as_str());

    for encoding in ["gzip", "br"] {
        let response = client
            .get(&url)
            .header(ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[CONTENT_ENCODING], encoding);
        let tag = response.headers()[ETAG].to_str().unwrap().to_string();
        assert_ne!(tag, etag, "each encoding has its own strong tag");
        let bytes = response.bytes().await.unwrap();
        assert!(
            bytes.len() < body.len() / 2,
            "{encoding}: {} bytes",
            bytes.len()
        );
        assert_eq!(decode(encoding, &bytes), body, "{encoding}");
    }
}

/// A hub stand-in recording each ping's form body.
async fn hub() -> (String, Arc<Mutex<Vec<String>>>) {
    let pings: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = pings.clone();
    let app = Router::new().route(
        "/hub",
        post(move |body: String| async move {
            record.lock().unwrap().push(body);
            StatusCode::ACCEPTED
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hub", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, pings)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websub_hub_is_pinged_once_per_changed_feed() {
    let outlet = Outlet::start().await;
    let env = config(&outlet);
    let (hub_url, pings) = hub().await;
    let path = env.dir().join("refeed.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen(
        "[server]\n",
        &format!("[server]\nwebsub_hub = {hub_url:?}\n"),
        1,
    );
    std::fs::write(&path, text).unwrap();

    // `run` refreshes at start: a new database, so every feed changes.
    let daemon = env.daemon().await;
    let mut got = Vec::new();
    for _ in 0..300 {
        got = pings.lock().unwrap().clone();
        if got.len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    got.sort();
    let encoded = |feed: &str| {
        let url = format!("{BASE_URL}/feeds/{feed}");
        let form: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("hub.mode", "publish")
            .append_pair("hub.url", &url)
            .finish();
        form
    };
    let mut want: Vec<String> = ["bolivia", "all"]
        .iter()
        .flat_map(|id| ["rss", "atom", "json"].map(|ext| encoded(&format!("{id}.{ext}"))))
        .collect();
    want.sort();
    assert_eq!(got, want, "logs:\n{}", daemon.logs());
    assert_eq!(pings.lock().unwrap().len(), 6, "once per change");

    // Readers learn the hub from the feeds themselves.
    let hub_link = format!("href=\"{hub_url}\"");
    for ext in ["rss", "atom"] {
        let body = http_get(&daemon.url(&format!("/feeds/bolivia.{ext}")))
            .await
            .body;
        assert!(
            body.contains("rel=\"hub\"") && body.contains(&hub_link),
            "{ext}: {body}"
        );
    }
    let json = http_get(&daemon.url("/feeds/bolivia.json")).await.body;
    assert!(json.contains(&format!("\"url\":\"{hub_url}\"")), "{json}");
}
