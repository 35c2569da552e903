//! Config validation as a user meets it: whole files in, messages out.
//! Each error test checks that the message names the file, the line, the
//! source id (inside a source) and the key.

use std::path::Path;
use std::time::Duration;

use super::*;
use crate::fetch::Access;

const FILE: &str = "conf/test.toml";

/// A valid listing source, to which tests append or in which they replace.
const LISTING: &str = r#"[[source]]
id = "bolivia"
url = "https://popularresistance.org/tag/bolivia/"
schedule = "*/30 * * * *"

[source.items]
item = "article"
title = "h2.entry-title a"
link = "h2.entry-title a"
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new(FILE))
}

/// The error lines of an invalid file.
fn errors(text: &str) -> Vec<String> {
    match parse(text) {
        Err(ConfigError::Invalid { errors, .. }) => errors,
        Err(other) => panic!("expected Invalid, got {other}"),
        Ok(_) => panic!("expected an error for:\n{text}"),
    }
}

/// The only error line of an invalid file.
fn error(text: &str) -> String {
    let errors = errors(text);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

fn assert_names(message: &str, line: usize, source: Option<&str>, key: &str) {
    assert!(
        message.starts_with(&format!("{FILE}:{line}: ")),
        "file and line {line} in: {message}"
    );
    if let Some(id) = source {
        assert!(
            message.contains(&format!("source \"{id}\"")),
            "source in: {message}"
        );
    }
    assert!(
        message.contains(&format!("key \"{key}\"")),
        "key in: {message}"
    );
}

/// The default `[fetch]` but for the fetch policy, which holds the
/// sources' origins and the listen address.
fn defaults_with(access: &Access) -> FetchConfig {
    FetchConfig {
        access: access.clone(),
        ..FetchConfig::default()
    }
}

#[test]
fn shipped_config_parses_and_validates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/config/refeed.toml");
    let config = Config::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.server.base_url.as_str(), "http://127.0.0.1:8080/");
    let folder = Path::new(path).parent().unwrap();
    assert_eq!(config.storage.path, folder.join("data/refeed.db"));
    assert_eq!(config.fetch, defaults_with(&config.fetch.access));
    assert_eq!(config.server.limits, ConnectionLimits::default());
    assert_eq!(config.scheduler.workers, DEFAULT_WORKERS);
    for source in &config.sources {
        assert_eq!(source.max_new_items, DEFAULT_MAX_NEW_ITEMS);
        assert_eq!(source.max_article_fetches, DEFAULT_MAX_ARTICLE_FETCHES);
    }
    let ids: Vec<&str> = config.sources.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["popular-resistance-bolivia", "project-censored"]);
    let bolivia = &config.sources[0];
    assert!(bolivia.full_text && bolivia.listing.is_none(), "URL only");
    assert_eq!(bolivia.pin, None);
    assert!(bolivia.article.content.is_none());
    assert_eq!(
        bolivia.article.clean.remove_text,
        [
            "urgent end of year fundraising campaign",
            "sign up to our daily digest"
        ]
    );
    let censored = &config.sources[1];
    assert!(
        censored.full_text && censored.listing.is_none(),
        "a feed source"
    );
    assert_eq!(
        censored.url.as_str(),
        "https://www.projectcensored.org/feed/"
    );
}

#[test]
fn defaults_fill_absent_tables_and_keys() {
    let config = parse(LISTING).unwrap();
    assert_eq!(config.server.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(config.server.base_url.as_str(), "http://127.0.0.1:8080/");
    let folder = Path::new(FILE).parent().unwrap();
    assert_eq!(config.storage.path, folder.join(DEFAULT_STORAGE_PATH));
    assert_eq!(config.fetch, defaults_with(&config.fetch.access));
    assert_eq!(config.scheduler.workers, DEFAULT_WORKERS);
    let source = &config.sources[0];
    assert_eq!(
        (source.full_text, source.max_items),
        (false, DEFAULT_MAX_ITEMS)
    );
    assert_eq!(source.title, None);
    assert_eq!(source.schedule.as_str(), "*/30 * * * *");
    assert!(source.article.content.is_none() && source.article.clean.remove.is_empty());
}

#[test]
fn base_url_defaults_to_the_listen_address() {
    let config = parse("[server]\nlisten = \"0.0.0.0:9000\"\n").unwrap();
    assert_eq!(config.server.base_url.as_str(), "http://0.0.0.0:9000/");
    assert!(config.sources.is_empty());
}

#[test]
fn fetch_and_scheduler_keys_are_read() {
    let text = "[fetch]\ntimeout = \"1m\"\nconnect_timeout = \"5s\"\n\
                max_body_bytes = 1024\nmax_redirects = 0\n[scheduler]\nworkers = 2\n";
    let config = parse(text).unwrap();
    assert_eq!(config.fetch.timeout, Duration::from_secs(60));
    assert_eq!(config.fetch.connect_timeout, Duration::from_secs(5));
    assert_eq!(config.fetch.max_body_bytes, 1024);
    assert_eq!(config.fetch.max_redirects, 0);
    assert_eq!(config.scheduler.workers, 2);
}

#[test]
fn politeness_keys_are_read_and_default_to_one_request_a_second_per_host() {
    let defaults = parse("").unwrap();
    assert_eq!(defaults.fetch.per_host_concurrency, 1);
    assert_eq!(defaults.fetch.per_host_delay, Duration::from_secs(1));
    assert_eq!(defaults.fetch.first_byte_timeout, Duration::from_secs(15));
    assert_eq!(defaults.scheduler.jitter, Duration::ZERO);
    assert_eq!(
        defaults.scheduler.max_backoff,
        Duration::from_secs(6 * 3600)
    );

    let text = "[fetch]\nper_host_concurrency = 2\nper_host_delay = \"0s\"\n\
                first_byte_timeout = \"4s\"\n[scheduler]\njitter = \"5m\"\nmax_backoff = \"1h\"\n";
    let config = parse(text).unwrap();
    assert_eq!(config.fetch.per_host_concurrency, 2);
    assert_eq!(config.fetch.per_host_delay, Duration::ZERO);
    assert_eq!(config.fetch.first_byte_timeout, Duration::from_secs(4));
    assert_eq!(config.scheduler.jitter, Duration::from_secs(300));
    assert_eq!(config.scheduler.max_backoff, Duration::from_secs(3600));
}

#[test]
fn zero_per_host_concurrency_and_backoff_are_refused_with_their_lines() {
    let errors = errors("[fetch]\nper_host_concurrency = 0\n[scheduler]\nmax_backoff = \"0s\"\n");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_names(&errors[0], 2, None, "fetch.per_host_concurrency");
    assert_names(&errors[1], 4, None, "scheduler.max_backoff");
}

#[test]
fn a_connect_timeout_longer_than_the_first_byte_timeout_is_refused() {
    let text = "[fetch]\nfirst_byte_timeout = \"5s\"\nconnect_timeout = \"20s\"\n";
    let error = error(text);
    assert_names(&error, 3, None, "fetch.connect_timeout");
    assert!(
        error.contains("connect_timeout (20s) is longer than first_byte_timeout (5s)"),
        "{error}"
    );
    // Equal is fine, and so is a short first-byte limit alone.
    parse("[fetch]\nfirst_byte_timeout = \"5s\"\nconnect_timeout = \"5s\"\n").unwrap();
    parse("[fetch]\nfirst_byte_timeout = \"4s\"\n").unwrap();
}

#[test]
fn respect_robots_defaults_to_true_and_can_be_turned_off() {
    let config = parse(LISTING).unwrap();
    assert!(config.sources[0].respect_robots);
    let text = LISTING.replacen("schedule", "respect_robots = false\nschedule", 1);
    let config = parse(&text).unwrap();
    assert!(!config.sources[0].respect_robots);
}

#[test]
fn remove_text_is_stored_normalized() {
    let text =
        format!("{LISTING}[source.clean]\nremove_text = [\"  Sign UP\\n to  Our\\tDigest \"]\n");
    let config = parse(&text).unwrap();
    assert_eq!(
        config.sources[0].article.clean.remove_text,
        ["sign up to our digest"]
    );
}

#[test]
fn unknown_key_in_a_source_names_line_source_and_key() {
    let text = LISTING.replace("schedule =", "shedule = \"@daily\"\nschedule =");
    let message = error(&text);
    assert_names(&message, 4, Some("bolivia"), "shedule");
    assert!(message.contains("unknown key `shedule`"), "{message}");
}

#[test]
fn unknown_key_in_a_source_subtable_names_the_subtable() {
    let text = format!("{LISTING}summry = \".entry-summary\"\n");
    assert_names(&error(&text), 10, Some("bolivia"), "items.summry");
}

#[test]
fn unknown_key_finds_the_right_source_among_several() {
    let second = LISTING.replace("bolivia", "second");
    let text = format!("{LISTING}\n{second}[source.clean]\nremov = []\n");
    assert_names(&error(&text), 21, Some("second"), "clean.remov");
}

#[test]
fn unknown_key_outside_sources_names_the_table() {
    let message = error("[server]\nlisten = \"127.0.0.1:1\"\nport = 80\n");
    assert_names(&message, 3, None, "server.port");
    assert!(!message.contains("source"), "{message}");
    assert_names(&error("[servr]\nlisten = \"x\"\n"), 1, None, "servr");
}

#[test]
fn wrong_value_type_names_the_key() {
    let text = LISTING.replace("schedule =", "full_text = \"yes\"\nschedule =");
    let message = error(&text);
    assert_names(&message, 4, Some("bolivia"), "full_text");
    assert!(message.contains("expected a boolean"), "{message}");
}

#[test]
fn invalid_cron_names_line_source_and_key() {
    let message = error(&LISTING.replace("*/30 * * * *", "*/x * * * *"));
    assert_names(&message, 4, Some("bolivia"), "schedule");
    assert!(
        message.contains("invalid cron expression \"*/x * * * *\""),
        "{message}"
    );
}

#[test]
fn invalid_selectors_are_reported_for_every_selector_key() {
    let text = LISTING
        .replace("item = \"article\"", "item = \"article[\"")
        .replace("[source.items]", "full_text = true\n[source.items]")
        + "date = \"time >\"\n[source.article]\ncontent = \"\"\n\
           [source.clean]\nremove = [\".ok\", \"::nope\"]\n";
    let errors = errors(&text);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_names(&errors[0], 8, Some("bolivia"), "items.item");
    assert!(
        errors[0].contains("invalid CSS selector \"article[\""),
        "{}",
        errors[0]
    );
    assert_names(&errors[1], 11, Some("bolivia"), "items.date");
    assert_names(&errors[2], 13, Some("bolivia"), "article.content");
    assert!(errors[2].contains("empty selector"), "{}", errors[2]);
    assert_names(&errors[3], 15, Some("bolivia"), "clean.remove");
}

#[test]
fn listing_requires_item_title_and_link() {
    let text = LISTING.replace("title = \"h2.entry-title a\"\n", "");
    let message = error(&text);
    assert_names(&message, 6, Some("bolivia"), "items.title");
    assert!(message.contains("missing"), "{message}");
}

#[test]
fn duplicate_id_names_both_lines() {
    let text = format!("{LISTING}\n{LISTING}");
    let message = error(&text);
    assert_names(&message, 12, Some("bolivia"), "id");
    assert!(
        message.contains("duplicate id \"bolivia\" (first used on line 2)"),
        "{message}"
    );
}

#[test]
fn malformed_and_reserved_ids_are_refused() {
    let message = error(&LISTING.replace("\"bolivia\"", "\"Bolivia_News\""));
    assert_names(&message, 2, Some("Bolivia_News"), "id");
    assert!(message.contains("malformed id"), "{message}");
    let message = error(&LISTING.replace("\"bolivia\"", "\"all\""));
    assert_names(&message, 2, Some("all"), "id");
    assert!(
        message.contains("reserved for the combined feed"),
        "{message}"
    );
    let message = error(&LISTING.replace("\"bolivia\"", "\"\""));
    assert!(message.contains("malformed id \"\""), "{message}");
}

#[test]
fn missing_id_names_the_source_by_position() {
    let text = format!("{LISTING}\n{}", LISTING.replace("id = \"bolivia\"\n", ""));
    let message = error(&text);
    assert_names(&message, 11, None, "id");
    assert!(message.contains("source #2"), "{message}");
    assert!(message.contains("missing"), "{message}");
}

#[test]
fn missing_url_names_the_source_header() {
    let text = LISTING.replace("url = \"https://popularresistance.org/tag/bolivia/\"\n", "");
    let message = error(&text);
    assert_names(&message, 1, Some("bolivia"), "url");
    assert!(message.contains("missing"), "{message}");
}

#[test]
fn non_http_url_is_refused() {
    let message = error(&LISTING.replace("https://popularresistance.org", "ftp://example.org"));
    assert_names(&message, 3, Some("bolivia"), "url");
    assert!(message.contains("only http and https"), "{message}");
    let message =
        error(&LISTING.replace("https://popularresistance.org/tag/bolivia/", "tag/bolivia"));
    assert_names(&message, 3, Some("bolivia"), "url");
}

#[test]
fn listen_address_that_does_not_parse() {
    let message = error("[server]\nlisten = \"refeed.example:8080\"\n");
    assert_names(&message, 2, None, "server.listen");
    assert!(
        message.contains("\"refeed.example\" is not an IP address"),
        "{message}"
    );
}

#[test]
fn base_url_must_be_absolute_http() {
    let message = error("[server]\nbase_url = \"/feeds\"\n");
    assert_names(&message, 2, None, "server.base_url");
}

#[test]
fn websub_hub_is_optional_and_must_be_absolute_http() {
    assert_eq!(parse(LISTING).unwrap().server.websub_hub, None);
    let config = parse("[server]\nwebsub_hub = \"https://hub.example/\"\n").unwrap();
    let hub = config.server.websub_hub.unwrap();
    assert_eq!(hub.as_str(), "https://hub.example/");
    let message = error("[server]\nlisten = \"127.0.0.1:1\"\nwebsub_hub = \"ftp://hub/\"\n");
    assert_names(&message, 3, None, "server.websub_hub");
    assert!(message.contains("only http and https"), "{message}");
}

#[test]
fn source_meta_carries_the_shortest_gap_between_scheduled_runs() {
    let meta = parse(LISTING).unwrap().source_meta();
    assert_eq!(meta[0].refresh_interval, Duration::from_secs(30 * 60));
    let twice = LISTING.replace("*/30 * * * *", "0 8,20 * * *");
    let meta = parse(&twice).unwrap().source_meta();
    assert_eq!(meta[0].refresh_interval, Duration::from_secs(12 * 3600));
}

#[test]
fn zero_max_items_is_refused() {
    let message = error(&LISTING.replace("schedule =", "max_items = 0\nschedule ="));
    assert_names(&message, 4, Some("bolivia"), "max_items");
    assert!(message.contains("at least 1"), "{message}");
}

#[test]
fn refresh_bounds_default_and_are_set_globally_or_per_source() {
    let source = &parse(LISTING).unwrap().sources[0];
    assert_eq!(
        (source.max_new_items, source.max_article_fetches),
        (DEFAULT_MAX_NEW_ITEMS, DEFAULT_MAX_ARTICLE_FETCHES)
    );
    let text = format!(
        "[refresh]\nmax_new_items = 20\nmax_article_fetches = 5\n\n{LISTING}\n{}",
        LISTING.replace("bolivia\"", "own\"").replace(
            "schedule =",
            "max_new_items = 7\nmax_article_fetches = 3\nschedule ="
        )
    );
    let config = parse(&text).unwrap();
    let bounds = |s: &Source| (s.max_new_items, s.max_article_fetches);
    assert_eq!(bounds(&config.sources[0]), (20, 5));
    assert_eq!(bounds(&config.sources[1]), (7, 3));
}

#[test]
fn refresh_bounds_out_of_range_are_refused_with_their_lines() {
    let errors = errors(&format!(
        "[refresh]\nmax_new_items = 0\nmax_article_fetches = 0\n\n{}",
        LISTING.replace(
            "schedule =",
            "max_new_items = 10001\nmax_article_fetches = 0\nschedule ="
        )
    ));
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_names(&errors[0], 2, None, "refresh.max_new_items");
    assert_names(&errors[1], 3, None, "refresh.max_article_fetches");
    assert_names(&errors[2], 8, Some("bolivia"), "max_new_items");
    assert!(errors[2].contains("at most 10000"), "{}", errors[2]);
    assert_names(&errors[3], 9, Some("bolivia"), "max_article_fetches");
    assert!(errors[3].contains("at least 1"), "{}", errors[3]);
}

#[test]
fn empty_remove_text_entries_are_refused() {
    let text = format!("{LISTING}[source.clean]\nremove_text = [\"Donate\", \"  \"]\n");
    let message = error(&text);
    assert_names(&message, 11, Some("bolivia"), "clean.remove_text");
    assert!(message.contains("empty"), "{message}");
}

#[test]
fn connection_limits_default_and_are_read() {
    assert_eq!(
        parse("").unwrap().server.limits,
        ConnectionLimits::default()
    );
    let text = "[server]\nheader_read_timeout = \"2s\"\nidle_timeout = \"5m\"\n\
                max_connections = 100\n";
    let limits = parse(text).unwrap().server.limits;
    assert_eq!(limits.header_read_timeout, Duration::from_secs(2));
    assert_eq!(limits.idle_timeout, Duration::from_secs(300));
    assert_eq!(limits.max_connections, 100);
}

#[test]
fn zero_connection_limits_are_refused_with_their_lines() {
    let text = "[server]\nheader_read_timeout = \"0s\"\nidle_timeout = \"0s\"\n\
                max_connections = 0\n";
    let errors = errors(text);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_names(&errors[0], 2, None, "server.header_read_timeout");
    assert_names(&errors[1], 3, None, "server.idle_timeout");
    assert_names(&errors[2], 4, None, "server.max_connections");
}

#[test]
fn zero_workers_and_zero_timeout_are_refused() {
    let errors = errors("[fetch]\ntimeout = \"0s\"\n[scheduler]\nworkers = 0\n");
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_names(&errors[0], 2, None, "fetch.timeout");
    assert_names(&errors[1], 4, None, "scheduler.workers");
}

#[test]
fn unparsable_duration_names_the_key() {
    assert_names(
        &error("[fetch]\ntimeout = \"30x\"\n"),
        2,
        None,
        "fetch.timeout",
    );
}

#[test]
fn all_problems_are_reported_at_once_in_file_order() {
    let text = format!(
        "[server]\nlisten = \"nope\"\n\n{}",
        LISTING
            .replace("*/30 * * * *", "61 * * * *")
            .replace("https://popularresistance.org", "gopher://x")
    );
    let err = parse(&text).unwrap_err();
    let shown = err.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 3, "{shown}");
    assert_names(lines[0], 2, None, "server.listen");
    assert_names(lines[1], 6, Some("bolivia"), "url");
    assert_names(lines[2], 7, Some("bolivia"), "schedule");
}

#[test]
fn syntax_errors_name_file_and_line() {
    let err = parse("[server]\nlisten = \"127.0.0.1:8080\"\n[[source]\n").unwrap_err();
    match &err {
        ConfigError::Syntax { line, .. } => assert_eq!(*line, 3),
        other => panic!("expected a syntax error, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.starts_with(&format!("{FILE}:3:")), "{shown}");
    assert!(shown.contains("TOML syntax error"), "{shown}");
}

#[test]
fn unreadable_file_names_the_path() {
    let err = Config::load(Path::new("/nonexistent/refeed.toml")).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().contains("/nonexistent/refeed.toml"));
}

/// The rules digest of the source `bolivia` in `text`.
fn digest(text: &str) -> String {
    let config = parse(text).unwrap();
    let source = config.sources.iter().find(|s| s.id == "bolivia").unwrap();
    source.rules_digest.clone()
}

#[test]
fn the_rules_digest_changes_with_the_parsing_rules_only() {
    let base = digest(LISTING);
    assert_eq!(base.len(), 16, "{base}");
    assert_eq!(digest(LISTING), base, "stable");

    // What does not change how pages are read keeps it, even moving the
    // source within the file.
    let other = "[[source]]\nid = \"other\"\nurl = \"https://x.example/feed\"\n\
                 schedule = \"@hourly\"\n\n";
    let unchanged = [
        LISTING.replace("*/30 * * * *", "@daily"),
        LISTING.replace(
            "[source.items]",
            "max_items = 5\nrespect_robots = false\n[source.items]",
        ),
        format!("{other}{LISTING}"),
    ];
    for text in unchanged {
        assert_eq!(digest(&text), base, "{text}");
    }

    // A selector, full text, the article selector or a clean rule: new rules.
    let changed = [
        LISTING.replace("item = \"article\"", "item = \"div.post\""),
        format!("{LISTING}summary = \".entry-summary\"\n"),
        LISTING.replace("[source.items]", "full_text = true\n[source.items]"),
        LISTING.replace("[source.items]", "full_text = true\n[source.items]")
            + "\n[source.article]\ncontent = \".entry-content\"\n",
        format!("{LISTING}\n[source.clean]\nremove = [\".sharedaddy\"]\n"),
    ];
    let mut digests: Vec<String> = changed.iter().map(|text| digest(text)).collect();
    assert!(!digests.contains(&base), "{digests:?}");
    digests.sort();
    digests.dedup();
    assert_eq!(digests.len(), changed.len(), "each change its own digest");
}

#[test]
fn the_fetch_policy_allows_source_and_hub_origins_and_allow_hosts() {
    let text = format!(
        "[server]\nwebsub_hub = \"http://127.0.0.1:7000/hub\"\n\
         [fetch]\nallow_hosts = [\"10.0.0.0/8\", \"wiki.internal\"]\n\
         {}",
        LISTING.replace(
            "https://popularresistance.org/tag/bolivia/",
            "http://192.168.1.5:8000/news/"
        )
    );
    let config = parse(&text).unwrap();
    let mut expected = Access::new(vec![
        "10.0.0.0/8".parse().unwrap(),
        "wiki.internal".parse().unwrap(),
    ]);
    expected.allow_origin(&Url::parse("http://192.168.1.5:8000/").unwrap());
    expected.allow_origin(&Url::parse("http://127.0.0.1:7000/").unwrap());
    expected.forbid_listen(DEFAULT_LISTEN.parse().unwrap());
    assert_eq!(config.fetch.access, expected);
}

#[test]
fn a_bad_allow_hosts_entry_names_its_line_and_key() {
    let text = format!(
        "[fetch]\nallow_hosts = [\n  \"10.0.0.0/8\",\n  \"http://wiki.internal/\",\n]\n{LISTING}"
    );
    let message = error(&text);
    assert_names(&message, 4, None, "fetch.allow_hosts");
    assert!(message.contains("no scheme, port or path"), "{message}");
}

#[test]
fn a_source_pointing_at_the_own_listen_address_is_refused() {
    for (listen, url) in [
        ("127.0.0.1:8080", "http://127.0.0.1:8080/feeds/all.rss"),
        ("0.0.0.0:9000", "http://127.0.0.1:9000/"),
        ("127.0.0.1:8080", "http://localhost:8080/"),
    ] {
        let text = format!(
            "[server]\nlisten = \"{listen}\"\n{}",
            LISTING.replace("https://popularresistance.org/tag/bolivia/", url)
        );
        let message = error(&text);
        assert_names(&message, 5, Some("bolivia"), "url");
        assert!(message.contains("refeed's own listen address"), "{message}");
    }
    let text = LISTING.replace(
        "https://popularresistance.org/tag/bolivia/",
        "http://127.0.0.1:8081/",
    );
    assert!(parse(&text).is_ok());
}

#[test]
fn max_connections_is_read_and_must_leave_a_host_its_slots() {
    let config = parse("[fetch]\nmax_connections = 500\n").unwrap();
    assert_eq!(config.fetch.max_connections, 500);
    // The server keeps the fetch client's descriptors out of its own limit.
    assert_eq!(config.server.limits.outgoing, 500);
    let defaults = parse("").unwrap();
    assert_eq!(
        defaults.fetch.max_connections,
        crate::fetch::DEFAULT_MAX_CONNECTIONS
    );
    assert_eq!(
        defaults.server.limits.outgoing,
        crate::fetch::DEFAULT_MAX_CONNECTIONS
    );
    let errors = errors("[fetch]\nper_host_concurrency = 3\nmax_connections = 5\n");
    assert_names(&errors[0], 3, None, "fetch.max_connections");
    assert!(errors[0].contains("must be at least 6"), "{errors:?}");
}

#[test]
fn cache_bytes_defaults_to_64_mib_and_zero_turns_the_cache_off() {
    let default = parse("").unwrap().server.cache_bytes;
    assert_eq!(default, crate::http::DEFAULT_CACHE_BYTES);
    assert_eq!(default, 64 * 1024 * 1024);
    let set = |text: &str| parse(&format!("[server]\n{text}\n")).unwrap();
    assert_eq!(set("cache_bytes = 1000000").server.cache_bytes, 1_000_000);
    assert_eq!(set("cache_bytes = 0").server.cache_bytes, 0);
    assert_names(
        &error("[server]\ncache_bytes = -1\n"),
        2,
        None,
        "server.cache_bytes",
    );
}
