//! Tests of `reload`: what counts as a change, and a reload end to end
//! over a real store, scheduler channel and source lists.

use std::path::Path;
use std::sync::Arc;

use super::*;

fn source(id: &str, url: &str, schedule: &str) -> String {
    format!("[[source]]\nid = {id:?}\nurl = {url:?}\nschedule = {schedule:?}\n\n")
}

fn config(sources: &str) -> Config {
    let text = format!("[server]\nlisten = \"127.0.0.1:0\"\n\n{sources}");
    Config::parse(&text, Path::new("refeed.toml")).unwrap()
}

#[test]
fn a_changed_url_or_schedule_changes_fetching_and_a_title_does_not() {
    let old = config(&source("a", "https://a.example/", "0 * * * *"));
    let url = config(&source("a", "https://a.example/news/", "0 * * * *"));
    let schedule = config(&source("a", "https://a.example/", "*/5 * * * *"));
    let titled = config(&format!(
        "{}title = \"A\"\n",
        source("a", "https://a.example/", "0 * * * *")
    ));
    assert!(fetch_changed(&old.sources[0], &url.sources[0]));
    assert!(fetch_changed(&old.sources[0], &schedule.sources[0]));
    assert!(!fetch_changed(&old.sources[0], &titled.sources[0]));
    assert_eq!(touched(&old, &titled), ["a"]);
    assert_eq!(source_changes(&old, &titled), ["changed: a"]);
    assert!(touched(&old, &old).is_empty());
    assert_eq!(
        source_changes(&old, &old),
        ["no source changed (1 sources)"]
    );
}

#[test]
fn changes_are_summed_up_and_restart_only_sections_named() {
    let a = source("a", "https://a.example/", "0 * * * *");
    let b = source("b", "https://b.example/", "0 * * * *");
    let c = source("c", "https://c.example/", "0 * * * *");
    let old = config(&format!("{a}{b}"));
    let new = config(&format!("[scheduler]\nworkers = 9\n\n{b}{c}"));
    assert_eq!(source_changes(&old, &new), ["added: c", "removed: a"]);
    assert_eq!(touched(&old, &new), ["a", "c"]);
    assert_eq!(
        restart_only(&old, &new),
        ["[scheduler] changed: takes effect at the next restart"]
    );
    let entries = replacements(&old, &new, &HashMap::new());
    let ids: Vec<_> = entries
        .iter()
        .map(|r| (r.entry.id.as_str(), r.changed))
        .collect();
    assert_eq!(ids, [("b", false), ("c", false)]);
}

#[test]
fn config_errors_become_lines_with_file_and_line() {
    let err = Config::parse("[server]\nlisten = 5\n", Path::new("x.toml")).unwrap_err();
    let lines = error_lines(&err);
    assert!(lines[0].starts_with("x.toml:2"), "{lines:?}");
    let missing = Config::load(Path::new("/nonexistent/refeed.toml")).unwrap_err();
    let lines = error_lines(&missing);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("cannot read config file /nonexistent/refeed.toml: "),
        "{lines:?}"
    );
}

/// A reloader over a temporary config file and database (also for the
/// control socket's tests).
pub(in crate::app) async fn reloader(
    text: &str,
) -> (tempfile::TempDir, Arc<Reloader>, mpsc::Receiver<Command>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refeed.toml");
    std::fs::write(&path, text).unwrap();
    let config = Config::load(&path).unwrap();
    let store = Store::open(&dir.path().join("refeed.db")).await.unwrap();
    let (commands, rx) = mpsc::channel(4);
    let reloader = Reloader {
        path,
        plans: watch::channel(PrunePlan::of(&config)).0,
        desk: Desk::new(&config),
        served: SourceList::new(config.source_meta()),
        board: ReloadBoard::default(),
        current: Mutex::new(config),
        commands,
        store,
        fetcher: Fetcher::new(&crate::fetch::FetchConfig::default()).unwrap(),
    };
    (dir, Arc::new(reloader), rx)
}

#[tokio::test]
async fn a_broken_config_keeps_the_old_one_until_a_good_one_comes() {
    let a = source("a", "https://a.example/", "0 * * * *");
    let b = source("b", "https://b.example/", "0 * * * *");
    let head = "[server]\nlisten = \"127.0.0.1:0\"\n\n";
    let (_dir, reloader, mut commands) = reloader(&format!("{head}{a}")).await;
    std::fs::write(&reloader.path, format!("{head}{a}{b}schedule2 = 1\n")).unwrap();
    let errors = reloader.reload().await.unwrap_err();
    assert!(errors[0].contains("refeed.toml:"), "{errors:?}");
    let failure = reloader.board.failure().expect("failure shown");
    assert_eq!(failure.errors, errors);
    assert_eq!(reloader.served.load().len(), 1, "old sources still served");
    assert!(commands.try_recv().is_err(), "scheduler untouched");

    std::fs::write(&reloader.path, format!("{head}{b}")).unwrap();
    let summary = reloader.reload().await.unwrap();
    assert_eq!(summary, ["added: b", "removed: a"]);
    assert_eq!(reloader.board.failure(), None);
    let served: Vec<_> = reloader
        .served
        .load()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(served, ["b"]);
    assert!(reloader.desk.source("b").is_some() && reloader.desk.source("a").is_none());
    let Ok(Command::Replace(entries)) = commands.try_recv() else {
        panic!("no Replace sent to the scheduler");
    };
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entry.id, "b");
}
