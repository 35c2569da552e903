//! The WordPress fast path (issue 10): a stand-in for a WordPress 6.x site
//! on 127.0.0.1 serving tag, category and author archives, their posts'
//! pages, and the REST API (`/wp-json/wp/v2/posts?tags=N&_embed=author`,
//! answered from `tests/fixtures/wordpress/`). Sources given by URL alone
//! take their items and full text from the API without fetching a post's
//! page; with the API disabled (404 `rest_no_route`) or closed (401) they
//! fall back to the page, and the API is not asked again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::outlet::PLACEHOLDER_ORIGIN;
use crate::support::{SourceToml, TestEnv};

/// How the stand-in's REST API answers.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Api {
    /// Like WordPress 6.x.
    Open,
    /// Disabled by a plugin: 404 `rest_no_route`.
    Disabled,
    /// Closed to anonymous readers: 401 `rest_not_logged_in`.
    Closed,
}

/// One archive: its path, the fixture of its posts, the REST query that
/// lists them, and how WordPress marks it in the page.
struct Archive {
    path: &'static str,
    fixture: &'static str,
    query: &'static str,
    term: &'static str,
    body_class: &'static str,
}

const ARCHIVES: [Archive; 3] = [
    Archive {
        path: "/tag/bolivia/",
        fixture: "posts-tag.json",
        query: "tags=7",
        term: "tags/7",
        body_class: "archive tag tag-bolivia tag-7",
    },
    Archive {
        path: "/category/news/",
        fixture: "posts-category.json",
        query: "categories=3",
        term: "categories/3",
        body_class: "archive category category-news category-3",
    },
    Archive {
        path: "/author/ana/",
        fixture: "posts-author.json",
        query: "author=2",
        term: "users/2",
        body_class: "archive author author-ana author-2",
    },
];

#[derive(Clone)]
struct Site {
    origin: String,
    api: Api,
    /// Requests per path and query.
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

struct WordPress {
    site: Site,
    addr: SocketAddr,
}

impl WordPress {
    async fn start(api: Api) -> WordPress {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let site = Site {
            origin: format!("http://{addr}"),
            api,
            hits: Arc::default(),
        };
        let router = Router::new().fallback(answer).with_state(site.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        WordPress { site, addr }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests whose path (and query) starts with `prefix`.
    fn hits(&self, prefix: &str) -> usize {
        let hits = self.site.hits.lock().unwrap();
        hits.iter()
            .filter(|(path, _)| path.starts_with(prefix))
            .map(|(_, n)| n)
            .sum()
    }
}

/// A fixture's posts, with the stand-in's origin.
fn posts(fixture: &str, origin: &str) -> Vec<Value> {
    let path = format!(
        "{}/tests/fixtures/wordpress/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text.replace(PLACEHOLDER_ORIGIN, origin)).unwrap()
}

fn text(post: &Value, key: &str) -> String {
    post[key]["rendered"]
        .as_str()
        .or_else(|| post[key].as_str())
        .unwrap_or_default()
        .to_owned()
}

async fn answer(State(site): State<Site>, uri: Uri) -> Response {
    let key = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    *site.hits.lock().unwrap().entry(key).or_default() += 1;
    let path = uri.path();
    if path == "/wp-json/wp/v2/posts" {
        return api(&site, uri.query().unwrap_or_default());
    }
    if let Some(archive) = ARCHIVES.iter().find(|a| a.path == path) {
        return html(archive_page(archive, &site.origin));
    }
    let all = posts("posts-tag.json", &site.origin);
    match all
        .iter()
        .find(|p| text(p, "link") == format!("{}{path}", site.origin))
    {
        Some(post) => html(post_page(post)),
        None => (StatusCode::NOT_FOUND, "Page not found").into_response(),
    }
}

fn html(page: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=UTF-8")], page).into_response()
}

fn json(status: StatusCode, body: String) -> Response {
    let kind = "application/json; charset=UTF-8";
    (status, [(header::CONTENT_TYPE, kind)], body).into_response()
}

/// `/wp-json/wp/v2/posts`, as WordPress 6.x answers it.
fn api(site: &Site, query: &str) -> Response {
    match site.api {
        Api::Disabled => json(
            StatusCode::NOT_FOUND,
            r#"{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}"#.into(),
        ),
        Api::Closed => json(
            StatusCode::UNAUTHORIZED,
            r#"{"code":"rest_not_logged_in","message":"You are not currently logged in.","data":{"status":401}}"#.into(),
        ),
        Api::Open => {
            let archive = ARCHIVES
                .iter()
                .find(|a| query.split('&').any(|pair| pair == a.query));
            let posts = archive.map_or_else(Vec::new, |a| posts(a.fixture, &site.origin));
            let embed = query.contains("_embed");
            let posts: Vec<Value> = posts
                .into_iter()
                .map(|mut p| {
                    if !embed {
                        p.as_object_mut().unwrap().remove("_embedded");
                    }
                    p
                })
                .collect();
            json(StatusCode::OK, serde_json::to_string(&posts).unwrap())
        }
    }
}

/// An archive page like a classic WordPress theme's, with what marks it as
/// WordPress: the API link, the term's JSON alternate, the body classes,
/// the generator.
fn archive_page(archive: &Archive, origin: &str) -> String {
    let teasers: String = posts(archive.fixture, origin)
        .iter()
        .map(|post| {
            let author = post["_embedded"]["author"][0]["name"].as_str().unwrap_or_default();
            format!(
                r#"<article id="post-{id}" class="post-{id} post type-post status-publish format-standard hentry">
  <header class="entry-header"><h2 class="entry-title"><a href="{link}" rel="bookmark">{title}</a></h2>
  <div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{date}+00:00">{date}</time></span>
  <span class="byline">by <span class="author vcard"><a class="url fn n" href="{origin}/author/x/">{author}</a></span></span></div></header>
  <div class="entry-summary">{excerpt}</div>
</article>
"#,
                id = post["id"],
                link = text(post, "link"),
                title = text(post, "title"),
                date = text(post, "date_gmt"),
                excerpt = text(post, "excerpt"),
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8"><title>Archives - Andes Report</title>
<link rel="https://api.w.org/" href="{origin}/wp-json/">
<link rel="alternate" title="JSON" type="application/json" href="{origin}/wp-json/wp/v2/{term}">
<meta name="generator" content="WordPress 6.5.3">
</head>
<body class="{class} wp-embed-responsive hfeed">
<header id="masthead"><nav><ul><li><a href="{origin}/">Home</a></li><li><a href="{origin}/category/news/">News</a></li><li><a href="{origin}/about/">About</a></li></ul></nav></header>
<main id="main" class="site-main">
{teasers}
<nav class="navigation pagination"><a class="next page-numbers" href="{origin}{path}page/2/">Next</a></nav>
</main>
<aside id="secondary"><section class="widget widget_popular"><h2>Popular</h2><ul>
<li><a href="{origin}/2019/01/02/an-old-favourite/">An old favourite</a></li>
<li><a href="{origin}/2018/07/09/another-old-one/">Another old one</a></li></ul></section></aside>
<footer><p>Andes Report</p></footer>
</body></html>"#,
        class = archive.body_class,
        term = archive.term,
        path = archive.path,
    )
}

/// A post's own page (fetched only when the API is not used).
fn post_page(post: &Value) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8"><title>{title}</title></head>
<body class="post-template-default single single-post"><main id="main"><article>
<h1 class="entry-title">{title}</h1><div class="entry-content">{content}</div></article></main>
<aside><p>Sign Up To Our Daily Digest</p></aside></body></html>"#,
        title = text(post, "title"),
        content = text(post, "content"),
    )
}

fn sources(site: &WordPress) -> Vec<SourceToml> {
    ["tag", "category", "author"]
        .iter()
        .zip(&ARCHIVES)
        .map(|(id, archive)| {
            SourceToml::feed(&format!("wp-{id}"), &site.url(archive.path)).full_text()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archives_by_url_alone_take_items_and_full_text_from_the_rest_api() {
    let site = WordPress::start(Api::Open).await;
    let env = TestEnv::new(&sources(&site), "10s");
    let once = env.refeed(&["once"]).await;
    assert!(once.success(), "{once}");
    assert_eq!(once.line("wp-tag"), "wp-tag: ok, 3 seen, 3 new, 0 updated");
    assert_eq!(
        once.line("wp-category"),
        "wp-category: ok, 2 seen, 2 new, 0 updated"
    );
    assert_eq!(
        once.line("wp-author"),
        "wp-author: ok, 1 seen, 1 new, 0 updated"
    );
    for archive in &ARCHIVES {
        assert_eq!(
            site.hits(&format!("/wp-json/wp/v2/posts?{}", archive.query)),
            1,
            "{}",
            archive.query
        );
    }
    assert_eq!(site.hits("/2024/"), 0, "no post page is fetched");

    let atom = env.feed("wp-tag", "atom").await;
    assert!(
        atom.contains("Water Cooperatives Win In Cochabamba"),
        "{atom}"
    );
    assert!(
        atom.contains("Ana Souza") && atom.contains("Marco Quispe"),
        "{atom}"
    );
    assert!(atom.contains("2024-05-03T13:30:00"), "date_gmt: {atom}");
    assert!(
        atom.contains("40,000 households"),
        "the post's content is the article: {atom}"
    );
    // The appeal is cleaned out of the article and of the excerpt, which
    // is rebuilt from the article's opening.
    assert!(!atom.contains("Fundraising"), "{atom}");
    assert!(!atom.contains("donations are back"), "{atom}");
    assert!(atom.contains("The ruling lets the cooperatives"), "{atom}");

    // Nothing changed: nothing is updated (the rebuilt excerpt holds).
    let again = env.refeed(&["once"]).await;
    assert_eq!(
        again.line("wp-tag"),
        "wp-tag: ok, 3 seen, 0 new, 0 updated",
        "{again}"
    );
    assert_eq!(site.hits("/2024/"), 0, "still no post page fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_or_closed_api_falls_back_to_the_page_and_is_not_asked_again() {
    for api in [Api::Disabled, Api::Closed] {
        let site = WordPress::start(api).await;
        let env = TestEnv::new(&sources(&site)[..1], "10s");
        let first = env.refeed(&["once"]).await;
        assert!(first.success(), "{api:?}: {first}");
        assert_eq!(
            first.line("wp-tag"),
            "wp-tag: ok, 3 seen, 3 new, 0 updated",
            "{api:?}"
        );
        assert!(
            first.stderr.contains("not asking it again"),
            "{api:?}: {first}"
        );
        assert_eq!(site.hits("/wp-json/"), 1, "{api:?}");
        assert_eq!(
            site.hits("/2024/"),
            3,
            "{api:?}: the post pages give the full text"
        );

        let second = env.refeed(&["once"]).await;
        assert!(second.success(), "{api:?}: {second}");
        assert_eq!(
            site.hits("/wp-json/"),
            1,
            "{api:?}: the refusal is remembered"
        );
        let atom = env.feed("wp-tag", "atom").await;
        assert!(atom.contains("Lithium Contracts Under Review"), "{atom}");
        assert!(atom.contains("40,000 households"), "{atom}");
    }
}
