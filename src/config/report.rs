//! Locating and wording config problems. Every message is one line,
//! `file:line: source "id": key "key": what is wrong`, so a user can jump to
//! the spot; validation collects them all instead of stopping at the first.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use super::raw::Outline;

/// The source a problem belongs to, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SourceName {
    /// Its `id` as written (even when the id itself is the problem).
    Id(String),
    /// Its 1-based position among the `[[source]]` tables, when it has no id.
    Position(usize),
}

impl fmt::Display for SourceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceName::Id(id) => write!(f, "{id:?}"),
            SourceName::Position(n) => write!(f, "#{n}"),
        }
    }
}

/// One located problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// The source it is in, if any.
    pub source: Option<SourceName>,
    /// Dotted key within the source (`items.title`) or the file
    /// (`server.listen`); empty when the problem is not about one key.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// The message line for a file at `path`.
    pub fn render(&self, path: &Path) -> String {
        let mut out = path.display().to_string();
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
        }
        if let Some(source) = &self.source {
            out.push_str(&format!(": source {source}"));
        }
        if !self.key.is_empty() {
            out.push_str(&format!(": key {:?}", self.key));
        }
        out.push_str(": ");
        out.push_str(&self.message);
        out
    }
}

/// Problems found while validating one file.
pub(crate) struct Report<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Report<'a> {
    /// An empty report on `text`, the file's contents (for line numbers).
    pub fn new(text: &'a str) -> Self {
        Report {
            text,
            problems: Vec::new(),
        }
    }

    /// Records a problem at byte range `span` of the file.
    pub fn add(
        &mut self,
        span: Range<usize>,
        source: Option<&SourceName>,
        key: &str,
        message: impl fmt::Display,
    ) {
        self.problems.push(Problem {
            line: Some(line_of(self.text, span.start)),
            source: source.cloned(),
            key: key.to_owned(),
            message: message.to_string(),
        });
    }

    /// The file's contents.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    /// The message lines, in file order.
    pub fn into_lines(mut self, path: &Path) -> Vec<String> {
        self.problems.sort_by_key(|p| p.line);
        self.problems.iter().map(|p| p.render(path)).collect()
    }
}

/// The 1-based line holding byte `offset` of `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// The 1-based column of byte `offset` of `text`, counted in characters.
pub(crate) fn column_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    let start = text.as_bytes()[..end]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |nl| nl + 1);
    String::from_utf8_lossy(&text.as_bytes()[start..end])
        .chars()
        .count()
        + 1
}

/// Places an error of the TOML deserializer (unknown key, wrong type): its
/// line from the span, its key path from the error's own key trail, and its
/// source from where the `[[source]]` tables start.
pub(crate) fn de_problem(text: &str, err: &toml::de::Error) -> Problem {
    let mut keys = key_trail(err);
    let unknown = unknown_key(err.message());
    keys.extend(unknown.map(str::to_owned));
    let in_source = keys.first().is_some_and(|k| k == "source") && keys.len() > 1;
    let source = match (in_source, err.span()) {
        (true, Some(span)) => source_at(&Outline::of(text), span.start),
        _ => None,
    };
    let key = if in_source { &keys[1..] } else { &keys[..] };
    Problem {
        line: err.span().map(|span| line_of(text, span.start)),
        source,
        key: key.join("."),
        message: err.message().replacen("unknown field", "unknown key", 1),
    }
}

/// The dotted path of the table or key the error is in. `toml` only shows
/// it in its `Display` when it has no input to quote, so quote-less it is.
fn key_trail(err: &toml::de::Error) -> Vec<String> {
    let mut bare = err.clone();
    bare.set_input(None);
    let shown = bare.to_string();
    shown
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("in `")?.strip_suffix('`'))
        .map(|path| path.split('.').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The key named by serde's "unknown field `name`, expected …" message.
fn unknown_key(message: &str) -> Option<&str> {
    message
        .strip_prefix("unknown field `")?
        .split_once('`')
        .map(|(key, _)| key)
}

/// The source whose table starts last before `offset`.
fn source_at(outline: &Outline, offset: usize) -> Option<SourceName> {
    let (index, source) = outline
        .source
        .iter()
        .enumerate()
        .rfind(|(_, s)| s.span().start <= offset)?;
    Some(match source.get_ref().id() {
        Some(id) => SourceName::Id(id.to_owned()),
        None => SourceName::Position(index + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_of(text, 0), 1);
        assert_eq!(line_of(text, 6), 2);
        assert_eq!(column_of(text, 6), 1);
        assert_eq!(column_of(text, 10), 4);
        assert_eq!(line_of(text, 999), 3);
    }

    #[test]
    fn render_names_file_line_source_and_key() {
        let problem = Problem {
            line: Some(14),
            source: Some(SourceName::Id("bolivia".into())),
            key: "schedule".into(),
            message: "bad".into(),
        };
        assert_eq!(
            problem.render(Path::new("config/refeed.toml")),
            "config/refeed.toml:14: source \"bolivia\": key \"schedule\": bad"
        );
        let unnamed = Problem {
            source: Some(SourceName::Position(2)),
            key: String::new(),
            ..problem
        };
        assert_eq!(
            unnamed.render(Path::new("f.toml")),
            "f.toml:14: source #2: bad"
        );
    }

    #[test]
    fn unknown_key_is_read_from_serde_message() {
        assert_eq!(
            unknown_key("unknown field `foo`, expected `item`"),
            Some("foo")
        );
        assert_eq!(unknown_key("invalid type: integer"), None);
    }
}
