//! `refeed migrate-store` through the binary (issue 13): a database stored
//! by `refeed once` copied SQLite → PostgreSQL → SQLite serves the very
//! same feed bytes (item ids, dates, contents) from each copy, and a target
//! that holds rows is refused.

use crate::outlet::Outlet;
use crate::support::{SourceToml, TestEnv, run_refeed};

/// `refeed migrate-store --from FROM --to TO` in `env`'s folder.
async fn migrate(env: &TestEnv, from: &str, to: &str) -> crate::support::Output {
    let args = ["migrate-store", "--from", from, "--to", to].map(String::from);
    run_refeed(env.dir(), &args).await
}

/// `env`'s config with its database replaced by `storage` (a `[storage]`
/// key line), written beside it as `name`.
fn config_with(env: &TestEnv, name: &str, storage: &str) -> String {
    let original = std::fs::read_to_string(env.dir().join("refeed.toml")).unwrap();
    let text: Vec<String> = original
        .lines()
        .map(|line| match line.starts_with("path = ") {
            true => storage.to_owned(),
            false => line.to_owned(),
        })
        .collect();
    let path = env.dir().join(name);
    std::fs::write(&path, text.join("\n")).unwrap();
    path.display().to_string()
}

/// `refeed feed bolivia --format atom` with the config at `config`.
async fn atom(env: &TestEnv, config: &str) -> String {
    let args = ["feed", "bolivia", "--format", "atom", "--config", config].map(String::from);
    let out = run_refeed(env.dir(), &args).await;
    assert!(out.success(), "{out}");
    out.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_to_postgres_to_sqlite_serves_the_same_feed_bytes() {
    let Some(url) = crate::postgres::database_url().await else {
        return;
    };
    let outlet = Outlet::start().await;
    let source = SourceToml::listing("bolivia", &outlet.url("/tag/bolivia/")).full_text();
    let env = TestEnv::new(&[source], "10s");
    assert!(env.refeed(&["once"]).await.success());
    let original = env.dir().join("data/refeed.db").display().to_string();
    let back = env.dir().join("back/refeed.db").display().to_string();

    let to_postgres = migrate(&env, &original, &url).await;
    assert!(to_postgres.success(), "{to_postgres}");
    assert!(
        to_postgres.stdout.contains("  items: 12 rows"),
        "{to_postgres}"
    );
    let to_sqlite = migrate(&env, &url, &back).await;
    assert!(to_sqlite.success(), "{to_sqlite}");

    let served = atom(&env, &env.dir().join("refeed.toml").display().to_string()).await;
    let on_postgres = config_with(&env, "pg.toml", &format!("url = '{url}'"));
    assert_eq!(atom(&env, &on_postgres).await, served);
    let copied_back = config_with(&env, "back.toml", &format!("path = '{back}'"));
    assert_eq!(atom(&env, &copied_back).await, served);

    let again = migrate(&env, &original, &url).await;
    assert!(!again.success(), "{again}");
    assert!(again.stderr.contains("not empty"), "{again}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_daemons_sqlite_database_is_refused() {
    let outlet = Outlet::start().await;
    let source = SourceToml::listing("s", &outlet.url("/s/")).ignore_robots();
    let env = TestEnv::new(&[source], "2s");
    let _daemon = env.daemon().await;
    let db = env.dir().join("data/refeed.db").display().to_string();
    let copy = env.dir().join("copy.db").display().to_string();
    let out = migrate(&env, &db, &copy).await;
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("refusing to copy"), "{out}");
    assert!(out.stderr.contains(&db), "the database is named: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_fleets_postgres_database_is_refused_unless_asked() {
    if !crate::postgres::available().await {
        return;
    }
    crate::postgres::ON_POSTGRES
        .scope(true, live_fleet_body())
        .await;
}

async fn live_fleet_body() {
    let outlet = Outlet::start().await;
    let source = SourceToml::listing("s", &outlet.url("/s/")).ignore_robots();
    let env = TestEnv::new(&[source], "2s");
    let text = std::fs::read_to_string(env.config()).unwrap();
    let url = text
        .lines()
        .find_map(|l| l.strip_prefix("url = '"))
        .map(|rest| rest.trim_end_matches('\'').to_owned())
        .expect("a [storage] url");
    let _daemon = env.daemon().await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let copy = env.dir().join("copy.db").display().to_string();
    let out = migrate(&env, &url, &copy).await;
    assert!(!out.success(), "{out}");
    assert!(
        out.stderr.contains("instance(s) of refeed run are live"),
        "{out}"
    );
    let args = [
        "migrate-store",
        "--from",
        &url,
        "--to",
        &copy,
        "--while-running",
    ];
    let out = run_refeed(env.dir(), &args.map(String::from)).await;
    assert!(out.success(), "{out}");
}
