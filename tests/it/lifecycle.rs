//! A source's lifecycle (issue 12, point 8) through the real binary:
//! removing a source from the config (410), renaming it (`previous_ids`:
//! 301, items kept with their ids and dates), retention (`keep_items`: a
//! pruned item still on the listing is not stored again), `refeed backup`
//! beside a running daemon, and serving behind a proxy with and without
//! the path prefix stripped.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::outlet::Outlet;
use crate::postgres::both_backends;
use crate::support::{BASE_URL, Daemon, NEVER, Output, http_get, parse_atom, run_refeed};

const LISTING: &str = "/tag/bolivia/";

/// A working folder whose config is rewritten between steps, as a user
/// edits theirs; the database stays.
struct Setup {
    dir: TempDir,
    config: PathBuf,
    /// The `[storage]` key: the SQLite file, or a PostgreSQL database.
    storage: String,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let config = dir.path().join("refeed.toml");
        let storage = crate::postgres::storage_key(dir.path());
        Setup {
            dir,
            config,
            storage,
        }
    }

    fn database(&self) -> PathBuf {
        self.dir.path().join("data/refeed.db")
    }

    /// Writes the config: `[server]` with `base_url`, `[storage]`, then
    /// `sources` (from [`source`]).
    fn write(&self, base_url: &str, sources: &[String]) {
        let mut text = format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nbase_url = {base_url:?}\n\n\
             [storage]\n{}\n\n[fetch]\nper_host_delay = \"0s\"\n\n",
            self.storage
        );
        for source in sources {
            text.push_str(source);
        }
        std::fs::write(&self.config, text).expect("write config");
    }

    async fn refeed(&self, args: &[&str]) -> Output {
        self.refeed_with(&self.config, args).await
    }

    async fn refeed_with(&self, config: &Path, args: &[&str]) -> Output {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(["--config".to_owned(), config.display().to_string()]);
        run_refeed(self.dir.path(), &all).await
    }

    async fn once(&self) -> Output {
        let out = self.refeed(&["once"]).await;
        assert!(out.success(), "{out}");
        out
    }

    async fn daemon(&self) -> Daemon {
        Daemon::start(self.dir.path(), &self.config).await
    }
}

/// A listing source on the fixture's tag archive (12 items), with `extra`
/// keys.
fn source(id: &str, outlet: &Outlet, extra: &str) -> String {
    format!(
        "[[source]]\nid = {id:?}\nurl = {:?}\nschedule = {NEVER:?}\n{extra}\n\
         [source.items]\nitem = \"article\"\ntitle = \"h2.entry-title a\"\n\
         link = \"h2.entry-title a\"\ndate = \"time\"\n\n",
        outlet.url(LISTING)
    )
}

/// A GET that does not follow redirects: status, `Location`, body.
async fn get_raw(url: &str) -> (u16, Option<String>, String) {
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .expect("HTTP client");
    let response = client.get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location, response.text().await.unwrap())
}

/// `(entry id, published)` of each entry of an Atom feed, sorted.
fn entries(atom: &str) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = parse_atom(atom)
        .entries()
        .iter()
        .map(|e| (e.id().to_owned(), format!("{:?}", e.published())))
        .collect();
    entries.sort();
    entries
}

both_backends! {
    async fn a_source_removed_from_the_config_answers_410_and_a_never_known_id_404() {
        let outlet = Outlet::start().await;
        let setup = Setup::new();
        let both = [source("bolivia", &outlet, ""), source("gone", &outlet, "")];
        setup.write(BASE_URL, &both);
        setup.once().await;
        setup.write(BASE_URL, &both[..1]);
        let daemon = setup.daemon().await;

        for format in ["rss", "atom", "json"] {
            let gone = http_get(&daemon.url(&format!("/feeds/gone.{format}"))).await;
            assert_eq!(gone.status, 410, "{format}: {}", gone.body);
            assert_eq!(
                gone.body,
                "feed \"gone\" is gone: its source was removed from refeed's config\n"
            );
        }
        assert_eq!(http_get(&daemon.url("/feeds/never.rss")).await.status, 404);
        assert_eq!(
            http_get(&daemon.url("/feeds/bolivia.rss")).await.status,
            200
        );
        // The combined feed no longer carries the removed source either.
        let all = http_get(&daemon.url("/feeds/all.atom")).await;
        assert!(!all.body.contains("/feeds/gone."), "{}", all.body);
    }
}

both_backends! {
    async fn a_renamed_source_keeps_its_items_and_its_old_feeds_answer_301() {
        let outlet = Outlet::start().await;
        let setup = Setup::new();
        setup.write(BASE_URL, &[source("old-name", &outlet, "")]);
        setup.once().await;
        let before = setup
            .refeed(&["feed", "old-name", "--format", "atom"])
            .await;
        assert!(before.success(), "{before}");
        let before = entries(&before.stdout);
        assert_eq!(before.len(), 12);

        setup.write(
            BASE_URL,
            &[source("new-name", &outlet, "previous_ids = [\"old-name\"]")],
        );
        let daemon = setup.daemon().await;
        let (status, location, _) = get_raw(&daemon.url("/feeds/old-name.atom?limit=5")).await;
        assert_eq!(status, 301);
        let want = format!("{BASE_URL}/feeds/new-name.atom?limit=5");
        assert_eq!(location.as_deref(), Some(want.as_str()));
        let (status, location, _) = get_raw(&daemon.url("/feeds/old-name.rss")).await;
        assert_eq!(status, 301);
        assert_eq!(location, Some(format!("{BASE_URL}/feeds/new-name.rss")));

        let after = http_get(&daemon.url("/feeds/new-name.atom")).await;
        assert_eq!(after.status, 200);
        assert_eq!(entries(&after.body), before, "same items, ids and dates");
    }
}

both_backends! {
    async fn an_item_pruned_by_keep_items_and_still_on_the_listing_is_not_added_again() {
        let outlet = Outlet::start().await;
        let setup = Setup::new();
        setup.write(BASE_URL, &[source("bolivia", &outlet, "keep_items = 3")]);
        let first = setup.once().await;
        assert!(first.line("bolivia").contains("12 seen, 12 new"), "{first}");
        let feed = setup.refeed(&["feed", "bolivia", "--format", "atom"]).await;
        let kept = entries(&feed.stdout);
        assert_eq!(kept.len(), 3, "{feed}");

        // The page changes (not a 304), and still lists all twelve.
        outlet.write(LISTING, &(outlet.read(LISTING) + "<!-- edited -->"));
        let second = setup.once().await;
        assert!(
            second.line("bolivia").contains("12 seen, 0 new"),
            "{second}"
        );
        let feed = setup.refeed(&["feed", "bolivia", "--format", "atom"]).await;
        assert_eq!(entries(&feed.stdout), kept);
    }
}

#[tokio::test]
async fn a_backup_taken_while_the_daemon_runs_holds_the_items_and_is_never_overwritten() {
    let outlet = Outlet::start().await;
    let setup = Setup::new();
    setup.write(BASE_URL, &[source("bolivia", &outlet, "")]);
    setup.once().await;
    let daemon = setup.daemon().await;
    let file = setup.dir.path().join("backup.db");
    let out = setup.refeed(&["backup", file.to_str().unwrap()]).await;
    assert!(out.success(), "{out}");
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(out.stdout.contains(&format!("({size} bytes")), "{out}");
    drop(daemon);

    // The copy serves the same feed: a config pointing at it.
    let restored = setup.dir.path().join("restored.toml");
    let text = std::fs::read_to_string(&setup.config).unwrap().replace(
        &setup.database().display().to_string(),
        &file.display().to_string(),
    );
    std::fs::write(&restored, text).unwrap();
    let feed = setup
        .refeed_with(&restored, &["feed", "bolivia", "--format", "atom"])
        .await;
    assert!(feed.success(), "{feed}");
    assert_eq!(entries(&feed.stdout).len(), 12);

    let again = setup.refeed(&["backup", file.to_str().unwrap()]).await;
    assert!(!again.success(), "{again}");
    assert!(again.stderr.contains("exists"), "{again}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), size, "untouched");
}

#[tokio::test]
async fn behind_a_proxy_feeds_answer_with_and_without_the_path_prefix() {
    let outlet = Outlet::start().await;
    let setup = Setup::new();
    let base = format!("{BASE_URL}/news/");
    setup.write(&base, &[source("bolivia", &outlet, "")]);
    setup.once().await;
    let daemon = setup.daemon().await;
    let self_link = format!("{BASE_URL}/news/feeds/bolivia.rss");
    for path in ["/feeds/bolivia.rss", "/news/feeds/bolivia.rss"] {
        let feed = http_get(&daemon.url(path)).await;
        assert_eq!(feed.status, 200, "{path}");
        assert!(feed.body.contains(&self_link), "{path}: {}", feed.body);
    }
    for path in ["/", "/news/", "/news", "/news/status", "/news/feeds.opml"] {
        let page = http_get(&daemon.url(path)).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("href=\"/"),
            "{path}: a link outside base_url"
        );
    }
    let opml = http_get(&daemon.url("/news/feeds.opml")).await;
    assert!(
        opml.body
            .contains(&format!("{BASE_URL}/news/feeds/bolivia.atom"))
    );
}

#[tokio::test]
async fn a_database_written_by_a_newer_refeed_is_refused_with_what_to_do() {
    use sqlx::Connection;

    let outlet = Outlet::start().await;
    let setup = Setup::new();
    setup.write(BASE_URL, &[source("bolivia", &outlet, "")]);
    setup.once().await;
    let url = format!("sqlite://{}", setup.database().display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (42, 'from a newer refeed', 1, x'00', 0)",
    )
    .execute(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();

    let out = setup.refeed(&["once"]).await;
    assert!(!out.success(), "{out}");
    assert!(
        out.stderr.contains(
            "was written by a newer refeed (schema 42); upgrade refeed or restore a backup"
        ),
        "{out}"
    );
}
