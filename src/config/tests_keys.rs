//! Issue 12's config polish: every unknown key at once with a hint, the
//! forms `listen` accepts, and a relative `storage.path` read from the
//! config file's folder.

use std::path::Path;

use super::server::parse_listen;
use super::*;

const FILE: &str = "conf/test.toml";

/// A valid source, to which tests append.
const SOURCE: &str = r#"[[source]]
id = "bolivia"
url = "https://popularresistance.org/feed/"
schedule = "*/30 * * * *"
"#;

fn errors(text: &str) -> Vec<String> {
    match Config::parse(text, Path::new(FILE)) {
        Err(ConfigError::Invalid { errors, .. }) => errors,
        Err(other) => panic!("expected Invalid, got {other}"),
        Ok(_) => panic!("expected an error for:\n{text}"),
    }
}

#[test]
fn every_unknown_key_is_reported_at_once_with_its_line_and_a_hint() {
    let text = "[server]\nlisten = \"127.0.0.1:1\"\nlistn = \"x\"\n\n\
                [scheduler]\nworkres = 2\n\n"
        .to_owned()
        + &SOURCE.replace("schedule =", "shedule = \"@daily\"\nschedule =");
    let errors = errors(&text);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "conf/test.toml:3: key \"server.listn\": unknown key `listn`: did you mean `listen`?"
        ),
        "{errors:#?}"
    );
    assert!(errors[1].starts_with("conf/test.toml:6: "), "{errors:#?}");
    assert!(errors[1].contains("did you mean `workers`?"), "{errors:#?}");
    assert!(
        errors[2].starts_with("conf/test.toml:11: source \"bolivia\": key \"shedule\""),
        "{errors:#?}"
    );
    assert!(
        errors[2].contains("did you mean `schedule`?"),
        "{errors:#?}"
    );
}

#[test]
fn sources_is_named_as_the_typo_it_is() {
    let text = SOURCE.replace("[[source]]", "[[sources]]");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("unknown table `[[sources]]`: did you mean `[[source]]`?"),
        "{errors:#?}"
    );
    assert!(errors[0].starts_with("conf/test.toml:1: "), "{errors:#?}");
}

#[test]
fn unknown_keys_in_source_subtables_name_source_and_subtable() {
    let text =
        format!("{SOURCE}\n[source.item]\nitem = \"article\"\n\n[source.clean]\nremov = []\n");
    let errors = errors(&text);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].contains("source \"bolivia\": key \"item\": unknown table `[source.item]`: did you mean `[source.items]`?"),
        "{errors:#?}"
    );
    assert!(
        errors[1].contains("key \"clean.remov\": unknown key `remov`: did you mean `remove`?"),
        "{errors:#?}"
    );
}

#[test]
fn a_key_in_the_wrong_table_says_where_it_belongs() {
    let errors = errors("[storage]\nlisten = \"127.0.0.1:1\"\n");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("`listen` belongs in `[server]`"),
        "{errors:#?}"
    );
}

#[test]
fn a_source_key_under_a_source_subtable_says_to_move_it_up() {
    let text = format!("{SOURCE}\n[source.clean]\nremove = []\nfull_text = true\n");
    let errors = errors(&text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("`full_text` belongs in `[[source]]` (above its `[source.*]` tables)"),
        "{errors:#?}"
    );
}

#[test]
fn a_key_far_from_any_lists_the_known_ones() {
    let errors = errors("[scheduler]\ncolour = 1\n");
    assert!(
        errors[0].contains("(known here: workers, jitter, max_backoff"),
        "{errors:#?}"
    );
}

#[test]
fn known_keys_come_from_the_raw_structs() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/refeed.toml"))
        .unwrap();
    let mut report = report::Report::new(&text);
    keys::check(&mut report);
    assert!(
        report.is_empty(),
        "{:?}",
        report.into_lines(Path::new(FILE))
    );
}

#[test]
fn listen_accepts_localhost_and_a_bare_port() {
    assert_eq!(
        parse_listen("localhost:8080").unwrap().to_string(),
        "127.0.0.1:8080"
    );
    assert_eq!(parse_listen(":8080").unwrap().to_string(), "0.0.0.0:8080");
    assert_eq!(parse_listen("[::1]:80").unwrap().to_string(), "[::1]:80");
    assert_eq!(
        parse_listen("10.0.0.1:0").unwrap().to_string(),
        "10.0.0.1:0"
    );
}

#[test]
fn listen_says_port_out_of_range() {
    for text in ["127.0.0.1:70000", ":65536", "localhost:99999"] {
        let err = parse_listen(text).unwrap_err();
        assert!(err.contains("out of range (0 to 65535)"), "{text}: {err}");
    }
    assert!(parse_listen("127.0.0.1").unwrap_err().contains("no port"));
    assert!(
        parse_listen("example.org:80")
            .unwrap_err()
            .contains("not an IP address")
    );
    assert!(parse_listen(":http").unwrap_err().contains("not a number"));
}

#[test]
fn listen_errors_name_the_line_and_key() {
    let errors = errors("[server]\nlisten = \"127.0.0.1:70000\"\n");
    assert_eq!(
        errors,
        ["conf/test.toml:2: key \"server.listen\": port 70000 out of range (0 to 65535)"]
    );
}

#[test]
fn a_relative_storage_path_is_relative_to_the_config_folder() {
    let text = format!("[storage]\npath = \"db/feeds.db\"\n\n{SOURCE}");
    let config = Config::parse(&text, Path::new("/etc/refeed/refeed.toml")).unwrap();
    assert_eq!(config.storage.path, Path::new("/etc/refeed/db/feeds.db"));
    let config = Config::parse(SOURCE, Path::new("conf/refeed.toml")).unwrap();
    assert_eq!(
        config.storage.path,
        Path::new("conf").join(DEFAULT_STORAGE_PATH)
    );
    let config = Config::parse(SOURCE, Path::new("refeed.toml")).unwrap();
    assert_eq!(config.storage.path, Path::new(DEFAULT_STORAGE_PATH));
}

#[test]
fn an_absolute_storage_path_is_kept() {
    let text = format!("[storage]\npath = \"/var/lib/refeed/refeed.db\"\n\n{SOURCE}");
    let config = Config::parse(&text, Path::new("/etc/refeed/refeed.toml")).unwrap();
    assert_eq!(config.storage.path, Path::new("/var/lib/refeed/refeed.db"));
}

#[test]
fn the_embedded_reference_config_is_the_shipped_file_and_validates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/refeed.toml");
    assert_eq!(REFERENCE_CONFIG, std::fs::read_to_string(path).unwrap());
    Config::parse(REFERENCE_CONFIG, Path::new("refeed.toml")).unwrap();
}

#[test]
fn a_storage_url_selects_postgres_and_excludes_a_path() {
    let text = format!("[storage]\nurl = \"postgres://refeed@db/refeed\"\n\n{SOURCE}");
    let config = Config::parse(&text, Path::new("refeed.toml")).unwrap();
    assert_eq!(
        config.storage.url.as_deref(),
        Some("postgres://refeed@db/refeed")
    );
    let config = Config::parse(SOURCE, Path::new("refeed.toml")).unwrap();
    assert_eq!(config.storage.url, None, "SQLite stays the default");
    let both = errors("[storage]\npath = \"a.db\"\nurl = \"postgres://db/refeed\"\n");
    assert_eq!(
        both,
        [
            "conf/test.toml:3: key \"storage.url\": set `storage.path` (a SQLite file) \
          or `storage.url` (PostgreSQL), not both"
        ]
    );
    let other = errors("[storage]\nurl = \"mysql://db/refeed\"\n");
    assert!(
        other[0].starts_with("conf/test.toml:2: key \"storage.url\": not a PostgreSQL URL"),
        "{other:?}"
    );
}
