//! refeed's one integration test binary: the real `refeed` executable driven
//! against a fixture outlet served on 127.0.0.1 (never the internet).
//!
//! Modules: `outlet` serves the fixtures; `support` runs the binary and `daemon`
//! the server; `fixture` knows what the outlet holds; `checks` reads feeds the way
//! a feed reader would. The tests: `end_to_end`, `dedup`, `dedup_links` (one article linked
//! many ways), `config_errors`, `control` (SIGHUP reload, `refeed refresh`
//! and `refeed reload` over the control socket),
//! `failures`, `hostile` (one origin per way an outlet misbehaves), `bombs`
//! (parse bombs refused, SIGTERM during a long parse),
//! `cache` (the rendered-feed cache within `[server] cache_bytes`),
//! `bounded` (100,000-item feeds and 1,000-article listings cost one refresh
//! no more than its caps), `files` (the database's modes under umask 000),
//! `conditional` (304s from the outlet), `discovery` (sources given by URL
//! alone), `subscribe` (OPML, site links, clean links, shared articles), `wordpress` (a WordPress REST API stand-in), `crash` (SIGKILL mid-refresh),
//! `stale` (the broken-source warning), `shutdown`, `systemd`, `extract`,
//! `learned`, `explain`, `multipage` (articles split over pages), `embeds`
//! (players and posts as links in extracted HTML and served feeds),
//! `lifecycle` (removed and renamed sources,
//! retention, backup, a proxy's path prefix), `pages` (every page in
//! headless Chromium), `fuzz` (thousands of generated hostile pages and
//! feeds through every parser and writer), `serving` (conditional GET,
//! encodings, JSON Feed, OPML, WebSub), `readers` (real feed readers:
//! feedparser, newsboat, xmllint), `ssrf` (links to loopback and metadata
//! addresses refused, `[fetch] allow_hosts`), `sync` (`refeed once` beside
//! `refeed run`: one database, several processes), `slowloris` (idle and slow
//! clients under 1,024 descriptors), `try_cmd` (`refeed try` on the
//! listing fixtures, offline and over loopback) and `cli` (paths, `init`,
//! config typos, `listen` forms, logging and `once`'s output) and `causes`
//! (failures named by their real cause; `refeed status` as a monitoring check),
//! `siteconfig` (Full-Text RSS site configs: paging, precedence, explain),
//! `extract_patterns` (golden pages of layouts that defeat scoring),
//! `descriptors` (outgoing connections bounded across many hosts),
//! `postgres`, `migrate` (`refeed migrate-store` SQLite → PostgreSQL →
//! SQLite), `fleet` (three daemons on one PostgreSQL, one killed),
//! `fleet_start` (one claim per refresh; a fleet's start refreshes once) and
//! `fleet_robots` (a host's robots.txt fetched once by the fleet).

mod bombs;
mod bounded;
mod cache;
mod causes;
mod checks;
mod cli;
mod conditional;
mod config_errors;
mod control;
mod crash;
mod daemon;
mod dedup;
mod dedup_links;
mod descriptors;
mod discovery;
mod embeds;
mod end_to_end;
mod explain;
mod extract;
mod extract_patterns;
mod failures;
mod files;
mod fixture;
mod fleet;
mod fleet_robots;
mod fleet_start;
mod fuzz;
mod hostile;
mod learned;
mod lifecycle;
mod metrics;
mod migrate;
mod multipage;
mod outlet;
mod pages;
mod postgres;
mod readers;
mod serving;
mod shutdown;
mod siteconfig;
mod slowloris;
mod ssrf;
mod stale;
mod subscribe;
mod support;
mod sync;
mod systemd;
mod try_cmd;
mod watchdog;
mod wordpress;
