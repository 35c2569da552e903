//! Unknown keys, all at once (issue 12): serde's `deny_unknown_fields`
//! stops at the first, so before the typed read the file is walked as a
//! plain TOML document and every key no table knows is reported with its
//! line, and "did you mean `schedule`?" when a known key is close (edit
//! distance) or the key belongs in another table (`listen` under
//! `[storage]`). A table written as the wrong name is named as the table it
//! is: `[[sources]]`, did you mean `[[source]]`.
//!
//! The known keys are not listed here: each table's are read off its `raw`
//! struct ([`fields_of`] asks serde's derived `Deserialize` for the field
//! names it accepts), so a key added to a `Raw*` struct is known at once.
//! Only which table nests in which is written down ([`Table::child`]); a
//! table missing from that map is not walked, and serde still rejects an
//! unknown key in it (one at a time) after this pass.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Visitor};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::raw::{
    RawArticle, RawClean, RawConfig, RawExtract, RawFetch, RawItems, RawRefresh, RawScheduler,
    RawServer, RawSource, RawStorage,
};
use super::report::{Report, SourceName};

/// The tables refeed reads, each with its `raw` struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Root,
    Server,
    Storage,
    Fetch,
    Scheduler,
    Refresh,
    Extract,
    Source,
    Items,
    Article,
    Clean,
}

/// Every table, for "belongs in `[server]`" hints.
const TABLES: [Table; 11] = [
    Table::Root,
    Table::Server,
    Table::Storage,
    Table::Fetch,
    Table::Scheduler,
    Table::Refresh,
    Table::Extract,
    Table::Source,
    Table::Items,
    Table::Article,
    Table::Clean,
];

impl Table {
    /// The keys the table's `raw` struct accepts.
    fn keys(self) -> &'static [&'static str] {
        match self {
            Table::Root => fields_of::<RawConfig>(),
            Table::Server => fields_of::<RawServer>(),
            Table::Storage => fields_of::<RawStorage>(),
            Table::Fetch => fields_of::<RawFetch>(),
            Table::Scheduler => fields_of::<RawScheduler>(),
            Table::Refresh => fields_of::<RawRefresh>(),
            Table::Extract => fields_of::<RawExtract>(),
            Table::Source => fields_of::<RawSource>(),
            Table::Items => fields_of::<RawItems>(),
            Table::Article => fields_of::<RawArticle>(),
            Table::Clean => fields_of::<RawClean>(),
        }
    }

    /// The table a key of this one opens, when refeed reads it.
    fn child(self, key: &str) -> Option<Table> {
        Some(match (self, key) {
            (Table::Root, "server") => Table::Server,
            (Table::Root, "storage") => Table::Storage,
            (Table::Root, "fetch") => Table::Fetch,
            (Table::Root, "scheduler") => Table::Scheduler,
            (Table::Root, "refresh") => Table::Refresh,
            (Table::Root, "extract") => Table::Extract,
            (Table::Root, "source") => Table::Source,
            (Table::Source, "items") => Table::Items,
            (Table::Source, "article") => Table::Article,
            (Table::Source, "clean") => Table::Clean,
            _ => return None,
        })
    }

    /// The dotted name of the table in the file (`source.items`).
    fn path(self) -> &'static str {
        match self {
            Table::Root => "",
            Table::Server => "server",
            Table::Storage => "storage",
            Table::Fetch => "fetch",
            Table::Scheduler => "scheduler",
            Table::Refresh => "refresh",
            Table::Extract => "extract",
            Table::Source => "source",
            Table::Items => "source.items",
            Table::Article => "source.article",
            Table::Clean => "source.clean",
        }
    }

    /// The key's name as a message shows it: `[[name]]` for an array of
    /// tables, `[name]` for a table, `name` for a value.
    fn shown(self, key: &str, value: &DeValue<'_>) -> String {
        let dotted = match self.path() {
            "" => key.to_owned(),
            path => format!("{path}.{key}"),
        };
        match value {
            DeValue::Table(_) => format!("[{dotted}]"),
            DeValue::Array(items)
                if !items.is_empty()
                    && items
                        .iter()
                        .all(|v| matches!(v.get_ref(), DeValue::Table(_))) =>
            {
                format!("[[{dotted}]]")
            }
            _ => key.to_owned(),
        }
    }
}

/// Reports every unknown key of `text` (already known to be valid TOML).
pub(super) fn check(report: &mut Report<'_>) {
    let Ok(root) = DeTable::parse(report.text()) else {
        return;
    };
    let mut walk = Walk {
        report,
        source: None,
    };
    walk.table(Table::Root, root.get_ref(), "");
}

/// The walk's position: the report and the source it is in.
struct Walk<'r, 'a> {
    report: &'r mut Report<'a>,
    source: Option<SourceName>,
}

impl Walk<'_, '_> {
    /// Checks the keys of `table`, read as `kind`; `prefix` is the dotted
    /// key path messages name (`items.`, `server.`).
    fn table(&mut self, kind: Table, table: &DeTable<'_>, prefix: &str) {
        // A struct serde does not read field by field (`flatten`) names no
        // fields: serde alone judges its keys.
        if kind.keys().is_empty() {
            return;
        }
        for (key, value) in table {
            let name: &str = key.get_ref();
            if !kind.keys().contains(&name) {
                let message = unknown(kind, name, value.get_ref());
                let dotted = format!("{prefix}{name}");
                self.report
                    .add(key.span(), self.source.as_ref(), &dotted, message);
                continue;
            }
            let Some(child) = kind.child(name) else {
                continue;
            };
            match value.get_ref() {
                DeValue::Array(items) if child == Table::Source => self.sources(items),
                DeValue::Table(inner) if child != Table::Source => {
                    self.table(child, inner, &format!("{prefix}{name}."));
                }
                // Any other value is a type error serde reports.
                _ => {}
            }
        }
    }

    /// The `[[source]]` tables, each named by its id (else its position).
    fn sources(&mut self, items: &[Spanned<DeValue<'_>>]) {
        for (index, item) in items.iter().enumerate() {
            let DeValue::Table(table) = item.get_ref() else {
                continue;
            };
            let id = table
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == "id")
                .and_then(|(_, value)| match value.get_ref() {
                    DeValue::String(id) => Some(id.to_string()),
                    _ => None,
                });
            let saved = self.source.take();
            self.source = Some(id.map_or(SourceName::Position(index + 1), SourceName::Id));
            self.table(Table::Source, table, "");
            self.source = saved;
        }
    }
}

/// The message for an unknown key `name` in `kind`, with a hint when one
/// can be given.
fn unknown(kind: Table, name: &str, value: &DeValue<'_>) -> String {
    let shown = kind.shown(name, value);
    let what = if shown.starts_with('[') {
        "table"
    } else {
        "key"
    };
    if let Some(close) = closest(name, kind.keys()) {
        let suggestion = kind.shown(close, value);
        return format!("unknown {what} `{shown}`: did you mean `{suggestion}`?");
    }
    if let Some(home) = TABLES
        .iter()
        .find(|table| **table != kind && table.keys().contains(&name))
    {
        let home = match *home {
            Table::Root => "at the top of the file (before any table)".to_owned(),
            Table::Source => "in `[[source]]` (above its `[source.*]` tables)".to_owned(),
            other => format!("in `[{}]`", other.path()),
        };
        return format!("unknown {what} `{shown}`: `{name}` belongs {home}");
    }
    format!(
        "unknown {what} `{shown}` (known here: {})",
        kind.keys().join(", ")
    )
}

/// The known key nearest to `key`, when it is near enough to be a typo:
/// at most one edit per three characters (at least one), transpositions
/// counting as one edit.
fn closest<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(key, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.chars().count() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// The field names a derived `Deserialize` struct accepts: serde passes
/// them to `deserialize_struct`, which this deserializer only records.
/// Empty for a type that is not such a struct.
fn fields_of<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields = None;
    let _ = T::deserialize(FieldNames(&mut fields));
    fields.unwrap_or_default()
}

/// A deserializer that records the field names it is asked for and fails.
struct FieldNames<'a>(&'a mut Option<&'static [&'static str]>);

/// [`FieldNames`]' only outcome.
#[derive(Debug)]
struct Recorded;

impl fmt::Display for Recorded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field names recorded")
    }
}

impl std::error::Error for Recorded {}

impl de::Error for Recorded {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Recorded
    }
}

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = Recorded;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Recorded> {
        Err(Recorded)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Recorded> {
        *self.0 = Some(fields);
        Err(Recorded)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}
