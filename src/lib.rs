//! refeed: turns news outlets into clean, deduplicated RSS and Atom feeds.
//!
//! Module map (imports point down; see the README's "Design" section):
//! `app` builds everything and owns shutdown; `pipeline` sequences
//! fetch → scrape → extract → store for one source; `schedule` decides when;
//! `fetch` and `store` are the only I/O edges; `scrape`, `extract` and `feed`
//! are pure; `http` serves from `store` + `feed`; `config` validates the TOML
//! and compiles selectors and schedules.

pub mod allocator;
pub mod app;
pub mod config;
pub mod dates;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod http;
pub mod markup;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod schedule;
pub mod scrape;
pub mod store;
pub mod systemd;
