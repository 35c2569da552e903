//! The fixture outlet's feed, the user's own selectors on its tag
//! archive (offline, over loopback, with `--full-text`, under robots.txt),
//! and a page with nothing to find.

use url::Url;

use super::{
    SELECTORS, TAG, block_of, check_block, fast_config, fixtures, json_of, no_list_message,
    paths_of, try_cmd, try_fast,
};
use crate::fixture::POSTS;
use crate::outlet::Outlet;

/// The outlet's RSS feed: `(path, title)` of its items, the first five
/// posts of the tag archive (links carry `utm_*` parameters).
fn feed_posts() -> Vec<(String, String)> {
    POSTS[..5]
        .iter()
        .map(|post| (post.path.to_owned(), post.title.to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_saved_as_a_file_is_found_as_a_feed() {
    let feed = fixtures("outlet/feed/index.xml");
    let url = "http://outlet.example/feed/";
    let out = try_cmd(&["--format", "json", "--url", url, feed.to_str().unwrap()]).await;
    let value = json_of(&out);
    assert_eq!(value["method"], "feed");
    assert_eq!(paths_of(&value), feed_posts());
    let first = &value["items"][0];
    assert_eq!(first["date"], "2020-10-24T09:12:05+00:00", "{out}");
    assert_eq!(first["author"], "Ana Quispe", "{out}");
    let summary = first["summary"].as_str().expect("summary");
    assert!(summary.starts_with("After 11 months"), "{summary}");
    assert!(
        !summary.contains("appeared first on"),
        "feed footer kept: {summary}"
    );

    let out = try_cmd(&["--url", url, feed.to_str().unwrap()]).await;
    assert!(out.success(), "{out}");
    assert!(out.stdout.contains("\nmethod: feed ("), "{out}");
    assert!(
        out.stdout.contains("items: 5 in all; the first 5:"),
        "{out}"
    );
    // A feed needs no selectors: the block is URL-only.
    let block = "[[source]]\nid = 'outlet-example-feed'\nurl = 'http://outlet.example/feed/'\n\
                 schedule = '*/30 * * * *'\n";
    assert!(out.stdout.ends_with(block), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_over_loopback_without_a_config_is_found_as_a_feed() {
    let outlet = Outlet::start().await;
    let out = try_cmd(&["--format", "json", &outlet.url("/feed/")]).await;
    let value = json_of(&out);
    assert_eq!(value["method"], "feed");
    assert_eq!(paths_of(&value), feed_posts());
    let origin = Url::parse(&outlet.origin()).unwrap();
    let first = Url::parse(value["items"][0]["url"].as_str().unwrap()).unwrap();
    assert_eq!(
        first.origin(),
        origin.origin(),
        "links are absolute, on the outlet"
    );
    assert_eq!(outlet.hits("/feed/"), 1, "one request for the page");
    assert_eq!(outlet.hits("/robots.txt"), 1, "robots.txt asked first");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_on_a_saved_page_give_its_items_in_order() {
    let page = fixtures("outlet/tag/bolivia/index.html");
    let page = page.to_str().unwrap();
    let url = "http://outlet.example/tag/bolivia/";
    let mut args = vec!["--format", "json", "--url", url, page];
    args.extend_from_slice(&SELECTORS);
    let value = json_of(&try_cmd(&args).await);
    assert_eq!(value["method"], "selectors");
    let want: Vec<_> = POSTS
        .iter()
        .map(|p| (p.path.to_owned(), p.title.to_owned()))
        .collect();
    assert_eq!(paths_of(&value), want);
    for (item, post) in value["items"].as_array().unwrap().iter().zip(&POSTS) {
        let date = post
            .listing_date
            .map(|d| crate::fixture::date(d).to_rfc3339());
        assert_eq!(item["date"].as_str(), date.as_deref(), "{}", post.title);
        assert_eq!(
            item["author"].as_str(),
            post.listing_author,
            "{}",
            post.title
        );
    }

    // Text: the items, no warning about dates or authors (some have
    // them), and the selectors written out in the block.
    let mut args = vec!["--url", url, page];
    args.extend_from_slice(&SELECTORS);
    let out = try_cmd(&args).await;
    assert!(out.success(), "{out}");
    assert!(out.stdout.contains("method: selectors ("), "{out}");
    assert!(
        out.stdout.contains("items: 12 in all; the first 10:"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains(&format!("2020-10-24  {}", POSTS[0].title)),
        "{out}"
    );
    assert!(out.stdout.contains("     by Ana Quispe\n"), "{out}");
    assert!(out.stdout.contains("  - no summaries:"), "{out}");
    assert!(!out.stdout.contains("no dates"), "{out}");
    assert!(!out.stdout.contains("no authors"), "{out}");
    assert!(
        out.stdout.contains(
            "\n[source.items]\nitem = 'article.post'\ntitle = 'h2.entry-title a'\n\
             link = 'h2.entry-title a'\ndate = 'time.entry-date'\nauthor = '.author'\n"
        ),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzipped_saved_page_reads_like_the_plain_one() {
    use std::io::Write;
    let html = std::fs::read(fixtures("outlet/tag/bolivia/index.html")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bolivia.html.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&html).unwrap();
    std::fs::write(&page, gz.finish().unwrap()).unwrap();
    let url = "http://outlet.example/tag/bolivia/";
    let mut args = vec!["--format", "json", "--url", url, page.to_str().unwrap()];
    args.extend_from_slice(&SELECTORS);
    let value = json_of(&try_cmd(&args).await);
    assert_eq!(paths_of(&value).len(), POSTS.len());
    assert_eq!(paths_of(&value)[0].1, POSTS[0].title);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_that_find_nothing_or_read_no_date_are_warned_about() {
    let page = fixtures("outlet/tag/bolivia/index.html");
    let page = page.to_str().unwrap();
    let url = "http://outlet.example/tag/bolivia/";

    let out = try_cmd(&[
        "--url",
        url,
        page,
        "--item",
        "li.teaser",
        "--title",
        "a",
        "--link",
        "a",
    ])
    .await;
    assert_eq!(out.status.code(), Some(1), "{out}");
    assert!(
        out.stdout
            .contains("  - item selector matched nothing: \"li.teaser\"\n"),
        "{out}"
    );
    let failure = format!("refeed: your selectors find no item with a title and a link on {url}");
    assert!(out.stderr.contains(&failure), "{out}");
    assert!(!out.stdout.contains("[[source]]"), "{out}");

    // The author's name is no date: warned about, in JSON on stderr.
    let mut args = vec!["--format", "json", "--url", url, page];
    args.extend_from_slice(&SELECTORS[..6]);
    args.extend_from_slice(&["--date", ".author"]);
    let out = try_cmd(&args).await;
    let value = json_of(&out);
    assert_eq!(value["items"].as_array().unwrap().len(), 12);
    assert!(
        out.stderr.contains(
            "warning: the date selector \".author\" reads text that is not a date: \"Ana Quispe\""
        ),
        "{out}"
    );

    // --item needs --title and --link; a bad selector is named.
    let out = try_cmd(&["--url", url, page, "--item", "article"]).await;
    assert_eq!(out.status.code(), Some(2), "{out}");
    let out = try_cmd(&[
        "--url", url, page, "--item", "article", "--title", "h2", "--link", "a >",
    ])
    .await;
    assert!(!out.success(), "{out}");
    assert!(
        out.stderr
            .contains("--link: invalid CSS selector \"a >\": dangling combinator"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selectors_over_loopback_with_the_full_text_of_the_first_article() {
    let outlet = Outlet::start().await;
    let env = fast_config();
    let url = outlet.url(TAG);
    let mut args = vec![url.as_str(), "--full-text"];
    args.extend_from_slice(&SELECTORS);
    let out = try_fast(&env, &args).await;
    assert!(out.success(), "{out}");
    assert!(out.stdout.contains("items: 12 in all"), "{out}");
    let article = format!(
        "\nfull text of the first item: {}\n",
        outlet.url(POSTS[0].path)
    );
    assert!(out.stdout.contains(&article), "{out}");
    assert!(
        out.stdout
            .contains(&format!("  title: {}\n", POSTS[0].title)),
        "{out}"
    );
    assert!(
        out.stdout.contains("  date: 2020-10-24T09:12:05+00:00\n"),
        "{out}"
    );
    assert!(out.stdout.contains("  text: "), "{out}");
    assert_eq!(outlet.hits(POSTS[0].path), 1);
    assert_eq!(outlet.hits(POSTS[1].path), 0, "only the first article");
    assert!(
        !env.dir().join("data/refeed.db").exists(),
        "try opened the database"
    );

    // Offline, --full-text only says it needs the network.
    let page = fixtures("outlet/tag/bolivia/index.html");
    let mut args = vec![
        "--url",
        "http://outlet.example/tag/bolivia/",
        page.to_str().unwrap(),
        "--full-text",
    ];
    args.extend_from_slice(&SELECTORS);
    let out = try_cmd(&args).await;
    assert!(out.success(), "{out}");
    assert!(
        out.stdout
            .contains("full text: not fetched (it needs the network"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robots_txt_is_obeyed() {
    let outlet = Outlet::start().await;
    outlet.write("/robots.txt", "User-agent: *\nDisallow: /tag/\n");
    let mut args = vec![outlet.url(TAG)];
    args.extend(SELECTORS.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = try_fast(&fast_config(), &args).await;
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("robots.txt"), "{out}");
    assert_eq!(outlet.hits(TAG), 0, "the page was fetched");

    let out = try_fast(&fast_config(), &[&outlet.url(TAG)]).await;
    assert!(!out.success(), "{out}");
    assert_eq!(outlet.hits(TAG), 0, "the page was fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_printed_block_for_selectors_is_a_valid_source() {
    let page = fixtures("outlet/tag/bolivia/index.html");
    let mut args = vec![
        "--url",
        "http://outlet.example/tag/bolivia/",
        page.to_str().unwrap(),
    ];
    args.extend_from_slice(&SELECTORS);
    args.extend_from_slice(&["--summary", ".entry-summary p:first-child"]);
    let out = try_cmd(&args).await;
    assert!(out.success(), "{out}");
    let checked = check_block(block_of(&out)).await;
    assert!(
        checked
            .contains("outlet-example-tag-bolivia  (listing, http://outlet.example/tag/bolivia/"),
        "{checked}"
    );
}

/// A page with navigation and a footer, and no list of articles.
const NO_LIST: &str = "<!DOCTYPE html><html><head><title>About us</title></head><body>\
    <nav><a href=\"/\">Home</a> <a href=\"/about/\">About</a> <a href=\"/contact/\">Contact</a></nav>\
    <main><h1>About us</h1><p>We are a small newsroom covering the valley since 1998.</p></main>\
    <footer><a href=\"/privacy/\">Privacy</a></footer></body></html>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_found_exits_1_with_the_pipelines_message() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("about.html");
    std::fs::write(&page, NO_LIST).unwrap();
    let page = page.to_str().unwrap();
    let url = "https://valley.example/about/";

    let out = try_cmd(&["--url", url, page]).await;
    assert_eq!(out.status.code(), Some(1), "{out}");
    assert_eq!(
        out.stderr.trim_end(),
        format!("refeed: {}", no_list_message(url)),
        "{out}"
    );
    assert!(
        out.stdout.starts_with(&format!(
            "{url}\nfound no list of articles\n\nconsidered:\n"
        )),
        "{out}"
    );
    for method in ["feed", "wordpress", "structured", "teasers"] {
        assert!(
            out.stdout.contains(&format!(". {method} ")),
            "{method}: {out}"
        );
    }
    assert!(!out.stdout.contains("[[source]]"), "{out}");

    let out = try_cmd(&["--format", "json", "--url", url, page]).await;
    assert_eq!(out.status.code(), Some(1), "{out}");
    assert!(out.stdout.is_empty(), "{out}");
    assert!(out.stderr.contains(&no_list_message(url)), "{out}");

    // Forcing a method that does not apply fails too (the pipeline says
    // why the method does not apply), still showing what was considered.
    let out = try_cmd(&["--method", "structured", "--url", url, page]).await;
    assert_eq!(out.status.code(), Some(1), "{out}");
    let hint = format!("(refeed try {url} shows what was considered)");
    assert!(out.stderr.contains(&hint), "{out}");
    assert!(out.stdout.contains("\nconsidered:\n"), "{out}");

    // A file without --url is refused with a hint.
    let out = try_cmd(&[page]).await;
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("give its URL with --url"), "{out}");
}
