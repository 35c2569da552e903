//! refeed's one integration test binary: the real `refeed` executable driven
//! against a fixture outlet served on 127.0.0.1 (never the internet).
//!
//! Modules: `outlet` serves the fixtures; `support` runs the binary and `daemon`
//! the server; `fixture` knows what the outlet holds; `checks` reads feeds the way
//! a feed reader would. The tests: `end_to_end`, `dedup`, `config_errors`,
//! `failures`, `shutdown`, `systemd`.

mod checks;
mod config_errors;
mod daemon;
mod dedup;
mod end_to_end;
mod failures;
mod fixture;
mod outlet;
mod shutdown;
mod support;
mod systemd;
