//! One article, one item, however the outlet links it (issue 9, point 7):
//! the fixture listing (`tests/fixtures/dedup/list/`) links one article 27
//! ways (http and https, trailing slash, `//`, referral tags, AMP forms,
//! credentials, click ids...), one through a tracking path whose page names
//! the real permalink as `rel=canonical`, and eight articles whose pages
//! name a canonical refeed must ignore (the home page, another site, their
//! section, the listing). And a database written by refeed before dedup
//! keys existed (`tests/fixtures/dedup_main_db.sql`, written by the
//! `refeed once` of commit 5266f98 from that listing) keeps every item and
//! id through a refresh by this build, gaining no duplicate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, parse_rss};

/// The placeholder host of the fixtures.
const PLACEHOLDER_HOST: &str = "outlet.example";

/// The dedup fixture outlet. Its listing's `https://` and `user:pw@` forms
/// spell the placeholder host, which the outlet only rewrites after
/// `http://`: they get the real host here.
async fn dedup_outlet() -> Outlet {
    let outlet = Outlet::start_with("dedup").await;
    let listing = outlet
        .read("/list/")
        .replace(PLACEHOLDER_HOST, &host(&outlet));
    outlet.write("/list/", &listing);
    outlet
}

/// `127.0.0.1:PORT`.
fn host(outlet: &Outlet) -> String {
    outlet.origin().trim_start_matches("http://").to_owned()
}

fn source(outlet: &Outlet) -> SourceToml {
    SourceToml::listing("dedup", &outlet.url("/list/"))
        .full_text()
        .content(".entry-content")
}

/// A teaser as the fixture listing writes them.
fn teaser(href: &str, title: &str, summary: &str) -> String {
    format!(
        "<article class=\"post\"><h2 class=\"entry-title\"><a href=\"{href}\">{title}</a></h2>\
         <div class=\"entry-summary\"><p>{summary}</p></div></article>\n"
    )
}

/// Puts `teaser` first in the listing.
fn prepend(outlet: &Outlet, teaser: &str) {
    let listing = outlet.read("/list/");
    outlet.write(
        "/list/",
        &listing.replacen("<main>\n", &format!("<main>\n{teaser}"), 1),
    );
}

fn database(env: &TestEnv) -> PathBuf {
    env.dir().join("data/refeed.db")
}

/// Per stored id: (link, title, published, updated).
type Rows = BTreeMap<String, (String, String, i64, i64)>;

async fn stored(path: &Path) -> Rows {
    let mut db = SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(path))
        .await
        .expect("open the database");
    let rows: Vec<(String, String, String, i64, i64)> =
        sqlx::query_as("SELECT url, link, title, published, updated FROM items")
            .fetch_all(&mut db)
            .await
            .expect("read items");
    db.close().await.expect("close the database");
    rows.into_iter()
        .map(|(url, link, title, published, updated)| (url, (link, title, published, updated)))
        .collect()
}

/// The RSS guids, which must be the stored ids, and no password anywhere.
async fn served_ids(env: &TestEnv) -> Vec<String> {
    let text = env.feed("dedup", "rss").await;
    assert!(!text.contains("pw@"), "a password is published:\n{text}");
    let mut ids: Vec<String> = parse_rss(&text)
        .items()
        .iter()
        .map(|i| i.guid().expect("guid").value().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_article_linked_27_ways_is_one_item() {
    let outlet = dedup_outlet().await;
    let env = TestEnv::new(&[source(&outlet)], "5s");
    let first = env.refeed(&["once"]).await;
    assert!(first.success(), "{first}");
    // The 27 forms, the tracking path, and 8 articles with ignored
    // canonicals (home page, other site, section, listing: in pairs, so
    // that believing one would merge two articles).
    assert_eq!(first.line("dedup"), "dedup: ok, 10 seen, 10 new, 0 updated");
    let rows = stored(&database(&env)).await;
    let posts: Vec<&String> = rows.keys().filter(|id| id.contains("a-post")).collect();
    assert_eq!(posts, [&outlet.url("/2020/10/a-post/")], "{rows:#?}");
    assert_eq!(outlet.hits("/2020/10/a-post/"), 1, "one article fetch");
    assert!(
        rows.iter()
            .all(|(id, (link, ..))| !id.contains('@') && !link.contains('@'))
    );
    let ids: Vec<String> = rows.keys().cloned().collect();
    assert_eq!(served_ids(&env).await, ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_whose_article_names_another_canonical_is_that_item() {
    let outlet = dedup_outlet().await;
    let env = TestEnv::new(&[source(&outlet)], "5s");
    assert!(env.refeed(&["once"]).await.success());
    let before = stored(&database(&env)).await;
    assert!(before.contains_key(&outlet.url("/go/b-post-123/")));

    // The outlet now links the permalink its tracking path's page named as
    // canonical (`/2020/10/b-post/?amp=1`), in its AMP form.
    let direct = teaser(
        "/2020/10/b-post/amp/",
        "B Post Behind A Tracking Path",
        "Teaser of b.",
    );
    prepend(&outlet, &direct);
    let second = env.refeed(&["once"]).await;
    assert!(second.success(), "{second}");
    assert_eq!(second.line("dedup"), "dedup: ok, 10 seen, 0 new, 0 updated");
    assert_eq!(outlet.hits("/2020/10/b-post/amp/"), 0, "known: not fetched");
    assert_eq!(stored(&database(&env)).await, before);
}

/// Loads the database the previous refeed wrote, for this outlet's port.
async fn load_old_database(env: &TestEnv, outlet: &Outlet) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dedup_main_db.sql");
    let dump = std::fs::read_to_string(fixture).expect("read the database dump");
    let dump = dump.replace(PLACEHOLDER_HOST, &host(outlet));
    let path = database(env);
    std::fs::create_dir_all(path.parent().expect("data folder")).expect("create data folder");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let mut db = SqliteConnection::connect_with(&options)
        .await
        .expect("create the database");
    sqlx::raw_sql(sqlx::AssertSqlSafe(dump))
        .execute(&mut db)
        .await
        .expect("load the dump");
    db.close().await.expect("close the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_written_before_dedup_keys_keeps_its_items_and_ids() {
    let outlet = dedup_outlet().await;
    let env = TestEnv::new(&[source(&outlet)], "5s");
    load_old_database(&env, &outlet).await;
    let before = stored(&database(&env)).await;
    // The old refeed made 20 items of the 27 forms, one with a password.
    assert_eq!(before.len(), 29);
    let with_password = format!("http://user:pw@{}/2020/10/a-post/", host(&outlet));
    assert!(before.contains_key(&with_password));

    // A form of the article never seen before comes first in the listing.
    let form = teaser(
        "/2020/10/a-post/amp/?ref=newsletter&amp;utm_source=mail",
        "A Post Linked Many Ways",
        "Teaser of the post linked many ways.",
    );
    prepend(&outlet, &form);
    let refresh = env.refeed(&["once"]).await;
    assert!(refresh.success(), "{refresh}");
    assert_eq!(
        refresh.line("dedup"),
        "dedup: ok, 10 seen, 0 new, 0 updated"
    );

    // Every item is kept unchanged under its id, except the one whose id
    // held a password: its password-free twin is the same article.
    let mut expected = before.clone();
    expected.remove(&with_password);
    let after = stored(&database(&env)).await;
    assert_eq!(after, expected);
    let ids: Vec<String> = after.keys().cloned().collect();
    assert_eq!(served_ids(&env).await, ids);
}
