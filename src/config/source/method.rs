//! The `method` key (issue 10): pins how a source's items are found, so
//! detection tries that method only.

use toml::Spanned;

use super::Check;
use crate::model::Method;

impl Check<'_, '_> {
    /// The pinned method, `Some(None)` when the key is absent, `None` when
    /// it is invalid: an unknown name, `"selectors"` without
    /// `[source.items]`, or another method beside `[source.items]` (the
    /// selectors would win, so the pin would silently do nothing).
    pub(super) fn method(
        &mut self,
        method: Option<Spanned<String>>,
        has_items: bool,
    ) -> Option<Option<Method>> {
        let Some(method) = method else {
            return Some(None);
        };
        let problem = match method.get_ref().parse::<Method>() {
            Err(err) => err.to_string(),
            Ok(Method::Selectors) if !has_items => {
                "method \"selectors\" needs a [source.items] table with the selectors".to_owned()
            }
            Ok(pinned) if has_items && pinned != Method::Selectors => format!(
                "method {:?} cannot be used with [source.items] (the selectors always win): \
                 remove the method or the [source.items] table",
                pinned.name()
            ),
            Ok(pinned) => return Some(Some(pinned)),
        };
        self.fail(method.span(), "method", problem);
        None
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, ConfigError};
    use crate::model::Method;

    const URL_ONLY: &str = "[[source]]\nid = \"news\"\nurl = \"https://example.org/tag/x/\"\n\
                            schedule = \"@hourly\"\n";
    const ITEMS: &str = "\n[source.items]\nitem = \"article\"\ntitle = \"h2 a\"\nlink = \"h2 a\"\n";

    fn errors(text: &str) -> Vec<String> {
        match Config::parse(text, Path::new("t.toml")) {
            Err(ConfigError::Invalid { errors, .. }) => errors,
            Err(other) => panic!("expected Invalid, got {other}"),
            Ok(_) => panic!("expected an error for:\n{text}"),
        }
    }

    fn pin(text: &str) -> Option<Method> {
        let config = Config::parse(text, Path::new("t.toml")).unwrap_or_else(|e| panic!("{e}"));
        config.sources[0].pin
    }

    #[test]
    fn a_method_pins_detection_and_absent_lets_it_choose() {
        assert_eq!(pin(URL_ONLY), None);
        for method in [
            Method::Feed,
            Method::Wordpress,
            Method::Structured,
            Method::Teasers,
        ] {
            let text = format!("{URL_ONLY}method = {:?}\n", method.name());
            assert_eq!(pin(&text), Some(method), "{text}");
        }
        let selectors = format!("{URL_ONLY}method = \"selectors\"\n{ITEMS}");
        assert_eq!(pin(&selectors), Some(Method::Selectors));
    }

    #[test]
    fn an_unknown_method_names_line_source_key_and_the_names() {
        let errors = errors(&format!("{URL_ONLY}method = \"rss\"\n"));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with("t.toml:5: source \"news\": key \"method\": "),
            "{}",
            errors[0]
        );
        assert!(
            errors[0].ends_with(
                "unknown method \"rss\": use one of feed, wordpress, structured, teasers, selectors"
            ),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn a_method_beside_selectors_is_refused_unless_it_is_selectors() {
        let errors = errors(&format!("{URL_ONLY}method = \"teasers\"\n{ITEMS}"));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("key \"method\""), "{}", errors[0]);
        assert!(
            errors[0].contains("cannot be used with [source.items]"),
            "{}",
            errors[0]
        );
        let errors = self::errors(&format!("{URL_ONLY}method = \"selectors\"\n"));
        assert!(
            errors[0].contains("needs a [source.items] table"),
            "{errors:?}"
        );
    }

    #[test]
    fn article_rules_without_full_text_are_refused_with_their_line() {
        let article = "\n[source.article]\ncontent = \".entry-content\"\n";
        for full_text in ["", "full_text = false\n"] {
            let errors = errors(&format!("{URL_ONLY}{full_text}{article}"));
            assert_eq!(errors.len(), 1, "{errors:#?}");
            let line = 6 + usize::from(!full_text.is_empty());
            assert!(
                errors[0].starts_with(&format!(
                    "t.toml:{line}: source \"news\": key \"article\": "
                )),
                "{}",
                errors[0]
            );
            assert!(errors[0].contains("full_text = true"), "{}", errors[0]);
        }
        let with = format!("{URL_ONLY}full_text = true\n{article}");
        assert!(Config::parse(&with, Path::new("t.toml")).is_ok());
    }

    #[test]
    fn the_method_is_part_of_the_rules_digest() {
        let digest = |text: &str| {
            Config::parse(text, Path::new("t.toml")).unwrap().sources[0]
                .rules_digest
                .clone()
        };
        let pinned = format!("{URL_ONLY}method = \"teasers\"\n");
        assert_ne!(digest(URL_ONLY), digest(&pinned));
    }
}
