//! A source's lifecycle keys (issue 12, point 8): `previous_ids` (the ids
//! it was renamed from) and its retention (`keep`, `keep_items`).

use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;

use super::super::raw::{RawDuration, RawSource};
use super::super::report::{Report, SourceName, line_of};
use super::{Check, well_formed};
use crate::model::Retention;

impl Check<'_, '_> {
    /// `previous_ids`: well-formed ids, none this source's own id.
    pub(super) fn previous_ids(
        &mut self,
        raw: Option<Vec<Spanned<String>>>,
    ) -> Option<Vec<String>> {
        let mut ids = Vec::new();
        let mut ok = true;
        for id in raw.unwrap_or_default() {
            if !well_formed(id.get_ref()) {
                let message = format!(
                    "malformed id {:?}: use only lower-case letters, digits and '-'",
                    id.get_ref()
                );
                self.fail(id.span(), "previous_ids", message);
                ok = false;
            } else if matches!(&self.name, SourceName::Id(own) if own == id.get_ref()) {
                let message = format!("{:?} is this source's own id", id.get_ref());
                self.fail(id.span(), "previous_ids", message);
                ok = false;
            } else {
                ids.push(id.into_inner());
            }
        }
        ok.then_some(ids)
    }

    /// `keep` (longer than 0s) and `keep_items` (at least 1).
    pub(super) fn retention(
        &mut self,
        keep: Option<RawDuration>,
        keep_items: Option<Spanned<usize>>,
    ) -> Option<Retention> {
        let keep = match keep {
            Some(value) if value.get_ref().is_zero() => {
                let message = "must be longer than 0s; leave the key out to keep every item";
                self.fail(value.span(), "keep", message);
                None
            }
            value => Some(value.map(|v| **v.get_ref())),
        };
        let keep_items = match keep_items {
            Some(value) if *value.get_ref() == 0 => {
                let message = "must be at least 1; leave the key out to keep every item";
                self.fail(value.span(), "keep_items", message);
                None
            }
            value => Some(value.map(Spanned::into_inner)),
        };
        Some(Retention {
            keep: keep?,
            keep_items: keep_items?,
        })
    }
}

/// Refuses a `previous_ids` entry that is a current source's id (its items
/// would be moved away from a source still configured) or that two sources
/// claim (which of them gets the items?).
pub(super) fn check_renames(raw: &[Spanned<RawSource>], report: &mut Report<'_>) {
    let current: HashMap<&str, Range<usize>> = raw
        .iter()
        .filter_map(|s| s.get_ref().id.as_ref())
        .map(|id| (id.get_ref().as_str(), id.span()))
        .collect();
    let mut claimed: HashMap<&str, (&str, Range<usize>)> = HashMap::new();
    for source in raw {
        let source = source.get_ref();
        let Some(own) = source.id.as_ref().map(|id| id.get_ref().as_str()) else {
            continue;
        };
        let name = SourceName::Id(own.to_owned());
        for old in source.previous_ids.iter().flatten() {
            let text = old.get_ref().as_str();
            if text == own {
                continue; // reported with the source's other keys
            }
            if let Some(span) = current.get(text) {
                let line = line_of(report.text(), span.start);
                let message = format!(
                    "{text:?} is the id of another source (line {line}); a source can only take over an id no source has"
                );
                report.add(old.span(), Some(&name), "previous_ids", message);
            } else if let Some((first, span)) = claimed.get(text) {
                let line = line_of(report.text(), span.start);
                let message = format!(
                    "{text:?} is already in the previous_ids of source {first:?} (line {line}); an old id can move to one source only"
                );
                report.add(old.span(), Some(&name), "previous_ids", message);
            } else {
                claimed.insert(text, (own, old.span()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::config::{Config, ConfigError, DEFAULT_KEEP_REMOVED};
    use crate::model::Retention;

    fn feed(id: &str, extra: &str) -> String {
        format!(
            "[[source]]\nid = \"{id}\"\nurl = \"https://{id}.example/feed.xml\"\nschedule = \"@hourly\"\n{extra}\n"
        )
    }

    fn errors(text: &str) -> Vec<String> {
        match Config::parse(text, Path::new("t.toml")) {
            Err(ConfigError::Invalid { errors, .. }) => errors,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn lifecycle_keys_are_read_with_their_defaults() {
        let text = feed(
            "a",
            "previous_ids = [\"old-a\"]\nkeep = \"365d\"\nkeep_items = 500",
        ) + &feed("b", "")
            + "[storage]\nkeep_removed = \"7d\"\n";
        let config = Config::parse(&text, Path::new("t.toml")).unwrap();
        assert_eq!(config.storage.keep_removed, Duration::from_secs(7 * 86_400));
        let a = &config.sources[0];
        assert_eq!(a.previous_ids, ["old-a"]);
        assert_eq!(
            a.retention,
            Retention {
                keep: Some(Duration::from_secs(365 * 86_400)),
                keep_items: Some(500),
            }
        );
        let b = &config.sources[1];
        assert!(b.previous_ids.is_empty());
        assert!(b.retention.keeps_all());
        let default = Config::parse(&feed("a", ""), Path::new("t.toml")).unwrap();
        assert_eq!(default.storage.keep_removed, DEFAULT_KEEP_REMOVED);
    }

    #[test]
    fn an_old_id_that_is_a_current_id_or_claimed_twice_is_refused() {
        let text = feed("a", "previous_ids = [\"b\"]")
            + &feed("b", "previous_ids = [\"gone\"]")
            + &feed("c", "previous_ids = [\"gone\", \"c\", \"Bad\"]");
        let errors = errors(&text);
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(errors[0].starts_with("t.toml:5: "), "{}", errors[0]);
        assert!(errors[0].contains("source \"a\""), "{}", errors[0]);
        assert!(errors[0].contains("key \"previous_ids\""), "{}", errors[0]);
        assert!(errors[0].contains("\"b\" is the id of another source (line 7)"));
        assert!(errors[1].contains("source \"c\""), "{}", errors[1]);
        assert!(
            errors[1].contains("already in the previous_ids of source \"b\" (line 10)"),
            "{}",
            errors[1]
        );
        let rest = errors[2..].join("\n");
        assert!(rest.contains("\"c\" is this source's own id"), "{rest}");
        assert!(rest.contains("malformed id \"Bad\""), "{rest}");
    }

    #[test]
    fn zero_retention_and_keep_removed_are_refused() {
        let text =
            feed("a", "keep = \"0s\"\nkeep_items = 0") + "[storage]\nkeep_removed = \"0s\"\n";
        let errors = errors(&text).join("\n");
        assert!(
            errors.contains("key \"keep\": must be longer than 0s"),
            "{errors}"
        );
        assert!(
            errors.contains("key \"keep_items\": must be at least 1"),
            "{errors}"
        );
        assert!(errors.contains("key \"storage.keep_removed\""), "{errors}");
    }
}
