//! Reads one site config file: `directive: value` lines, `#` comments,
//! blank lines, as Full-Text RSS and graby read them (graby's
//! `ConfigBuilder::parseLines`), keeping each rule's line for messages and
//! `refeed explain`.
//!
//! Nothing in a file is fatal: a line that cannot be used becomes a
//! [`Problem`] (an error: a broken XPath, an unpaired `find_string`; or
//! skipped: a directive refeed does not apply, such as `http_header(...)`
//! or `login_uri`) and the rest of the file still applies.

use std::fmt;
use std::sync::Arc;

use super::xpath::XPath;

/// Largest site config file read, in bytes (the collection's largest are
/// about 10 KB); a larger one is refused whole.
pub const MAX_FILE_BYTES: usize = 256 * 1024;

/// Where a rule was written: file, line and directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file name (`example.org.txt`).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: usize,
    /// The directive as written (`strip`, `replace_string(<b>)`).
    pub directive: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} {}", self.file, self.line, self.directive)
    }
}

/// A value with the place it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule<T> {
    /// The compiled value.
    pub value: T,
    /// Where it comes from.
    pub origin: Origin,
}

/// One `find_string` / `replace_string` pair, applied to the raw HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    /// The text searched for (exactly, case-sensitive).
    pub find: String,
    /// Its replacement.
    pub with: String,
}

/// A `test_url` and the `test_contains` texts written after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestUrl {
    /// The page to try.
    pub url: String,
    /// Texts its extracted article must contain.
    pub contains: Vec<String>,
    /// The `test_url` line.
    pub line: usize,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The line is wrong (a broken XPath, a bad value): fix the file.
    Error,
    /// The directive is valid for other readers but refeed does not apply
    /// it (`http_header(...)`, `login_*`, `parser`...), or is unknown.
    Skipped,
}

/// A line of a file that is not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// Error or skipped.
    pub severity: Severity,
    /// What is wrong, naming the directive.
    pub message: String,
}

/// One file's rules. Lists keep file order: the first `body` that matches
/// wins, every `strip` applies.
#[derive(Debug, Clone, Default)]
pub struct SiteConfig {
    /// The file name (`example.org.txt`).
    pub file: Arc<str>,
    /// `title`: XPaths of the headline.
    pub title: Vec<Rule<XPath>>,
    /// `body`: XPaths of the article; all matches of the first matching
    /// one make the article.
    pub body: Vec<Rule<XPath>>,
    /// `author`: XPaths of the byline.
    pub author: Vec<Rule<XPath>>,
    /// `date`: XPaths of the publication date.
    pub date: Vec<Rule<XPath>>,
    /// `strip`: XPaths of elements to remove.
    pub strip: Vec<Rule<XPath>>,
    /// `strip_id_or_class`: an element whose id, or one of whose classes,
    /// is this word is removed.
    pub strip_id_or_class: Vec<Rule<String>>,
    /// `strip_image_src`: an image whose `src` contains this text is removed.
    pub strip_image_src: Vec<Rule<String>>,
    /// `find_string`/`replace_string` pairs and `replace_string(find): with`.
    pub replace: Vec<Rule<Replace>>,
    /// `next_page_link`: XPaths of the link to the article's next page.
    pub next_page_link: Vec<Rule<XPath>>,
    /// `single_page_link`: XPaths of the link to the one-page version.
    pub single_page_link: Vec<Rule<XPath>>,
    /// `prune`: `no` keeps everything in the chosen body (no share-bar or
    /// related-links pruning).
    pub prune: Option<Rule<bool>>,
    /// `tidy`: recorded only; refeed's parser (html5ever) repairs markup
    /// the way browsers do, so there is nothing to switch.
    pub tidy: Option<Rule<bool>>,
    /// `autodetect_on_failure`: `no` means a page whose `body` rules all
    /// fail has no article (no generic extraction).
    pub autodetect_on_failure: Option<Rule<bool>>,
    /// `autodetect_next_page`: `no` means the site's `next_page_link` and
    /// `single_page_link` rules alone find the other pages of its articles
    /// (no detection when they find nothing).
    pub autodetect_next_page: Option<Rule<bool>>,
    /// `test_url` with its `test_contains`.
    pub tests: Vec<TestUrl>,
    /// Lines not applied.
    pub problems: Vec<Problem>,
}

/// Directives of Full-Text RSS and graby that refeed reads but does not
/// apply: login, HTTP headers, parser choice and content rewriting it has
/// no equivalent for.
const NOT_APPLIED: &[&str] = &[
    "http_header",
    "login_uri",
    "login_username_field",
    "login_password_field",
    "login_extra_fields",
    "not_logged_in_xpath",
    "requires_login",
    "skip_json_ld",
    "parser",
    "native_ad_clue",
    "src_lazy_load_attr",
    "if_page_contains",
    "wrap_in",
    "dissolve",
    "move_into",
    "strip_comments",
    "insert_detected_image",
    "convert_double_br_tags",
    "footnotes",
];

/// Parses a file's text; `file` names it in origins.
pub fn parse(file: &str, text: &str) -> SiteConfig {
    let mut config = SiteConfig {
        file: Arc::from(file),
        ..SiteConfig::default()
    };
    let mut pairs = Pairs::default();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match split(trimmed) {
            Some((command, value)) if is_directive(command) => {
                config.directive(line, command, value, &mut pairs);
            }
            _ => config.problem(
                line,
                Severity::Skipped,
                format!("not a directive: {:?}", shorten(trimmed)),
            ),
        }
    }
    pairs.finish(&mut config);
    config
}

/// `command: value`; `replace_string(a:b): c` keeps its colon inside the
/// parentheses.
fn split(line: &str) -> Option<(&str, &str)> {
    if line.starts_with("replace_string(")
        && let Some(close) = line.find("):")
    {
        return Some((line[..=close].trim(), line[close + 2..].trim()));
    }
    let (command, value) = line.split_once(':')?;
    Some((command.trim(), value.trim()))
}

/// A directive name: letters, digits and `_`, then maybe `(...)`.
fn is_directive(command: &str) -> bool {
    let name = command.split('(').next().unwrap_or_default();
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn shorten(text: &str) -> String {
    text.chars().take(60).collect()
}

/// `find_string` and `replace_string` lines, paired by order as graby
/// pairs them (the first find with the first replace...).
#[derive(Default)]
struct Pairs {
    finds: Vec<(usize, String)>,
    replaces: Vec<(usize, String)>,
}

impl Pairs {
    fn finish(self, config: &mut SiteConfig) {
        let (finds, replaces) = (self.finds.len(), self.replaces.len());
        let mut replaces_iter = self.replaces.into_iter();
        for (line, find) in self.finds {
            match replaces_iter.next() {
                Some((_, with)) => {
                    let origin = config.origin(line, "find_string");
                    config.replace.push(Rule {
                        value: Replace { find, with },
                        origin,
                    });
                }
                None => config.problem(
                    line,
                    Severity::Error,
                    format!("find_string without a replace_string ({finds} find_string, {replaces} replace_string)"),
                ),
            }
        }
        for (line, _) in replaces_iter {
            config.problem(
                line,
                Severity::Error,
                "replace_string without a find_string",
            );
        }
        // Applied in file order, the one-line `replace_string(find):`
        // form among the pairs (a pair counts at its `find_string` line).
        config.replace.sort_by_key(|rule| rule.origin.line);
    }
}

impl SiteConfig {
    fn origin(&self, line: usize, directive: &str) -> Origin {
        Origin {
            file: self.file.clone(),
            line,
            directive: directive.to_owned(),
        }
    }

    fn problem(&mut self, line: usize, severity: Severity, message: impl Into<String>) {
        self.problems.push(Problem {
            line,
            severity,
            message: message.into(),
        });
    }

    fn directive(&mut self, line: usize, command: &str, value: &str, pairs: &mut Pairs) {
        let command = if command == "strip_attr" {
            "strip"
        } else {
            command
        };
        match command {
            "title" | "body" | "author" | "date" | "strip" | "next_page_link"
            | "single_page_link" => self.xpath(line, command, value),
            "strip_id_or_class" | "strip_image_src" => self.word(line, command, value),
            "find_string" => pairs.finds.push((line, value.to_owned())),
            "replace_string" => pairs.replaces.push((line, value.to_owned())),
            "prune" | "tidy" | "autodetect_on_failure" | "autodetect_next_page" => {
                self.switch(line, command, value)
            }
            "test_url" => self.tests.push(TestUrl {
                url: value.to_owned(),
                contains: Vec::new(),
                line,
            }),
            "test_contains" => match self.tests.last_mut() {
                Some(test) => test.contains.push(value.to_owned()),
                None => self.problem(line, Severity::Error, "test_contains before any test_url"),
            },
            _ => self.other(line, command, value),
        }
    }

    /// `replace_string(find): with`, or a directive not applied.
    fn other(&mut self, line: usize, command: &str, value: &str) {
        if let Some(find) = command
            .strip_prefix("replace_string(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            let origin = self.origin(line, command);
            self.replace.push(Rule {
                value: Replace {
                    find: find.to_owned(),
                    with: value.to_owned(),
                },
                origin,
            });
            return;
        }
        let name = command.split('(').next().unwrap_or(command);
        let message = if NOT_APPLIED.contains(&name) {
            format!("{command}: not applied by refeed")
        } else {
            format!("{command}: unknown directive")
        };
        self.problem(line, Severity::Skipped, message);
    }

    fn xpath(&mut self, line: usize, command: &str, value: &str) {
        let compiled = match XPath::compile(value) {
            Ok(compiled) => compiled,
            Err(reason) => {
                let message = format!("{command}: invalid XPath {:?}: {reason}", shorten(value));
                return self.problem(line, Severity::Error, message);
            }
        };
        if command == "strip" && compiled.selects_attributes() {
            let message = format!("{command}: {value:?} removes attributes; not applied by refeed");
            return self.problem(line, Severity::Skipped, message);
        }
        let rule = Rule {
            value: compiled,
            origin: self.origin(line, command),
        };
        let list = match command {
            "title" => &mut self.title,
            "body" => &mut self.body,
            "author" => &mut self.author,
            "date" => &mut self.date,
            "strip" => &mut self.strip,
            "next_page_link" => &mut self.next_page_link,
            _ => &mut self.single_page_link,
        };
        list.push(rule);
    }

    /// `strip_id_or_class` and `strip_image_src`: quotes dropped, as Full-Text
    /// RSS drops them before building its XPath.
    fn word(&mut self, line: usize, command: &str, value: &str) {
        let word: String = value.chars().filter(|c| !matches!(c, '\'' | '"')).collect();
        let word = word.trim().to_owned();
        if word.is_empty() {
            return self.problem(line, Severity::Error, format!("{command}: empty value"));
        }
        let rule = Rule {
            value: word,
            origin: self.origin(line, command),
        };
        if command == "strip_id_or_class" {
            self.strip_id_or_class.push(rule);
        } else {
            self.strip_image_src.push(rule);
        }
    }

    /// `yes`/`true` or `no`/`false`; a later line overrides an earlier one.
    fn switch(&mut self, line: usize, command: &str, value: &str) {
        let on = match value.to_ascii_lowercase().as_str() {
            "yes" | "true" => true,
            "no" | "false" => false,
            _ => {
                let message = format!("{command}: expected yes or no, not {value:?}");
                return self.problem(line, Severity::Error, message);
            }
        };
        let rule = Some(Rule {
            value: on,
            origin: self.origin(line, command),
        });
        match command {
            "prune" => self.prune = rule,
            "tidy" => self.tidy = rule,
            "autodetect_next_page" => self.autodetect_next_page = rule,
            _ => self.autodetect_on_failure = rule,
        }
    }

    /// The errors, for `refeed check --site-configs`.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }
}

#[cfg(test)]
mod tests;
